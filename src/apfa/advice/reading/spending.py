"""A list of monthly spending ("rent 2100, car payment 450, groceries 700, eating out 300"):
each item's amount, split into needs and wants as the 50/30/20 guideline counts them, and
the debt payments among the needs.

An item is a category word followed by its amount; a list needs at least three items, so a
single "rent is 2,100" is left to the role table. Items that are income are never counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

_ITEM = re.compile(
    r"\b(?P<label>[a-z][a-z'/&-]{0,20}(?:\s+(?!and\b|or\b)[a-z][a-z'/&-]{0,20}){0,4}?)\s*"
    r"(?:(?:is|are|was|:|=|of|at|runs?|costs?|about|around|roughly|like|~)\s*){0,3}"
    r"\$?\s?(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?(?P<k>k\b)?"
    r"(?!\s?%|\d|[a-z]|\s?(?:years?|yrs?|months?|miles?)\b|\s*(?:at|@)\s*\d)",
    re.I,
)
_INCOME = re.compile(r"\b(?:income|take[- ]?home|bring\s+home|salary|make|earn|paid|pay)\b", re.I)
# The 50/30/20 guideline's needs: housing, utilities, food at home, transportation,
# insurance, child care and minimum debt payments. Everything else listed is a want.
_NEEDS = re.compile(
    r"\b(?:rent|mortgage|hoa|utilit\w*|electric\w*|power|water|gas|heat\w*|grocer\w*|"
    r"food|car|auto|truck|transport\w*|transit|commut\w*|insurance|student|loans?|debt|"
    r"minimums?|child\s?care|daycare|tuition|medical|health|doctor|prescriptions?|phone|"
    r"internet)\b",
    re.I,
)
_WANTS = re.compile(
    r"\b(?:eating\s+out|dining|restaurants?|take-?out|takeaway|subscriptions?|streaming|"
    r"entertainment|fun|travel|vacations?|shopping|clothes|hobb\w*|gym|bars?|drinks|"
    r"coffee|gifts?|personal|misc\w*|other)\b",
    re.I,
)
# Debt payments among the needs: "car pmt 385, card minimums 120, student loans 265"
_DEBT = re.compile(r"\b(?:pmts?|payments?|minimums?|loans?|cards?|debts?|notes?)\b", re.I)
_NOT_DEBT = re.compile(r"\b(?:rent|utilit\w*|grocer\w*|food|insurance|phone|internet)\b", re.I)
MIN_ITEMS = 3


@dataclass
class Spending:
    needs: Decimal = Decimal(0)
    wants: Decimal = Decimal(0)
    debts: Decimal = Decimal(0)  # the needs that are debt payments
    items: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.needs + self.wants


def read_spending(text: str) -> Spending | None:
    """The spending list in ``text``, or None when it lists fewer than three items."""
    found = Spending()
    for match in _ITEM.finditer(text):
        label = match.group("label")
        if _INCOME.search(label):
            continue
        want = _WANTS.search(label)
        need = _NEEDS.search(label)
        if not (want or need):
            continue
        amount = Decimal(match.group("n").replace(",", ""))
        amount = amount * 1000 if match.group("k") else amount
        if want:  # "subscriptions plus eating out", "car wash and fun": a want
            found.wants += amount
        else:
            found.needs += amount
            if _DEBT.search(label) and not _NOT_DEBT.search(label):
                found.debts += amount
        found.items += 1
        found.spans.append((match.start("label"), match.end()))
    return found if found.items >= MIN_ITEMS else None
