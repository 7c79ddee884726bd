"""Calculators for the household: budget, emergency fund, saving and investing, retirement
accounts, renting against buying."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from apfa.advice.calculators.affordability import mortgage_insurance, stated_escrow
from apfa.advice.calculators.base import Comparison, Computed, Inputs, calculator
from apfa.advice.calculators.loans import rate, term_months
from apfa.advice.formatting import money, months, percent
from apfa.finance.budget import budget_50_30_20
from apfa.finance.budget import down_payment_options as down_options
from apfa.finance.loans import amortization_schedule, monthly_payment, total_interest
from apfa.finance.ratios import PMI_FREE_LTV
from apfa.finance.rent_vs_buy import rent_vs_buy as rent_or_buy
from apfa.finance.retirement import loan_401k_limit, to_max_out
from apfa.finance.retirement import retirement_limits as limits_for
from apfa.finance.savings import emergency_fund as fund
from apfa.finance.savings import employer_match as match
from apfa.finance.savings import future_value
from apfa.finance.savings import pay_off_or_invest as pay_or_invest

# Documented planning defaults for renting against buying (each listed when used).
RENT_GROWTH, APPRECIATION, MAINTENANCE = Decimal(3), Decimal(3), Decimal(1)
PROPERTY_TAX, INSURANCE_SHARE, SELLING, RETURN = (
    Decimal("1.1"),
    Decimal("0.35"),
    Decimal(6),
    Decimal(5),
)


@calculator(
    "budget",
    needs_50="money",
    wants_30="money",
    savings_20="money",
    left_over="money",
    shortfall="money",
    needs_share="percent",
    fixed_needs="money",
    fixed_needs_share="percent",
    needs_room="money",
    needs_over_by="money",
)
def budget(inputs: Inputs) -> Computed | None:
    take_home = inputs.money("take_home_monthly")
    if take_home is None or take_home <= 0:
        return None
    split = budget_50_30_20(take_home)
    figures: dict[str, Decimal | int | str] = {
        "needs_50": split.needs,
        "wants_30": split.wants,
        "savings_20": split.savings,
    }
    spent = inputs.money("monthly_expenses")
    if spent is not None:
        figures["left_over" if spent <= take_home else "shortfall"] = abs(take_home - spent)
    needs = inputs.money("needs_monthly")
    if needs is not None:
        figures["needs_share"] = _share(needs, take_home)
    else:
        figures |= _fixed_needs(inputs, take_home, split.needs)
    return Computed(figures)


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _fixed_needs(inputs: Inputs, take_home: Decimal, needs_50: Decimal) -> dict[str, Decimal]:
    """Housing and debt payments named without a full list of needs ("rent is 1,900 and my
    car payment is 420"): their share of take-home pay and what they leave of the 50%."""
    parts = [inputs.money("rent", "current_payment"), inputs.money("monthly_debt_payments")]
    named = [part for part in parts if part is not None]
    if not named:
        return {}
    fixed = sum(named, Decimal(0))
    figures = {"fixed_needs": fixed, "fixed_needs_share": _share(fixed, take_home)}
    if fixed <= needs_50:
        figures["needs_room"] = needs_50 - fixed
    else:
        figures["needs_over_by"] = fixed - needs_50
    return figures


@calculator(
    "emergency_fund",
    target_3_months="money",
    target_6_months="money",
    months_to_target="months",
    months_to_3_months="months",
    short_of_3_months="money",
    short_of_6_months="money",
    months_covered="months",
)
def emergency_fund(inputs: Inputs) -> Computed | None:
    expenses = inputs.money("monthly_expenses")
    if expenses is None:
        return None
    saved = inputs.money("savings") or Decimal(0)
    result = fund(expenses, (3, 6), saved, inputs.money("monthly_savings"))
    three, six = result.targets
    figures: dict[str, Decimal | int | str] = {
        "target_3_months": three.target,
        "target_6_months": six.target,
    }
    if six.months_to_reach is not None:
        figures["months_to_target"] = six.months_to_reach
    if three.months_to_reach is not None:
        figures["months_to_3_months"] = three.months_to_reach
    if inputs.money("savings") is not None:  # how far the savings are from each target
        figures["short_of_3_months"] = max(three.target - saved, Decimal(0))
        figures["short_of_6_months"] = max(six.target - saved, Decimal(0))
        if expenses > 0:  # how long the savings (and severance) last with no income
            cushion = saved + (inputs.money("severance") or Decimal(0))
            covered = (cushion / expenses).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
            figures["months_covered"] = int(covered) if covered == int(covered) else covered
    return Computed(figures)


@calculator("savings_plan", monthly_needed="money", goal_months="months")
def savings_plan(inputs: Inputs) -> Computed | None:
    """What to set aside each month to reach a savings goal by a date (no interest)."""
    goal = inputs.money("savings_goal")
    months = inputs.whole("horizon_months")
    if months is None and (years := inputs.whole("horizon_years")):
        months = years * 12
    if goal is None or not months or months <= 0:
        return None
    left = max(goal - (inputs.money("savings") or Decimal(0)), Decimal(0))
    needed = (left / months).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    inputs.assume("no interest earned on the savings (a high-yield account would add a little)")
    return Computed(
        {"monthly_needed": needed, "goal_months": months}, assumptions=inputs.assumptions
    )


@calculator(
    "employer_match",
    match_value="money",
    contribution_for_full_match="money",
    match_missed="money",
    own_contribution="money",
)
def employer_match(inputs: Inputs) -> Computed | None:
    salary, limit = inputs.money("annual_income"), inputs.percent("employer_match_pct")
    if salary is None or limit is None:
        return None
    share = inputs.percent("match_rate_pct")
    if share is None:
        share = Decimal(100)
        inputs.assume("the match taken as dollar for dollar (100%) up to the limit")
    result = match(salary, share, limit, inputs.percent("contribution_pct"))
    figures: dict[str, Decimal | int | str] = {
        "match_value": result.full_match,
        "contribution_for_full_match": result.contribution_for_full_match,
    }
    if result.missed_match is not None:
        figures["match_missed"] = result.missed_match
    own = inputs.percent("contribution_pct")
    if own is not None:
        figures["own_contribution"] = (salary * own / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Computed(figures, assumptions=inputs.assumptions)


@calculator("pay_off_or_invest", guaranteed_return="percent", after_tax_return="percent")
def pay_off_or_invest(inputs: Inputs) -> Computed | None:
    debt = inputs.percent("interest_rate", "apr")
    expected = inputs.percent("return_rate")
    if debt is None or expected is None:
        return None
    result = pay_or_invest(debt, expected, inputs.percent("tax_rate") or 0)
    return Computed(
        {"guaranteed_return": result.debt_rate_pct, "after_tax_return": result.after_tax_return_pct}
    )


@calculator(
    "savings_growth",
    future_value="money",
    total_contributed="money",
    growth="money",
    years_invested="years",
)
def savings_growth(inputs: Inputs) -> Computed | None:
    start = inputs.money("invested_amount", "savings", "retirement_balance") or Decimal(0)
    monthly = inputs.money("monthly_contribution", "monthly_savings") or Decimal(0)
    annual = inputs.percent("return_rate")
    if annual is None and inputs.money("loan_amount", "loan_balance", "card_balance") is None:
        annual = inputs.percent("interest_rate")  # "in a savings acct at 4.5%": its rate
    years = inputs.whole("horizon_years")
    months_ = inputs.whole("term_months")
    if not years and months_ and months_ % 12 == 0:
        years = months_ // 12
    if annual is None or not years or (start == 0 and monthly == 0):
        return None
    result = future_value(start, monthly, annual, years * 12)
    return Computed(
        {
            "future_value": result.future_value,
            "total_contributed": result.total_contributed,
            "growth": result.growth,
            "years_invested": years,
        }
    )


@calculator("plan_loan", plan_loan_max="money")
def plan_loan(inputs: Inputs) -> Computed | None:
    """The most a 401(k) can lend: half the vested balance, at most $50,000 (IRC 72(p))."""
    vested = inputs.money("retirement_balance")
    if vested is None:
        return None
    return Computed({"plan_loan_max": loan_401k_limit(vested)})


@calculator(
    "retirement_limits",
    limit_401k="money",
    catch_up_401k="money",
    limit_ira="money",
    pct_to_max="percent",
    per_paycheck_to_max="money",
    room_to_limit="money",
    yearly_deferral="money",
    per_paycheck_deferral="money",
)
def retirement_limits(inputs: Inputs) -> Computed | None:
    age = inputs.whole("age")
    result = limits_for(age if age is not None else 40)
    figures: dict[str, Decimal | int | str] = {
        "limit_401k": result.elective_deferral,
        "limit_ira": result.ira,
    }
    if age is not None:
        figures["catch_up_401k"] = result.catch_up
    income = inputs.money("annual_income")
    if income is not None and income > 0:
        share, each = to_max_out(income, result.total_deferral, inputs.whole("pay_periods"))
        figures["pct_to_max"] = share
        if each is not None:
            figures["per_paycheck_to_max"] = each
        own = inputs.percent("contribution_pct")
        if own is not None:  # what the person puts in, and could still add this year
            put_in = (income * own / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
            figures["yearly_deferral"] = put_in
            periods = inputs.whole("pay_periods")
            if periods:
                figures["per_paycheck_deferral"] = (put_in / periods).quantize(
                    Decimal("0.01"), ROUND_HALF_UP
                )
            figures["room_to_limit"] = max(result.total_deferral - put_in, Decimal(0))
    deferred = inputs.money("deferred_this_year")
    if deferred is not None:  # "ive put 14,000 in so far": what this year still allows
        figures["room_to_limit"] = max(result.total_deferral - deferred, Decimal(0))
    return Computed(figures)


@calculator(
    "rent_vs_buy",
    rent_total="money",
    own_total="money",
    own_equity="money",
    difference="money",
    price_to_rent="years",
    stay_years="years",
    monthly_payment="money",
    owning_monthly="money",
    mortgage_amount="money",
    housing_payment_monthly="money",
    owning_minus_rent="money",
    rent_minus_owning="money",
    buying_down_payment="money",
    principal_paid_in_stay="money",
)
def rent_vs_buy(inputs: Inputs) -> Computed | None:
    rent, price = inputs.money("rent"), inputs.money("home_price")
    if rent is None or price is None:
        return None
    years = inputs.whole("horizon_years")
    if not years:
        years = 7
        inputs.assume("a 7-year stay compared")
    down = inputs.money("down_payment")
    if down is None and (pct := inputs.percent("down_payment_pct")) is not None:
        down = price * pct / 100
    if down is None:
        down = price * Decimal("0.2")
        inputs.assume("20% down assumed")
    n = term_months(inputs)
    r = rate(inputs, n)
    inputs.assume(
        "rent rising 3% a year, the home gaining 3% a year, property tax 1.1% and "
        "maintenance 1% of its value, insurance 0.35% of the price, 6% selling costs, "
        "and savings earning 5%"
    )
    result = rent_or_buy(
        years,
        rent,
        RENT_GROWTH,
        price,
        down,
        r,
        n,
        PROPERTY_TAX,
        price * INSURANCE_SHARE / 100,
        MAINTENANCE,
        APPRECIATION,
        SELLING,
        RETURN,
    )
    figures: dict[str, Decimal | int | str] = {
        "rent_total": result.total_rent,
        "own_total": result.total_owner_costs,
        "own_equity": result.owner_equity_end,
        "difference": result.net_difference,
        "price_to_rent": (price / (rent * 12)).quantize(Decimal("0.1"), ROUND_HALF_UP),
        "stay_years": years,
        "mortgage_amount": price - down,
    }
    figures |= _owning_against_rent(inputs, rent, price, down, r, n)
    if inputs.whole("horizon_years"):
        paid = amortization_schedule(price - down, r, n)[: years * 12]
        figures["principal_paid_in_stay"] = sum((row.principal for row in paid), Decimal(0))
    if result.years:
        first = result.years[0]
        cents = Decimal("0.01")
        figures["monthly_payment"] = (first.mortgage_payments / 12).quantize(cents, ROUND_HALF_UP)
        figures["owning_monthly"] = (first.owner_costs / 12).quantize(cents, ROUND_HALF_UP)
    table = Comparison(
        f"Renting against buying over {years} years",
        ["", "paid over the period", "net worth at the end"],
        [
            ["rent", money(result.total_rent), money(result.renter_net_worth)],
            ["buy", money(result.total_owner_costs), money(result.owner_net_worth)],
        ],
    )
    return Computed(figures, [table], inputs.assumptions)


def _owning_against_rent(
    inputs: Inputs, rent: Decimal, price: Decimal, down: Decimal, r: Decimal, n: int
) -> dict[str, Decimal | int | str]:
    """The month's housing payment (principal and interest, PMI above 80% LTV, taxes,
    insurance and HOA dues as stated or estimated) against the rent."""
    amount = price - down
    if amount <= 0:
        return {}
    housing = monthly_payment(amount, r, n) + stated_escrow(inputs, price)
    if amount / price > PMI_FREE_LTV:
        housing += mortgage_insurance(inputs, amount, price)
    figures: dict[str, Decimal | int | str] = {
        "housing_payment_monthly": housing,
        "buying_down_payment": down.quantize(Decimal("0.01"), ROUND_HALF_UP),
    }
    if housing >= rent:
        figures["owning_minus_rent"] = housing - rent
    else:
        figures["rent_minus_owning"] = rent - housing
    return figures


@calculator(
    "down_payment_options",
    interest_vs_20_down="money",
    payment_gap_down="money",
    larger_down_pct="percent",
)
def down_payment_options(inputs: Inputs) -> Computed | None:
    price = inputs.money("home_price")
    if price is None:
        return None
    n = term_months(inputs)
    r = rate(inputs, n)
    stated = inputs.percent("down_payment_pct")
    named = inputs.numbers("down_payment_pcts")
    shares = sorted(
        {Decimal(3), Decimal(5), Decimal(10), Decimal(20), stated or Decimal(20), *named}
    )
    options = down_options(price, [share for share in shares if 0 < share < 100])
    interest = {o.down_payment_pct: total_interest(o.loan_amount, r, n) for o in options}
    rows = [
        [
            percent(option.down_payment_pct),
            money(option.down_payment),
            money(option.loan_amount),
            money(monthly_payment(option.loan_amount, r, n)),
            money(interest[option.down_payment_pct]),
            "yes" if option.mortgage_insurance_expected else "no",
        ]
        for option in options
    ]
    table = Comparison(
        f"Down payment options on {money(price)} at {percent(r)} over {months(n)}",
        [
            "down",
            "amount",
            "loan",
            "principal and interest",
            "total interest",
            "mortgage insurance",
        ],
        rows,
    )
    figures: dict[str, Decimal | int | str] = {}
    if stated is not None and 0 < stated < 20:
        figures["interest_vs_20_down"] = interest[stated] - interest[Decimal(20)]
    # the monthly gap between the two down payments compared: the two named, or the stated one
    # against 20%
    pair = [min(named), max(named)] if len(named) >= 2 else [stated or Decimal(20), Decimal(20)]
    loans = {o.down_payment_pct: o.loan_amount for o in options}
    if pair[0] < pair[1] and pair[0] in loans and pair[1] in loans:
        figures["payment_gap_down"] = monthly_payment(loans[pair[0]], r, n) - monthly_payment(
            loans[pair[1]], r, n
        )
        figures["larger_down_pct"] = pair[1]
    return Computed(figures, [table], inputs.assumptions)
