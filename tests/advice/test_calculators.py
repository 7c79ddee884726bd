"""The advisor's calculators: which facts each reads (in the order it prefers), the figures
it produces (checked against hand-computed values), and that it makes no figure up when
its inputs are missing. Every registered calculator declares the figures it returns."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817 - short for the tables below

import pytest

from apfa.advice.calculators import REGISTRY
from apfa.advice.calculators.base import Inputs


def run(name: str, **facts: object) -> dict[str, object]:
    result = REGISTRY[name].run(Inputs(facts))
    assert result is not None, name
    return result.figures


@pytest.mark.parametrize(
    ("name", "facts", "expected"),
    [
        (
            "loan_payment",
            {"loan_amount": D(300000), "interest_rate": D("6.5"), "term_months": 360},
            {"monthly_payment": D("1896.20"), "total_interest": D("382636.71")},
        ),
        (
            "loan_payment",
            {"home_price": D(380000), "down_payment_pct": D(20), "interest_rate": D("6.4"),
             "term_months": 360},
            {"principal": D(304000), "monthly_payment": D("1901.54")},
        ),
        (
            "term_comparison",
            {"loan_amount": D(280000), "rates": [D("5.75"), D("6.5")], "terms_months": [180, 360]},
            {"short_payment": D("2325.15"), "long_payment": D("1769.79")},
        ),
        (
            "affordability",
            {"annual_income": D(140000), "monthly_debt_payments": D(1070), "interest_rate": D(6),
             "term_months": 360},
            {"max_total_debt_43": D("5016.67"), "max_housing_payment_43": D("3946.67")},
        ),
        (
            # a planned purchase: $320,000 at 6.7% is $2,064.89 P&I; 1.45% of the price a year
            # in tax and insurance is $483.33; no PMI at 20% down
            "affordability",
            {"annual_income": D(95000), "monthly_debt_payments": D(500), "home_price": D(400000),
             "down_payment_pct": D(20), "interest_rate": D("6.7"), "term_months": 360},
            {"new_loan_amount": D(320000), "new_principal_interest": D("2064.89"),
             "new_pmi_monthly": D(0), "new_taxes_insurance_monthly": D("483.33"),
             "new_housing_payment": D("2548.22"), "dti_front": D("32.2"), "dti_back": D("38.5"),
             "down_payment_share": D(20)},
        ),
        (
            # 5% down: PMI at 0.80% a year of $332,500 (95% LTV, 680-699 band) is $221.67
            "affordability",
            {"annual_income": D(80000), "home_price": D(350000), "down_payment": D(17500),
             "property_tax_annual": D(4200), "interest_rate": D("6.7"), "term_months": 360},
            {"new_loan_amount": D(332500), "new_principal_interest": D("2145.55"),
             "new_pmi_monthly": D("221.67"), "new_taxes_insurance_monthly": D("452.08"),
             "new_housing_payment": D("2819.30")},
        ),
        (
            "ratios",
            {"monthly_income": D(7500), "monthly_debt_payments": D(900),
             "current_payment": D(2300)},
            {"dti_front": D("30.7"), "dti_back": D("42.7")},
        ),
        (
            "points",
            {"loan_amount": D(360000), "points": D("1.5"), "rates": [D("6.625"), D("6.125")],
             "term_months": 360},
            {"points_cost": D(5400), "points_monthly_saving": D("117.72"),
             "points_break_even": 46},
        ),
        (
            "refinance",
            {"loan_balance": D(310000), "interest_rate": D("7.1"), "new_rate": D("6.25"),
             "current_payment": D(2159), "closing_costs": D(5900)},
            {"new_payment": D("1908.72"), "monthly_saving": D("250.28"), "break_even_months": 24},
        ),
        (
            "card_payoff",
            {"card_balance": D(18000), "apr": D("24.99"), "payment_budget": D(500)},
            {"payoff_months": 68, "payoff_interest": D("15601.51")},
        ),
        (
            "balance_transfer",
            {"card_balance": D(9500), "transfer_fee_pct": D(3), "promo_months": 18},
            {"transfer_fee": D(285), "payment_to_clear": D("543.61")},
        ),
        (
            "emergency_fund",
            {"monthly_expenses": D(2750), "savings": D(4000), "monthly_savings": D(450)},
            {"target_6_months": D(16500), "months_to_target": 28},
        ),
        (
            "employer_match",
            {"annual_income": D(60000), "employer_match_pct": D(6), "match_rate_pct": D(50)},
            {"match_value": D(1800), "contribution_for_full_match": D(3600)},
        ),
        (
            "payday_cost",
            {"payday_fee": D(15), "payday_amount": D(100), "payday_days": 14},
            {"payday_apr": D("391.07")},
        ),
        (
            "settlement",
            {"debt_amount": D(4800), "settlement_pct": D(40)},
            {"settlement_amount": D(1920), "forgiven_amount": D(2880)},
        ),
        (
            "catch_up",
            {"missed_payments": 2, "current_payment": D(520), "late_fee": D(25)},
            {"past_due": D(1090)},
        ),
        ("catch_up", {"missed_payments": 3, "current_payment": D(1845)}, {"past_due": D(5535)}),
        (
            "savings_plan",
            {"savings_goal": D(6000), "horizon_months": 10},
            {"monthly_needed": D(600), "goal_months": 10},
        ),
        (
            "savings_plan",
            {"savings_goal": D(20000), "horizon_years": 2, "savings": D(5000)},
            {"monthly_needed": D(625), "goal_months": 24},
        ),
        (
            "savings_plan",
            {"savings_goal": D(1000), "horizon_months": 3},
            {"monthly_needed": D("333.34")},
        ),
        (
            "savings_growth",
            {"monthly_contribution": D(300), "return_rate": D(7), "horizon_years": 30},
            {"future_value": D("365991.30"), "total_contributed": D(108000)},
        ),
        ("pslf", {"qualifying_payments": 74}, {"payments_remaining": 46}),
        (
            "loan_payment",
            {"loan_amount": D(350000), "interest_rate": D("6.5"), "term_months": 360},
            {"first_month_interest": D("1895.83"), "first_month_principal": D("316.41"),
             "first_year_interest": D("22634.81")},
        ),
        (
            "extra_payment",
            {"loan_amount": D(300000), "interest_rate": D(6), "term_months": 360,
             "extra_payment": D(200)},
            {"payoff_months_with_extra": 279, "months_saved": 81,
             "interest_saved_with_extra": D("91173.87")},
        ),
        (
            "extra_payment",
            {"loan_amount": D(12000), "interest_rate": D(7), "remaining_months": 48,
             "extra_payment": D(300), "loan_type": "auto"},
            {"monthly_payment": D("287.35"), "months_without_extra": 48,
             "payoff_months_with_extra": 22, "interest_saved_with_extra": D("978.10")},
        ),
        (
            "term_comparison",
            {"loan_amount": D(300000), "rates": [D("5.5"), D("6.25")], "terms_months": [180, 360],
             "payments_made": 60},
            {"short_balance_after": D("225867.01"), "long_balance_after": D("280011.83")},
        ),
        (
            "fixed_vs_arm",
            {"loan_amount": D(350000), "fixed_rate": D("6.75"), "arm_rate": D("5.875"),
             "term_months": 360, "fixed_years": 5},
            {"fixed_payment": D("2270.09"), "arm_initial_payment": D("2070.38"),
             "arm_fixed_period_saving": D("11982.60")},
        ),
        ("program_minimums", {"home_price": D(300000)},
         {"conventional_min_down": D(9000), "fha_min_down": D(10500)}),
        (
            "affordability",
            {"annual_income": D(140000), "monthly_debt_payments": D(1070), "max_dti": D(45)},
            {"max_total_debt_limit": D("5250.00"), "max_housing_payment_limit": D("4180.00")},
        ),
        ("pmi", {"loan_amount": D(342000), "pmi_rate": D("0.55")}, {"pmi_monthly": D("156.75")}),
        (
            "ltv",
            {"loan_amount": D(318000), "home_price": D(400000), "home_value": D(450000)},
            {"ltv": D("70.7"), "ltv_original": D("79.5")},
        ),
        (
            "utilization",
            {"card_limits": [{"balance": D(1200), "limit": D(3000)},
                             {"balance": D(2500), "limit": D(5000)},
                             {"balance": D(0), "limit": D(2000)}]},
            {"utilization_pct": D("37.0"), "total_balances": D(3700)},
        ),
        ("loan_fee", {"loan_amount": D(15000), "fee_pct": D(8)},
         {"fee_amount": D(1200), "amount_received": D(13800)}),
        ("balance_transfer", {"card_balance": D(12000), "transfer_fee_pct": D(4)},
         {"transfer_fee": D(480), "transferred_balance": D(12480)}),
        (
            "consolidation",
            {"card_balance": D(22000), "new_rate": D("11.9"), "term_months": 60},
            {"consolidation_payment": D("488.27"), "new_total_interest": D("7295.92")},
        ),
        (
            "auto_loan",
            {"amount_owed": D(18500), "trade_in_value": D(13000)},
            {"negative_equity": D(5500)},
        ),
        (
            "fund_fees",
            {"fund_balance": D(80000), "expense_ratio": D("0.85"),
             "other_expense_ratio": D("0.04")},
            {"yearly_fee": D("680.00"), "other_yearly_fee": D("32.00"),
             "fee_difference": D("648.00")},
        ),
        ("cosign_dti", {"annual_income": D(72000), "monthly_debt_payments": D(900),
                        "cosign_payment": D(450)},
         {"dti_before_cosign": D("15.0"), "dti_after_cosign": D("22.5")}),
        ("refinance", {"loan_amount": D(19000), "interest_rate": D(14), "new_rate": D(7),
                       "remaining_months": 48, "payment_budget": D(519), "loan_type": "auto"},
         {"new_payment": D("454.98"), "monthly_saving": D("64.02")}),
        ("plan_total", {"plan_payment": D(475), "term_months": 60},
         {"plan_total": D(28500), "plan_months": 60}),
        ("monthly_fee_loan", {"amount_owed": D(1000), "monthly_fee_pct": D(25)},
         {"monthly_fee": D("250.00"), "monthly_fee_apr": D(300)}),
        ("payday_cost", {"payday_amount": D(400), "payday_fee": D(60), "rollovers": 3},
         {"payday_fee_total": D(240), "still_owed": D(400)}),
        # a loan payment stated for buying instead of leasing, over the same months
        ("lease_vs_buy", {"lease_payment": D(389), "term_months": 36, "buy_payment": D(560),
                          "buy_months": 60},
         {"lease_total": D(14004), "buy_payments_total": D(33600),
          "lease_over_buy_term": D(23340), "buy_breakeven_value": D(10260)}),
        ("utilization", {"card_limits": [{"balance": D(2100), "limit": D(5000)},
                                         {"balance": D(900), "limit": D(3000)},
                                         {"balance": D(1500), "limit": D(2000)}]},
         {"utilization_pct": D(45), "highest_card_utilization": D(75)}),
        # a lease against a loan to buy the same car: the loan, the balance at the lease's end
        # and the car's value then above which buying is ahead
        ("lease_vs_buy", {"lease_payment": D(389), "terms_months": [36, 60], "term_months": 36,
                          "due_at_signing": D(2500), "car_price": D(34000),
                          "down_payment": D(3000), "interest_rate": D("5.9")},
         {"lease_total": D(16504), "loan_payment_to_buy": D("597.88"),
          "buy_loan_amount": D(31000), "buy_balance_at_lease_end": D("13503.38"),
          "buy_value_to_win": D("21523.06")}),
        ("retirement_limits", {"annual_income": D(110000), "contribution_pct": D(6)},
         {"room_to_limit": D(17900)}),
        ("employer_match", {"annual_income": D(110000), "contribution_pct": D(6),
                            "employer_match_pct": D(5), "match_rate_pct": D(100)},
         {"own_contribution": D(6600), "match_value": D(5500)}),
        # a stated new ARM rate on the balance over the months left
        ("arm_stated_reset", {"rates": [D("4.75"), D("7.25")], "loan_balance": D(241300),
                              "remaining_months": 276, "current_payment": D(1439)},
         {"new_arm_payment": D("1799.08"), "arm_payment_increase": D("360.08")}),
        # the co-signed loan's payment from its amount, rate and term
        ("cosign_dti", {"annual_income": D(88000), "loan_amount": D(26000),
                        "interest_rate": D("7.9"), "term_months": 60,
                        "current_payment": D(1950), "monthly_debt_payments": D(60)},
         {"dti_before_cosign": D("27.4"), "cosign_added_payment": D("525.94")}),
        # rent and a car payment against the needs half of take-home pay
        ("budget", {"take_home_monthly": D(4800), "rent": D(1900), "monthly_debt_payments": D(420)},
         {"fixed_needs": D(2320), "fixed_needs_share": D("48.3"), "needs_room": D(80)}),
        ("budget", {"take_home_monthly": D(4000), "rent": D(2100), "monthly_debt_payments": D(500)},
         {"fixed_needs_share": D(65), "needs_over_by": D(600)}),
        # "paying the fee 4 times": four fees, three rollovers
        ("payday_cost", {"payday_amount": D(400), "payday_fee": D(60), "payday_fees_paid": 4},
         {"payday_fee_total": D(240), "rollovers": 3, "payday_total_paid": D(640)}),
        # a price per $100 applied to the amount borrowed
        ("payday_cost", {"loan_amount": D(400), "payday_fee": D(15), "payday_fee_per": D(100)},
         {"payday_fee_due": D(60), "payday_apr": D("391.07"), "payday_term_days": 14,
          "payday_borrowed": D(400)}),
        (
            "lease_vs_buy",
            {"lease_payment": D(389), "term_months": 36, "due_at_signing": D(2500)},
            {"lease_total": D(16504), "lease_term": 36},
        ),
        ("down_payment_options",
         {"home_price": D(380000), "down_payment_pct": D(10), "interest_rate": D("6.4"),
          "term_months": 360},
         {"interest_vs_20_down": D("47570.82")}),
        ("excess_mileage",
         {"miles_allowed": 36000, "miles_expected": 45000, "excess_mile_fee": D("0.25")},
         {"excess_miles": 9000, "excess_mileage_charge": D("2250.00")}),
        ("excess_mileage",
         {"miles_allowed_per_year": 12000, "miles_expected_per_year": 15000,
          "excess_mile_fee": D("0.20"), "lease_months": 36},
         {"excess_miles": 9000, "excess_mileage_charge": D("1800.00")}),
        ("itemize_vs_standard",
         {"mortgage_interest_paid": D(9000), "property_tax_annual": D(6000),
          "filing_status": "joint"},
         {"itemized_total": D(15000), "standard_deduction": D(32200),
          "deduction_difference": D(17200)}),
        ("budget",
         {"take_home_monthly": D(6800), "monthly_expenses": D(4790), "needs_monthly": D(3890)},
         {"savings_20": D(1360), "left_over": D(2010), "needs_share": D("57.2")}),
        ("budget", {"take_home_monthly": D(3000), "monthly_expenses": D(3250)},
         {"shortfall": D(250)}),
        ("early_withdrawal", {"withdrawal_amount": D(10000), "age": 40},
         {"early_withdrawal_tax": D("1000.00"), "plan_withholding": D("2000.00"),
          "plan_check": D("8000.00")}),
        # savings and severance with no pay coming in: (18,600 + 6,200) / 3,100 = 8 months
        ("emergency_fund", {"savings": D(18600), "monthly_expenses": D(3100)},
         {"months_covered": 6}),
        ("emergency_fund",
         {"savings": D(18600), "severance": D(6200), "monthly_expenses": D(3100)},
         {"months_covered": 8}),
        # part of a month counts: 9,500 / 3,800 = 2.5 months, to a tenth, rounded down
        ("emergency_fund", {"savings": D(9500), "monthly_expenses": D(3800)},
         {"months_covered": D("2.5"), "target_3_months": D(11400)}),
        # 1,650 a month is 19,800 a year; 7,500 through the FSA at 12% + 7.65% saves 1,473.75
        ("child_care", {"child_care_monthly": D(1650), "tax_rate": D(12)},
         {"child_care_yearly": D(19800), "dependent_care_fsa_limit": D(7500),
          "fsa_tax_saving": D("1473.75")}),
        # an FSA covers only what child care costs: 500 a month is 6,000 at 22% + 7.65%
        ("child_care", {"child_care_monthly": D(500), "tax_rate": D(22)},
         {"fsa_tax_saving": D("1779.00")}),
        ("cobra", {"health_premium_full": D(1900)},
         {"cobra_max_monthly": D("1938.00"), "cobra_max_yearly": D("23256.00")}),
        ("windfall", {"windfall_amount": D(250000), "windfall_withholding_pct": D(24)},
         {"windfall_withheld": D("60000.00"), "windfall_after_withholding": D("190000.00"),
          "windfall_uninsured": D(0)}),
        ("windfall", {"windfall_amount": D(320000)}, {"windfall_uninsured": D(70000)}),
        # 3 months at 5,200 is 15,600; leave paying 2,800 a month leaves 7,200 for savings
        ("leave_gap", {"leave_months": 3, "monthly_expenses": D(5200), "savings": D(9000)},
         {"leave_cost": D(15600), "leave_from_savings": D(15600), "leave_short": D(6600)}),
        ("leave_gap",
         {"leave_months": 3, "monthly_expenses": D(5200), "savings": D(9000),
          "leave_benefit_monthly": D(2800)},
         {"leave_from_savings": D(7200), "leave_short": D(0), "leave_savings_left": D(1800)}),
        # half of 380,000 - 210,000 is 85,000; a 295,000 loan is 77.6% of the value
        ("equity_buyout", {"home_value": D(380000), "loan_balance": D(210000)},
         {"buyout_equity": D(170000), "buyout_amount": D(85000), "buyout_loan": D(295000),
          "buyout_ltv": D("77.6")}),
        ("retirement_limits", {"annual_income": D(120000), "pay_periods": 26},
         {"limit_401k": D(24500), "pct_to_max": D("20.4"), "per_paycheck_to_max": D("942.31")}),
        (
            "arm_reset",
            {"loan_amount": D(350000), "arm_rate": D("5.875"), "fixed_years": 5,
             "initial_cap": D(2), "periodic_cap": D(1), "lifetime_cap": D(5)},
            {"balance_at_reset": D("325183.17"), "max_first_payment": D("2482.95"),
             "max_payment": D("3157.82")},
        ),
        (
            "rent_vs_buy",
            {"rent": D(1800), "home_price": D(320000), "down_payment_pct": D(10),
             "interest_rate": D("6.6"), "term_months": 360},
            {"monthly_payment": D("1839.34"), "price_to_rent": D("14.8"), "stay_years": 7},
        ),
    ],
)  # fmt: skip
def test_figures_in_the_persons_numbers(
    name: str, facts: dict[str, object], expected: dict[str, object]
) -> None:
    figures = run(name, **facts)
    for figure, value in expected.items():
        assert figures[figure] == value, (figure, figures)


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        ("loan_payment", {"interest_rate": D(6)}),
        ("card_payoff", {"apr": D(20)}),
        ("refinance", {"loan_balance": D(300000)}),
        ("employer_match", {"annual_income": D(80000)}),
        ("payoff_plan", {"payment_budget": D(500)}),
        ("emergency_fund", {"savings": D(1000)}),
        ("arm_reset", {"loan_balance": D(300000), "interest_rate": D(5)}),
        ("fund_fees", {"expense_ratio": D("0.85")}),
    ],
)
def test_missing_inputs_give_no_figures(name: str, facts: dict[str, object]) -> None:
    assert REGISTRY[name].run(Inputs(facts)) is None


def test_every_figure_a_calculator_returns_is_declared() -> None:
    samples = {
        "loan_amount": D(250000), "loan_balance": D(250000), "home_price": D(320000),
        "home_value": D(400000), "down_payment": D(20000), "interest_rate": D("6.5"),
        "new_rate": D("5.75"), "term_months": 360, "annual_income": D(90000),
        "monthly_debt_payments": D(500), "current_payment": D(1900), "closing_costs": D(5000),
        "points": D(1), "card_balance": D(6000), "apr": D(22), "payment_budget": D(400),
        "transfer_fee_pct": D(3), "promo_months": 15, "employer_match_pct": D(4),
        "monthly_expenses": D(3000), "savings": D(2000), "monthly_savings": D(300),
        "return_rate": D(7), "horizon_years": 10, "monthly_contribution": D(200),
        "rent": D(2000), "take_home_monthly": D(5000), "index_rate": D("4.5"), "margin": D("2.75"),
        "remaining_months": 300, "qualifying_payments": 60, "student_balance": D(30000),
        "agi": D(60000), "debt_amount": D(3000), "settlement_pct": D(50), "car_price": D(30000),
        "lease_payment": D(400), "lease_months": 36, "age": 45,
        "debts": [{"balance": D(3000), "apr": D(25)}, {"balance": D(800), "apr": D(18)}],
    }  # fmt: skip
    for name, calc in REGISTRY.items():
        result = calc.run(Inputs(samples))
        if result is not None:
            assert set(result.figures) <= set(calc.produces), name


def test_rent_vs_buy_lists_every_planning_assumption() -> None:
    result = REGISTRY["rent_vs_buy"].run(
        Inputs({"rent": D(2000), "home_price": D(400000), "interest_rate": D("6.5")})
    )
    assert result is not None
    text = " ".join(result.assumptions)
    for part in ("7-year", "20% down", "rent rising 3%", "selling costs", "term assumed 30"):
        assert part in text


# Figures two calculators both produce mean the same thing in each (a playbook that runs both
# keeps the first one's value); any other name belongs to one calculator.
SHARED = {
    "monthly_payment": {"loan_payment", "extra_payment", "auto_loan", "rent_vs_buy"},
    "total_interest": {"loan_payment", "auto_loan"},
    "dti_front": {"affordability", "ratios"},
    "gross_monthly_income": {"affordability", "ratios"},
    "dti_back": {"affordability", "ratios"},
    # a term weighed for a loan one has runs the refinance figures themselves
    **{
        name: {"refinance", "refinance_option"}
        for name in (
            "current_payment",
            "new_payment",
            "monthly_saving",
            "break_even_months",
            "interest_difference",
            "refi_total_interest",
            "payment_increase",
            "new_loan_months",
            "refi_loan_amount",
        )
    },
    # the terms a person named are the term comparison's figures, without its default pair
    **{
        name: {"term_comparison", "stated_terms"}
        for name in (
            "short_payment",
            "long_payment",
            "payment_difference",
            "short_total_interest",
            "long_total_interest",
            "interest_saved",
            "short_term",
            "long_term",
            "short_rate",
            "long_rate",
            "short_balance_after",
            "long_balance_after",
            "equity_difference",
        )
    },
}


def test_only_the_terms_named_are_set_side_by_side() -> None:
    one = {"loan_amount": D(260000), "interest_rate": D("6.6"), "terms_months": [360]}
    assert REGISTRY["stated_terms"].run(Inputs(one)) is None
    both = run(
        "stated_terms", loan_amount=D(260000), terms_months=[180, 360], rates=[D("5.99"), D("6.6")]
    )
    assert (both["short_payment"], both["long_payment"]) == (D("2192.62"), D("1660.51"))
    assert (both["short_rate"], both["long_rate"], both["terms_stated"]) == (
        D("5.99"),
        D("6.6"),
        2,
    )


def test_a_figure_name_means_one_thing() -> None:
    producers: dict[str, set[str]] = {}
    for calc in REGISTRY.values():
        for figure in calc.produces:
            producers.setdefault(figure, set()).add(calc.name)
    shared = {name: names for name, names in producers.items() if len(names) > 1}
    assert shared == SHARED


def test_terms_are_compared_for_other_loans_only_when_stated() -> None:
    auto = {"loan_amount": D(12000), "interest_rate": D(7), "loan_type": "auto"}
    assert REGISTRY["term_comparison"].run(Inputs(auto)) is None
    stated = REGISTRY["term_comparison"].run(Inputs({**auto, "terms_months": [36, 60]}))
    assert stated is not None
    assert (stated.figures["short_term"], stated.figures["long_term"]) == (36, 60)


def test_a_stated_payment_without_a_term_asks_how_long_not_for_a_level_payment() -> None:
    facts = {"loan_amount": D(4200), "interest_rate": D("22.9"), "payment_budget": D(150)}
    assert REGISTRY["loan_payment"].run(Inputs(facts)) is None
    with_term = run("loan_payment", **facts, term_months=36)
    assert with_term["monthly_payment"] == D("162.36")


def test_a_refinance_option_runs_only_for_a_loan_one_already_has() -> None:
    purchase = {"loan_amount": D(400000), "rates": [D("6.5"), D("5.75")], "terms_months": [360]}
    assert REGISTRY["refinance_option"].run(Inputs(purchase)) is None
    owned = {**purchase, "remaining_months": 312, "new_rate": D("5.9"), "term_months": 240}
    figures = run("refinance_option", **owned)
    assert figures["new_payment"] == D("2842.70")


def test_a_higher_payment_is_an_increase_never_a_negative_saving() -> None:
    dearer = run(
        "refinance", loan_balance=D(200000), interest_rate=D(5), new_rate=D(6), term_months=360
    )
    assert "monthly_saving" not in dearer
    assert dearer["payment_increase"] > 0
    arm_higher = run("fixed_vs_arm", loan_amount=D(300000), fixed_rate=D(6), arm_rate=D("6.5"))
    assert "arm_monthly_saving" not in arm_higher
    assert "arm_fixed_period_saving" not in arm_higher


def test_fixed_vs_arm_says_what_is_owed_on_each_when_the_fixed_period_ends() -> None:
    # schedule balances after 84 payments on 400,000 over 360 months at 6.5% and 5.5%
    figures = run(
        "fixed_vs_arm",
        loan_amount=D(400000),
        fixed_rate=D("6.5"),
        arm_rate=D("5.5"),
        fixed_years=7,
        term_months=360,
    )
    assert figures["fixed_balance_after_period"] == D("361665.25")
    assert figures["arm_balance_after_period"] == D("355263.18")


def test_two_down_payments_named_give_the_monthly_gap_between_them() -> None:
    # 425,000 at 6.6% over 30 years: 382,500 borrowed (10% down) against 340,000 (20% down)
    figures = run(
        "down_payment_options",
        home_price=D(425000),
        down_payment_pcts=[D(10), D(20)],
        interest_rate=D("6.6"),
        term_months=360,
    )
    assert figures["payment_gap_down"] == D("2442.87") - D("2171.44")
    assert figures["larger_down_pct"] == D(20)


def test_closing_costs_priced_in_part_as_a_percent_and_less_a_seller_credit() -> None:
    figures = run(
        "closing_share",
        loan_amount=D(310000),
        closing_costs=D(5870),
        closing_costs_priced=D(3100),
        seller_credit=D(2500),
    )
    assert figures["percent_priced_costs"] == D(3100)
    assert figures["closing_costs_after_credit"] == D(3370)
    assert figures["closing_costs_pct"] == pytest.approx(D("1.9"), abs=D("0.05"))
    # with a home price the cash-to-close calculator accounts for the credit instead
    priced = run(
        "closing_share",
        loan_amount=D(310000),
        closing_costs=D(5870),
        seller_credit=D(2500),
        home_price=D(400000),
    )
    assert "closing_costs_after_credit" not in priced


def test_payoff_plans_name_each_debt_and_give_this_months_interest() -> None:
    debts = [
        {"balance": D(2900), "apr": D("22.9")},
        {"balance": D(6400), "apr": D("27.5")},
        {"balance": D(850), "apr": D(18)},
    ]
    result = REGISTRY["payoff_plan"].run(Inputs({"debts": debts, "payment_budget": D(600)}))
    assert result is not None
    # 55.34 + 146.67 + 12.75, each month's interest rounded to the cent
    assert result.figures["interest_this_month"] == D("214.76")
    assert result.comparisons[0].rows[0][1].startswith("$6,400 at 27.5%")


def test_several_cards_without_a_budget_give_each_ones_interest_and_both_first_targets() -> None:
    """ "3 cards: 4,100 at 26.24%, 2,300 at 18.9% and 6,500 at 22.49%; which first?" """
    debts = [
        {"balance": D(4100), "apr": D("26.24")},
        {"balance": D(2300), "apr": D("18.9")},
        {"balance": D(6500), "apr": D("22.49")},
    ]
    inputs = Inputs({"debts": debts, "card_balance": D(4100), "apr": D("26.24")})
    result = REGISTRY["payoff_plan"].run(inputs)
    assert result is not None
    assert result.figures["interest_this_month"] == D("247.70")  # 89.65 + 36.23 + 121.82
    assert result.figures["first_target"] == "the $4,100 balance at 26.24%"
    assert result.figures["snowball_target"] == "the $2,300 balance at 18.9%"
    assert [row[-1] for row in result.comparisons[0].rows] == ["$89.65", "$36.23", "$121.82"]
    assert result.assumptions == []  # no minimum is used, so none is assumed
    # the first card of the list is not answered as if it were the only one
    assert REGISTRY["card_payoff"].run(inputs) is None
    alone = run("card_payoff", card_balance=D(2750), apr=D("29.99"), payment_budget=D(85))
    assert (alone["payoff_months"], alone["payoff_interest"]) == (67, D("2942.59"))


def test_points_weighed_against_how_long_the_loan_is_kept() -> None:
    # 2 points on 410,000: 8,200; 6.875% -> 6.375% saves 2693.41 - 2557.87 = 135.54 a month
    figures = run(
        "points",
        loan_amount=D(410000),
        points=D(2),
        rates=[D("6.875"), D("6.375")],
        term_months=360,
        horizon_years=5,
    )
    assert figures["points_horizon_saving"] == D("8132.40")
    assert figures["points_horizon_loss"] == D("67.60")
    assert "points_horizon_gain" not in figures


def test_a_stated_payment_cut_and_closing_costs_give_the_break_even() -> None:
    figures = run("refinance", payment_reduction=D(175), closing_costs=D(4725))
    assert figures == {"monthly_saving": D(175), "break_even_months": 27}


def test_a_loan_paid_at_a_stated_amount_and_with_more() -> None:
    # 62,000 at 7.05% paying 720: 121 payments; 920: 87 payments (interest rounded monthly)
    figures = run(
        "payoff_at_payment",
        loan_balance=D(62000),
        interest_rate=D("7.05"),
        current_payment=D(720),
        extra_payment=D(200),
    )
    assert figures["payoff_months_at_payment"] == 121
    assert figures["payoff_interest_at_payment"] == D("24656.82")
    assert figures["payoff_months_with_more"] == 87
    assert figures["interest_saved_by_paying_more"] == D("24656.82") - D("17164.64")
    assert figures["months_sooner"] == 34
    # a payment above a stated term's schedule: 38,500 at 6.53% over 120 months, paying 550
    above = run(
        "payoff_at_payment",
        student_balance=D(38500),
        interest_rate=D("6.53"),
        payment_budget=D(550),
        term_months=120,
    )
    assert above["payoff_months_at_payment"] == 89
    assert above["interest_saved_by_paying_more"] == D("3932.01")


def test_one_debt_consolidated_against_paying_it_off_in_the_same_time() -> None:
    # 12,000 at 24.99% against a loan at 11.5%, both over 36 months
    figures = run(
        "consolidation",
        card_balance=D(12000),
        apr=D("24.99"),
        new_rate=D("11.5"),
        term_months=36,
    )
    assert figures["same_term_payment"] == D("477.05")
    assert figures["same_term_interest"] == D("5174.03")
    assert figures["same_term_saving"] == D("5174.03") - D("2245.63")


def test_several_cards_into_a_loan_at_the_rate_no_card_has() -> None:
    debts = [
        {"balance": D(4300), "apr": D("27.24")},
        {"balance": D(2850), "apr": D("22.9")},
        {"balance": D(6100), "apr": D("19.99")},
    ]
    figures = run(
        "consolidation",
        debts=debts,
        rates=[D("27.24"), D("22.9"), D("19.99"), D("13.5")],
        term_months=60,
    )
    assert figures["debt_total"] == D(13250)
    assert figures["consolidation_payment"] == D("304.88")


def test_a_lease_against_a_loan_amount_financed_over_its_own_term() -> None:
    figures = run(
        "lease_vs_buy",
        lease_payment=D(389),
        lease_months=36,
        due_at_signing=D(2500),
        loan_amount=D(34000),
        interest_rate=D("6.9"),
        terms_months=[36, 60],
    )
    assert figures["lease_total"] == D(16504)
    assert figures["loan_payment_to_buy"] == D("671.64")
    assert figures["buy_loan_interest"] == D("6298.22")
    assert figures["buy_term"] == 60


def test_an_emergency_fund_says_how_far_the_savings_are_from_each_target() -> None:
    figures = run("emergency_fund", monthly_expenses=D(3200), savings=D(7000))
    assert figures["short_of_3_months"] == D(2600)
    assert figures["short_of_6_months"] == D(12200)


def test_monthly_savings_grow_at_a_savings_accounts_stated_rate() -> None:
    # 400 a month at 4.5% compounded monthly, 60 deposits at the end of each month
    figures = run(
        "savings_growth", monthly_contribution=D(400), interest_rate=D("4.5"), term_months=60
    )
    assert figures["future_value"] == D("26858.22")
    assert figures["growth"] == D("2858.22")
    # a loan's rate is never taken for a return
    assert (
        REGISTRY["savings_growth"].run(
            Inputs(
                {
                    "monthly_contribution": D(400),
                    "interest_rate": D(6),
                    "term_months": 60,
                    "loan_amount": D(20000),
                }
            )
        )
        is None
    )


def test_a_401k_percent_gives_the_year_and_each_paycheck() -> None:
    figures = run(
        "retirement_limits",
        age=34,
        annual_income=D(112000),
        pay_periods=26,
        contribution_pct=D(15),
    )
    assert figures["yearly_deferral"] == D(16800)
    assert figures["per_paycheck_deferral"] == D("646.15")
    assert figures["room_to_limit"] == D(7700)  # under the 2026 limit of 24,500


def test_a_heloc_priced_at_the_index_plus_its_margin() -> None:
    figures = run(
        "cash_out", loan_amount=D(50000), index_rate=D("7.5"), margin=D("0.5"), term_months=240
    )
    assert figures["heloc_rate_now"] == D(8)
    assert figures["heloc_interest_only_payment"] == D("333.33")
    assert figures["heloc_repayment_payment"] == D("418.22")
    assert figures["heloc_repayment_interest"] == D("50372.97")


def test_a_refinance_from_one_rate_to_another_whichever_was_read_as_the_rate() -> None:
    # "from 6.8% to 5.2%, both 10 yrs" on 45,000: the first rate is the loan's now
    figures = run(
        "refinance",
        loan_amount=D(45000),
        interest_rate=D("5.2"),
        rates=[D("6.8"), D("5.2")],
        term_months=120,
        loan_type="refinance",
    )
    assert figures["current_payment"] == D("517.86")
    assert figures["new_payment"] == D("481.71")
    assert figures["interest_difference"] == D("17143.50") - D("12804.60")


def test_affordability_gives_gross_monthly_income_and_the_36_percent_housing_room() -> None:
    figures = run("affordability", annual_income=D(140000), monthly_debt_payments=D(900))
    assert figures["gross_monthly_income"] == D("11666.67")
    assert figures["max_housing_payment_36"] == D(3300)


def test_cash_out_of_a_homes_equity_gives_the_combined_loan_to_value() -> None:
    figures = run("cash_out", home_value=D(520000), loan_amount=D(286000), cash_needed=D(45000))
    assert figures["ltv_now"] == D("55.0")
    assert figures["owed_with_cash"] == D(331000)
    assert figures["cltv_with_cash"] == D("63.7")


def test_utilization_card_by_card() -> None:
    cards = [
        {"balance": D(1900), "limit": D(5000)},
        {"balance": D(1150), "limit": D(2000)},
        {"balance": D(0), "limit": D(8000)},
    ]
    result = REGISTRY["utilization"].run(Inputs({"card_limits": cards}))
    assert result is not None
    assert result.figures["utilization_pct"] == D("20.3")
    assert result.figures["highest_card_utilization"] == D("57.5")
    assert [row[3] for row in result.comparisons[0].rows] == ["38%", "57.5%", "0%"]


def test_a_refinance_into_a_stated_new_term_uses_it_for_the_new_loan_only() -> None:
    """ "P&I is 2,307.41 on 322k at 7.5, offered 6.25% on a new 30 yr, 5,800 closing":
    the new loan runs the stated term; no current term is assumed from it."""
    out = run(
        "refinance",
        loan_amount=D(322000),
        interest_rate=D("7.5"),
        new_rate=D("6.25"),
        new_term_months=360,
        current_payment=D("2307.41"),
        closing_costs=D(5800),
    )
    assert (out["new_payment"], out["monthly_saving"]) == (D("1982.61"), D("324.80"))
    assert (out["break_even_months"], out["new_loan_months"]) == (18, 360)
    assert "interest_difference" not in out  # the current loan's remaining term is unknown
    shorter = run(
        "refinance",
        loan_amount=D(322000),
        interest_rate=D("7.5"),
        new_rate=D("5.875"),
        new_term_months=240,
        current_payment=D("2307.41"),
        closing_costs=D(5800),
    )
    assert (shorter["new_payment"], shorter["break_even_months"]) == (D("2283.75"), 246)


def test_part_of_a_month_reads_to_a_tenth_below_two_years() -> None:
    from apfa.advice.formatting import months

    assert months(D("2.5")) == "2.5 months"
    assert months(D("4.19")) == "4.1 months"
    assert months(3) == "3 months"
    assert months(D("30.5")) == "30 months (2 years 6 months)"


def test_closing_costs_rolled_into_a_refinance_are_borrowed() -> None:
    """ "owe 265k at 7.25 with 28 yrs left, P&I 1,844.82; 6% 30yr, 4,200 closing costs
    rolled into the loan": the new loan is 269,200 and its payment and interest include
    the costs; the break-even is still the costs over the monthly saving."""
    stated = {
        "loan_amount": D(265000),
        "interest_rate": D("7.25"),
        "new_rate": D(6),
        "remaining_months": 336,
        "new_term_months": 360,
        "current_payment": D("1844.82"),
        "closing_costs": D(4200),
    }
    rolled = run("refinance", **stated, closing_costs_paid="financed")
    assert rolled["refi_loan_amount"] == D(269200)
    assert (rolled["new_payment"], rolled["monthly_saving"]) == (D("1613.99"), D("230.83"))
    assert rolled["break_even_months"] == 19
    cash = run("refinance", **stated)
    assert "refi_loan_amount" not in cash
    assert (cash["new_payment"], cash["break_even_months"]) == (D("1588.81"), 17)
    assert rolled["interest_difference"] < cash["interest_difference"]


def test_room_left_this_year_is_the_limit_less_what_was_deferred_so_far() -> None:
    # 2026: 24,500 under 50; 14,000 deferred by December leaves 10,500 for the bonus
    figures = run("retirement_limits", age=41, annual_income=D(95000), deferred_this_year=D(14000))
    assert figures["room_to_limit"] == D(10500)
    older = run("retirement_limits", age=52, deferred_this_year=D(14000))
    assert older["room_to_limit"] == D(24500) + D(8000) - D(14000)  # with the catch-up
    assert run("retirement_limits", age=41, deferred_this_year=D(30000))["room_to_limit"] == 0
