"""The APFA rate table: default interest rates when the user gives none.

Rates are nominal annual percentages (``Decimal``) by product and credit tier. They are
representative of US markets in late 2025 and reviewed as of :data:`AS_OF`; they are planning
assumptions, not quotes. Sources, one per product (:data:`SOURCES`):

* mortgage_30 / mortgage_15 / refinance: Freddie Mac PMMS weekly averages (30y ~6.2-6.3%, 15y
  ~5.5% in late 2025) with FICO tier spreads in the style of the Fannie Mae LLPA matrix.
* heloc: Bankrate national HELOC averages (~7.8%) keyed off a 6.75-7.00% prime rate.
* auto_new / auto_used: Experian State of the Automotive Finance Market (2025) averages by
  credit band (new ~5.2% super-prime to ~15.8% deep subprime; used ~6.8% to ~21.6%).
* personal: Bankrate/LendingTree personal-loan averages by credit band (~11% to ~35.99% caps).
* student: Federal Direct Loan undergraduate fixed rate 6.39% (loans first disbursed 2025-07-01
  to 2026-06-30); federal loans do not depend on credit, so every tier gets the same rate.

Credit tiers: excellent 760+, very_good 720-759, good 680-719, fair 640-679, poor 580-639,
very_poor below 580. When the score is unknown the ``good`` tier is assumed and said so.

Default terms (:data:`DEFAULT_TERM_YEARS`): mortgage 30y, refinance 30y, heloc 10y (repayment
modelled as a fully amortising 10-year loan), auto 5y, personal 3y, student 10y (the federal
standard repayment plan). A mortgage term of 20 years or less uses the 15-year rates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

AS_OF = "2026-10"

CreditTier = Literal["excellent", "very_good", "good", "fair", "poor", "very_poor"]
LoanType = Literal["mortgage", "auto", "personal", "student", "heloc", "refinance"]
RateProduct = Literal[
    "mortgage_30",
    "mortgage_15",
    "refinance",
    "heloc",
    "auto_new",
    "auto_used",
    "personal",
    "student",
]

LOAN_TYPES: tuple[LoanType, ...] = ("mortgage", "auto", "personal", "student", "heloc", "refinance")
CREDIT_TIERS: tuple[tuple[int, CreditTier], ...] = (
    (760, "excellent"),
    (720, "very_good"),
    (680, "good"),
    (640, "fair"),
    (580, "poor"),
    (0, "very_poor"),
)
TIER_LABELS: dict[CreditTier, str] = {
    "excellent": "excellent, 760+",
    "very_good": "very good, 720-759",
    "good": "good, 680-719",
    "fair": "fair, 640-679",
    "poor": "poor, 580-639",
    "very_poor": "very poor, below 580",
}
UNKNOWN_SCORE_TIER: CreditTier = "good"


def _row(*rates: str) -> dict[CreditTier, Decimal]:
    tiers = [tier for _, tier in CREDIT_TIERS]
    return {tier: Decimal(rate) for tier, rate in zip(tiers, rates, strict=True)}


RATE_TABLE: dict[RateProduct, dict[CreditTier, Decimal]] = {
    #                      excellent very_good good   fair    poor    very_poor
    "mortgage_30": _row("6.25", "6.45", "6.70", "7.10", "7.75", "8.50"),
    "mortgage_15": _row("5.50", "5.70", "5.95", "6.35", "7.00", "7.75"),
    "refinance": _row("6.40", "6.60", "6.85", "7.25", "7.90", "8.65"),
    "heloc": _row("7.40", "7.90", "8.50", "9.50", "10.75", "12.00"),
    "auto_new": _row("5.50", "6.30", "7.20", "9.80", "13.20", "15.80"),
    "auto_used": _row("7.00", "8.20", "9.60", "13.80", "19.00", "21.60"),
    "personal": _row("11.50", "13.50", "16.00", "20.00", "28.00", "35.00"),
    "student": _row("6.39", "6.39", "6.39", "6.39", "6.39", "6.39"),
}

SOURCES: dict[RateProduct, str] = {
    "mortgage_30": "Freddie Mac PMMS 30-year fixed average plus FICO/LLPA-style tier spreads",
    "mortgage_15": "Freddie Mac PMMS 15-year fixed average plus FICO/LLPA-style tier spreads",
    "refinance": "30-year refinance averages (Bankrate/Freddie Mac), ~0.15 points above purchase",
    "heloc": "Bankrate national HELOC average over a 6.75-7.00% prime rate",
    "auto_new": "Experian State of the Automotive Finance Market 2025, new vehicles",
    "auto_used": "Experian State of the Automotive Finance Market 2025, used vehicles",
    "personal": "Bankrate/LendingTree personal-loan averages by credit band",
    "student": "Federal Direct undergraduate fixed rate for 2025-26 (studentaid.gov)",
}

DEFAULT_TERM_YEARS: dict[LoanType, int] = {
    "mortgage": 30,
    "refinance": 30,
    "heloc": 10,
    "auto": 5,
    "personal": 3,
    "student": 10,
}

PRODUCT_DESCRIPTIONS: dict[RateProduct, str] = {
    "mortgage_30": "a 30-year mortgage",
    "mortgage_15": "a 15-year mortgage",
    "refinance": "a 30-year refinance",
    "heloc": "a home equity line of credit",
    "auto_new": "a new-car auto loan",
    "auto_used": "a used-car auto loan",
    "personal": "a personal loan",
    "student": "a federal undergraduate student loan",
}


# Rows that follow a published weekly average: (series, row whose ``excellent`` tier sits at
# that average in the bundled table). With a newer average stored, the row moves by the
# difference, keeping its tier spreads (``market_table``).
MARKET_ANCHORS: dict[RateProduct, tuple[str, RateProduct]] = {
    "mortgage_30": ("MORTGAGE30US", "mortgage_30"),
    "mortgage_15": ("MORTGAGE15US", "mortgage_15"),
    "refinance": ("MORTGAGE30US", "mortgage_30"),
}


@dataclass(frozen=True, slots=True)
class RateTable:
    """Rates by product and tier, and how an assumption names where they come from."""

    rates: Mapping[RateProduct, Mapping[CreditTier, Decimal]]
    label: str


BUNDLED_TABLE = RateTable(RATE_TABLE, f"the APFA rate table ({AS_OF})")
_IN_USE: ContextVar[RateTable] = ContextVar("apfa_rate_table", default=BUNDLED_TABLE)


def market_table(averages: Mapping[str, Decimal], label: str) -> RateTable:
    """The bundled table with each anchored row moved to the stored ``averages`` (by series
    id); rows whose series has no average keep their bundled rates."""
    rates: dict[RateProduct, Mapping[CreditTier, Decimal]] = dict(RATE_TABLE)
    for product, (series, anchor) in MARKET_ANCHORS.items():
        average = averages.get(series)
        if average is None:
            continue
        shift = average - RATE_TABLE[anchor]["excellent"]
        rates[product] = {tier: rate + shift for tier, rate in RATE_TABLE[product].items()}
    return RateTable(rates, label)


@contextmanager
def using(table: RateTable) -> Iterator[None]:
    """Default rates come from ``table`` inside this block (this task and what it calls)."""
    token = _IN_USE.set(table)
    try:
        yield
    finally:
        _IN_USE.reset(token)


def table_in_use() -> RateTable:
    return _IN_USE.get()


def credit_tier(credit_score: int) -> CreditTier:
    """Tier name for a FICO score (any int; below 580 is ``very_poor``)."""
    for floor, tier in CREDIT_TIERS:
        if credit_score >= floor:
            return tier
    return "very_poor"


def rate_product(
    loan_type: LoanType, term_years: int | None = None, used: bool = False
) -> RateProduct:
    """Map a profile loan type (and term / vehicle age) to a rate-table row."""
    if loan_type == "mortgage":
        return "mortgage_15" if term_years is not None and term_years <= 20 else "mortgage_30"
    if loan_type == "auto":
        return "auto_used" if used else "auto_new"
    return loan_type


def lookup_rate(
    loan_type: LoanType,
    credit_score: int | None,
    term_years: int | None = None,
    used: bool = False,
    table: RateTable | None = None,
) -> tuple[Decimal, str]:
    """Rate from the table plus the assumption sentence to show the user.

    ``lookup_rate("mortgage", 720)`` -> ``(Decimal("6.45"), "interest rate assumed 6.45% from
    the APFA rate table (2026-10) for a 30-year mortgage with a credit score of 720 (very good,
    720-759)")``. The rates come from ``table``, else the one in use (``using``), else
    the bundled table.
    """
    table = table or _IN_USE.get()
    product = rate_product(loan_type, term_years, used)
    if credit_score is None:
        tier = UNKNOWN_SCORE_TIER
        who = f"with no credit score given, so the {TIER_LABELS[tier]} tier was used"
    else:
        tier = credit_tier(credit_score)
        who = f"with a credit score of {credit_score} ({TIER_LABELS[tier]})"
    if product == "student":
        who = "(federal rates do not depend on credit)"
    rate = table.rates[product][tier]
    text = (
        f"interest rate assumed {rate:.2f}% from {table.label} for "
        f"{PRODUCT_DESCRIPTIONS[product]} {who}"
    )
    return rate, text
