"""How figures read in an answer: ``$1,896.20``, ``$300,000``, ``6.5%``, ``46 months``."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from apfa.advice.calculators.base import Figure, FigureKind

CENT = Decimal("0.01")


def money(value: Decimal | int | float) -> str:
    amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount == 0:
        amount = abs(amount)  # never "$-0.00"
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount == amount.to_integral_value():
        return f"{sign}${amount:,.0f}"
    return f"{sign}${amount:,.2f}"


def percent(value: Decimal | int | float) -> str:
    number = Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    text = f"{number:f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('-0', '') else text}%"


def months(value: Decimal | int) -> str:
    """ "9 months"; from two years on, in years too: "279 months (23 years 3 months)"; a part
    of a month below two years to a tenth: "2.5 months"."""
    number = Decimal(str(value))
    if number != number.to_integral_value() and number < 24:
        return f"{number.quantize(Decimal('0.1'), ROUND_DOWN).normalize():f} months"
    count = int(value)
    text = f"{count} month" if count == 1 else f"{count} months"
    if count < 24:
        return text
    whole, rest = divmod(count, 12)
    spelled = f"{whole} years" + (f" {months(rest)}" if rest else "")
    return f"{text} ({spelled})"


def years(value: Decimal | int) -> str:
    number = Decimal(str(value))
    text = f"{number.normalize():f}" if number != number.to_integral_value() else str(int(number))
    return f"{text} year" if text == "1" else f"{text} years"


def render(value: Figure, kind: FigureKind) -> str:
    if isinstance(value, str):
        return value
    if kind == "money":
        return money(value)
    if kind == "percent":
        return percent(value)
    if kind == "months":
        return months(value)
    if kind == "years":
        return years(value)
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value.normalize():f}"
    return f"{int(value):,}"
