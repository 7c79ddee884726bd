"""fha_vs_conventional: both programs' figures, eligibility, insurance duration."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apfa.finance.mortgage_compare import fha_vs_conventional
from apfa.finance.mortgage_insurance import fha_mip_by_year


def test_fha_vs_conventional_worked_example() -> None:
    result = fha_vs_conventional(300_000, 10_500, 680, 6.25, 6.75, 360)
    fha, conventional = result.fha, result.conventional
    assert result.down_payment_pct == Decimal("0.0350")
    assert fha.eligible
    assert conventional.eligible
    assert fha.base_loan == Decimal("289500.00")
    assert fha.upfront_premium == Decimal("5066.25")
    assert fha.loan_amount == Decimal("294566.25")
    assert fha.principal_and_interest == Decimal("1813.70")
    assert fha.insurance_annual_rate_pct == Decimal("0.55")
    assert fha.monthly_insurance == Decimal("131.98")
    assert fha.total_monthly == Decimal("1945.68")
    assert fha.insurance_months == 360
    assert fha.insurance_cancel_request_month is None
    assert conventional.loan_amount == Decimal("289500.00")
    assert conventional.principal_and_interest == Decimal("1877.69")
    assert conventional.insurance_annual_rate_pct == Decimal("1.21")
    assert conventional.monthly_insurance == Decimal("291.91")  # 289,500 * 1.21% / 12
    assert conventional.total_monthly == Decimal("2169.60")
    assert conventional.insurance_cancel_request_month == 134
    assert conventional.insurance_months == 145
    assert conventional.insurance_total == Decimal("291.91") * 145
    assert result.monthly_difference == Decimal("-223.92")


def test_fha_with_10_percent_down_pays_mip_for_11_years() -> None:
    result = fha_vs_conventional(300_000, 30_000, 700, 6.25, 6.75, 360)
    assert result.fha.insurance_annual_rate_pct == Decimal("0.50")
    assert result.fha.insurance_months == 132
    by_year = fha_mip_by_year(result.fha.loan_amount, Decimal("6.25"), 360, "0.005", 132)
    assert result.fha.insurance_total == sum(by_year) * 12


def test_eligibility_by_score_and_down_payment() -> None:
    low = fha_vs_conventional(300_000, 15_000, 560, 6.25, 7.5, 360)
    assert not low.fha.eligible
    assert "10.0% down" in low.fha.notes[0]
    assert not fha_vs_conventional(300_000, 30_000, 480, 6.25, 7.5, 360).fha.eligible
    thin = fha_vs_conventional(300_000, 6_000, 700, 6.25, 6.75, 360)
    assert not thin.conventional.eligible
    assert not thin.fha.eligible
    big = fha_vs_conventional(1_200_000, 240_000, 760, 6.25, 6.75, 360)
    assert big.conventional.eligible
    assert "conforming limit" in big.conventional.notes[0]
    assert big.conventional.monthly_insurance == 0
    assert big.conventional.insurance_months == 0


def test_no_loan_is_an_error() -> None:
    with pytest.raises(ValueError, match="down_payment"):
        fha_vs_conventional(300_000, 300_000, 700, 6, 6, 360)
