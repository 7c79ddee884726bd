"""The kind of a question: what sort of answer it wants.

``define`` (what is X), ``explain`` (how or why does X work), ``compare`` (A vs B),
``decide`` (should I A or B, is it worth it), ``what_to_do`` (a situation: what now),
``calculate`` (a number is asked for), ``eligibility`` (do I qualify, can I get). Read from
the wording with patterns tried in order; ``explain`` when none applies.
"""

from __future__ import annotations

import re
from typing import Literal

QuestionKind = Literal[
    "define", "explain", "compare", "decide", "what_to_do", "calculate", "eligibility"
]

_RULES: tuple[tuple[QuestionKind, re.Pattern[str]], ...] = (
    (
        "calculate",
        re.compile(
            r"\b(?:how\s+much\s+(?:will|would|is|are|does|do|can|should)|what(?:'s|\s+is|\s+are|\s+would|\s+will)"
            r"\s+(?:my|the|our)\s+(?:monthly\s+)?(?:payments?|total|interest|cost|apr|ratio|dti|ltv)"
            r"|calculate|figure\s+out\s+(?:my|the)|how\s+many\s+(?:months|years|payments)"
            r"|how\s+long\s+(?:will|would)\s+it\s+take|what\s+would\s+i\s+pay|monthly\s+payment\s+(?:be|on))",
            re.I,
        ),
    ),
    (
        "eligibility",
        re.compile(
            r"\b(?:do|would|will|can|could)\s+i\s+(?:qualify|be\s+eligible|get\s+approved|get\s+a|"
            r"still\s+get)|\bam\s+i\s+eligible|\beligib|\bqualify\b|\bget\s+approved\b",
            re.I,
        ),
    ),
    (
        "decide",
        re.compile(
            r"\b(?:should\s+(?:i|we)|is\s+it\s+(?:worth|better|smart|wise|a\s+good\s+idea|bad)|"
            r"worth\s+it|better\s+to|does\s+it\s+make\s+sense|would\s+you|good\s+idea|"
            r"or\s+should|which\s+(?:one\s+)?(?:should|is\s+better|makes\s+more\s+sense))",
            re.I,
        ),
    ),
    (
        "compare",
        re.compile(
            r"\b(?:vs\.?|versus|difference\s+between|compared?\s+(?:to|with)|compare|"
            r"pros\s+and\s+cons|better\s+than)\b",
            re.I,
        ),
    ),
    (
        "what_to_do",
        re.compile(
            r"\b(?:what\s+(?:should|can|do)\s+(?:i|we)\s+do|what\s+are\s+my\s+options|"
            r"what\s+now|help\s+me|i\s+(?:can't|cannot|couldn't)\s+(?:pay|afford|make)|"
            r"behind\s+on|got\s+a\s+letter|how\s+do\s+i\s+(?:get|deal|handle|stop|fix|dispute))",
            re.I,
        ),
    ),
    ("define", re.compile(r"^\W*(?:what\s+(?:is|are|'s)|what's|define|meaning\s+of)\b", re.I)),
)


def question_kind(question: str) -> QuestionKind:
    for kind, pattern in _RULES:
        if pattern.search(question):
            return kind
    return "explain"
