"""Calculators for one loan: its payment, terms side by side, extra payments, balances."""

from __future__ import annotations

from decimal import Decimal

from apfa.advice.calculators.base import Comparison, Computed, FigureKind, Inputs, calculator
from apfa.advice.formatting import money, months, percent
from apfa.finance.loans import (
    amortization_schedule,
    extra_payment_effect,
    monthly_payment,
    total_interest,
)
from apfa.finance.rates import DEFAULT_TERM_YEARS, LOAN_TYPES, LoanType, lookup_rate
from apfa.finance.revolving import card_payoff as fixed_payoff

DEFAULT_TYPE: LoanType = "mortgage"


def loan_type(inputs: Inputs) -> LoanType:
    stated = inputs.text("loan_type")
    for known in LOAN_TYPES:
        if stated == known:
            return known
    return DEFAULT_TYPE


def principal(inputs: Inputs) -> Decimal | None:
    """The amount borrowed: stated, or the price less the down payment (and trade-in)."""
    stated = inputs.money("loan_amount", "loan_balance", "student_balance", "card_balance")
    if stated is not None:
        return stated
    price = inputs.money("home_price", "car_price")
    if price is None:
        return None
    down = inputs.money("down_payment")
    if down is None and (pct := inputs.percent("down_payment_pct")) is not None:
        down = price * pct / 100
    down = down or Decimal(0)
    trade = inputs.money("trade_in_value") or Decimal(0)
    owed = inputs.money("amount_owed") or Decimal(0)
    amount = price - down - trade + owed
    return amount if amount > 0 else None


def _term_is_the_question(inputs: Inputs) -> bool:
    """A payment stated with no term ("paying 150 a month, how long?"): the time to pay off
    is what is asked, so no level payment over an assumed term is computed."""
    stated = ("term_months", "terms_months", "remaining_months")
    return inputs.money("payment_budget") is not None and not any(
        inputs.raw(name) is not None for name in stated
    )


def term_months(inputs: Inputs) -> int:
    stated = inputs.whole("term_months")
    if stated:
        return stated
    terms = inputs.numbers("terms_months")
    if terms:
        return int(terms[0])
    left = inputs.whole("remaining_months")
    if left:
        return left  # a loan already running: its payment spreads what is owed over what is left
    kind = loan_type(inputs)
    years = DEFAULT_TERM_YEARS[kind]
    inputs.assume(f"loan term assumed {years} years (the usual term for a {kind} loan)")
    return years * 12


def rate(inputs: Inputs, months_: int) -> Decimal:
    stated = inputs.percent("interest_rate", "apr")
    if stated is not None:
        return stated
    rates = inputs.numbers("rates")
    if rates:
        return rates[0]
    score = inputs.whole("credit_score")
    found, text = lookup_rate(loan_type(inputs), score, max(1, months_ // 12))
    inputs.assume(text)
    return found


@calculator(
    "loan_payment",
    monthly_payment="money",
    total_interest="money",
    total_paid="money",
    principal="money",
    balance_after_payments="money",
    first_month_interest="money",
    first_month_principal="money",
    first_year_interest="money",
    loan_rate="percent",
)
def loan_payment(inputs: Inputs) -> Computed | None:
    amount = principal(inputs)
    if amount is None or _term_is_the_question(inputs):
        return None
    n = term_months(inputs)
    r = rate(inputs, n)
    payment = monthly_payment(amount, r, n)
    schedule = amortization_schedule(amount, r, n)
    interest = sum((row.interest for row in schedule), Decimal(0))
    figures: dict[str, Decimal | int | str] = {
        "principal": amount,
        "monthly_payment": payment,
        "total_interest": interest,
        "total_paid": amount + interest,
        "loan_rate": r,
    }
    if schedule:
        figures["first_month_interest"] = schedule[0].interest
        figures["first_month_principal"] = schedule[0].principal
        figures["first_year_interest"] = sum((row.interest for row in schedule[:12]), Decimal(0))
    made = inputs.whole("payments_made")
    if made and 0 < made < len(schedule):
        figures["balance_after_payments"] = schedule[made - 1].balance
    return Computed(figures, assumptions=inputs.assumptions)


def _options(inputs: Inputs, amount: Decimal) -> list[tuple[Decimal, int]]:
    terms = [int(t) for t in inputs.numbers("terms_months")]
    rates = inputs.numbers("rates")
    if len(terms) < 2:
        if loan_type(inputs) != "mortgage":
            return []  # 15 against 30 years is a mortgage's choice; other loans state theirs
        stated = inputs.whole("term_months") or (terms[0] if terms else 0)
        terms = sorted({stated, 180, 360} - {0})[:2] if stated in (0, 180, 360) else [stated]
        if len(terms) < 2:
            return []
        inputs.assume("compared with the other common mortgage term (15 or 30 years)")
        rates = []  # the terms compared are not the ones the rates were stated with
    if len(rates) == len(terms):
        return list(zip(rates, terms, strict=True))
    single = rate(inputs, terms[0])
    return [(single, t) for t in terms]


_TERM_FIGURES: dict[str, FigureKind] = {
    "short_payment": "money",
    "long_payment": "money",
    "payment_difference": "money",
    "short_total_interest": "money",
    "long_total_interest": "money",
    "interest_saved": "money",
    "short_term": "months",
    "long_term": "months",
    "short_rate": "percent",
    "long_rate": "percent",
    "short_balance_after": "money",
    "long_balance_after": "money",
    "equity_difference": "money",
}


@calculator("term_comparison", **_TERM_FIGURES)
def term_comparison(inputs: Inputs) -> Computed | None:
    """The shortest and longest of the terms weighed (15 against 30 years for a mortgage
    when one term is named), each at its stated rate or the rate table's."""
    amount = principal(inputs)
    if amount is None:
        return None
    options = _options(inputs, amount)
    return _compared(inputs, amount, options) if len(options) >= 2 else None


@calculator("stated_terms", terms_stated="count", **_TERM_FIGURES)
def stated_terms(inputs: Inputs) -> Computed | None:
    """Only the terms the person named ("15 yr is 5.99% and 30 yr is 6.6%"), side by side;
    nothing when fewer than two were named."""
    amount = principal(inputs)
    if amount is None or len(inputs.numbers("terms_months")) < 2:
        return None
    computed = _compared(inputs, amount, _options(inputs, amount))
    computed.figures["terms_stated"] = len(inputs.numbers("terms_months"))
    return computed


def _compared(inputs: Inputs, amount: Decimal, options: list[tuple[Decimal, int]]) -> Computed:
    made = inputs.whole("payments_made")
    rows = []
    results = []
    balances: dict[int, Decimal] = {}
    for r, n in options:
        payment = monthly_payment(amount, r, n)
        interest = total_interest(amount, r, n)
        results.append((n, r, payment, interest))
        row = [months(n), percent(r), money(payment), money(interest), money(amount + interest)]
        if made and 0 < made < n:
            balances[n] = amortization_schedule(amount, r, n)[made - 1].balance
            row.append(money(balances[n]))
        rows.append(row)
    results.sort(key=lambda item: item[0])
    short, long = results[0], results[-1]
    figures: dict[str, Decimal | int | str] = {
        "short_term": short[0],
        "long_term": long[0],
        "short_rate": short[1],
        "long_rate": long[1],
        "short_payment": short[2],
        "long_payment": long[2],
        "payment_difference": short[2] - long[2],
        "short_total_interest": short[3],
        "long_total_interest": long[3],
        "interest_saved": long[3] - short[3],
    }
    columns = ["term", "rate", "monthly payment", "total interest", "total paid"]
    if balances and made:
        columns.append(f"owed after {months(made)}")
        if short[0] in balances and long[0] in balances:
            figures["short_balance_after"] = balances[short[0]]
            figures["long_balance_after"] = balances[long[0]]
            figures["equity_difference"] = balances[long[0]] - balances[short[0]]
    table = Comparison(f"{money(amount)} borrowed over each term", columns, rows)
    return Computed(figures, [table], inputs.assumptions)


@calculator(
    "extra_payment",
    months_without_extra="months",
    payoff_months_with_extra="months",
    months_saved="months",
    interest_saved_with_extra="money",
    total_interest_with_extra="money",
    monthly_payment="money",
)
def extra_payment(inputs: Inputs) -> Computed | None:
    amount, extra = principal(inputs), inputs.money("extra_payment")
    if amount is None or extra is None:
        return None
    stated_term = inputs.whole("remaining_months") or inputs.whole("term_months")
    if stated_term is None and inputs.money("current_payment") is not None:
        return None  # paid at a stated amount, not on a term: payoff_at_payment answers it
    n = inputs.whole("remaining_months") or term_months(inputs)
    r = rate(inputs, n)
    effect = extra_payment_effect(amount, r, n, extra)
    figures: dict[str, Decimal | int | str] = {
        "monthly_payment": monthly_payment(amount, r, n),
        "months_without_extra": n,
        "payoff_months_with_extra": effect.new_payoff_months,
        "months_saved": effect.months_saved,
        "interest_saved_with_extra": effect.interest_saved,
        "total_interest_with_extra": effect.new_total_interest,
    }
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "payoff_at_payment",
    payoff_months_at_payment="months",
    payoff_interest_at_payment="money",
    payoff_months_with_more="months",
    payoff_interest_with_more="money",
    interest_saved_by_paying_more="money",
    months_sooner="months",
)
def payoff_at_payment(inputs: Inputs) -> Computed | None:
    """A loan paid at a stated amount a month ("62,000 left at 7.05%, paying 720 a month"):
    when it is paid off and the interest until then; with more a month (an extra amount, or a
    payment above the schedule of a stated term), how much sooner and the interest saved."""
    amount = inputs.money("loan_balance", "student_balance", "loan_amount")
    apr, payment = (
        inputs.percent("interest_rate"),
        inputs.money("payment_budget", "current_payment"),
    )
    if amount is None or apr is None or payment is None or amount <= 0:
        return None
    base = fixed_payoff(amount, apr, payment)
    if not base.pays_off or base.months is None or base.total_interest is None:
        return None
    figures: dict[str, Decimal | int | str] = {
        "payoff_months_at_payment": base.months,
        "payoff_interest_at_payment": base.total_interest,
    }
    extra, n = inputs.money("extra_payment"), inputs.whole("term_months")
    if extra is not None and extra > 0:
        more = fixed_payoff(amount, apr, payment + extra)
        if more.months is not None and more.total_interest is not None:
            figures["payoff_months_with_more"] = more.months
            figures["payoff_interest_with_more"] = more.total_interest
            figures["interest_saved_by_paying_more"] = base.total_interest - more.total_interest
            figures["months_sooner"] = base.months - more.months
    elif n and payment > monthly_payment(amount, apr, n) and base.months < n:
        figures["interest_saved_by_paying_more"] = total_interest(amount, apr, n) - (
            base.total_interest
        )
        figures["months_sooner"] = n - base.months
    return Computed(figures, assumptions=inputs.assumptions)
