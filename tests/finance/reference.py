"""Reference arithmetic for the finance tests: exact fractions, rounded half-up to cents only
where the documented conventions round, written independently of ``apfa.finance``."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

CENT = Fraction(1, 100)


def frac(value: object) -> Fraction:
    return Fraction(str(value))


def half_up(value: Fraction) -> Fraction:
    """Round to cents, half away from zero for positives (all uses here are >= 0)."""
    scaled = value * 100
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


def up(value: Fraction) -> Fraction:
    """Round up to cents."""
    scaled = value * 100
    return Fraction(-((-scaled.numerator) // scaled.denominator), 100)


def dec(value: Fraction) -> Decimal:
    """A cents fraction as a 2-place Decimal (exact: the denominator divides 100)."""
    assert 100 % value.denominator == 0
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))


def annuity(principal: Fraction, annual_pct: Fraction, months: int) -> Fraction:
    """Exact level payment (no rounding)."""
    r = annual_pct / 1200
    if r == 0:
        return principal / months
    return principal * r / (1 - 1 / (1 + r) ** months)


def schedule(
    principal: object, annual_pct: object, months: int, extra: object = 0
) -> list[tuple[Fraction, Fraction, Fraction]]:
    """(payment, interest, balance) rows of the documented schedule convention."""
    balance = half_up(frac(principal))
    r = frac(annual_pct) / 1200
    level = half_up(annuity(frac(principal), frac(annual_pct), months))
    rows = []
    month = 0
    while balance > 0:
        month += 1
        interest = half_up(balance * r)
        regular = level - interest
        if month >= months or regular >= balance:
            reduction = balance
        else:
            reduction = regular + min(frac(extra), balance - regular)
        balance -= reduction
        rows.append((reduction + interest, interest, balance))
    return rows


def revolving(balance: object, apr: object, payment: object) -> tuple[int, Fraction]:
    """Card convention: add interest rounded to cents, then pay; (months, total interest)."""
    owed = frac(balance)
    r = frac(apr) / 1200
    months, interest_total = 0, Fraction(0)
    while owed > 0:
        interest = half_up(owed * r)
        owed += interest
        interest_total += interest
        owed -= min(frac(payment), owed)
        months += 1
        assert months < 10_000
    return months, interest_total
