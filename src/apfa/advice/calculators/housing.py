"""Calculators for buying and owning a home: affordability, ratios, LTV and mortgage
insurance, refinancing, points, equity."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from apfa.advice.calculators.base import Comparison, Computed, Inputs, calculator
from apfa.advice.calculators.loans import principal, rate, term_months
from apfa.advice.formatting import money, percent
from apfa.finance.affordability import max_affordable_loan
from apfa.finance.arm import arm_adjustment
from apfa.finance.loans import monthly_payment, total_interest
from apfa.finance.mortgage_compare import fha_vs_conventional as compare_programs
from apfa.finance.mortgage_insurance import pmi_removal
from apfa.finance.ratios import PMI_FREE_LTV, pmi_monthly_estimate

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
UNKNOWN_SCORE = 690  # the 680-699 PMI band, as the rate table's "good" tier


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    """``part / whole`` in percent, one decimal, half up (43.5 is 43.5 %)."""
    return (part * HUNDRED / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def monthly_income(inputs: Inputs) -> Decimal | None:
    monthly = inputs.money("monthly_income")
    if monthly is not None:
        return monthly
    annual = inputs.money("annual_income", "agi")
    return _cents(annual / 12) if annual is not None else None


def value_of(inputs: Inputs) -> Decimal | None:
    return inputs.money("home_value", "home_price", "original_value")


@calculator(
    "affordability",
    max_housing_payment_28="money",
    max_total_debt_36="money",
    max_total_debt_43="money",
    max_housing_payment_43="money",
    max_affordable_loan="money",
    dti_front="percent",
    dti_back="percent",
)
def affordability(inputs: Inputs) -> Computed | None:
    income = monthly_income(inputs)
    if income is None:
        return None
    debts = inputs.money("monthly_debt_payments")
    if debts is None:
        debts = Decimal(0)
        inputs.assume("no other monthly debt payments assumed (none were given)")
    figures: dict[str, Decimal | int | str] = {
        "max_housing_payment_28": _cents(income * Decimal("0.28")),
        "max_total_debt_36": _cents(income * Decimal("0.36")),
        "max_total_debt_43": _cents(income * Decimal("0.43")),
        "max_housing_payment_43": _cents(income * Decimal("0.43")) - debts,
    }
    n = term_months(inputs)
    r = rate(inputs, n)
    annual = income * 12
    limit = max_affordable_loan(annual, debts, r, n)
    figures["max_affordable_loan"] = limit.max_loan
    housing = inputs.money("current_payment")
    if housing is not None and income > 0:
        figures["dti_front"] = _pct(housing, income)
        figures["dti_back"] = _pct(housing + debts, income)
    return Computed(figures, assumptions=inputs.assumptions)


@calculator("ratios", dti_front="percent", dti_back="percent", monthly_income="money")
def ratios(inputs: Inputs) -> Computed | None:
    income = monthly_income(inputs)
    debts = inputs.money("monthly_debt_payments")
    if income is None or income <= 0 or debts is None:
        return None
    figures: dict[str, Decimal | int | str] = {
        "monthly_income": income,
        "dti_back": _pct(debts, income),
    }
    housing = inputs.money("current_payment", "rent")
    if housing is not None:
        figures["dti_front"] = _pct(housing, income)
        figures["dti_back"] = _pct(housing + debts, income)
    return Computed(figures, assumptions=inputs.assumptions)


@calculator("ltv", ltv="percent", down_payment_pct="percent", equity="money")
def ltv(inputs: Inputs) -> Computed | None:
    amount, value = principal(inputs), value_of(inputs)
    if amount is None or value is None or value <= 0:
        return None
    figures: dict[str, Decimal | int | str] = {
        "ltv": _pct(amount, value),
        "equity": value - amount,
        "down_payment_pct": _pct(value - amount, value),
    }
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
    amount = principal(inputs)
    value = inputs.money("original_value", "home_price", "home_value")
    if amount is None or value is None or value <= 0 or amount <= 0:
        return None
    ratio = amount / value
    if ratio <= PMI_FREE_LTV:
        return Computed({"pmi_monthly": Decimal(0)})
    score = inputs.whole("credit_score")
    if score is None:
        score = UNKNOWN_SCORE
        inputs.assume("PMI estimated for a credit score of 680-699 (no score was given)")
    n = term_months(inputs)
    removal = pmi_removal(amount, rate(inputs, n), n, value, inputs.money("extra_payment") or 0)
    figures: dict[str, Decimal | int | str] = {
        "pmi_monthly": pmi_monthly_estimate(amount, ratio, score),
        "pmi_cancel_request_balance": removal.cancel_request_balance,
        "pmi_auto_cancel_balance": removal.automatic_termination_balance,
        "pmi_cancel_request_month": removal.request_month,
        "pmi_auto_cancel_month": removal.automatic_termination_month,
    }
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "refinance",
    current_payment="money",
    new_payment="money",
    monthly_saving="money",
    break_even_months="months",
    interest_difference="money",
)
def refinance(inputs: Inputs) -> Computed | None:
    balance = inputs.money("loan_balance", "loan_amount")
    current_rate = inputs.percent("interest_rate")
    new_rate = inputs.percent("new_rate")
    rates = inputs.numbers("rates")
    if current_rate is None and len(rates) >= 2:
        current_rate = rates[0]
    if new_rate is None and len(rates) >= 2:
        new_rate = rates[1]
    if balance is None or current_rate is None or new_rate is None:
        return None
    remaining = inputs.whole("remaining_months") or inputs.whole("term_months")
    new_term = inputs.whole("term_months") if inputs.whole("remaining_months") else None
    if new_term is None:
        new_term = 360
        inputs.assume("new loan assumed to be a 30-year fixed")
    stated = inputs.money("current_payment")
    if stated is not None:
        current = stated
    elif remaining:
        current = monthly_payment(balance, current_rate, remaining)
    else:
        return None
    new = monthly_payment(balance, new_rate, new_term)
    saving = current - new
    figures: dict[str, Decimal | int | str] = {
        "current_payment": current,
        "new_payment": new,
        "monthly_saving": saving,
    }
    costs = inputs.money("closing_costs")
    if costs is not None and saving > 0:
        figures["break_even_months"] = int((costs / saving).to_integral_value(ROUND_CEILING))
    if remaining:
        figures["interest_difference"] = total_interest(
            balance, current_rate, remaining
        ) - total_interest(balance, new_rate, new_term)
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "points",
    points_cost="money",
    monthly_saving="money",
    break_even_months="months",
    payment_without_points="money",
    payment_with_points="money",
)
def points(inputs: Inputs) -> Computed | None:
    amount, bought = principal(inputs), inputs.number("points")
    without, with_points = inputs.percent("interest_rate"), inputs.percent("new_rate")
    rates = inputs.numbers("rates")
    if len(rates) >= 2:
        without, with_points = max(rates[:2]), min(rates[:2])
    if amount is None or bought is None or without is None or with_points is None:
        return None
    n = term_months(inputs)
    cost = _cents(amount * bought / HUNDRED)
    before, after = monthly_payment(amount, without, n), monthly_payment(amount, with_points, n)
    saving = before - after
    figures: dict[str, Decimal | int | str] = {
        "points_cost": cost,
        "payment_without_points": before,
        "payment_with_points": after,
        "monthly_saving": saving,
    }
    if saving > 0:
        figures["break_even_months"] = int((cost / saving).to_integral_value(ROUND_CEILING))
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "cash_out",
    max_loan_80="money",
    max_cash_out="money",
    heloc_interest_only_payment="money",
)
def cash_out(inputs: Inputs) -> Computed | None:
    """Equity available at 80% of the value, and the interest-only payment on a line."""
    figures: dict[str, Decimal | int | str] = {}
    value = inputs.money("home_value", "home_price")
    balance = inputs.money("loan_balance")
    if value is not None and balance is not None:
        cap = _cents(value * PMI_FREE_LTV)
        figures["max_loan_80"] = cap
        figures["max_cash_out"] = max(cap - balance, Decimal(0))
    drawn = inputs.money("loan_amount", "invested_amount")
    line_rate = inputs.percent("interest_rate", "new_rate")
    if drawn is not None and line_rate is not None:
        figures["heloc_interest_only_payment"] = _cents(drawn * line_rate / 1200)
    return Computed(figures, assumptions=inputs.assumptions) if figures else None


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
        down = _cents(price * pct / HUNDRED)
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
    "arm_reset",
    new_rate="percent",
    fully_indexed_rate="percent",
    max_first_rate="percent",
    new_payment="money",
    current_payment="money",
    payment_change="money",
    max_rate="percent",
    max_payment="money",
)
def arm_reset(inputs: Inputs) -> Computed | None:
    current = inputs.percent("interest_rate")
    if current is None:
        return None
    caps = _caps(inputs)
    if caps is None:
        return None
    initial, periodic, lifetime = caps
    figures: dict[str, Decimal | int | str] = {
        "max_first_rate": current + initial,
        "max_rate": current + lifetime,
    }
    balance = inputs.money("loan_balance", "loan_amount")
    months_left = inputs.whole("remaining_months")
    index, margin = inputs.percent("index_rate"), inputs.percent("margin")
    if index is not None and margin is not None:
        # At the first adjustment: the index plus the margin, within the first cap and the
        # lifetime ceiling (the payment needs the balance, below).
        figures["fully_indexed_rate"] = index + margin
        figures["new_rate"] = min(index + margin, current + initial, current + lifetime)
    if balance is None or index is None or margin is None:
        return Computed(figures, assumptions=inputs.assumptions)
    if not months_left:
        total = term_months(inputs)
        fixed = inputs.whole("fixed_years") or 5
        months_left = total - fixed * 12
        inputs.assume(f"{months_left} months left on the loan at the adjustment")
    made = inputs.whole("payments_made")
    first = made is None or made <= 12 * (inputs.whole("fixed_years") or 5)
    adjustment = arm_adjustment(
        balance, months_left, current, index, margin, initial, periodic, lifetime, current, first
    )
    figures |= {
        "fully_indexed_rate": adjustment.fully_indexed_rate,
        "new_rate": adjustment.new_rate,
        "current_payment": adjustment.current_payment,
        "new_payment": adjustment.new_payment,
        "payment_change": adjustment.payment_change,
        "max_rate": adjustment.lifetime_ceiling,
        "max_payment": adjustment.worst_case_payment,
    }
    return Computed(figures, assumptions=inputs.assumptions)


def _caps(inputs: Inputs) -> tuple[Decimal, Decimal, Decimal] | None:
    """The first, later and lifetime caps: stated, or 2/1/5 (listed as assumed) when some
    were not given but the question is about an adjustment."""
    initial = inputs.percent("initial_cap")
    periodic = inputs.percent("periodic_cap")
    lifetime = inputs.percent("lifetime_cap")
    if initial is not None and periodic is not None and lifetime is not None:
        return initial, periodic, lifetime
    if initial is None and lifetime is None and inputs.percent("margin") is None:
        return None
    inputs.assume("caps not given assumed 2/1/5 (first, later and lifetime), the most common")
    return initial or Decimal(2), periodic or Decimal(1), lifetime or Decimal(5)
