"""Budget rules of thumb: 50/30/20, the housing payment a DTI cap allows, down payment options.

Money is ``Decimal`` cents; percentages are percent (``36`` = 36%).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from apfa.finance.money import (
    HUNDRED,
    ZERO,
    Number,
    cents,
    cents_down,
    ratio4,
    require_non_negative,
    require_pct,
    require_positive,
)
from apfa.finance.parameters import CONVENTIONAL_MI_REQUIRED_ABOVE_LTV

_NEEDS = Decimal("0.50")
_WANTS = Decimal("0.30")


@dataclass(frozen=True)
class Budget503020:
    """50% needs, 30% wants, 20% savings and debt payments beyond the minimums; ``savings`` is
    the remainder, so the three add up to ``take_home`` exactly."""

    take_home: Decimal
    needs: Decimal
    wants: Decimal
    savings: Decimal


def budget_50_30_20(take_home: Number) -> Budget503020:
    """Split a monthly take-home pay: 5,250.00 -> 2,625.00 / 1,575.00 / 1,050.00."""
    pay = cents(require_non_negative("take_home", take_home))
    needs, wants = cents(pay * _NEEDS), cents(pay * _WANTS)
    return Budget503020(pay, needs, wants, pay - needs - wants)


def max_housing_payment(
    monthly_income: Number, other_debts: Number, dti_cap_pct: Number
) -> Decimal:
    """Largest housing payment keeping (housing + other debts) / income at or below the cap,
    truncated to cents, never below 0.

    $7,000 a month with $600 of other debts under a 36% cap: 1,920.00.
    """
    income = require_non_negative("monthly_income", monthly_income)
    debts = require_non_negative("other_debts", other_debts)
    cap = require_pct("dti_cap_pct", dti_cap_pct)
    return max(cents_down(income * cap / HUNDRED - debts), cents(ZERO))


@dataclass(frozen=True)
class DownPaymentOption:
    """One down payment: the loan left, its LTV, and whether conventional PMI applies (LTV
    above 80%)."""

    down_payment_pct: Decimal
    down_payment: Decimal
    loan_amount: Decimal
    loan_to_value: Decimal
    mortgage_insurance_expected: bool


def down_payment_options(
    price: Number, percents: Sequence[Number] = (3, 3.5, 5, 10, 20)
) -> tuple[DownPaymentOption, ...]:
    """Down payment, loan and LTV for each percent of ``price``.

    $400,000 at 5% down: 20,000.00 down, 380,000.00 loan, LTV 0.9500, PMI expected.
    """
    home = cents(require_positive("price", price))
    options = []
    for pct in percents:
        share = require_pct("percents", pct)
        down = cents(home * share / HUNDRED)
        loan = home - down
        ltv = ratio4(loan / home)
        options.append(
            DownPaymentOption(share, down, loan, ltv, ltv > CONVENTIONAL_MI_REQUIRED_ABOVE_LTV)
        )
    return tuple(options)
