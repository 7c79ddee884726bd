"""Refinance break-even.

Money is ``Decimal`` cents (see :mod:`apfa.finance.money`). The current loan is modelled as a
fresh amortisation of ``current_balance`` over ``remaining_months`` at the current rate; the new
loan as ``current_balance`` over ``new_term_months`` at the new rate (closing costs paid in cash,
not rolled in). Break-even is ``ceil(closing_costs / monthly_savings)``; ``None`` when the new
payment is not lower. ``interest_saved`` compares the remaining interest on the current loan with
the total interest on the new one (negative when a longer term costs more interest overall).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from apfa.finance.loans import monthly_payment, total_interest
from apfa.finance.money import Number, require_non_negative


@dataclass(frozen=True)
class RefinanceResult:
    """Result of :func:`refinance_break_even`."""

    current_payment: Decimal
    new_payment: Decimal
    monthly_savings: Decimal
    break_even_months: int | None
    current_remaining_interest: Decimal
    new_total_interest: Decimal
    interest_saved: Decimal
    """Lifetime interest difference: current remaining interest minus new total interest."""
    net_lifetime_savings: Decimal
    """``interest_saved - closing_costs``."""


def refinance_break_even(
    current_balance: Number,
    current_rate_pct: Number,
    remaining_months: int,
    new_rate_pct: Number,
    new_term_months: int,
    closing_costs: Number,
) -> RefinanceResult:
    """Monthly savings, months to recoup closing costs, and lifetime interest difference."""
    costs = require_non_negative("closing_costs", closing_costs)
    current_payment = monthly_payment(current_balance, current_rate_pct, remaining_months)
    new_payment = monthly_payment(current_balance, new_rate_pct, new_term_months)
    savings = current_payment - new_payment
    break_even: int | None = None
    if savings > 0:
        break_even = int((costs / savings).to_integral_value(rounding=ROUND_CEILING))
    current_interest = total_interest(current_balance, current_rate_pct, remaining_months)
    new_interest = total_interest(current_balance, new_rate_pct, new_term_months)
    interest_saved = current_interest - new_interest
    return RefinanceResult(
        current_payment=current_payment,
        new_payment=new_payment,
        monthly_savings=savings,
        break_even_months=break_even,
        current_remaining_interest=current_interest,
        new_total_interest=new_interest,
        interest_saved=interest_saved,
        net_lifetime_savings=interest_saved - costs,
    )
