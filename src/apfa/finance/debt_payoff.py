"""Paying several debts from one monthly budget: avalanche or snowball.

Each month, for every open debt: interest ``balance * apr / 1200`` rounded to cents is added
(the card convention of :mod:`apfa.finance.revolving`); then every open debt gets its minimum
payment (or what is left of it, if less); then the rest of the budget goes to the first open
debt in the target order, and to the next one if that debt is cleared. The budget stays the
same, so a cleared debt's minimum rolls into the next target. The target order is fixed at the
start: ``avalanche`` by highest APR (ties: smaller balance, then input order), ``snowball`` by
smallest balance (ties: higher APR, then input order).

Avalanche pays the least interest in exact arithmetic; with interest rounded to cents each month
the two can differ by rounding, which only matters at cent scale (a few dollars of debt).

A budget below the sum of the minimums is an error. A plan that has not cleared every debt in
:data:`~apfa.finance.revolving.MAX_MONTHS` months (minimums below the interest) reports
``pays_off=False`` with the totals of those months.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from apfa.finance.money import (
    ZERO,
    Number,
    cents,
    require_non_negative,
)
from apfa.finance.revolving import MAX_MONTHS, monthly_interest

Method = Literal["avalanche", "snowball"]


@dataclass(frozen=True)
class Debt:
    """A debt: money in cents, ``apr_pct`` in percent."""

    name: str
    balance: Decimal
    apr_pct: Decimal
    min_payment: Decimal

    @classmethod
    def of(cls, name: str, balance: Number, apr_pct: Number, min_payment: Number) -> Debt:
        """Validated constructor from plain numbers."""
        return cls(
            name=name,
            balance=cents(require_non_negative("balance", balance)),
            apr_pct=require_non_negative("apr_pct", apr_pct),
            min_payment=cents(require_non_negative("min_payment", min_payment)),
        )


DebtInput = Debt | tuple[str, Number, Number, Number]


def as_debts(debts: Iterable[DebtInput]) -> list[Debt]:
    """``Debt`` objects from ``Debt``s or ``(name, balance, apr_pct, min_payment)`` tuples."""
    result = [d if isinstance(d, Debt) else Debt.of(*d) for d in debts]
    if not result:
        raise ValueError("debts must name at least one debt")
    return result


@dataclass(frozen=True)
class DebtOutcome:
    """One debt in a plan; ``payoff_month`` is ``None`` when it was not cleared."""

    name: str
    payoff_month: int | None
    interest_paid: Decimal
    total_paid: Decimal


@dataclass(frozen=True)
class PayoffPlan:
    """Result of :func:`payoff_plan`; ``debts`` in input order, ``target_order`` the method's
    order and ``payoff_order`` the order in which they were actually cleared."""

    method: Method
    monthly_budget: Decimal
    minimum_total: Decimal
    target_order: tuple[str, ...]
    payoff_order: tuple[str, ...]
    debts: tuple[DebtOutcome, ...]
    pays_off: bool
    months_to_debt_free: int | None
    total_interest: Decimal
    total_paid: Decimal


def target_order(debts: Sequence[Debt], method: Method) -> list[int]:
    """Indexes of ``debts`` in the order the method targets them."""
    if method == "avalanche":
        return sorted(range(len(debts)), key=lambda i: (-debts[i].apr_pct, debts[i].balance, i))
    if method == "snowball":
        return sorted(range(len(debts)), key=lambda i: (debts[i].balance, -debts[i].apr_pct, i))
    raise ValueError(f"method must be 'avalanche' or 'snowball', got {method!r}")


def _month(
    owed: list[Decimal],
    debts: Sequence[Debt],
    order: Sequence[int],
    budget: Decimal,
    interest: list[Decimal],
    paid: list[Decimal],
) -> None:
    open_ = [i for i in range(len(debts)) if owed[i] > 0]
    for i in open_:
        charge = monthly_interest(owed[i], debts[i].apr_pct)
        owed[i] += charge
        interest[i] += charge
    available = budget
    for i in open_:
        pay = min(debts[i].min_payment, owed[i])
        owed[i] -= pay
        paid[i] += pay
        available -= pay
    for i in order:
        if available <= 0:
            break
        pay = min(available, owed[i])
        owed[i] -= pay
        paid[i] += pay
        available -= pay


def payoff_plan(debts: Iterable[DebtInput], monthly_budget: Number, method: Method) -> PayoffPlan:
    """Month-by-month avalanche or snowball plan (rules in the module docstring).

    Card A $3,000 at 24.99% (min $90), card B $1,200 at 18.99% (min $35), car $8,000 at 7.5%
    (min $250) with $600 a month: avalanche clears A (month 11), B (14), then the car, debt-free
    in month 23 with 1,335.11 of interest; snowball clears B first (month 5) and pays 1,397.75.
    """
    items = as_debts(debts)
    budget = cents(require_non_negative("monthly_budget", monthly_budget))
    minimum = sum((d.min_payment for d in items), ZERO)
    if budget < minimum:
        raise ValueError(
            f"monthly_budget {budget} is below the sum of the minimum payments {minimum}"
        )
    order = target_order(items, method)
    owed = [d.balance for d in items]
    interest = [ZERO for _ in items]
    paid = [ZERO for _ in items]
    cleared: list[int | None] = [0 if b == 0 else None for b in owed]
    month = 0
    while any(b > 0 for b in owed) and month < MAX_MONTHS:
        month += 1
        _month(owed, items, order, budget, interest, paid)
        for i, balance in enumerate(owed):
            if balance == 0 and cleared[i] is None:
                cleared[i] = month
    done = all(b == 0 for b in owed)
    finished = sorted(
        (i for i in order if cleared[i] is not None), key=lambda i: (cleared[i], order.index(i))
    )
    return PayoffPlan(
        method=method,
        monthly_budget=budget,
        minimum_total=minimum,
        target_order=tuple(items[i].name for i in order),
        payoff_order=tuple(items[i].name for i in finished),
        debts=tuple(
            DebtOutcome(d.name, cleared[i], interest[i], paid[i]) for i, d in enumerate(items)
        ),
        pays_off=done,
        months_to_debt_free=month if done else None,
        total_interest=sum(interest, ZERO),
        total_paid=sum(paid, ZERO),
    )
