"""assess_risk tests: thresholds, layering and reasons."""

from __future__ import annotations

import pytest

from apfa.finance import assess_risk


@pytest.mark.parametrize(
    ("dti_back", "tier"),
    [
        (0.30, "low"),
        (0.36, "low"),
        (0.37, "moderate"),
        (0.43, "moderate"),
        (0.44, "high"),
        (0.50, "high"),
        (0.51, "very_high"),
    ],
)
def test_dti_thresholds(dti_back: float, tier: str) -> None:
    assert assess_risk(dti_back=dti_back).tier == tier


@pytest.mark.parametrize(
    ("loan_to_value", "tier"),
    [(0.80, "low"), (0.85, "moderate"), (0.95, "moderate"), (0.97, "high"), (1.05, "very_high")],
)
def test_ltv_thresholds(loan_to_value: float, tier: str) -> None:
    assert assess_risk(ltv=loan_to_value).tier == tier


@pytest.mark.parametrize(
    ("score", "tier"),
    [
        (800, "low"),
        (680, "low"),
        (679, "moderate"),
        (640, "moderate"),
        (639, "high"),
        (580, "high"),
        (579, "very_high"),
    ],
)
def test_credit_thresholds(score: int, tier: str) -> None:
    assert assess_risk(credit_score=score).tier == tier


def test_payment_to_income_thresholds() -> None:
    assert assess_risk(payment_to_income=0.25).tier == "low"
    assert assess_risk(payment_to_income=0.30).tier == "moderate"
    assert assess_risk(payment_to_income=0.40).tier == "high"
    assert assess_risk(payment_to_income=0.55).tier == "very_high"


def test_layered_risk_raises_the_tier() -> None:
    result = assess_risk(dti_back=0.40, ltv=0.90, credit_score=760)
    assert result.tier == "high"
    assert any("layered" in r for r in result.reasons)


def test_single_elevated_factor_is_not_layered() -> None:
    result = assess_risk(dti_back=0.40, ltv=0.70, credit_score=760)
    assert result.tier == "moderate"
    assert not any("layered" in r for r in result.reasons)


def test_reasons_are_worst_first_and_cover_every_factor() -> None:
    result = assess_risk(dti_back=0.30, ltv=0.99, credit_score=700, payment_to_income=0.2)
    assert len(result.reasons) == 4
    assert result.reasons[0].startswith("loan-to-value of 99.0%")
    assert "36% guideline" in result.reasons[1]


def test_no_factors_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one factor"):
        assess_risk()
