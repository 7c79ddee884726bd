"""Saving: emergency fund targets, future value, the employer match, paying debt or investing.

Money is ``Decimal`` cents, rates annual percent (nominal, compounded monthly where said).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from apfa.finance.money import (
    HUNDRED,
    ONE,
    ZERO,
    Number,
    cents,
    monthly_rate,
    require_count,
    require_non_negative,
    require_pct,
)
from apfa.finance.parameters import value

_PCT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class EmergencyTarget:
    """``months`` of expenses: the target, what is still missing, and (with a deposit) the
    months of deposits to close the gap, rounded up (0 when already there)."""

    months: int
    target: Decimal
    shortfall: Decimal
    months_to_reach: int | None


@dataclass(frozen=True)
class EmergencyFund:
    """Result of :func:`emergency_fund`, one target per option in the order given."""

    monthly_expenses: Decimal
    saved: Decimal
    monthly_deposit: Decimal | None
    targets: tuple[EmergencyTarget, ...]


def emergency_fund(
    monthly_expenses: Number,
    months_options: Sequence[int] = (3, 6),
    saved: Number = 0,
    monthly_deposit: Number | None = None,
) -> EmergencyFund:
    """Targets of ``months`` x expenses and the months of deposits to reach them (no interest).

    $3,200 a month of expenses, $4,000 saved, $500 a month: 3 months is 9,600.00 (5,600.00
    short, 12 months away), 6 months is 19,200.00 (31 months away).
    """
    expenses = cents(require_non_negative("monthly_expenses", monthly_expenses))
    have = cents(require_non_negative("saved", saved))
    deposit = None
    if monthly_deposit is not None:
        deposit = cents(require_non_negative("monthly_deposit", monthly_deposit))
    if not months_options:
        raise ValueError("months_options must name at least one number of months")
    targets = []
    for months in months_options:
        target = expenses * require_count("months_options", months, minimum=1)
        short = max(target - have, ZERO)
        reach: int | None = None
        if short == 0:
            reach = 0
        elif deposit:
            reach = int((short / deposit).to_integral_value(rounding=ROUND_CEILING))
        targets.append(EmergencyTarget(months, target, short, reach))
    return EmergencyFund(expenses, have, deposit, tuple(targets))


@dataclass(frozen=True)
class FutureValue:
    """Result of :func:`future_value`; ``growth`` is the value minus what was put in."""

    future_value: Decimal
    total_contributed: Decimal
    growth: Decimal


def future_value(
    present: Number, monthly_contribution: Number, annual_rate_pct: Number, months: int
) -> FutureValue:
    """``PV (1+r)^n + C ((1+r)^n - 1) / r`` with ``r = rate / 1200``, contributions at the end
    of each month (``PV + C n`` at 0%); rounded to cents once, at the end.

    $10,000 plus $500 a month for 20 years at 7%: 300,850.72, of which 130,000.00 contributed.
    """
    pv = require_non_negative("present", present)
    contribution = require_non_negative("monthly_contribution", monthly_contribution)
    r = monthly_rate(require_non_negative("annual_rate_pct", annual_rate_pct))
    n = require_count("months", months)
    growth_factor = (ONE + r) ** n
    annuity = Decimal(n) if r == 0 else (growth_factor - ONE) / r
    value_ = cents(pv * growth_factor + contribution * annuity)
    put_in = cents(pv + contribution * n)
    return FutureValue(value_, put_in, value_ - put_in)


@dataclass(frozen=True)
class EmployerMatch:
    """Result of :func:`employer_match`; the ``*_at_contribution`` and ``missed_match`` figures
    need ``contribution_pct``. ``full_match_exceeds_deferral_limit`` is set when the salary
    share needed is above the 2026 under-50 deferral limit, so deferrals alone cannot get the
    whole match."""

    contribution_pct_for_full_match: Decimal
    contribution_for_full_match: Decimal
    full_match: Decimal
    match_at_contribution: Decimal | None
    missed_match: Decimal | None
    deferral_limit: Decimal
    full_match_exceeds_deferral_limit: bool


def employer_match(
    salary: Number,
    match_rate_pct: Number,
    match_limit_pct: Number,
    contribution_pct: Number | None = None,
) -> EmployerMatch:
    """A match of ``match_rate_pct`` of contributions up to ``match_limit_pct`` of salary.

    $80,000 with 50% up to 6%: contribute 6% (4,800.00) for the full 2,400.00 a year; at 4%
    the match is 1,600.00 and 800.00 is left on the table.
    """
    pay = cents(require_non_negative("salary", salary))
    rate = require_non_negative("match_rate_pct", match_rate_pct) / HUNDRED
    limit = require_pct("match_limit_pct", match_limit_pct)
    needed = cents(pay * limit / HUNDRED)
    full = cents(needed * rate)
    at: Decimal | None = None
    missed: Decimal | None = None
    if contribution_pct is not None:
        share = min(require_pct("contribution_pct", contribution_pct), limit)
        at = cents(pay * share / HUNDRED * rate)
        missed = full - at
    deferral_limit = cents(value("elective_deferral_limit_2026"))
    return EmployerMatch(limit, needed, full, at, missed, deferral_limit, needed > deferral_limit)


@dataclass(frozen=True)
class PayOffOrInvest:
    """Result of :func:`pay_off_or_invest`, rates in percent with 4 decimals; ``difference`` is
    the debt rate minus the after-tax return (positive: paying the debt earns more)."""

    debt_rate_pct: Decimal
    after_tax_return_pct: Decimal
    difference_pct: Decimal
    better: Literal["pay_off_debt", "invest", "equal"]


def pay_off_or_invest(
    debt_rate_pct: Number, expected_return_pct: Number, tax_rate_pct: Number = 0
) -> PayOffOrInvest:
    """Paying a debt earns its rate without risk; investing earns ``expected_return`` less tax.

    A 7% loan against an 8% expected return taxed at 15%: 6.8% after tax, so paying the loan
    wins by 0.2 points (before weighing the investment's risk).
    """
    debt = require_non_negative("debt_rate_pct", debt_rate_pct)
    expected = require_non_negative("expected_return_pct", expected_return_pct)
    after_tax = expected * (ONE - require_pct("tax_rate_pct", tax_rate_pct) / HUNDRED)
    diff = (debt - after_tax).quantize(_PCT_PLACES)
    better: Literal["pay_off_debt", "invest", "equal"] = (
        "pay_off_debt" if diff > 0 else "invest" if diff < 0 else "equal"
    )
    return PayOffOrInvest(debt.quantize(_PCT_PLACES), after_tax.quantize(_PCT_PLACES), diff, better)
