"""DTI, LTV, PMI grid and FHA insurance tests."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from apfa.finance import (
    PMI_ANNUAL_RATE_PCT,
    dti,
    fha_annual_mip_monthly,
    fha_upfront_mip,
    ltv,
    pmi_annual_rate_pct,
    pmi_monthly_estimate,
)


def test_dti_front_and_back() -> None:
    ratios = dti(7_083.33, 2_000, 450)
    assert ratios.front == Decimal("0.2824")
    assert ratios.back == Decimal("0.3459")


def test_dti_rounds_half_up_to_four_places() -> None:
    assert dti(8_000, 2_650, 0).front == Decimal("0.3313")  # 0.33125


def test_dti_requires_positive_income() -> None:
    with pytest.raises(ValueError, match="income"):
        dti(0, 1_000, 0)
    with pytest.raises(ValueError, match="other_monthly_debts"):
        dti(5_000, 1_000, -1)


def test_ltv() -> None:
    assert ltv(315_000, 350_000) == Decimal("0.9000")
    assert ltv(200_000, 300_000) == Decimal("0.6667")
    with pytest.raises(ValueError, match="property_value"):
        ltv(100, 0)


@pytest.mark.parametrize(
    ("loan_to_value", "score", "rate"),
    [
        (0.80, 620, "0"),
        (0.8001, 780, "0.19"),
        (0.85, 745, "0.22"),
        (0.86, 730, "0.42"),
        (0.90, 710, "0.49"),
        (0.93, 690, "0.80"),
        (0.95, 670, "1.08"),
        (0.96, 650, "1.65"),
        (0.97, 600, "1.86"),
        (0.99, 800, "0.58"),  # above the conventional limit: top band
    ],
)
def test_pmi_grid_lookup(loan_to_value: float, score: int, rate: str) -> None:
    assert pmi_annual_rate_pct(loan_to_value, score) == Decimal(rate)


def test_pmi_grid_rises_with_ltv_and_falls_with_credit() -> None:
    bands = list(PMI_ANNUAL_RATE_PCT)
    for lower, higher in itertools.pairwise(bands):
        for credit, rate in PMI_ANNUAL_RATE_PCT[lower].items():
            assert PMI_ANNUAL_RATE_PCT[higher][credit] > rate
    for row in PMI_ANNUAL_RATE_PCT.values():
        values = list(row.values())  # best credit first
        assert values == sorted(values)


def test_pmi_monthly_estimate() -> None:
    # 315,000 * 0.42% / 12 = 110.25
    assert pmi_monthly_estimate(315_000, 0.90, 720) == Decimal("110.25")
    assert pmi_monthly_estimate(280_000, 0.80, 600) == Decimal("0.00")


def test_fha_helpers() -> None:
    assert fha_upfront_mip(300_000) == Decimal("5250.00")
    assert fha_annual_mip_monthly(300_000) == Decimal("137.50")
