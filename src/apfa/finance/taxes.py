"""Itemizing against the standard deduction for tax year 2026.

Figures and sources are in :mod:`apfa.finance.parameters` (Rev. Proc. 2025-32 for the
standard deduction; IRC 164(b) as amended in 2025 for the state and local tax cap and its
phase-down above $505,000 of modified AGI). Married filing separately, the extra standard
deduction at 65 or blind, and state returns are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from apfa.finance.money import ZERO, Number, cents, require_non_negative
from apfa.finance.parameters import value

FilingStatus = Literal["single", "joint", "head"]
_STANDARD = {
    "single": "standard_deduction_single_2026",
    "joint": "standard_deduction_joint_2026",
    "head": "standard_deduction_head_of_household_2026",
}


@dataclass(frozen=True)
class Deductions:
    """Result of :func:`itemize_or_standard`."""

    standard: Decimal
    salt_allowed: Decimal  # state and local taxes after the cap
    itemized: Decimal
    itemize: bool  # itemizing gives the larger deduction
    difference: Decimal  # how far the larger one is ahead


def salt_cap(magi: Number | None = None) -> Decimal:
    """The 2026 cap on state and local taxes: $40,400, less 30% of MAGI above $505,000,
    never below $10,000."""
    cap = value("salt_cap_2026")
    if magi is None:
        return cap
    over = max(require_non_negative("magi", magi) - value("salt_phase_down_threshold_2026"), ZERO)
    return cents(max(cap - over * value("salt_phase_down_rate"), value("salt_cap_floor")))


def itemize_or_standard(
    status: FilingStatus,
    mortgage_interest: Number = 0,
    state_and_local_taxes: Number = 0,
    other_itemized: Number = 0,
    magi: Number | None = None,
) -> Deductions:
    """Which deduction is larger for a 2026 return.

    Married filing jointly with $9,000 of mortgage interest and $6,000 of property tax:
    $15,000 itemized against the $32,200 standard deduction, which wins by $17,200.
    """
    standard = value(_STANDARD[status])
    taxes = min(
        require_non_negative("state_and_local_taxes", state_and_local_taxes), salt_cap(magi)
    )
    itemized = cents(
        require_non_negative("mortgage_interest", mortgage_interest)
        + taxes
        + require_non_negative("other_itemized", other_itemized)
    )
    return Deductions(
        standard, cents(taxes), itemized, itemized > standard, abs(itemized - standard)
    )
