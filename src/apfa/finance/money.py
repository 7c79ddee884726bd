"""Decimal helpers shared by the finance package.

Convention for the whole ``apfa.finance`` package:

* Public functions accept ``Number`` (``float | int | Decimal``). Floats are converted through
  ``str()`` so ``0.1`` becomes ``Decimal("0.1")`` rather than its binary expansion.
  ``NaN``, infinities and magnitudes above :data:`MAX_MAGNITUDE` (1e15, far beyond any loan)
  are rejected with ``ValueError``.
* All arithmetic is done in ``Decimal``. Money is rounded to cents with ``ROUND_HALF_UP``.
* The calculators (``loans``, ``ratios``, ``affordability``, ``refinance``) return
  ``Decimal``: money quantised to cents (``Decimal("1199.10")``), ratios as fractions
  quantised to 4 decimals (``Decimal("0.3312")`` = 33.12%), rates in percent.
* Only ``analysis.analyse`` converts to plain ``float`` (cents / 4-decimal ratios), because its
  output is meant for JSON responses.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import TypeAlias

Number: TypeAlias = float | int | Decimal

CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")
TWELVE = Decimal("12")
MAX_MAGNITUDE = Decimal("1e15")


def to_decimal(value: Number, *, limit: Decimal | None = MAX_MAGNITUDE) -> Decimal:
    """Convert ``value`` to a finite ``Decimal`` (floats via ``str``); raise ``ValueError``.

    ``limit`` bounds the magnitude (``None`` for unbounded values such as ratios).
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        try:
            result = Decimal(str(value))
        except (InvalidOperation, ValueError) as exc:  # pragma: no cover - str(float) parses
            raise ValueError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if limit is not None and abs(result) > limit:
        raise ValueError(f"number too large: {value!r} (limit 1e15)")
    return result


def _wide(value: Decimal) -> Context:
    """A context precise enough to quantize ``value`` to 4 places whatever its size."""
    return Context(prec=max(28, value.adjusted() + 8))


def cents(value: Decimal) -> Decimal:
    """Round to cents, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_wide(value))


def cents_down(value: Decimal) -> Decimal:
    """Truncate towards zero to cents (used where a cap must not be exceeded)."""
    return value.quantize(CENT, rounding=ROUND_DOWN, context=_wide(value))


def cents_up(value: Decimal) -> Decimal:
    """Round up (towards +infinity) to cents (used where a payment must not fall short)."""
    return value.quantize(CENT, rounding=ROUND_CEILING, context=_wide(value))


def ratio4(value: Decimal) -> Decimal:
    """Round a fraction to 4 decimals, half up (0.33125 -> 0.3313)."""
    return value.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP, context=_wide(value))


def monthly_rate(annual_rate_pct: Decimal) -> Decimal:
    """Nominal annual percent -> periodic monthly rate (6 -> 0.005)."""
    return annual_rate_pct / HUNDRED / TWELVE


def require_non_negative(name: str, value: Number) -> Decimal:
    """``to_decimal`` plus a ``>= 0`` check."""
    result = to_decimal(value)
    if result < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return result


def require_term(term_months: int) -> int:
    """A loan term must be a positive whole number of months."""
    if isinstance(term_months, bool) or not isinstance(term_months, int) or term_months < 1:
        raise ValueError(f"term_months must be a positive int, got {term_months!r}")
    return term_months


def require_positive(name: str, value: Number) -> Decimal:
    """``to_decimal`` plus a ``> 0`` check."""
    result = to_decimal(value)
    if result <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return result


def require_count(name: str, value: int, minimum: int = 0) -> int:
    """A whole number (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def require_pct(name: str, value: Number, high: Decimal = HUNDRED) -> Decimal:
    """A percentage between 0 and ``high`` (100 unless said otherwise)."""
    result = to_decimal(value)
    if not ZERO <= result <= high:
        raise ValueError(f"{name} must be between 0 and {high}, got {value!r}")
    return result
