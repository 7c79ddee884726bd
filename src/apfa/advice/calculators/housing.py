"""Calculators for buying and owning a home: affordability, ratios, LTV and mortgage
insurance, refinancing, points, equity."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from apfa.advice.calculators.base import Comparison, Computed, Inputs, calculator
from apfa.advice.calculators.loans import principal, rate, term_months
from apfa.advice.formatting import money, percent
from apfa.finance.mortgage_compare import fha_vs_conventional as compare_programs
from apfa.finance.mortgage_insurance import pmi_removal
from apfa.finance.parameters import value as parameter
from apfa.finance.ratios import PMI_FREE_LTV, pmi_monthly_estimate

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
UNKNOWN_SCORE = 690  # the 680-699 PMI band, as the rate table's "good" tier


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def pct(part: Decimal, whole: Decimal) -> Decimal:
    """``part / whole`` in percent, one decimal, half up (43.5 is 43.5 %)."""
    return (part * HUNDRED / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def value_of(inputs: Inputs) -> Decimal | None:
    return inputs.money("home_value", "home_price", "original_value")


@calculator(
    "ltv", ltv="percent", ltv_original="percent", down_payment_pct="percent", equity="money"
)
def ltv(inputs: Inputs) -> Computed | None:
    """The loan against the home's value (today's, when given) and, when the price paid is
    known too, against that: PMI cancellation under the HPA goes by the original value."""
    amount, value = principal(inputs), value_of(inputs)
    if amount is None or value is None or value <= 0:
        return None
    figures: dict[str, Decimal | int | str] = {
        "ltv": pct(amount, value),
        "equity": value - amount,
        "down_payment_pct": pct(value - amount, value),
    }
    original = inputs.money("original_value", "home_price")
    if original is not None and original > 0 and original != value:
        figures["ltv_original"] = pct(amount, original)
    return Computed(figures)


@calculator(
    "pmi",
    pmi_monthly="money",
    pmi_cancel_request_month="count",
    pmi_auto_cancel_month="count",
    pmi_cancel_request_balance="money",
    pmi_auto_cancel_balance="money",
)
def pmi(inputs: Inputs) -> Computed | None:
    """Monthly PMI (the quoted premium, or an estimate by LTV and score) and when it can be
    cancelled (on request at 80% of the original value, automatically at 78%)."""
    amount = principal(inputs)
    if amount is None or amount <= 0:
        return None
    quoted = inputs.percent("pmi_rate")
    value = inputs.money("original_value", "home_price", "home_value")
    if value is None or value <= 0:
        if quoted is None:
            return None
        return Computed({"pmi_monthly": cents(amount * quoted / 1200)})
    ratio = amount / value
    if ratio <= PMI_FREE_LTV:
        return Computed({"pmi_monthly": Decimal(0)})
    score = inputs.whole("credit_score")
    if score is None and quoted is None:
        score = UNKNOWN_SCORE
        inputs.assume("PMI estimated for a credit score of 680-699 (no score was given)")
    n = term_months(inputs)
    removal = pmi_removal(amount, rate(inputs, n), n, value, inputs.money("extra_payment") or 0)
    monthly = (
        cents(amount * quoted / 1200)
        if quoted is not None
        else pmi_monthly_estimate(amount, ratio, score or UNKNOWN_SCORE)
    )
    figures: dict[str, Decimal | int | str] = {
        "pmi_monthly": monthly,
        "pmi_cancel_request_balance": removal.cancel_request_balance,
        "pmi_auto_cancel_balance": removal.automatic_termination_balance,
        "pmi_cancel_request_month": removal.request_month,
        "pmi_auto_cancel_month": removal.automatic_termination_month,
    }
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "fha_vs_conventional",
    fha_upfront_mip="money",
    fha_loan_amount="money",
    fha_monthly_mip="money",
    fha_total_monthly="money",
    fha_mip_years="text",
    conventional_pmi_monthly="money",
    conventional_total_monthly="money",
    monthly_difference="money",
)
def fha_vs_conventional(inputs: Inputs) -> Computed | None:
    price = inputs.money("home_price")
    if price is None:
        return None
    down = inputs.money("down_payment")
    if down is None and (pct := inputs.percent("down_payment_pct")) is not None:
        down = cents(price * pct / HUNDRED)
    if down is None or down >= price:
        return None
    n = term_months(inputs)
    rates = inputs.numbers("rates")
    fha_rate = conventional_rate = rate(inputs, n)
    if len(rates) >= 2:
        fha_rate, conventional_rate = rates[0], rates[1]
    else:
        inputs.assume(f"both loans priced at {percent(fha_rate)} for comparison")
    score = inputs.whole("credit_score")
    if score is None:
        score = UNKNOWN_SCORE
        inputs.assume("credit score of 690 assumed for the mortgage insurance prices")
    both = compare_programs(price, down, score, fha_rate, conventional_rate, n)
    fha, conventional = both.fha, both.conventional
    years = fha.insurance_months // 12
    figures: dict[str, Decimal | int | str] = {
        "fha_upfront_mip": fha.upfront_premium,
        "fha_loan_amount": fha.loan_amount,
        "fha_monthly_mip": fha.monthly_insurance,
        "fha_total_monthly": fha.total_monthly,
        "fha_mip_years": "the life of the loan" if fha.insurance_months >= n else f"{years} years",
        "conventional_pmi_monthly": conventional.monthly_insurance,
        "conventional_total_monthly": conventional.total_monthly,
        "monthly_difference": both.monthly_difference,
    }
    rows = [
        [
            name,
            money(option.loan_amount),
            money(option.principal_and_interest),
            money(option.monthly_insurance),
            money(option.total_monthly),
            "no" if not option.eligible else "yes",
        ]
        for name, option in (("FHA", fha), ("conventional", conventional))
    ]
    table = Comparison(
        f"FHA and conventional on a {money(price)} home with {money(down)} down",
        ["loan", "amount borrowed", "principal and interest", "mortgage insurance",
         "monthly total", "eligible"],
        rows,
    )  # fmt: skip
    return Computed(figures, [table], inputs.assumptions)


@calculator(
    "program_minimums",
    conventional_min_down="money",
    fha_min_down="money",
    fha_min_down_low_score="money",
)
def program_minimums(inputs: Inputs) -> Computed | None:
    """The least cash down each program allows on the price: conventional 3% (97% LTV),
    FHA 3.5% with a score of 580 or more, 10% with 500-579; VA and USDA allow none."""
    price = inputs.money("home_price")
    if price is None or price <= 0:
        return None
    figures: dict[str, Decimal | int | str] = {
        "conventional_min_down": cents(price * parameter("conventional_min_down_payment")),
        "fha_min_down": cents(price * parameter("fha_min_down_payment_580")),
        "fha_min_down_low_score": cents(price * parameter("fha_min_down_payment_500")),
    }
    return Computed(figures)


@calculator(
    "closing_share",
    closing_costs_pct="percent",
    percent_priced_costs="money",
    closing_costs_after_credit="money",
)
def closing_share(inputs: Inputs) -> Computed | None:
    """Closing costs as a share of the loan (typically 2% to 5%), the part of them priced as
    a percent of the loan, and what is left to pay after a seller credit."""
    costs, amount = inputs.money("closing_costs"), principal(inputs)
    if costs is None:
        return None
    figures: dict[str, Decimal | int | str] = {}
    if amount is not None and amount > 0:
        figures["closing_costs_pct"] = pct(costs, amount)
    if (priced := inputs.money("closing_costs_priced")) is not None:
        figures["percent_priced_costs"] = priced
    credit = inputs.money("seller_credit")
    if credit is not None and inputs.money("home_price") is None:  # else cash_to_close says it
        figures["closing_costs_after_credit"] = max(costs - credit, Decimal(0))
    return Computed(figures) if figures else None


@calculator("cash_to_close", cash_to_close="money", down_payment_amount="money")
def cash_to_close(inputs: Inputs) -> Computed | None:
    """What to bring to closing: the down payment and closing costs, less the earnest money
    already paid and any seller credit."""
    price, costs = inputs.money("home_price"), inputs.money("closing_costs")
    if price is None or costs is None:
        return None
    down = inputs.money("down_payment")
    if down is None and (pct := inputs.percent("down_payment_pct")) is not None:
        down = cents(price * pct / HUNDRED)
    if down is None:
        return None
    paid = inputs.money("earnest_money") or Decimal(0)
    credit = inputs.money("seller_credit") or Decimal(0)
    return Computed({"cash_to_close": down + costs - paid - credit, "down_payment_amount": down})


@calculator("down_payment_capacity", available_down="money", available_down_pct="percent")
def down_payment_capacity(inputs: Inputs) -> Computed | None:
    """The savings left for a down payment after the emergency fund kept back and the
    closing costs, and the share of the price that is."""
    saved = inputs.money("savings")
    kept = inputs.money("emergency_reserve")
    costs = inputs.money("closing_costs")
    if saved is None or (kept is None and costs is None):
        return None
    available = max(saved - (kept or Decimal(0)) - (costs or Decimal(0)), Decimal(0))
    figures: dict[str, Decimal | int | str] = {"available_down": available}
    price = inputs.money("home_price")
    if price is not None and price > 0:
        figures["available_down_pct"] = pct(available, price)
    return Computed(figures)


@calculator(
    "equity_buyout",
    buyout_equity="money",
    buyout_amount="money",
    buyout_payoff="money",
    buyout_loan="money",
    buyout_ltv="percent",
)
def equity_buyout(inputs: Inputs) -> Computed | None:
    """Keeping the home in a divorce: the departing spouse's half of the equity, and the
    cash-out refinance that pays off the mortgage and that half, against the home's value
    (closing costs not included)."""
    value = inputs.money("home_value", "home_price")
    owed = inputs.money("loan_balance", "amount_owed", "loan_amount")
    if value is None or owed is None or value <= 0 or owed >= value:
        return None
    half = cents((value - owed) / 2)
    loan = owed + half
    inputs.assume("the equity split half and half, closing costs not included")
    return Computed(
        {
            "buyout_equity": value - owed,
            "buyout_amount": half,
            "buyout_payoff": owed,
            "buyout_loan": loan,
            "buyout_ltv": pct(loan, value),
        },
        assumptions=inputs.assumptions,
    )
