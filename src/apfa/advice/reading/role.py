"""What a role is: the fact a quantity states, the kinds of quantity it applies to and the
cues before or after it (``role`` compiles them), with the patterns the tables share."""

from __future__ import annotations

import re
from dataclasses import dataclass

from apfa.advice.reading.quantities import Kind


@dataclass(frozen=True, slots=True)
class Role:
    fact: str
    kinds: frozenset[Kind]
    before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    # "month": a monthly amount (an amount with no period is taken as monthly when the cue
    # is before it); "month only": it must say it is monthly; "once": it must not be monthly
    per: str | None = None
    strong: bool = False  # wins over any general cue nearby ("pmi quote is 0.55%")


# A cue and its quantity are in the same sentence: the characters between them may be
# spaces and punctuation, but not a full stop, question mark or semicolon ("at 6.5%. PMI
# quoted at 0.62%": 6.5 is not the PMI rate).
_BEFORE = r"[^\w.?!;]*$"
_AFTER = r"^[^\w.?!;]*"


def role(
    fact: str,
    kinds: str,
    before: str | None = None,
    after: str | None = None,
    per: str | None = None,
    strong: bool = False,
) -> Role:
    def compile_(pattern: str | None, anchor: str) -> re.Pattern[str] | None:
        if pattern is None:
            return None
        body = rf"(?:{pattern})"
        return re.compile(body + anchor if anchor == _BEFORE else anchor + body, re.IGNORECASE)

    return Role(
        fact,
        frozenset(kinds.split()),  # type: ignore[arg-type]
        compile_(before, _BEFORE),
        compile_(after, _AFTER),
        per,
        strong,
    )


W = r"(?:\W+\w+){0,4}"  # up to four words in between
CARD = r"(?:credit\s?cards?|cards?|visa|mastercard|amex|discover)"
