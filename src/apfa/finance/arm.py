"""Adjustable-rate mortgage: the next rate and payment under the caps.

Rates are nominal annual percent and caps percentage points (a 2/1/5 ARM: ``initial_cap=2``,
``periodic_cap=1``, ``lifetime_cap=5``). Rules:

* the fully indexed rate is ``index + margin``;
* the new rate moves towards it by at most the adjustment cap, in either direction (the initial
  cap at the first adjustment, the periodic cap after it);
* it never exceeds the lifetime ceiling ``start_rate + lifetime_cap``, nor falls below the
  floor when one is given (many notes set the floor at the margin), nor below 0;
* the payment is re-amortised: the balance over the remaining months at the new rate (the
  standard payment of :mod:`apfa.finance.loans`), against the same at the current rate;
* the worst case is the balance re-amortised at the lifetime ceiling now.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from apfa.finance.loans import monthly_payment
from apfa.finance.money import ZERO, Number, require_non_negative, require_term, to_decimal

RateLimit = Literal["none", "adjustment_cap", "lifetime_cap", "floor"]


@dataclass(frozen=True)
class ArmAdjustment:
    """Result of :func:`arm_adjustment`; ``limited_by`` says which rule set the new rate."""

    fully_indexed_rate: Decimal
    new_rate: Decimal
    limited_by: RateLimit
    lifetime_ceiling: Decimal
    current_payment: Decimal
    new_payment: Decimal
    payment_change: Decimal
    worst_case_payment: Decimal


def _new_rate(
    current: Decimal, target: Decimal, cap: Decimal, ceiling: Decimal, floor: Decimal
) -> tuple[Decimal, RateLimit]:
    rate = target
    limit: RateLimit = "none"
    if rate > current + cap:
        rate, limit = current + cap, "adjustment_cap"
    elif rate < current - cap:
        rate, limit = current - cap, "adjustment_cap"
    if rate > ceiling:
        rate, limit = ceiling, "lifetime_cap"
    if rate < floor:
        rate, limit = floor, "floor"
    return rate, limit


def arm_adjustment(
    balance: Number,
    remaining_months: int,
    current_rate: Number,
    index: Number,
    margin: Number,
    initial_cap: Number,
    periodic_cap: Number,
    lifetime_cap: Number,
    start_rate: Number,
    first_adjustment: bool,
    floor: Number | None = None,
) -> ArmAdjustment:
    """The next rate and payment of an ARM (rules in the module docstring).

    A 5/1 ARM that started at 6%, 2/1/5 caps, now at its first adjustment with $280,000 left
    over 300 months, margin 2.75%: with the index at 4.5% the rate becomes the fully indexed
    7.25% and the payment goes from 1,804.04 to 2,023.86 (+219.82); with the index at 6.5% the
    initial cap holds it at 8% (2,161.09). At the 11% lifetime ceiling it would be 2,744.32.
    """
    n = require_term(remaining_months)
    amount = require_non_negative("balance", balance)
    current = require_non_negative("current_rate", current_rate)
    start = require_non_negative("start_rate", start_rate)
    caps = [
        require_non_negative(name, value)
        for name, value in (
            ("initial_cap", initial_cap),
            ("periodic_cap", periodic_cap),
            ("lifetime_cap", lifetime_cap),
        )
    ]
    ceiling = start + caps[2]
    if current > ceiling:
        raise ValueError("current_rate is above start_rate + lifetime_cap")
    lowest = ZERO if floor is None else require_non_negative("floor", floor)
    if lowest > ceiling:
        raise ValueError("floor is above start_rate + lifetime_cap")
    target = to_decimal(index) + to_decimal(margin)
    cap = caps[0] if first_adjustment else caps[1]
    rate, limit = _new_rate(current, target, cap, ceiling, lowest)
    before = monthly_payment(amount, current, n)
    after = monthly_payment(amount, rate, n)
    return ArmAdjustment(
        fully_indexed_rate=target,
        new_rate=rate,
        limited_by=limit,
        lifetime_ceiling=ceiling,
        current_payment=before,
        new_payment=after,
        payment_change=after - before,
        worst_case_payment=monthly_payment(amount, ceiling, n),
    )
