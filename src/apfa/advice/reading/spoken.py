"""Numbers written the way people say them, rewritten in digits before reading: "six and
a half percent" (6.5 percent), "thirty-two hundred" (3200), "6 7/8%" (6.875%), "a year and a
half" (18 months), "5 point 9" (5.9); and "pmt" for a payment."""

from __future__ import annotations

import re
from decimal import Decimal

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = {word: n for n, word in enumerate(_UNITS)} | {
    word: 20 + 10 * n for n, word in enumerate(_TENS)
}
# "six and a half percent", "thirty-two hundred", "twelve grand": a number said in words,
# written in digits when a unit or a fraction follows it
_NUMBER_WORD = re.compile(
    rf"\b(?P<tens>{'|'.join(_TENS)})(?:[- ](?P<unit>{'|'.join(_UNITS[1:10])}))?\b"
    rf"|\b(?P<small>{'|'.join(_UNITS)})\b",
    re.I,
)
_NUMBER_UNIT = re.compile(
    r"\s*(?:%|percent|per\s*cent|and\s+(?:a|one)\s+(?:half|quarter)|and\s+three\s+quarters|"
    r"point\s+\d|hundred|thousand|grand|k\b|years?|yrs?|months?|mos?\b|weeks?|dollars|bucks|"
    r"points?)",
    re.I,
)
# "6 7/8%", "6 3/8", "2 1/2 years": a whole number and an eighth, quarter or half
_FRACTION = re.compile(r"\b(\d{1,2})\s+([1357])/([248])\b(?!/)")


def _spoken(text: str) -> str:
    def digits(m: re.Match[str]) -> str:
        if not _NUMBER_UNIT.match(text, m.end()):
            return m.group(0)
        if m.group("small"):
            return str(_WORD_VALUES[m.group("small").lower()])
        value = _WORD_VALUES[m.group("tens").lower()]
        return str(value + (_WORD_VALUES[m.group("unit").lower()] if m.group("unit") else 0))

    def fraction(m: re.Match[str]) -> str:
        top, bottom = int(m.group(2)), int(m.group(3))
        if top >= bottom:
            return m.group(0)
        value = Decimal(m.group(1)) + Decimal(top) / Decimal(bottom)
        return f"{value.normalize():f}"

    return _FRACTION.sub(fraction, _NUMBER_WORD.sub(digits, text))


# "6 and a half percent", "5 point 9": decimals said in words; "pmt": a payment
_SHORTHAND = (
    # "0% for a year and a half", "a year and a half left": 18 months
    (re.compile(r"\b(?:a|one)\s+year\s+and\s+a\s+half\b", re.I), "18 months"),
    (re.compile(r"\ba\s+year\s+and\s+a\s+quarter\b", re.I), "15 months"),
    # "32 hundred", "3 hundred thousand": hundreds written out
    (re.compile(r"\b(\d{1,2})\s+hundred\s+thousand\b", re.I), r"\g<1>00,000"),
    (re.compile(r"\b(\d{1,2})\s+hundred\b(?!\s+thousand)", re.I), r"\g<1>00"),
    (re.compile(r"\b(\d{1,3})\s+and\s+a\s+half\b", re.I), r"\1.5"),
    (re.compile(r"\b(\d{1,3})\s+and\s+(?:a|one)\s+quarter\b", re.I), r"\1.25"),
    (re.compile(r"\b(\d{1,3})\s+and\s+three\s+quarters\b", re.I), r"\1.75"),
    (re.compile(r"\b(\d{1,2})\s+point\s+(\d{1,3})\b", re.I), r"\1.\2"),
    (re.compile(r"\b(?:morgage|mortage|morgtage|mortgauge|mortgae)(s?)\b", re.I), r"mortgage\1"),
    # "we spend 6,150ish/mo", "5kish": an approximate figure is still the figure
    (re.compile(r"(\d[km]?)-?ish\b", re.I), r"\1"),
    (re.compile(r"\bpmts\b", re.I), "payments"),
    (re.compile(r"\bpmt\b", re.I), "payment"),
)


def expand_shorthand(text: str) -> str:
    text = _spoken(text)
    for pattern, replacement in _SHORTHAND:
        text = pattern.sub(replacement, text)
    return text
