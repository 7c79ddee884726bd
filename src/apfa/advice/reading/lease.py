"""What a lease question states beside the lease payment: the miles (the allowance, the
miles a person expects to drive and the charge for each mile over: "allows 36,000 miles ...
I'll be at about 45,000 ... 25 cents a mile") and the loan payment of buying instead ("or buy
with a loan at 560/mo for 60 months").

Read only in talk of a lease; each mileage figure is kept as a total or, with "a year", per year.
The expected miles may be a bare number ("be at about 45,000"), so its span is returned
for the caller to claim: it is not money.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

_LEASE = re.compile(r"\bleas(?:e|ed|es|ing)\b", re.I)
_NUMBER = r"(?<![\d,.])(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<k>k\b)?"
_YEARLY = r"(?P<yearly>\s*(?:a|per|/|each)\s*(?:year|yr)\b|\s*(?:annually|yearly))?"
_MILES = re.compile(_NUMBER + r"\s*(?:miles?|mi)\b" + _YEARLY, re.I)
_EXPECTED = re.compile(
    r"\b(?:be\s+at|end\s+(?:up\s+)?(?:at|with|around)|finish\s+(?:at|around)|hit|reach|"
    r"drive|put\s+on|have)\s+(?:about\s+|around\s+|roughly\s+|like\s+|over\s+)?"
    + _NUMBER
    + r"(?:\s*(?:miles?|mi)\b)?"
    + _YEARLY,
    re.I,
)
_ALLOWED_CUE = re.compile(
    r"\b(?:allow\w*|limit|includes?|gives?|comes?\s+with|cap(?:ped)?|max)\b[^.?!]{0,25}$", re.I
)
_PER_MILE = re.compile(
    r"(?:(?P<cents>\d{1,2}(?:\.\d+)?)\s?(?:cents?|¢)|\$\s?(?P<dollars>\d?\.\d{1,2}))\s*"
    r"(?:a|per|/|for\s+each|each|every)\s*(?:extra\s+|additional\s+)?mile",
    re.I,
)


# "buy with a loan at 560/mo for 60 months", "financing it would be $612 a month over 72 months"
_BUY_PAYMENT = re.compile(
    r"\b(?:buy(?:ing)?|financ\w*|purchas\w*)\b[^.?!;]{0,30}?(?<![\d,.])\$?\s?"
    r"(?P<pay>\d{1,2},\d{3}|\d{2,5})(?:\.\d{2})?\s*(?:/\s*mo(?:nth)?\b|a\s+month\b|per\s+month\b|monthly\b)"
    r"(?:\s*(?:for|over)\s+(?P<months>\d{2})\s*(?:months?|mos?)\b)?",
    re.I,
)

# "389/mo for 36 months": the lease's own term, not the loan's
_LEASE_TERM = re.compile(
    r"(?<![\d,.])\$?\d[\d,]*(?:\.\d{1,2})?\s*(?:/\s*mo(?:nth)?\b|a\s+month\b|per\s+month\b|monthly\b)"
    r"\s*(?:for|over|x)\s+(?P<months>\d{2})\s*(?:months?|mos?)\b",
    re.I,
)
# "they came back w/ 39 months at 369": a lease offer restated in a lease conversation
_LEASE_OFFER = re.compile(
    r"(?<![\d,.])(?P<months>\d{2})\s*(?:months?|mos?)\s+(?:at|for|@)\s+\$?"
    r"(?P<pay>\d{2,4}(?:\.\d{2})?)(?![\d,.]|\s*%)",
    re.I,
)


@dataclass
class Mileage:
    facts: dict[str, Decimal | int] = field(default_factory=dict)
    spans: list[tuple[int, int]] = field(default_factory=list)


def _miles(match: re.Match[str]) -> Decimal:
    value = Decimal(match.group("n").replace(",", ""))
    return value * 1000 if match.group("k") else value


def read_lease(text: str, lease_thread: bool = False) -> Mileage:
    """The lease figures of ``text``; ``lease_thread``: the conversation is about a lease,
    so "39 months at 369" is a new lease offer."""
    found = Mileage()
    if not _LEASE.search(text):
        if lease_thread and (offer := _LEASE_OFFER.search(text)):
            found.facts["lease_months"] = int(offer.group("months"))
            found.facts["lease_payment"] = Decimal(offer.group("pay"))
            found.spans.append(offer.span())
        return found
    if buy := _BUY_PAYMENT.search(text):
        found.facts["buy_payment"] = Decimal(buy.group("pay").replace(",", ""))
        if buy.group("months"):
            found.facts["buy_months"] = int(buy.group("months"))
        found.spans.append(buy.span())
    for term in _LEASE_TERM.finditer(text):
        if buy is None or not buy.start() <= term.start() < buy.end():
            found.facts["lease_months"] = int(term.group("months"))
            found.spans.append(term.span("months"))
            break
    if fee := _PER_MILE.search(text):
        cents = fee.group("cents")
        found.facts["excess_mile_fee"] = (
            Decimal(cents) / 100 if cents else Decimal(fee.group("dollars"))
        )
        found.spans.append(fee.span())
    allowed: re.Match[str] | None = None
    for match in _MILES.finditer(text):
        if _ALLOWED_CUE.search(text[max(0, match.start() - 40) : match.start()]):
            allowed = match
            break
    expected = next(
        (m for m in _EXPECTED.finditer(text) if allowed is None or m.span() != allowed.span()),
        None,
    )
    if allowed is None:
        allowed = next(
            (
                m
                for m in _MILES.finditer(text)
                if expected is None or not expected.start() <= m.start() < expected.end()
            ),
            None,
        )
    for name, read in (("miles_allowed", allowed), ("miles_expected", expected)):
        if read is None or _miles(read) < 1000:
            continue
        suffix = "_per_year" if read.group("yearly") else ""
        found.facts[name + suffix] = int(_miles(read))
        found.spans.append(read.span())
    return found
