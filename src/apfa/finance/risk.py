"""Rule-based borrower risk tier with human-readable reasons.

Each known factor gets a severity 0-3 (thresholds below, fractions unless noted):

============================  ========  ==============  ==============  ==========
factor                        0 (ok)    1 (moderate)    2 (high)        3 (very)
============================  ========  ==============  ==============  ==========
back-end DTI                  <= 0.36   <= 0.43         <= 0.50         > 0.50
loan-to-value                 <= 0.80   <= 0.95         <= 1.00         > 1.00
credit score                  >= 680    640-679         580-639         < 580
payment-to-income             <= 0.28   <= 0.36         <= 0.50         > 0.50
============================  ========  ==============  ==============  ==========

36% is the conventional back-end guideline, 43% the Qualified Mortgage reference point and 50%
the usual automated-underwriting ceiling; 80% LTV is the PMI threshold, 95% the usual
conventional limit for low-down-payment loans. Payment-to-income is the new loan's total
monthly payment (housing payment for mortgages) divided by gross monthly income.

The tier is the highest severity (0 low, 1 moderate, 2 high, 3 very_high), raised one level
when two or more factors share that highest non-zero severity ("layered risk").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from apfa.finance.money import Number, to_decimal

RiskTier = Literal["low", "moderate", "high", "very_high"]
TIERS: tuple[RiskTier, ...] = ("low", "moderate", "high", "very_high")

DTI_BACK_THRESHOLDS = (Decimal("0.36"), Decimal("0.43"), Decimal("0.50"))
LTV_THRESHOLDS = (Decimal("0.80"), Decimal("0.95"), Decimal("1.00"))
PAYMENT_TO_INCOME_THRESHOLDS = (Decimal("0.28"), Decimal("0.36"), Decimal("0.50"))
CREDIT_THRESHOLDS = (680, 640, 580)


@dataclass(frozen=True)
class RiskAssessment:
    """``tier`` plus one reason per assessed factor (worst first)."""

    tier: RiskTier
    reasons: list[str] = field(default_factory=list)


def _severity(value: Decimal, thresholds: tuple[Decimal, Decimal, Decimal]) -> int:
    return sum(1 for limit in thresholds if value > limit)


def _pct(value: Decimal) -> str:
    return f"{value * 100:.1f}%"


def _dti_reason(value: Decimal, severity: int) -> str:
    text = [
        "is within the 36% guideline",
        "is above the 36% guideline",
        "is above the 43% qualified-mortgage reference point",
        "is above 50%, beyond most lenders' maximum",
    ][severity]
    return f"back-end debt-to-income ratio of {_pct(value)} {text}"


def _ltv_reason(value: Decimal, severity: int) -> str:
    text = [
        "is at or below 80%, so no mortgage insurance is needed",
        "is above 80%, so mortgage insurance is likely",
        "is above 95%, leaving very little equity",
        "is above 100%: the loan exceeds the property value",
    ][severity]
    return f"loan-to-value of {_pct(value)} {text}"


def _credit_reason(score: int, severity: int) -> str:
    text = [
        "qualifies for competitive rates",
        "is fair (640-679): expect higher rates",
        "is poor (580-639): approval is harder and rates are much higher",
        "is below 580: most conventional lenders will decline",
    ][severity]
    return f"credit score of {score} {text}"


def _pti_reason(value: Decimal, severity: int) -> str:
    text = [
        "is within 28%",
        "is above 28%",
        "is above 36%",
        "is above 50%",
    ][severity]
    return f"the new monthly payment is {_pct(value)} of gross income, which {text}"


def assess_risk(
    *,
    dti_back: Number | None = None,
    ltv: Number | None = None,
    credit_score: int | None = None,
    payment_to_income: Number | None = None,
) -> RiskAssessment:
    """Combine the known factors into a tier; raise ``ValueError`` when none is given."""
    factors: list[tuple[int, str]] = []
    if dti_back is not None:
        value = to_decimal(dti_back, limit=None)
        sev = _severity(value, DTI_BACK_THRESHOLDS)
        factors.append((sev, _dti_reason(value, sev)))
    if ltv is not None:
        value = to_decimal(ltv, limit=None)
        sev = _severity(value, LTV_THRESHOLDS)
        factors.append((sev, _ltv_reason(value, sev)))
    if credit_score is not None:
        sev = sum(1 for floor in CREDIT_THRESHOLDS if credit_score < floor)
        factors.append((sev, _credit_reason(credit_score, sev)))
    if payment_to_income is not None:
        value = to_decimal(payment_to_income, limit=None)
        sev = _severity(value, PAYMENT_TO_INCOME_THRESHOLDS)
        factors.append((sev, _pti_reason(value, sev)))
    if not factors:
        raise ValueError("assess_risk needs at least one factor")
    worst = max(sev for sev, _ in factors)
    level = worst
    if worst > 0 and sum(1 for sev, _ in factors if sev == worst) >= 2:
        level = min(worst + 1, 3)
    reasons = [reason for _, reason in sorted(factors, key=lambda f: -f[0])]
    if level > worst:
        reasons.append("several factors are elevated at once (layered risk)")
    return RiskAssessment(tier=TIERS[level], reasons=reasons)
