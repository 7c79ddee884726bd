"""Payday loans: the fee as an APR, and what rolling the loan over costs.

The APR is the simple (not compounded) annual rate that Truth in Lending disclosures use for a
single-payment loan: ``fee / amount * 365 / days * 100``, in percent with 2 decimals. A
rollover pays another fee to push the due date back one more term without reducing the amount
owed, so ``rollovers`` rollovers mean ``rollovers + 1`` fees in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from apfa.finance.money import (
    HUNDRED,
    Number,
    cents,
    require_count,
    require_non_negative,
    require_positive,
)

_DAYS_IN_YEAR = Decimal(365)
_PCT_PLACES = Decimal("0.01")


def payday_apr(fee: Number, amount: Number, days: int) -> Decimal:
    """APR in percent of a ``fee`` on ``amount`` borrowed for ``days`` days.

    ``payday_apr(15, 100, 14) == Decimal("391.07")``: $15 per $100 for two weeks.
    """
    cost = require_non_negative("fee", fee)
    principal = require_positive("amount", amount)
    term = require_count("days", days, minimum=1)
    apr = cost / principal * _DAYS_IN_YEAR / term * HUNDRED
    return apr.quantize(_PCT_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RolloverCost:
    """Result of :func:`rollover_cost`: the fees paid over the first term and every rollover;
    the amount borrowed is still owed on top."""

    fee_per_term: Decimal
    rollovers: int
    terms: int
    total_fees: Decimal


def rollover_cost(fee: Number, rollovers: int) -> RolloverCost:
    """Fees for the first term plus ``rollovers`` rollovers of the same fee.

    A $15 fee rolled over 4 times: 5 terms, 75.00 of fees, and the loan still owed.
    """
    charge = cents(require_non_negative("fee", fee))
    count = require_count("rollovers", rollovers)
    return RolloverCost(
        fee_per_term=charge,
        rollovers=count,
        terms=count + 1,
        total_fees=charge * (count + 1),
    )
