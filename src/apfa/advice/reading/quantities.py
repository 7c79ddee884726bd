"""Every quantity in a question, with its kind, value and place: the raw material facts
are read from. Pure and linear: one left-to-right scan with patterns that cannot
backtrack badly (no nested quantifiers over overlapping alternatives).

Kinds: ``money`` (``$85k``, ``85,000 dollars``, ``1.2 million``; a per-period suffix such as
``a month`` or ``/yr`` sets ``per``), ``percent`` (``6.5%``, ``6.5 percent``), ``duration``
(``30-year``, ``18 months``, ``4 yrs``; ``months`` holds it in months), ``number`` (a bare
number: a credit score, a count). Ranges such as ``300-350k`` keep their first value and
are marked ``ranged``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Kind = Literal["money", "percent", "duration", "number"]

MAX_CHARS = 4000
_MAX_DIGITS = 12  # a number of 13 or more digits is an identifier, not a quantity
_NUM = r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_SUFFIXES = {
    "k": 3,
    "K": 3,
    "grand": 3,
    "thousand": 3,
    "m": 6,
    "mm": 6,
    "mil": 6,
    "million": 6,
    "bn": 9,
    "billion": 9,
}
_QUANTITY = re.compile(
    r"(?P<cur>\$|usd\s?)?\s?" + _NUM + r"(?:\s?(?P<range>-|to)\s?\$?(?P<n2>\d[\d,]*(?:\.\d+)?))?"
    r"(?:(?P<pct>\s?(?:%|percent\b|pct\b|per\s?cent\b))"
    r"|(?P<suf>k\b|mm\b|m\b|bn\b|\s?(?:grand|thousand|million|mil|billion)\b)"
    r"|(?P<dur>(?:\s|-)?(?:years?|yrs?|months?|mos?|weeks?|wks?|days?)\b))?"
    r"(?P<cur2>\s?(?:dollars|bucks|usd)\b)?",
    re.IGNORECASE,
)
# "a 67 year old", "my 6-month-old": an age, never a term.
_OLD = re.compile(r"[\s-]?old\b", re.IGNORECASE)
# Measures that are not money: "20k miles a year", "1,800 sq ft" are skipped.
_MEASURE = re.compile(
    r"\s?(?:miles?|mi|km|kilomet(?:er|re)s?|sq\.?\s?f(?:ee)?t|square\s(?:feet|foot|meters?)"
    r"|feet|ft|acres?|lbs?|pounds|kwh|gallons?|mpg)\b",
    re.IGNORECASE,
)
_PER = re.compile(
    r"\s*(?:(?:a|an|per|each|every|/)\s*(?P<unit>year|yr|annum|month|mo|week|wk|hour|hr)\b"
    r"|(?P<word>annually|yearly|monthly|weekly|bi-?weekly|hourly))",
    re.IGNORECASE,
)
_PER_FACTORS = {
    "year": 1,
    "yr": 1,
    "annum": 1,
    "annually": 1,
    "yearly": 1,
    "month": 12,
    "mo": 12,
    "monthly": 12,
    "week": 52,
    "wk": 52,
    "weekly": 52,
    "biweekly": 26,
    "bi-weekly": 26,
    "hour": 2080,
    "hr": 2080,
    "hourly": 2080,
}
_DAYS_PER = {"d": 1, "w": 7}
_DURATION_MONTHS: dict[str, Decimal] = {
    "y": Decimal(12),
    "m": Decimal(1),
    "w": Decimal(12) / Decimal(52),
    "d": Decimal(12) / Decimal(365),
}


@dataclass(frozen=True, slots=True)
class Quantity:
    kind: Kind
    value: Decimal
    start: int
    end: int
    per: int | None = None  # periods per year for money with a period (12: a month)
    months: Decimal | None = None  # a duration in months
    days: int | None = None  # a duration given in days
    ranged: bool = False
    currency: bool = False  # written with $ or "dollars"

    @property
    def whole(self) -> int:
        return int(self.value)


def _looks_like_money(raw: str, value: Decimal) -> bool:
    """A bare number that is an amount: grouped with commas, or 1,000 and more and not a
    year (1900-2100 written without a comma)."""
    if "," in raw:
        return True
    return value >= 1000 and not (1900 <= value <= 2100 and value == value.to_integral_value())


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _duration(match: re.Match[str], value: Decimal) -> tuple[Decimal, int | None]:
    unit = match.group("dur").strip(" -").lower()[0]
    whole = value == value.to_integral_value()
    days = (int(value * _DAYS_PER[unit]) or None) if whole and unit in _DAYS_PER else None
    return value * _DURATION_MONTHS[unit], days


def _per(text: str, end: int) -> tuple[int | None, int]:
    found = _PER.match(text, end)
    if found is None:
        return None, end
    word = (found.group("unit") or found.group("word") or "").lower()
    return _PER_FACTORS.get(word), found.end()


# Numbers that are names, not quantities: account types, and the slashed forms of ARMs and
# their caps (read by their own rules). Masked with spaces, so positions stay the same.
_NAMES = re.compile(
    r"(?<!\$)\b(?:401\s?\(?k\)?|403\s?\(?b\)?|457\s?\(?b\)?|(?:529|1099)(?![.,]?\d)|w-?2|i-?9)"
    r"|\b\d{1,2}/\d{1,2}(?:/\d{1,2})?\b",
    re.IGNORECASE,
)


def mask_names(text: str) -> str:
    return _NAMES.sub(lambda m: " " * (m.end() - m.start()), text)


def _a_change(match: re.Match[str], value: Decimal) -> bool:
    """ "6.75 to 6.25": two rates (a change), not a range; small numbers with decimals."""
    second = match.group("n2") or ""
    return (
        match.group("range").lower() == "to"
        and not match.group("suf")
        and not match.group("dur")
        and ("." in match.group("n") or "." in second)
        and value < 30
        and "," not in second
        and _number(second) < 30
    )


def _change(match: re.Match[str], value: Decimal) -> list[Quantity]:
    kind: Kind = "percent" if match.group("pct") else "number"
    second = _number(match.group("n2"))
    return [
        Quantity(kind, value, match.start("n"), match.end("n")),
        Quantity(kind, second, match.start("n2"), match.end()),
    ]


# A bare number after "extra" is an amount of money ("an extra 150 at it each month").
_EXTRA_BEFORE = re.compile(r"\b(?:extra|additional)\s+\$?$", re.I)
_COUNTED_AFTER = re.compile(r"\s+(?!dollars|bucks)[a-z]+s\b", re.I)  # "extra 20 minutes"
_EACH_MONTH_AFTER = re.compile(r"(?:\s+\w+){0,3}?\s+(?:each|every|a|per)\s+month\b", re.I)


def scan(text: str) -> list[Quantity]:
    """The quantities of ``text`` (its first ``MAX_CHARS`` characters), in order."""
    text = mask_names(text[:MAX_CHARS])
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        if match.start("n") > 0 and (text[match.start("n") - 1].isalnum()):
            continue  # inside a word or a longer token ("5/1", "401k" are handled by roles)
        if match.end() == match.end("n") and text[match.end() : match.end() + 1].isalpha():
            continue  # the head of a code or an identifier ("2nd", "41bb6e..."), not a figure
        value = _number(match.group("n"))
        if value.adjusted() >= _MAX_DIGITS:
            continue  # a reference number, not an amount anyone owes or earns
        ranged = match.group("range") is not None and match.group("n2") is not None
        start = match.start("cur") if match.group("cur") else match.start("n")
        end = match.end()
        if ranged and _a_change(match, value):
            found.extend(_change(match, value))
            continue
        if match.group("pct"):
            found.append(Quantity("percent", value, start, end, ranged=ranged))
            continue
        if match.group("dur") and _OLD.match(text, end):
            if match.group("dur").strip(" -").lower().startswith("y"):
                found.append(Quantity("number", value, start, match.end("n")))
            continue
        if match.group("dur"):
            months, days = _duration(match, value)
            found.append(Quantity("duration", value, start, end, months=months, days=days))
            continue
        currency = bool(match.group("cur") or match.group("cur2"))
        if not currency and _MEASURE.match(text, end):
            continue
        suffix = (match.group("suf") or "").strip()
        if suffix:
            value = value.scaleb(_SUFFIXES.get(suffix, _SUFFIXES.get(suffix.lower(), 0)))
            currency = True
        if ranged and suffix and "," not in (match.group("n2") or ""):
            pass  # "300-350k": the suffix belongs to both ends; the first is kept
        if currency:
            per, end = _per(text, end)
            found.append(
                Quantity("money", value, start, end, per=per, ranged=ranged, currency=True)
            )
        else:
            per, per_end = _per(text, end)
            if per is not None:
                found.append(Quantity("money", value, start, per_end, per=per, ranged=ranged))
            elif (
                value >= 10
                and _EXTRA_BEFORE.search(text, max(0, start - 20), start)
                and not _COUNTED_AFTER.match(text, end)
            ):
                monthly = _EACH_MONTH_AFTER.match(text, end)  # "an extra 150 at it each month"
                per_, end_ = (12, monthly.end()) if monthly else (None, end)
                found.append(Quantity("money", value, start, end_, per=per_, ranged=ranged))
            elif _looks_like_money(match.group("n"), value):
                found.append(Quantity("money", value, start, end, ranged=ranged))
            else:
                found.append(Quantity("number", value, start, end, ranged=ranged))
    return found
