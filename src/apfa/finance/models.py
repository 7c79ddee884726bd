"""Data types of ``analyse``: ``LoanProfile`` (input), ``LoanAnalysis`` (output), validation.

Money fields accept ``float | int | Decimal`` and must be finite and >= 0; ``credit_score`` must
be 300-850, ``interest_rate`` 0-30 (percent), ``term_years`` 1-50 and ``loan_type`` one of
``LOAN_TYPES``. :func:`sanitize` drops anything else with a note instead of raising, rounds
money to cents and the rate to 4 decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apfa.finance.money import Number, cents, to_decimal
from apfa.finance.rates import LOAN_TYPES, LoanType
from apfa.finance.risk import RiskAssessment

CREDIT_SCORE_RANGE = (300, 850)
INTEREST_RATE_RANGE = (Decimal("0"), Decimal("30"))
TERM_YEARS_RANGE = (1, 50)
MONEY_FIELDS = (
    "annual_income",
    "monthly_debt_payments",
    "loan_amount",
    "home_price",
    "down_payment",
)


@dataclass(frozen=True)
class LoanProfile:
    """What is known about the borrower and the loan; every field is optional.

    ``loan_type``: mortgage | auto | personal | student | heloc | refinance.
    ``interest_rate`` is a percent (``6.5``); ``term_years`` a whole number of years;
    ``home_price`` doubles as the current home value for a refinance.
    """

    annual_income: Number | None = None
    monthly_debt_payments: Number | None = None
    credit_score: int | None = None
    loan_type: str | None = None
    loan_amount: Number | None = None
    home_price: Number | None = None
    down_payment: Number | None = None
    interest_rate: Number | None = None
    term_years: int | None = None

    @classmethod
    def from_fields(cls, fields: Mapping[str, object]) -> LoanProfile:
        """Build from ``ExtractedProfile.fields``; unknown keys and wrong types are dropped."""
        kwargs: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            value = fields.get(name)
            if name == "loan_type":
                kwargs[name] = value if isinstance(value, str) else None
            elif isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                kwargs[name] = None
            elif name in ("credit_score", "term_years"):
                kwargs[name] = _whole(value)
            else:
                kwargs[name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class YearlyRow:
    """One loan year for charts: principal and interest paid in the year, balance at its end."""

    year: int
    principal: float
    interest: float
    balance: float


@dataclass(frozen=True)
class LoanAnalysis:
    """Result of :func:`analyse`; :meth:`to_dict` gives a JSON-ready dict."""

    metrics: dict[str, float | int | str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    risk: RiskAssessment | None = None
    yearly: list[YearlyRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Clean:
    """Validated profile values as ``Decimal`` (mutable: analysis fills derived values)."""

    annual_income: Decimal | None = None
    monthly_debt_payments: Decimal | None = None
    credit_score: int | None = None
    loan_type: LoanType | None = None
    loan_amount: Decimal | None = None
    home_price: Decimal | None = None
    down_payment: Decimal | None = None
    interest_rate: Decimal | None = None
    term_years: int | None = None


def _number(value: Number) -> Decimal | None:
    try:
        return to_decimal(value)
    except (ValueError, TypeError):
        return None


def _whole(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = _number(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def sanitize(profile: LoanProfile, notes: list[str]) -> Clean:
    """Validate ``profile``; out-of-range or malformed values become ``None`` plus a note."""
    clean = Clean()
    for name in MONEY_FIELDS:
        raw = getattr(profile, name)
        if raw is None:
            continue
        value = _number(raw)
        if value is None or value < 0:
            notes.append(f"ignored {name}={raw!r}: must be a number from 0 to 1e15")
        else:
            setattr(clean, name, cents(value))
    if profile.credit_score is not None:
        score = _whole(profile.credit_score)
        low, high = CREDIT_SCORE_RANGE
        if score is None or not low <= score <= high:
            notes.append(f"ignored credit_score={profile.credit_score!r}: must be {low}-{high}")
        else:
            clean.credit_score = score
    if profile.interest_rate is not None:
        rate = _number(profile.interest_rate)
        low_r, high_r = INTEREST_RATE_RANGE
        if rate is None or not low_r <= rate <= high_r:
            notes.append(f"ignored interest_rate={profile.interest_rate!r}: must be 0-30 percent")
        else:
            clean.interest_rate = rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if profile.term_years is not None:
        term = _whole(profile.term_years)
        low_t, high_t = TERM_YEARS_RANGE
        if term is None or not low_t <= term <= high_t:
            notes.append(f"ignored term_years={profile.term_years!r}: must be {low_t}-{high_t}")
        else:
            clean.term_years = term
    if profile.loan_type is not None:
        kind = str(profile.loan_type).strip().lower()
        matched = [t for t in LOAN_TYPES if t == kind]
        if matched:
            clean.loan_type = matched[0]
        else:
            notes.append(f"ignored loan_type={profile.loan_type!r}: unknown loan type")
    return clean
