"""Underwriting ratios (DTI, LTV) and mortgage-insurance estimates.

Ratios are fractions rounded to 4 decimals (``Decimal("0.3312")`` = 33.12%); money is
``Decimal`` cents (see :mod:`apfa.finance.money`).

PMI grid (:data:`PMI_ANNUAL_RATE_PCT`): annual borrower-paid monthly-premium PMI rates, in percent
of the loan amount per year, for a conventional 30-year fixed purchase with standard coverage.
They are representative mid-points of 2024-2025 published rate cards (MGIC, Radian, Essent,
Enact); real quotes vary by insurer, coverage level, DTI and number of borrowers. PMI is zero at
LTV <= 80%. LTVs above 97% are outside conventional limits; the 95-97% band is used for them.

FHA: upfront MIP 1.75% of the base loan and annual MIP 0.55% (HUD Mortgagee Letter 2023-05, for
terms over 15 years with LTV above 95% and base loans up to $726,200). These and the 80% / 78%
PMI thresholds live, with their sources, in :mod:`apfa.finance.parameters`; the names below are
kept for existing callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apfa.finance.money import (
    TWELVE,
    ZERO,
    Number,
    cents,
    ratio4,
    require_non_negative,
    to_decimal,
)
from apfa.finance.parameters import (
    CONVENTIONAL_MI_REQUIRED_ABOVE_LTV,
    FHA_ANNUAL_MIP_RATE,
    FHA_UPFRONT_MIP_RATE,
    PMI_AUTO_TERMINATION_LTV,
)

__all__ = [
    "DTI",
    "FHA_ANNUAL_MIP_RATE",
    "FHA_UPFRONT_MIP_RATE",
    "PMI_ANNUAL_RATE_PCT",
    "PMI_AUTO_CANCEL_LTV",
    "PMI_CREDIT_BANDS",
    "PMI_FREE_LTV",
    "PMI_LTV_BANDS",
    "dti",
    "fha_annual_mip_monthly",
    "fha_upfront_mip",
    "ltv",
    "pmi_annual_rate_pct",
    "pmi_credit_band",
    "pmi_ltv_band",
    "pmi_monthly_estimate",
]

PMI_FREE_LTV = CONVENTIONAL_MI_REQUIRED_ABOVE_LTV
"""PMI is not charged at or below this LTV."""
PMI_AUTO_CANCEL_LTV = PMI_AUTO_TERMINATION_LTV
"""Homeowners Protection Act: borrower-paid PMI ends automatically at 78% of original value."""

PMI_LTV_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("0.85"), "80-85"),
    (Decimal("0.90"), "85-90"),
    (Decimal("0.95"), "90-95"),
    (Decimal("1.00"), "95-97"),  # anything above 95% (97% is the conventional limit)
)
PMI_CREDIT_BANDS: tuple[tuple[int, str], ...] = (
    (760, "760+"),
    (740, "740-759"),
    (720, "720-739"),
    (700, "700-719"),
    (680, "680-699"),
    (660, "660-679"),
    (640, "640-659"),
    (0, "<640"),
)


def _grid_row(*rates: str) -> dict[str, Decimal]:
    return {band: Decimal(rate) for (_, band), rate in zip(PMI_CREDIT_BANDS, rates, strict=True)}


PMI_ANNUAL_RATE_PCT: dict[str, dict[str, Decimal]] = {
    #                  760+    740-759  720-739  700-719  680-699  660-679  640-659  <640
    "80-85": _grid_row("0.19", "0.22", "0.26", "0.30", "0.36", "0.45", "0.50", "0.56"),
    "85-90": _grid_row("0.28", "0.34", "0.42", "0.49", "0.58", "0.77", "0.84", "0.95"),
    "90-95": _grid_row("0.38", "0.46", "0.56", "0.65", "0.80", "1.08", "1.18", "1.30"),
    "95-97": _grid_row("0.58", "0.70", "0.87", "1.00", "1.21", "1.54", "1.65", "1.86"),
}


@dataclass(frozen=True)
class DTI:
    """Front-end (housing / income) and back-end ((housing + other debts) / income) ratios."""

    front: Decimal
    back: Decimal


def dti(gross_monthly_income: Number, housing_payment: Number, other_monthly_debts: Number) -> DTI:
    """Debt-to-income ratios as 4-decimal fractions; income must be > 0."""
    income = to_decimal(gross_monthly_income)
    if income <= 0:
        raise ValueError("gross_monthly_income must be > 0")
    housing = require_non_negative("housing_payment", housing_payment)
    other = require_non_negative("other_monthly_debts", other_monthly_debts)
    return DTI(front=ratio4(housing / income), back=ratio4((housing + other) / income))


def ltv(loan: Number, property_value: Number) -> Decimal:
    """Loan-to-value as a 4-decimal fraction; property value must be > 0."""
    value = to_decimal(property_value)
    if value <= 0:
        raise ValueError("property_value must be > 0")
    return ratio4(require_non_negative("loan", loan) / value)


def pmi_ltv_band(loan_to_value: Number) -> str | None:
    """Grid LTV band for ``loan_to_value`` (a fraction), or ``None`` when <= 80%."""
    value = to_decimal(loan_to_value, limit=None)
    if value <= PMI_FREE_LTV:
        return None
    for upper, band in PMI_LTV_BANDS:
        if value <= upper:
            return band
    return PMI_LTV_BANDS[-1][1]


def pmi_credit_band(credit_score: int) -> str:
    """Grid credit band label for a FICO score."""
    for floor, band in PMI_CREDIT_BANDS:
        if credit_score >= floor:
            return band
    return PMI_CREDIT_BANDS[-1][1]


def pmi_annual_rate_pct(loan_to_value: Number, credit_score: int) -> Decimal:
    """Annual PMI rate in percent of the loan from the grid (0 when LTV <= 80%)."""
    band = pmi_ltv_band(loan_to_value)
    if band is None:
        return ZERO
    return PMI_ANNUAL_RATE_PCT[band][pmi_credit_band(credit_score)]


def pmi_monthly_estimate(loan_amount: Number, ltv: Number, credit_score: int) -> Decimal:
    """Monthly conventional PMI: ``loan * grid rate / 100 / 12`` in cents; 0 at LTV <= 80%."""
    loan = require_non_negative("loan_amount", loan_amount)
    rate = pmi_annual_rate_pct(ltv, credit_score)
    return cents(loan * rate / 100 / TWELVE)


def fha_upfront_mip(base_loan_amount: Number) -> Decimal:
    """FHA upfront mortgage insurance premium: 1.75% of the base loan (usually financed)."""
    return cents(require_non_negative("base_loan_amount", base_loan_amount) * FHA_UPFRONT_MIP_RATE)


def fha_annual_mip_monthly(loan_amount: Number) -> Decimal:
    """FHA annual MIP (0.55%/yr) as a monthly amount in cents."""
    return cents(require_non_negative("loan_amount", loan_amount) * FHA_ANNUAL_MIP_RATE / TWELVE)
