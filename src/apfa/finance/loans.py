"""Fixed-rate amortising loans: payment, schedule, totals, APR with fees, extra payments.

Inputs are ``float | int | Decimal`` (see :mod:`apfa.finance.money`); every money result is a
``Decimal`` rounded to cents with ``ROUND_HALF_UP``. Rates are nominal annual percentages
(``6.5`` means 6.5% a year, compounded monthly).

Schedule rules: the level payment is the annuity payment rounded to cents; each month's interest
is ``balance * rate / 12`` rounded to cents; the last payment is adjusted so the balance ends at
exactly ``0.00``, so the principal column always sums to the loan amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from apfa.finance.money import (
    ONE,
    ZERO,
    Number,
    cents,
    monthly_rate,
    require_non_negative,
    require_term,
    to_decimal,
)

APR_TOLERANCE_PCT = Decimal("0.000001")
"""Bisection stops once the APR bracket is narrower than this (in percent)."""

_APR_PLACES = Decimal("0.001")
_MAX_APR_PCT = Decimal("1000")


@dataclass(frozen=True)
class AmortizationRow:
    """One month of a schedule.

    ``payment`` is the cash paid that month (``principal + interest``); ``principal`` is the
    total balance reduction, of which ``extra`` came from the extra monthly payment.
    """

    month: int
    payment: Decimal
    principal: Decimal
    interest: Decimal
    extra: Decimal
    balance: Decimal


@dataclass(frozen=True)
class YearSummary:
    """Schedule totals per loan year (months 1-12 are year 1); ``balance`` is at year end."""

    year: int
    principal: Decimal
    interest: Decimal
    balance: Decimal


@dataclass(frozen=True)
class ExtraPaymentEffect:
    """Result of :func:`extra_payment_effect`."""

    original_payoff_months: int
    new_payoff_months: int
    months_saved: int
    original_total_interest: Decimal
    new_total_interest: Decimal
    interest_saved: Decimal


def _exact_payment(principal: Decimal, rate: Decimal, n: int) -> Decimal:
    """Unrounded annuity payment for monthly ``rate`` over ``n`` months."""
    denominator = ONE - (ONE + rate) ** -n
    if rate == 0 or denominator == 0:  # the second: a rate too small to register
        return principal / n
    return principal * rate / denominator


def monthly_payment(principal: Number, annual_rate_pct: Number, term_months: int) -> Decimal:
    """Level monthly principal-and-interest payment, rounded to cents.

    ``P * r / (1 - (1 + r) ** -n)`` with ``r = annual_rate_pct / 1200``; ``P / n`` at 0%.
    ``monthly_payment(200_000, 6, 360) == Decimal("1199.10")``.
    """
    p = require_non_negative("principal", principal)
    rate = monthly_rate(require_non_negative("annual_rate_pct", annual_rate_pct))
    n = require_term(term_months)
    return cents(_exact_payment(p, rate, n))


def amortization_schedule(
    principal: Number,
    annual_rate_pct: Number,
    term_months: int,
    extra_monthly: Number = 0,
) -> list[AmortizationRow]:
    """Month-by-month schedule (see the module docstring for the rounding rules).

    ``extra_monthly`` is added to principal every month until the loan is repaid; the schedule
    stops early when the balance reaches zero. A zero principal gives an empty schedule.
    """
    balance = require_non_negative("principal", principal)
    rate = monthly_rate(require_non_negative("annual_rate_pct", annual_rate_pct))
    n = require_term(term_months)
    extra = cents(require_non_negative("extra_monthly", extra_monthly))
    level = cents(_exact_payment(balance, rate, n))
    balance = cents(balance)
    rows: list[AmortizationRow] = []
    month = 0
    while balance > 0:
        month += 1
        interest = cents(balance * rate)
        regular = level - interest
        if month >= n or regular >= balance:
            regular, extra_paid = balance, ZERO
        else:
            extra_paid = min(extra, balance - regular)
        reduction = regular + extra_paid
        balance -= reduction
        rows.append(
            AmortizationRow(
                month=month,
                payment=reduction + interest,
                principal=reduction,
                interest=interest,
                extra=extra_paid,
                balance=balance,
            )
        )
    return rows


def total_interest(
    principal: Number, annual_rate_pct: Number, term_months: int, extra_monthly: Number = 0
) -> Decimal:
    """Sum of the interest column of :func:`amortization_schedule`.

    ``total_interest(300_000, 6.5, 360) == Decimal("382636.71")``.
    """
    rows = amortization_schedule(principal, annual_rate_pct, term_months, extra_monthly)
    return sum((row.interest for row in rows), ZERO)


def yearly_summary(rows: Sequence[AmortizationRow]) -> list[YearSummary]:
    """Aggregate a schedule into loan years for charts."""
    years: list[YearSummary] = []
    for start in range(0, len(rows), 12):
        chunk = rows[start : start + 12]
        years.append(
            YearSummary(
                year=start // 12 + 1,
                principal=sum((r.principal for r in chunk), ZERO),
                interest=sum((r.interest for r in chunk), ZERO),
                balance=chunk[-1].balance,
            )
        )
    return years


def _present_value(payments: Sequence[Decimal], rate: Decimal) -> Decimal:
    """Present value of end-of-month ``payments`` at monthly ``rate``."""
    discount = ONE / (ONE + rate)
    factor = ONE
    total = ZERO
    for payment in payments:
        factor *= discount
        total += payment * factor
    return total


def apr_with_fees(
    principal: Number, annual_rate_pct: Number, term_months: int, fees: Number
) -> Decimal:
    """Regulation Z style actuarial APR, in percent with 3 decimals.

    The payment stream is the schedule on the full note (``principal`` at ``annual_rate_pct``,
    final payment adjusted); the amount financed is ``principal - fees`` (prepaid finance
    charges). The APR is ``1200 * i`` where monthly ``i`` discounts the payments to the amount
    financed, found by bisection to ``APR_TOLERANCE_PCT``. $200,000 at 6% for 360 months with
    $4,000 of fees gives about 6.188%.
    """
    p = require_non_negative("principal", principal)
    prepaid = require_non_negative("fees", fees)
    if p == 0:
        raise ValueError("principal must be > 0")
    amount_financed = p - prepaid
    if amount_financed <= 0:
        raise ValueError("fees must be smaller than the principal")
    payments = [row.payment for row in amortization_schedule(p, annual_rate_pct, term_months)]
    low, high = ZERO, max(to_decimal(annual_rate_pct) * 2, ONE)
    while _present_value(payments, monthly_rate(high)) > amount_financed:
        low, high = high, high * 2
        if high > _MAX_APR_PCT:
            raise ValueError("APR above 1000% - check the inputs")
    while high - low > APR_TOLERANCE_PCT:
        mid = (low + high) / 2
        if _present_value(payments, monthly_rate(mid)) > amount_financed:
            low = mid
        else:
            high = mid
    return ((low + high) / 2).quantize(_APR_PLACES, rounding=ROUND_HALF_UP)


def extra_payment_effect(
    principal: Number, annual_rate_pct: Number, term_months: int, extra_monthly: Number
) -> ExtraPaymentEffect:
    """Compare the schedule with and without ``extra_monthly`` added to every payment."""
    base = amortization_schedule(principal, annual_rate_pct, term_months)
    faster = amortization_schedule(principal, annual_rate_pct, term_months, extra_monthly)
    base_interest = sum((r.interest for r in base), ZERO)
    new_interest = sum((r.interest for r in faster), ZERO)
    return ExtraPaymentEffect(
        original_payoff_months=len(base),
        new_payoff_months=len(faster),
        months_saved=len(base) - len(faster),
        original_total_interest=base_interest,
        new_total_interest=new_interest,
        interest_saved=base_interest - new_interest,
    )
