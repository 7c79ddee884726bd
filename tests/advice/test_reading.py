"""Reading the facts a question states: many phrasings of amounts, balances, rates, APRs and
terms (in years or months, with "k", ranges), and never a default where a figure was given.
Properties generate the phrasings; a few fixed cases pin the forms that need their own
reading (ARM caps, several debts, an employer match, a payday fee)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.advice.calculators import REGISTRY
from apfa.advice.calculators.base import Inputs
from apfa.advice.followup import merge, what_if
from apfa.advice.reading.read import read_facts

MONEY_FORMATS = (
    lambda v: f"${v:,}",
    lambda v: f"{v:,}",
    lambda v: f"${v}",
    lambda v: f"{v // 1000}k" if v % 1000 == 0 else f"${v:,}",
    lambda v: f"${v // 1000}K" if v % 1000 == 0 else f"{v:,} dollars",
    lambda v: f"{v:,} dollars",
)
# "401k" and "529k" without a dollar sign name accounts (a 401k loan is a 401(k) loan)
thousands = (
    st.integers(min_value=5, max_value=950)
    .filter(lambda n: n not in (401, 529))
    .map(lambda n: n * 1000)
)
rates = st.decimals(min_value=Decimal("1"), max_value=Decimal("29.99"), places=2)
years = st.sampled_from([5, 10, 15, 20, 25, 30])
formats = st.sampled_from(MONEY_FORMATS)


def _rate(value: Decimal, style: int) -> str:
    text = f"{value.normalize():f}"
    return [f"{text}%", f"{text} percent", f"{text} %"][style]


@settings(max_examples=60, deadline=None)
@given(thousands, rates, years, formats, st.integers(min_value=0, max_value=2))
def test_a_stated_loan_rate_and_term_are_read_in_many_phrasings(
    amount: int, rate: Decimal, term: int, money: object, style: int
) -> None:
    shown = money(amount)  # type: ignore[operator]
    for text in (
        f"what's the payment on a {shown} loan at {_rate(rate, style)} for {term} years",
        f"my mortgage is {shown} at {_rate(rate, style)} with a {term}-year term",
        f"I owe {shown} on my car loan at {_rate(rate, style)} over {term * 12} months",
        f"borrowing {shown} at {_rate(rate, style)} APR for {term} yrs",
    ):
        facts = read_facts(text).facts
        assert facts.get("loan_amount") == amount or facts.get("loan_balance") == amount, text
        assert facts["interest_rate"] == rate, text
        assert facts["term_months"] == term * 12, text


# "401k" and "529k" without a dollar sign name accounts, not amounts.
ACCOUNT_NAMES = {401000, 403000, 457000, 529000}


@settings(max_examples=40, deadline=None)
@given(thousands.filter(lambda v: v not in ACCOUNT_NAMES), formats)
def test_income_is_annual_unless_a_period_says_otherwise(amount: int, money: object) -> None:
    shown = money(amount)  # type: ignore[operator]
    assert read_facts(f"I make {shown} a year").facts["annual_income"] == amount
    monthly = read_facts(f"I earn {amount // 12:,} a month").facts["annual_income"]
    assert monthly == (amount // 12) * 12


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2, max_value=40).map(lambda n: n * 500), rates, st.integers(100, 900))
def test_card_balance_apr_and_payment(balance: int, apr: Decimal, payment: int) -> None:
    text = f"I have ${balance:,} on a credit card at {apr}% APR and can pay ${payment} a month"
    facts = read_facts(text).facts
    assert facts.get("card_balance", facts.get("loan_amount")) == balance
    assert facts.get("apr", facts.get("interest_rate")) == apr
    assert facts["payment_budget"] == payment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a 72 month car loan at 9.99% APR for 4 years", {"term_months": 72}),
        ("$28,000 at 7.9% for 60 months", {"loan_amount": 28000, "term_months": 60}),
        ("18 month loan", {"term_months": 18}),
        ("house around 300-350k", {"home_price": 300000}),
        ("5/1 ARM with 2/2/5 caps, index 4.6 and margin 2.75", {
            "fixed_years": 5, "initial_cap": 2, "periodic_cap": 2, "lifetime_cap": 5,
            "index_rate": Decimal("4.6"), "margin": Decimal("2.75"),
        }),
        ("my employer matches 100% up to 6% and I put in 3%", {
            "match_rate_pct": 100, "employer_match_pct": 6, "contribution_pct": 3,
        }),
        ("a 50% match on the first 6% of pay", {"match_rate_pct": 50, "employer_match_pct": 6}),
        ("the payday lender wants $15 per $100 for 14 days", {
            "payday_fee": 15, "payday_fee_per": 100, "payday_days": 14,
        }),
        # "bucks" after the fee; "for 2 weeks" is the term, not the amount the fee is on
        ("need 400 til friday. payday place charges 15 bucks per 100 for 2 weeks", {
            "payday_fee": 15, "payday_fee_per": 100, "payday_days": 14, "loan_amount": 400,
        }),
        ("refinance from 6.5% to 5.25% with $4,500 in closing costs", {
            "interest_rate": Decimal("6.5"), "new_rate": Decimal("5.25"), "closing_costs": 4500,
        }),
        ("expenses are about 3,400 a month and I have 4k saved", {
            "monthly_expenses": 3400, "savings": 4000,
        }),
        ("lease is $389 a month for 36 months with $2,500 due at signing", {
            "lease_payment": 389, "due_at_signing": 2500,
        }),
        ("buying at 380k putting 20% down", {"home_price": 380000, "down_payment_pct": 20}),
        ("and if i only put 10% down?", {"down_payment_pct": 10}),
        ("whats 3%, 10% and 20% down on a 425k house", {"home_price": 425000}),
        ("2 points ($7,000) to go from 6.75 to 6.25 on a 350k loan", {
            "points": 2, "points_cost": 7000, "rates": [Decimal("6.75"), Decimal("6.25")],
            "loan_amount": 350000,
        }),
        ("one point gets me 6.125%", {"points": 1}),
        ("with 10% down at 6.5 on a 30yr", {"interest_rate": Decimal("6.5"), "term_months": 360}),
        ("pmi quote is 0.55% a year on a 342k loan", {
            "pmi_rate": Decimal("0.55"), "loan_amount": 342000,
        }),
        ("debts are $650/mo student loans and $420 car. max DTI is 43%", {
            "monthly_debt_payments": 1070, "max_dti": 43,
        }),
        ("my debts are a 400 car payment, 250 student loan and 75 card minimum", {
            "monthly_debt_payments": 725, "loan_amount": None,
        }),
        ("minimum payments on everything are $900", {"monthly_debt_payments": 900}),
        ("bought at 400k 3 years ago, owe 318k, think its worth 450k now", {
            "home_price": 400000, "home_value": 450000,
        }),
        ("5.5% 15yr vs 6.25% 30yr", {"terms_months": [180, 360]}),
        ("a 30yr fixed at 6.75% vs a 5/6 ARM at 5.875%", {
            "fixed_rate": Decimal("6.75"), "arm_rate": Decimal("5.875"), "fixed_years": 5,
        }),
        ("index is 4.6%, margin is 2.75%, current rate 5.25, first cap is 2% (lifetime 5)", {
            "rates": [Decimal("5.25")], "lifetime_cap": 5,
        }),
        ("4,200 balance at 22.9%. paying 150 a month", {"payment_budget": 150}),
        ("i can put 600/mo total toward them", {"payment_budget": 600, "invested_amount": None}),
        ("balance transfer 9,500 with a 3% fee, 0% for 18 months", {
            "card_balance": 9500, "transfer_fee_pct": 3, "promo_months": 18, "fee_pct": None,
        }),
        ("on my credit card at 24% and pay $200 a month, or a personal loan at 12%", {
            "apr": 24, "new_rate": 12, "interest_rate": 12, "payment_budget": 200,
        }),
        ("its a 5/6 ARM and the caps are 2/1/5", {
            "fixed_years": 5, "initial_cap": 2, "periodic_cap": 1, "lifetime_cap": 5,
        }),
        ("what if i pay 1,000 off the 5k card", {
            "card_paydown": 1000, "paid_card_limit": 5000,
        }),
        ("my 401k matches 50% of what i put in up to 6% of pay", {
            "match_rate_pct": 50, "employer_match_pct": 6,
        }),
        ("employer matches 50 cents on the dollar up to 6%", {
            "match_rate_pct": 50, "employer_match_pct": 6,
        }),
        ("balance transfer card with a 4% fee or a personal loan at 9.9% for 3 years", {
            "transfer_fee_pct": 4, "apr": None, "new_rate": Decimal("9.9"), "term_months": 36,
        }),
        ("and if i double it to 300?", {"changed_amount": 300}),
        ("what if i bump my payment up to $450", {"changed_amount": 450}),
        ("i want to make it to 65 without debt", {"changed_amount": None}),
        ("my lease allows 36,000 miles over 3 years and im gonna be at about 45,000. "
         "contract says 25 cents a mile over", {
            "miles_allowed": 36000, "miles_expected": 45000,
            "excess_mile_fee": Decimal("0.25"), "loan_amount": None, "car_price": None,
        }),
        ("lease gives 12k miles a year but i drive 15,000 miles a year, $0.20 per mile over", {
            "miles_allowed_per_year": 12000, "miles_expected_per_year": 15000,
            "excess_mile_fee": Decimal("0.20"),
        }),
        ("took $10,000 out of my 401k. im 40", {"withdrawal_amount": 10000, "age": 40}),
        ("married, paid about 9k mortgage interest and 6k property tax this year", {
            "mortgage_interest_paid": 9000, "property_tax_annual": 6000,
            "filing_status": "joint", "loan_amount": None, "home_price": None,
        }),
        ("i get paid every two weeks, salary is 120k", {
            "pay_periods": 26, "annual_income": 120000,
        }),
        ("we bring home $6,800/mo after tax. rent 2100, car payment 450, student loans 380, "
         "utilities 260, groceries 700, and subscriptions plus eating out is like 900", {
            "take_home_monthly": 6800, "annual_income": None, "monthly_expenses": 4790,
            "needs_monthly": 3890, "wants_monthly": 900,
        }),
        ("debts: student loans 35k at 6%, car loan 12k at 7%, utilities 200", {
            "monthly_expenses": None,
        }),
        ("30 year at 6.5 or 15 year at 5.75 on a 400k loan", {
            "terms_months": [360, 180], "rates": [Decimal("6.5"), Decimal("5.75")],
        }),
        ("owe 265k with 28 yrs left, P&I 1,844.82. refi offer is 6% 30yr and they'd roll "
         "the 4,200 closing costs into the loan", {
            "current_payment": Decimal("1844.82"), "closing_costs": 4200,
            "closing_costs_paid": "financed", "remaining_months": 336,
        }),
        ("15 yr loan, 225,000. rate is 5.75 or i can pay 1.5 points to get 5.375", {
            "interest_rate": Decimal("5.75"), "new_rate": Decimal("5.375"),
            "points": Decimal("1.5"),
        }),
        ("what if i just buy 1 point and get 6.625 instead", {
            "points": 1, "new_rate": Decimal("6.625"),
        }),
        ("if i get 2.5 points off", {"points": Decimal("2.5"), "new_rate": None}),
        ("my daughter has 2,750 on a card at 29.99% and pays 85 a month", {
            "card_balance": 2750, "payment_budget": 85,
        }),
        ("she pays 120 a month on a 3k card at 24%", {"payment_budget": 120}),
        ("family of 4, we spend 6,150ish/mo and have 11k saved", {
            "monthly_expenses": 6150, "savings": 11000,
        }),
        ("rent is 2kish", {"rent": 2000}),
        ("so far this year (2026) ive put 14,000 into my 401k", {
            "deferred_this_year": 14000, "payment_budget": None,
        }),
        ("we have 40k in my 401k", {"retirement_balance": 40000, "deferred_this_year": None}),
        ("we get 1.5 months of severance", {"new_rate": None, "interest_rate": None}),
        ("refi at 6%, closing costs are 4,200 which we'd pay in cash", {
            "closing_costs": 4200, "closing_costs_paid": None,
        }),
        ("cards: 1,200 on a 3k limit, 2,500 on a 5k limit, and 0 on a 2k", {
            "card_limits": [
                {"balance": 1200, "limit": 3000}, {"balance": 2500, "limit": 5000},
                {"balance": 0, "limit": 2000},
            ],
        }),
    ],
)  # fmt: skip
def test_forms_with_their_own_reading(text: str, expected: dict[str, object]) -> None:
    facts = read_facts(text).facts
    for name, value in expected.items():
        assert facts.get(name) == value, (name, facts)


def test_several_debts_are_read_with_their_aprs() -> None:
    facts = read_facts("cards: 5k at 24%, 3k at 19.9% and $1,200 at 27%; I can do 600/mo").facts
    assert facts["debts"] == [
        {"balance": 5000, "apr": 24},
        {"balance": 3000, "apr": Decimal("19.9")},
        {"balance": 1200, "apr": 27},
    ]
    assert facts["payment_budget"] == 600


def test_options_to_compare_are_kept_in_order() -> None:
    facts = read_facts("15 year at 5.5% vs 30 year at 6.25% on 300k").facts
    assert facts["terms_months"] == [180, 360]
    assert facts["rates"] == [Decimal("5.5"), Decimal("6.25")]


@pytest.mark.parametrize(
    "text",
    [
        "what's the payment on $250,000 at 7% over 20 years",
        "my car loan is 18,500 at 9.99% APR for 4 years",
        "300k mortgage, 6.5 percent, 15 yr",
    ],
)
def test_a_stated_figure_is_never_replaced_by_a_default(text: str) -> None:
    facts = read_facts(text).facts
    inputs = Inputs(facts)
    result = REGISTRY["loan_payment"].run(inputs)
    assert result is not None
    assert not any("assumed" in a and ("term" in a or "rate" in a) for a in result.assumptions)


def test_nothing_stated_means_defaults_that_are_listed() -> None:
    result = REGISTRY["loan_payment"].run(Inputs({"loan_amount": Decimal(300000)}))
    assert result is not None
    assert any("term assumed 30 years" in a for a in result.assumptions)
    assert any("rate" in a for a in result.assumptions)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_read_quickly_and_without_error(text: str) -> None:
    started = time.perf_counter()
    reading = read_facts(text)
    assert time.perf_counter() - started < 0.05
    assert isinstance(reading.facts, dict)


def test_the_longest_question_of_any_shape_is_read_in_milliseconds() -> None:
    units = ("$1,", "1%", "at ", "12 month ", "5k at 9% ", "k", "%", "9" * 7, "rent 5 ", "a ")
    for unit in (*units, "lease 5 miles ", "double it to ", "be at about "):
        text = (unit * 2000)[:2000]  # the longest question the API accepts
        started = time.perf_counter()
        read_facts(text)
        assert time.perf_counter() - started < 0.08, unit


def test_a_percent_down_without_a_price_is_kept_as_a_percent() -> None:
    assert read_facts("what if I put 20% down instead?").facts == {"down_payment_pct": Decimal(20)}
    with_price = read_facts("Can I afford a $400,000 house with 20% down?").facts
    assert with_price["down_payment"] == Decimal(80000)
    assert with_price["down_payment_pct"] == Decimal(20)  # the same down payment, both ways


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("lease or buy my next car? i drive about 20k miles a year for work", {}),
        ("a 1,800 sq ft house for 350k", {"home_price": Decimal(350000)}),
        ("i drive 15,000 miles a year, lease at 399 a month", {"lease_payment": Decimal(399)}),
    ],
)
def test_distances_and_areas_are_not_money(text: str, kept: dict[str, Decimal]) -> None:
    facts = read_facts(text).facts
    money = {k: v for k, v in facts.items() if isinstance(v, Decimal)}
    assert money == kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "collection agency offered to settle my $4,800 card debt for 40%. good deal?",
            {"card_balance": Decimal(4800), "settlement_pct": Decimal(40)},
        ),
        ("I've got 74 qualifying PSLF payments so far", {"qualifying_payments": 74}),
        (
            "im 3 months behind on my mortgage. payment is $1,845",
            {"missed_payments": 3, "current_payment": Decimal(1845)},
        ),
        ("2 payments behind on my car", {"missed_payments": 2}),
        ("i am 2 weeks late on my car payment", {"missed_payments": 0}),
        ("i am 30 days late on my car payment", {"missed_payments": 1}),
        (
            "want to save $6k for a trip in 10 months",
            {"savings_goal": Decimal(6000), "horizon_months": 10},
        ),
        ("a $529,000 loan at 6%", {"loan_amount": Decimal(529000)}),
        ("my car payment is $529 a month", {"monthly_debt_payments": Decimal(529)}),
    ],
)
def test_settlements_counts_arrears_goals_and_account_names_are_read(
    text: str, expected: dict[str, object]
) -> None:
    facts = read_facts(text).facts
    assert {name: facts.get(name) for name in expected} == expected
    assert "apr" not in facts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "lease paperwork says money factor .00175, is that good",
            {"money_factor": Decimal("0.00175")},
        ),
        (
            "$2,500 due at signing and $389 a month for 36 months on a lease",
            {"lease_payment": Decimal(389), "due_at_signing": Decimal(2500), "term_months": 36},
        ),
        (
            "I have $80,000 in a mutual fund at 0.85%. an index fund i found is 0.04%",
            {"fund_balance": Decimal(80000), "other_expense_ratio": Decimal("0.04")},
        ),
        ("if i put away $450 a month how long till i get there", {"monthly_savings": Decimal(450)}),
        ("rent here is 2,200 for a 2 bed and it sells for 410k", {"rent": Decimal(2200)}),
        ("my chapter 13 plan is $475 a month for 60 months", {"plan_payment": Decimal(475)}),
        (
            "my debt payments are $900. she wants me to cosign a loan with a $450/mo payment",
            {"monthly_debt_payments": Decimal(900), "cosign_payment": Decimal(450)},
        ),
        (
            "2 payments behind on my car, $520 each plus a $25 late fee",
            {"missed_payments": 2, "current_payment": Decimal(520), "late_fee": Decimal(25)},
        ),
        ("title loan of $1,000 on my truck, fee is 25% a month", {"monthly_fee_pct": Decimal(25)}),
        (
            "took out a $400 payday loan, fee was $60. if i end up rolling it 3 times",
            {"payday_amount": Decimal(400), "payday_fee": Decimal(60), "rollovers": Decimal(3)},
        ),
        (
            "lost my job. thinking about cashing out my 401k, its 22,000",
            {"withdrawal_amount": Decimal(22000), "retirement_balance": Decimal(22000)},
        ),
        (
            "what if i only cash out 5,000 and roll the other 17k into an ira",
            {"withdrawal_amount": Decimal(5000)},
        ),
        ("what if my severance adds another 6,200 after taxes", {"severance": Decimal(6200)}),
        ("what if the appraisal comes in at 350k instead", {"home_value": Decimal(350000)}),
        ("infant daycare near us is $1,650/mo", {"child_care_monthly": Decimal(1650)}),
        (
            "my job gives 3 months of leave but its unpaid. bills are 5,200 a month",
            {"leave_months": 3, "monthly_expenses": Decimal(5200)},
        ),
        (
            "paid family leave, it'd pay me about 2,800 a month",
            {"leave_benefit_monthly": Decimal(2800)},
        ),
        ("hr says the full premium is 1,900/mo", {"health_premium_full": Decimal(1900)}),
        (
            "WON 250K ON A SCRATCH OFF!!! they already took 24% out for taxes",
            {"windfall_amount": Decimal(250000), "windfall_withholding_pct": Decimal(24)},
        ),
        ("settling my car accident injury case for 320k", {"windfall_amount": Decimal(320000)}),
        ("inherited 60k from my grandpa", {"windfall_amount": Decimal(60000)}),
    ],
)
def test_leases_funds_and_savings_are_read(text: str, expected: dict[str, object]) -> None:
    facts = read_facts(text).facts
    for name, value in expected.items():
        assert facts.get(name) == value, (name, facts)
    assert "savings_goal" not in facts


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        (  # a loan payment to buy instead of leasing is neither a price nor a loan amount
            "lease is 389/mo for 36 months, or buy with a loan at 560/mo for 60 months",
            {"buy_payment": Decimal(560), "buy_months": 60, "lease_payment": Decimal(389)},
            ("home_price", "car_price", "loan_amount"),
        ),
        (  # debts named without "payment" are summed
            "i make 85k a year, car payment is 450/mo and student loans 300/mo",
            {"monthly_debt_payments": Decimal(750)},
            ("loan_amount",),
        ),
        (  # a lender's cap on total debt, although "at" cues a rate
            "how big a house payment if the lender caps total debt at 36%",
            {"max_dti": Decimal(36)},
            ("interest_rate",),
        ),
        (  # the balance moved, the card's APR and the offer's 0% for 18 months
            "moving 9,600 from my 26% card to a balance transfer card, 0% for 18 months",
            {"card_balance": Decimal(9600), "apr": Decimal(26), "promo_apr": Decimal(0),
             "promo_months": 18},
            (),
        ),
        (  # a rate "for 48 months" on a car loan is not a promotional rate
            "i owe 19k on my car with 48 months left. if i could get 7% for 48 months",
            {"terms_months": [48]},
            ("promo_apr",),
        ),
        (  # limits and balances listed in the same order
            "3 cards with limits 5k, 3k and 2k. balances are 2,100, 900 and 1,500",
            {"card_limits": [
                {"balance": Decimal(2100), "limit": Decimal(5000)},
                {"balance": Decimal(900), "limit": Decimal(3000)},
                {"balance": Decimal(1500), "limit": Decimal(2000)},
            ]},
            (),
        ),
        (  # "15 yr is 5.99%": a term stated with its rate
            "loan would be 260k. 15 yr is 5.99% and 30 yr is 6.6%",
            {"terms_months": [180, 360], "rates": [Decimal("5.99"), Decimal("6.6")]},
            (),
        ),
        (
            "if i add 250 a month and it averages 7% for 20 yrs what would i end up with",
            {"monthly_contribution": Decimal(250), "return_rate": Decimal(7)},
            (),
        ),
        ("got 5k and zero idea how to start investing", {"invested_amount": Decimal(5000)}, ()),
        (  # a bare number after "extra", with "each month" a few words on
            "if i throw an extra 150 at it each month how much sooner am i done",
            {"extra_payment": Decimal(150)},
            (),
        ),
        ("an extra 2 bedrooms and an extra 20 minutes", {}, ("extra_payment",)),
        # decimals in words, and "pmt"
        ("a 415k loan at 6 and a half percent", {"interest_rate": Decimal("6.5")}, ()),
        ("rate is 5 point 9 on 300k", {"interest_rate": Decimal("5.9")}, ()),
        (
            "making 95k, car pmt is 450/mo and student loans 210/mo. house payment all in is 2,400",
            {"monthly_debt_payments": Decimal(660), "current_payment": Decimal(2400)},
            ("home_price",),
        ),
        (  # a bare decimal after "@", or set against a rate that follows
            "balance is 198,400 @ 6.9, 22 years left. lender offers 5.9% for 20 yrs",
            {"interest_rate": Decimal("6.9"), "new_rate": Decimal("5.9")},
            (),
        ),
        (
            "1 point on 380k gets me 6.75 instead of 7%",
            {"rates": [Decimal("6.75"), Decimal(7)]},
            (),
        ),
        (
            "my arm resets next month, 4.75 -> 7.25. currently paying 1,439 P&I",
            {"rates": [Decimal("4.75"), Decimal("7.25")], "current_payment": Decimal(1439)},
            ("rent",),
        ),
        (  # a cue does not reach across a full stop
            "conventional 30yr at 6.5%. PMI quoted at 0.62% a year of the loan amt",
            {"interest_rate": Decimal("6.5"), "pmi_rate": Decimal("0.62")},
            (),
        ),
        (  # the loan to co-sign is not its payment; a mortgage payment and a card minimum
            "cosign her 26k car loan at 7.9% for 60 months. mortgage is 1,950/mo and a card "
            "min of 60",
            {"loan_amount": Decimal(26000), "current_payment": Decimal(1950),
             "monthly_debt_payments": Decimal(60)},
            ("cosign_payment", "promo_apr"),
        ),
        (  # what is owed on a car traded in is not the new loan
            "owe 18,700 on my car, trade in value is 14.2k. new car is 29k out the door",
            {"amount_owed": Decimal(18700), "trade_in_value": Decimal(14200)},
            ("loan_amount",),
        ),
        ("moving 7,200 to a card thats 0% for 18 months", {"card_balance": Decimal(7200)}, ()),
        (  # a list separated by slashes
            "limits 5k, 3k, 12k. balances 2,100 / 1,450 / 900",
            {"card_limits": [
                {"balance": Decimal(2100), "limit": Decimal(5000)},
                {"balance": Decimal(1450), "limit": Decimal(3000)},
                {"balance": Decimal(900), "limit": Decimal(12000)},
            ]},
            (),
        ),
        (  # APRs with "%", bare before a comma, or followed by "apr"
            "cards: 2,900 @ 22.9%, 6,400 at 27.5, 850 at 18 apr. i can do 600/mo total",
            {"debts": [
                {"balance": Decimal(2900), "apr": Decimal("22.9")},
                {"balance": Decimal(6400), "apr": Decimal("27.5")},
                {"balance": Decimal(850), "apr": Decimal(18)},
            ]},
            (),
        ),
        (
            "payday place wants a $60 fee on a $400 loan due in 2 weeks",
            {"payday_fee": Decimal(60), "payday_amount": Decimal(400), "payday_days": 14},
            (),
        ),
        (
            "and if i cant pay it and end up paying the fee 4 times",
            {"payday_fees_paid": 4},
            ("rollovers",),
        ),
        (
            "behind on 3 mortage payments, 1,642 each plus an $82 late fee",
            {"missed_payments": 3, "current_payment": Decimal(1642)},
            (),
        ),
        (
            "loan estimate for a 310k loan shows origination 1%, appraisal 650, title "
            "insurance 1,900, recording 175, credit report 45",
            {"closing_costs": Decimal(5870), "closing_costs_priced": Decimal(3100)},
            ("interest_rate", "rates"),  # the 1% is the origination charge, not a rate
        ),
        (
            "origination 1,450, appraisal 650, title 2,100 on a 300k loan at 6.5%",
            {"closing_costs": Decimal(4200), "interest_rate": Decimal("6.5")},
            ("home_value",),
        ),
        (
            "seller agreed to put 2,500 toward my closing costs",
            {"seller_credit": Decimal(2500)},
            (),
        ),
        (
            "house is 425k. rate is six and a half percent on a 30 year fixed",
            {"interest_rate": Decimal("6.5")},
            (),
        ),
        (
            "lender quoted me 6 7/8% no points, or 6 3/8 if i pay 2 points on $410,000",
            {"rates": [Decimal("6.875"), Decimal("6.375")], "points": Decimal(2)},
            (),
        ),
        (
            "my monthly expenses are thirty-two hundred",
            {"monthly_expenses": Decimal(3200)},
            (),
        ),
        (
            "i make 96k a year gross. lender told me stay under 36% dti",
            {"max_dti": Decimal(36)},
            ("rates", "interest_rate"),
        ),
        (
            "keep my debt-to-income ratio below 43% on a 90k income",
            {"max_dti": Decimal(43)},
            ("rates",),
        ),
        (
            "350 thousand loan. option a is 30yr at 6.75, option b 15 yr at 6 flat",
            {"rates": [Decimal("6.75"), Decimal(6)], "terms_months": [360, 180]},
            (),
        ),
        (
            "refi would cut my payment by 210 bucks a month. closing costs are 6,300",
            {"payment_reduction": Decimal(210), "closing_costs": Decimal(6300)},
            (),
        ),
        (
            "other lender quoted 4,725 in costs but only saves me $175/mo",
            {"payment_reduction": Decimal(175), "closing_costs": Decimal(4725)},
            (),
        ),
        (
            "lease: 2,500 due at signing + 389/mo for 36 months. or buy it for 34k financed "
            "at 6.9% 60 mo",
            {"due_at_signing": Decimal(2500), "lease_payment": Decimal(389), "lease_months": 36,
             "terms_months": [36, 60]},
            (),
        ),
        (
            "owe 18,200 on my car, trade in is worth 14k. new one is 29,995 out the door",
            {"car_price": Decimal(29995), "amount_owed": Decimal(18200)},
            ("loan_amount",),
        ),
        (
            "balance transfer offer: 0% for a year and a half, 3% fee. i'd move 7,800",
            {"promo_months": 18, "card_balance": Decimal(7800), "transfer_fee_pct": Decimal(3)},
            (),
        ),
        (
            "gross 5,400/mo. car pmt 385, card minimums 120, student loans 265. whats my dti, "
            "and what would it be with a 1,650 mortgage payment",
            {"monthly_debt_payments": Decimal(770), "current_payment": Decimal(1650)},
            ("loan_amount", "monthly_expenses"),
        ),
        (
            "if i put 400 a month in a savings acct at 4.5% for 5 years",
            {"monthly_contribution": Decimal(400), "interest_rate": Decimal("4.5")},
            ("payment_budget",),
        ),
        ("and if i pay 250", {"payment_budget": Decimal(250)}, ()),
        (
            "house appraised at 520k, i owe 286,000. need 45k for a kitchen reno",
            {"cash_needed": Decimal(45000), "home_value": Decimal(520000)},
            ("savings_goal",),
        ),
        ("i need 20k for a down payment", {"savings_goal": Decimal(20000)}, ("cash_needed",)),
        (
            "looking at a 360k condo with 10% down at 6.5% 30 yr",
            {"down_payment_pct": Decimal(10), "interest_rate": Decimal("6.5")},
            ("promo_months",),  # the 0% inside 10% is no promotional rate
        ),
        (
            "im 2 morgage payments behind, 1,840 each",
            {"missed_payments": 2, "current_payment": Decimal(1840), "loan_type": "mortgage"},
            (),
        ),
        (
            "drew 50k on my heloc at prime + .5, prime's 7.5 right now",
            {"margin": Decimal("0.5"), "index_rate": Decimal("7.5")},
            (),
        ),
        ("what if i only do 15%", {"contribution_pct": Decimal(15)}, ("interest_rate",)),
        ("what if i do 20% down instead", {"down_payment_pct": Decimal(20)}, ("contribution_pct",)),
        (
            "ok and if i bump it up by 200",
            {"extra_payment": Decimal(200)},
            (),
        ),
    ],
)  # fmt: skip
def test_what_a_question_states_is_read_in_its_role(
    text: str, expected: dict[str, object], absent: tuple[str, ...]
) -> None:
    facts = read_facts(text).facts
    for name, value in expected.items():
        assert facts.get(name) == value, (name, facts)
    for name in absent:
        assert name not in facts, (name, facts)


def test_a_bare_percent_in_a_thread_with_a_dti_limit_replaces_the_limit() -> None:
    turn = read_facts("what if they go up to 43 percent", known=["max_dti", "annual_income"])
    changed = what_if({"max_dti": Decimal(36), "annual_income": Decimal(85000)}, turn.facts)
    assert changed == {"max_dti": Decimal(43)}


@pytest.mark.parametrize(
    "text",
    [
        "What is a good debt-to-income ratio? (67853352632541748851abcdef0123456)",
        "What is a good debt-to-income ratio? ref 41bb6efcfe026c9323f27f1346aac216",
        "my account number is 4111111111111111, what is a good DTI?",
    ],
)
def test_identifiers_and_codes_are_not_read_as_figures(text: str) -> None:
    facts = read_facts(text).facts
    assert not {k: v for k, v in facts.items() if isinstance(v, Decimal)}, facts


def test_a_lease_offer_restated_in_a_lease_conversation() -> None:
    facts = read_facts("they came back w/ 39 months at 369", ["lease_payment"]).facts
    assert facts == {"lease_months": 39, "lease_payment": Decimal(369)}


def test_a_new_rate_alone_keeps_the_rate_the_loan_has_now() -> None:
    known = read_facts(
        "my 7/1 arm resets next month from 4.875 to 7.25. balance is $372,400 with 23 yrs left"
    ).facts
    follow_up = "the letter says theres a 2% cap on this adjustment so it can only go to 6 7/8"
    turn = what_if(known, read_facts(follow_up, known.keys()).facts)
    assert turn == {"new_rate": Decimal("6.875")}
    assert merge(known, turn)["interest_rate"] == Decimal("4.875")


def test_another_balance_transfer_offer_gives_its_fee_and_months() -> None:
    known = {"transfer_fee_pct": Decimal(3), "promo_months": 18, "card_balance": Decimal(7800)}
    turn = what_if(
        known, read_facts("card b is also 15 months at 0% but a 5% fee", known.keys()).facts
    )
    assert turn["transfer_fee_pct"] == Decimal(5)
    assert turn["promo_months"] == 15
    assert turn["promo_apr"] == 0
    assert "interest_rate" not in turn


def test_cards_listed_one_by_one_and_one_paid_down_in_a_follow_up() -> None:
    text = (
        "card 1: limit 5k, balance 1,900. card 2 has 1,150 on a 2,000 limit. card 3 limit 8000 "
        "with nothing on it. whats my utilization"
    )
    known = read_facts(text).facts
    assert known["card_limits"] == [
        {"balance": Decimal(1900), "limit": Decimal(5000)},
        {"balance": Decimal(1150), "limit": Decimal(2000)},
        {"balance": Decimal(0), "limit": Decimal(8000)},
    ]
    turn = what_if(known, read_facts("if i pay card 2 down to 200 bucks?", known.keys()).facts)
    assert [card["balance"] for card in turn["card_limits"]] == [1900, 200, 0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("house for 385k, taxes + insurance around 520/mo and pmi would be about 165", {
            "taxes_insurance_monthly": Decimal(520), "pmi_monthly": Decimal(165),
        }),
        ("280k, taxes 3,600/yr, insurance 1,800/yr, pmi quoted 140/mo", {
            "property_tax_annual": Decimal(3600), "insurance_annual": Decimal(1800),
            "pmi_monthly": Decimal(140),
        }),
        ("HOA is 310/mo, taxes ~4,800/yr", {
            "hoa_monthly": Decimal(310), "property_tax_annual": Decimal(4800),
        }),
        ("we pay 450/mo on a car, 310 student loans and like 90 in card minimums", {
            "monthly_debt_payments": Decimal(850),
        }),
        ("take home is 4,200 a month (68k gross), a 28k car at 5.9% for 60 months", {
            "annual_income": Decimal(68000), "interest_rate": Decimal("5.9"),
        }),
        ("dealer gives me 14k for it, i still owe 18,500, putting 2k cash down", {
            "trade_in_value": Decimal(14000), "down_payment": Decimal(2000),
        }),
        ("lender offered me 6.875 with no points or 6.375 if i pay 2 points", {
            "rates": [Decimal("6.875"), Decimal("6.375")],
        }),
        ("lender gave me 6.625 on a 30 yr or 5.875 on a 15yr", {
            "rates": [Decimal("6.625"), Decimal("5.875")],
        }),
    ],
)  # fmt: skip
def test_a_homes_stated_costs_listed_debts_and_quoted_rates(
    text: str, expected: dict[str, object]
) -> None:
    facts = read_facts(text).facts
    for name, value in expected.items():
        assert facts.get(name) == value, (name, facts)


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("my payment went from 1,800 down to 1,500 after the recast",
         {"current_payment": Decimal(1500)}, ("down_payment", "loan_amount")),
        ("payment jumped from 1500 to 2100 when my arm reset",
         {"current_payment": Decimal(2100)}, ("loan_amount",)),
        ("we paid 425k for the house and owe 330k, when does pmi come off",
         {"home_price": Decimal(425000), "loan_amount": Decimal(330000)}, ("savings_goal",)),
        ("bought our condo for 310,000 in 2021, owe 250k",
         {"home_price": Decimal(310000)}, ("savings_goal",)),
        ("saving 50k for a house", {"savings_goal": Decimal(50000)}, ("home_price",)),
        ("we paid 425k and put 40k down on a 30 yr at 7.125",
         {"home_price": Decimal(425000), "down_payment": Decimal(40000)}, ("payment_budget",)),
        ("a lender is offering 6.25% on a new 30 yr with 5,800 in closing costs",
         {"new_term_months": 360, "new_rate": Decimal("6.25")}, ("term_months",)),
        ("would a 20 year refi at 5.9 be worth it", {"new_term_months": 240}, ()),
        ("put 20k down on a 400k house",
         {"down_payment": Decimal(20000), "home_price": Decimal(400000)}, ()),
    ],
)  # fmt: skip
def test_a_changed_payment_and_a_price_paid_are_read_as_such(
    text: str, expected: dict[str, object], absent: tuple[str, ...]
) -> None:
    facts = read_facts(text).facts
    for name, value in expected.items():
        assert facts.get(name) == value, (name, facts)
    for name in absent:
        assert name not in facts, (name, facts)
