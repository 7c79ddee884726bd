"""Comparing loan terms, the balance after n payments, and discount points.

Money is ``Decimal`` cents, rates nominal annual percent (see :mod:`apfa.finance.money`). Every
figure comes from the standard schedule of :mod:`apfa.finance.loans` (level payment rounded to
cents, monthly interest rounded to cents, last payment adjusted), so totals here match
``total_interest`` and ``amortization_schedule`` exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from apfa.finance.loans import amortization_schedule, monthly_payment
from apfa.finance.money import (
    HUNDRED,
    ZERO,
    Number,
    cents,
    require_count,
    require_non_negative,
    to_decimal,
)


@dataclass(frozen=True)
class TermOption:
    """One (rate, term) option; the differences are this option minus the first one."""

    annual_rate_pct: Decimal
    term_months: int
    monthly_payment: Decimal
    total_interest: Decimal
    total_paid: Decimal
    payment_difference: Decimal
    interest_difference: Decimal
    total_paid_difference: Decimal


@dataclass(frozen=True)
class TermComparison:
    """Result of :func:`term_comparison`, options in the order given."""

    principal: Decimal
    options: tuple[TermOption, ...]


def _figures(principal: Decimal, rate: Decimal, months: int) -> tuple[Decimal, Decimal]:
    rows = amortization_schedule(principal, rate, months)
    interest = sum((row.interest for row in rows), ZERO)
    return monthly_payment(principal, rate, months), interest


def term_comparison(principal: Number, options: Sequence[tuple[Number, int]]) -> TermComparison:
    """Payment, total interest and total paid for each ``(annual_rate_pct, months)`` option.

    $300,000 at 6.5% for 30 years against 5.75% for 15 years: 1,896.20 against 2,491.23 a
    month; total interest 382,636.71 against 148,421.55, so the 15-year loan pays 595.03 more a
    month and 234,215.16 less interest.
    """
    p = cents(require_non_negative("principal", principal))
    if not options:
        raise ValueError("options must name at least one (rate, months) pair")
    figures = [
        (to_decimal(rate), months, *_figures(p, to_decimal(rate), months))
        for rate, months in options
    ]
    first_payment, first_interest = figures[0][2], figures[0][3]
    return TermComparison(
        principal=p,
        options=tuple(
            TermOption(
                annual_rate_pct=rate,
                term_months=months,
                monthly_payment=payment,
                total_interest=interest,
                total_paid=p + interest,
                payment_difference=payment - first_payment,
                interest_difference=interest - first_interest,
                total_paid_difference=interest - first_interest,
            )
            for rate, months, payment, interest in figures
        ),
    )


def balance_after(
    principal: Number, annual_rate_pct: Number, term_months: int, payments_made: int
) -> Decimal:
    """Balance left after ``payments_made`` payments of the standard schedule (0 after the last).

    ``balance_after(200_000, 6, 360, 60) == Decimal("186108.80")``.
    """
    n = require_count("payments_made", payments_made)
    rows = amortization_schedule(principal, annual_rate_pct, term_months)
    if n == 0:
        return cents(to_decimal(principal))
    if n >= len(rows):
        return ZERO.quantize(Decimal("0.01"))
    return rows[n - 1].balance


@dataclass(frozen=True)
class PointsBreakEven:
    """Result of :func:`points_break_even`.

    ``break_even_months`` is the first month whose cumulative saving covers the cost (``None``
    when the points do not lower the payment); ``net_savings`` is the saving over the horizon
    (capped at the term) minus the cost, ``None`` without a horizon.
    """

    points_cost: Decimal
    payment_without: Decimal
    payment_with: Decimal
    monthly_saving: Decimal
    break_even_months: int | None
    horizon_months: int | None
    net_savings: Decimal | None


def points_break_even(
    loan: Number,
    term_months: int,
    rate_without_pct: Number,
    rate_with_pct: Number,
    points: Number,
    horizon_months: int | None = None,
) -> PointsBreakEven:
    """Cost of ``points`` (percent of the loan), the monthly P&I saving and the break-even month.

    $400,000 for 30 years, 2 points to go from 6.75% to 6.25%: the points cost 8,000.00, the
    payment falls from 2,594.39 to 2,462.87 (131.52 a month), so they pay for themselves in
    month 61 (8,000 / 131.52 = 60.8, rounded up).
    """
    amount = require_non_negative("loan", loan)
    cost = cents(amount * require_non_negative("points", points) / HUNDRED)
    without = monthly_payment(amount, rate_without_pct, term_months)
    with_points = monthly_payment(amount, rate_with_pct, term_months)
    saving = without - with_points
    break_even: int | None = None
    if saving > 0:
        break_even = int((cost / saving).to_integral_value(rounding=ROUND_CEILING))
    net: Decimal | None = None
    if horizon_months is not None:
        months = min(require_count("horizon_months", horizon_months), term_months)
        net = saving * months - cost
    return PointsBreakEven(
        points_cost=cost,
        payment_without=without,
        payment_with=with_points,
        monthly_saving=saving,
        break_even_months=break_even,
        horizon_months=horizon_months,
        net_savings=net,
    )
