"""Largest loan that fits debt-to-income caps.

Money is ``Decimal`` cents, caps are fractions (see :mod:`apfa.finance.money`).

Method: gross monthly income ``G = annual_income / 12``. The housing budget is
``min(front_cap * G, back_cap * G - monthly_debts)`` (the front cap is skipped when ``None``,
which is how non-housing loans such as auto or personal loans are sized). The principal-and-
interest budget is that minus ``monthly_taxes_insurance``, truncated to cents, and the annuity
formula is inverted: ``P = budget * (1 - (1 + r) ** -n) / r`` (``budget * n`` at 0%), truncated to
cents so the resulting payment never exceeds either cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from apfa.finance.money import (
    ONE,
    TWELVE,
    ZERO,
    Number,
    cents,
    cents_down,
    monthly_rate,
    require_non_negative,
    require_term,
    to_decimal,
)

BindingCap = Literal["front", "back", "both"]

DEFAULT_FRONT_CAP = Decimal("0.28")
DEFAULT_BACK_CAP = Decimal("0.36")


@dataclass(frozen=True)
class Affordability:
    """Result of :func:`max_affordable_loan`.

    ``max_payment`` is the principal-and-interest budget (excluding taxes/insurance);
    ``binding_cap`` says which DTI cap limited it ("both" on a tie).
    """

    max_loan: Decimal
    max_payment: Decimal
    binding_cap: BindingCap
    gross_monthly_income: Decimal


def max_affordable_loan(
    annual_income: Number,
    monthly_debts: Number,
    annual_rate_pct: Number,
    term_months: int,
    front_cap: Number | None = DEFAULT_FRONT_CAP,
    back_cap: Number = DEFAULT_BACK_CAP,
    monthly_taxes_insurance: Number = 0,
) -> Affordability:
    """Largest principal whose P&I plus taxes/insurance keeps both DTI ratios within the caps.

    Returns ``max_loan == 0`` when the existing debts (or taxes/insurance) already use the
    whole budget.
    """
    income = require_non_negative("annual_income", annual_income) / TWELVE
    debts = require_non_negative("monthly_debts", monthly_debts)
    rate = monthly_rate(require_non_negative("annual_rate_pct", annual_rate_pct))
    n = require_term(term_months)
    escrow = require_non_negative("monthly_taxes_insurance", monthly_taxes_insurance)
    back_budget = to_decimal(back_cap) * income - debts
    binding: BindingCap
    if front_cap is None:
        housing_budget, binding = back_budget, "back"
    else:
        front_budget = to_decimal(front_cap) * income
        housing_budget = min(front_budget, back_budget)
        if front_budget == back_budget:
            binding = "both"
        else:
            binding = "front" if front_budget < back_budget else "back"
    budget = max(cents_down(housing_budget - escrow), ZERO)
    factor = ONE - (ONE + rate) ** -n
    principal = budget * n if rate == 0 or factor == 0 else budget * factor / rate
    return Affordability(
        max_loan=cents_down(principal),
        max_payment=budget,
        binding_cap=binding,
        gross_monthly_income=cents(income),
    )
