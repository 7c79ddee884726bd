"""The grammar ``apfa.advice.extraction`` reads free text with: regex patterns and word lists.

Also the limits the extractor applies (input length, value ranges); pure data, no reading logic.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

MAX_CHARS = 10_000
"""Longer input is truncated (and said so) to keep extraction fast."""

CREDIT_RANGE = (300, 850)
RATE_RANGE = (Decimal("0"), Decimal("30"))
TERM_RANGE = (1, 50)
MAX_MONEY = 1e12
"""Money above this (a trillion dollars) is treated as a misreading and ignored."""
MONEY_FIELDS = frozenset(
    {"annual_income", "monthly_debt_payments", "loan_amount", "home_price", "down_payment"}
)

ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_QUAL = (
    r"(?:(?:about|around|roughly|approximately|approx\.?|nearly|almost|just\s+over|over|"
    r"under|~)\s*)?"
)
PUNCT = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
    "\u2014": "-", "\u2015": "-", "\u2212": "-",
})  # fmt: skip
SUFFIX = {"k": 3, "thousand": 3, "grand": 3, "m": 6, "mm": 6, "mil": 6, "million": 6,
           "bn": 9, "billion": 9}  # fmt: skip
PERIODS = (("bi", 26), ("hour", 2080), ("hr", 2080), ("week", 52), ("wk", 52), ("mo", 12))


_AMT = (  # a money amount: digits in group "a", suffix in "a_s" (85k, 1.5m) or "a_w" (million)
    r"(?:\$\s?|usd\s?)?(?<![\w.,])(?P<a>\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,2})?|\d{1,12}"
    r"(?:\.\d{1,4})?)(?!\d)(?!,\d)(?!\.\d)(?!\s*(?:%|percent|per\s*cent))"
    r"(?!\s?-?\s?(?:years?|yrs?|months?|mos?|days?|weeks?)\b)(?!\s?(?:-|to)\s?\$?\d)"
    r"(?:(?P<a_s>k|mm|m|bn)"
    r"(?![a-z])|\s?(?P<a_w>thousand|grand|million|mil|billion)\b)?(?:\s?(?:dollars|bucks|usd)\b)?"
)
_PER = (  # a period: group "per"
    r"(?P<per>(?:a|an|per|each|every|/)\s*(?:year|yr|annum|month|mo|week|wk|hour|hr)\b"
    r"|annually|yearly|monthly|weekly|bi-?weekly|hourly|p/?a\b)"
)


@dataclass(frozen=True)
class Rule:
    """Regexes tried either at every occurrence of their leading word(s) or at every number.

    Word rules compile one regex per lead so each starts with a literal (fast search), and a
    match only counts at a word boundary; number rules are anchored at number positions.
    """

    regexes: tuple[re.Pattern[str], ...]
    at_numbers: bool


def _words(leads: Sequence[str], *body: str) -> Rule:
    tail = "".join(body)
    return Rule(tuple(re.compile(lead + tail, re.ASCII) for lead in leads), at_numbers=False)


def _nums(*body: str) -> Rule:
    return Rule((re.compile("".join(body), re.ASCII),), at_numbers=True)


_OPT_PER = rf"(?:\s*{_PER})?"
NUMBER_START = re.compile(r"\$|usd|(?<![\d,.$])\d", re.ASCII)
INCOME = (
    _words(
        [
            r"mak(?:e|es|ing)",
            r"earn(?:s|ing)?",
            r"gross(?:ing)?",
            r"bring\s+in",  # "bring home" and "take home" are take-home pay, not gross income
            r"get\s+paid",
        ],
        r"\s+",
        _QUAL,
        _AMT,
        r"(?!\s*(?:down|in\s+debt|payments?|loans?)\b)",
        _OPT_PER,
    ),
    _words(
        [
            r"(?P<pre>annual|yearly|monthly|household|gross|base|combined|total)\s+"
            r"(?:salary|income|pay)\b",
        ],
        r"\s*(?:is|of|=|:|at|was|totals?)?\s*",
        _QUAL,
        _AMT,
        _OPT_PER,
    ),
    _words(["salary", "income"], r"\s*(?:is|of|=|:|at|was|totals?)?\s*", _QUAL, _AMT, _OPT_PER),
    _nums(
        _AMT,
        rf"\s*(?:{_PER}\s*)?(?:(?P<pre>annual|yearly|monthly|gross|base|household)\s+)?"
        r"(?:salary|income)\b",
    ),
)
_PAY_LEADS = [
    "debt",
    "car",
    "auto",
    "truck",
    "vehicle",
    r"student\s+loan",
    r"credit\s+card",
    "card",
    "loan",
    r"personal\s+loan",
    "minimum",
]
_PAY_NOUN = rf"(?:{'|'.join(_PAY_LEADS)})\s+payments?"
_ADJ = r"(?:(?:other|existing|monthly|total|current|my|combined)\s+)*"
_IS = r"\s*(?:is|are|of|=|:|totals?|totaling|comes?\s+to|runs?|is\s+about|is\s+around)?\s*"
DEBTS = (
    _nums(
        _AMT,
        r"\s*",
        _PER,
        r"\s+(?:(?:in|of|for|on|towards?)\s+)?",
        _ADJ,
        r"(?:debt\s+payments?|debts?|payments?|bills|credit\s+cards?|loans?|student\s+loans?|"
        r"(?:car|truck|auto)(?:\s+(?:loans?|notes?|payments?))?(?!\s+insurance))\b",
    ),
    _nums(_AMT, r"\s+(?:(?:in|of)\s+)?", _ADJ, _PAY_NOUN, r"\b", _OPT_PER),
    # "$500 in monthly debts": the amount paid each month, not a balance owed
    _nums(_AMT, r"\s+(?:in|of)\s+", _ADJ, r"monthly\s+(?:debts?|bills)\b"),
    _words(_PAY_LEADS, r"\s+payments?\b", _IS, _QUAL, _AMT, _OPT_PER),
    _words([r"monthly\s+debts?(?:\s+payments?)?\b"], _IS, _QUAL, _AMT),
    _words([r"debts?\b"], _IS, _QUAL, _AMT, r"\s*", _PER),
    # "a card min of 60": a card's minimum payment is monthly
    _words([r"card\s+min(?:imum)?s?\b"], _IS, _QUAL, _AMT, _OPT_PER),
    # "student loans 300/mo", "car 450/mo": a debt named without "payment", with a period
    _words(
        [
            r"(?:car|auto|truck|student|personal)(?:\s+loans?)?\b",
            r"credit\s+cards?\b",
            r"card\s+minimums?\b",
        ],
        _IS,
        _QUAL,
        _AMT,
        r"\s*",
        _PER,
    ),
    # "... 90 in card minimums": a card's minimum payment is monthly
    _nums(
        _AMT,
        r"\s+(?:(?:in|on|for|of)\s+)?(?:(?:my|her|his|our|the)\s+)?"
        r"(?:credit\s+)?card\s+min(?:imum)?s\b",
    ),
    # "450/mo on a car, 310 student loans": a later item of a list of monthly payments
    _nums(
        r"(?<=, )(?:\$\s?)?(?P<a>\d{2,4})(?P<a_s>(?!))?(?P<a_w>(?!))?(?![\d,.%]|\s*k\b)",
        r"\s+(?:(?:in|on|for)\s+)?(?:student\s+loans?|car\s+(?:loan|note|payment)s?|"
        r"personal\s+loans?)\b(?!\s+(?:balance|at\b|@))",
    ),
    _words(
        [r"pay(?:ing)?\s+"],
        _AMT,
        r"\s*",
        _PER,
        r"\s+(?:for|on|towards?)\s+(?:my\s+|a\s+|"
        r"the\s+|our\s+)?(?:car|auto|truck|student\s+loans?|credit\s+cards?|loans?|debts?)\b",
    ),
)
_SCORE = r"(?P<n>\d{3,4})(?!\d|%|\.\d)"
_CREDIT_WORD = r"(?:credit(?!\s+cards?)(?:\s+score)?|fico(?:\s+score)?)"
CREDIT = (
    _words(
        [r"credit(?!\s+cards?)(?:\s+score)?", r"fico(?:\s+score)?", "score"],
        r"(?:'s|\s+is|\s+of|\s+was|\s*[:=]|\s+around|\s+about|\s+near|\s+at|\s+sits|"
        r"\s+in\s+the)*\s*",
        _QUAL,
        _SCORE,
    ),
    _nums(r"(?<![\w.,$])", _SCORE, r"\s*", _CREDIT_WORD, r"\b"),
)
_PCT = r"(?<![\d.])(?P<r>\d{1,3}(?:\.\d{1,4})?)\s*(?:%|percent|per\s*cent)"
RATE = (
    _words(
        [
            "at",
            r"rate(?:\s+(?:is|of|at|around|about|=|:))?",
            r"apr(?:\s+(?:is|of|at))?",
            r"interest(?:\s+rate)?(?:\s+(?:is|of|at|around))?",
        ],
        r"\s*(?:an?\s+)?",
        _QUAL,
        _PCT,
        r"(?!\s*(?:down|of\b|ltv|dti|to\b))",
    ),
    _nums(_PCT, r"\s*(?:apr|interest|rate|fixed|variable|arm|annual\s+percentage)"),
)
_UNIT = r"(?P<u>years?|yrs?|months?|mos?)"
TERM = (
    _nums(
        r"(?<![\d.])(?P<n>\d{1,3})(?:-|\s)",
        _UNIT,
        r"(?:-|\s)(?:fixed|mortgage|loan|term|arm|"
        r"amortization|repayment|note|refi|refinance|auto|car|personal|student|heloc|plan)\b",
    ),
    _nums(r"(?<![\d.])(?P<n>\d{1,3})-", _UNIT, r"\b(?!-old)"),
    _words(
        [
            "over",
            r"term(?:\s+of|\s+is|\s*:)?",
            r"amortized\s+over",
            r"pay\s+(?:it\s+)?off\s+in",
            r"repay\s+(?:it\s+)?(?:over|in)",
            "within",
        ],
        r"\s+",
        _QUAL,
        r"(?P<n>\d{1,3})\s*",
        _UNIT,
        r"\b",
    ),
)
# "1,800 down to 1,500" is a change of a figure, not a down payment
_DOWN_WORDS = r"(?:down\s+payment|down\b(?!\s+(?:to|from)\b)|as\s+(?:a\s+)?down\s+payment)"
_DOWN_OF = r"\s*(?:of|is|will\s+be|:|=|around|about)?\s*"
DOWN_PCT = (
    _nums(_PCT, r"\s*", _DOWN_WORDS),
    _words([r"down\s+payment"], _DOWN_OF, _QUAL, _PCT),
)
DOWN_AMT = (
    _nums(
        _AMT,
        r"\s*(?:",
        _DOWN_WORDS,
        r"|(?:in\s+savings\s+|saved\s+(?:up\s+)?)?for\s+"
        r"(?:a\s+|the\s+|my\s+|our\s+)?down\s+payment)",
    ),
    _words([r"down\s+payment"], _DOWN_OF, _QUAL, _AMT),
)
_PLACES = ["house", "home", "condo", "townhouse", "townhome", "property", "apartment"]
HOME = (
    _nums(
        _AMT,
        r"\s+(?:(?:new|first|starter|dream|single[- ]family)\s+)?(?:",
        "|".join(_PLACES),
        r")\b(?!\s+(?:loan|equity|mortgage|tax(?:es)?|insurance))",  # "6k property tax"
    ),
    _words(
        _PLACES,
        r"\s+(?:that\s+)?(?:is\s+)?(?:for|of|at|costs?|costing|priced\s+at|"
        r"listed\s+at|worth|valued\s+at|appraised\s+at|around|about|under)\s+",
        _QUAL,
        _AMT,
    ),
    # "we paid 425k for the house", "paid 425k and put 40k down", "bought our condo for
    # 310,000"
    _words(
        [r"(?:paid|spent)"],
        r"\s+",
        _QUAL,
        _AMT,
        # (the down payment after it is read on its own, and masked by then)
        r"(?:\s+for\s+(?:the|our|my|this|a|that)\s+(?:new\s+)?(?:place|",
        "|".join(_PLACES),
        r")\b|(?=\s*(?:and|&|,)\s+(?:(?:we|i)\s+)?put\b))",
    ),
    _words(
        [rf"(?:bought|purchased)\s+(?:the|our|my|this|a|that)\s+(?:place|{'|'.join(_PLACES)})"],
        r"\s+(?:for|at)\s+",
        _QUAL,
        _AMT,
    ),
    _words(
        ["purchase", "home", "house", r"sales?", "asking", r"list(?:ing)?"],
        r"\s+price\s*(?:is|of|=|:)?\s*",
        _QUAL,
        _AMT,
    ),
)
LOAN = (
    _words(
        [
            r"borrow(?:ing)?",
            r"(?:loans?|mortgage|heloc)\s+(?:of|for|totall?ing|amount\s+of)",
            r"loan\s+amount\s*(?:of|is|:|=)?",
            r"needs?",
            r"financ(?:e|ing)",
            r"refinanc(?:e|ing)",
            "refi",
            r"balance\s+(?:of|is)",
            r"(?:remaining|current|outstanding|principal)\s+balance(?:\s+(?:is|of))?",
            r"(?:mortgage|loan|heloc)(?:\s+balance)?\s+(?:is|was|sits\s+at|stands\s+at)",
            r"ow(?:e|ing)",
        ],
        r"\s+(?:up\s+to\s+)?",
        _QUAL,
        _AMT,
        r"(?!\s*(?:down|a\s+month|per\s+month|/\s*mo|monthly))",
    ),
    _nums(
        _AMT,
        r"\s+(?:(?:new|used)\s+)?(?:(?:car|auto|vehicle|truck|personal|student|"
        r"home(?:\s+equity)?|house|debt\s+consolidation|equity)\s+)?(?:loan|mortgage|heloc|"
        r"line\s+of\s+credit|refi(?:nance)?)\b",
        r"(?!\s+(?:interest|insurance|payments?|tax(?:es)?)\b)",  # "9k mortgage interest"
    ),
    _nums(_AMT, r"\s+(?:(?:remaining|loan|mortgage|outstanding)\s+)?balance\b"),
)
_ACT = r"(?:\s+(?:a|an|the|my|our))?(?:\s+(?:new|used|first|starter))?\s+"
_BUY = [r"buy(?:ing)?", r"purchas(?:e|ing)", r"financ(?:e|ing)", "afford"]
TYPE_OVERRIDES = (
    ("refinance", _words([r"refi(?:nanc\w*)?\b"])),
    ("heloc", _words([r"heloc\b", r"home[- ]equity\b"])),
)
TYPE_STRONG = (
    ("student", _words([r"student\s+(?:loans?|debt)\b", r"(?:college|tuition|school)\s+loans?\b"])),
    (
        "auto",
        _words(
            [r"(?:car|auto|vehicle|truck|suv|motorcycle)\s+loans?\b", r"auto\s+financing"]
            + [b + _ACT + r"(?:car|vehicle|truck|suv)\b" for b in _BUY]
        ),
    ),
    ("personal", _words([r"personal\s+loans?\b", r"debt\s+consolidation\b"])),
    (
        "mortgage",
        _words(
            [r"mortgages?\b", r"home\s+loans?\b"]
            + [b + _ACT + r"(?:house|home|condo|townhouse|property)\b" for b in _BUY]
        ),
    ),
)
TYPE_WEAK = (
    # "home" of "take home" or "bring home" (pay) is not a house
    ("mortgage", _words([r"(?:house|home|condo|townhouse)\b(?<!take[\s-]home)(?<!bring\shome)"])),
    ("auto", _words([r"(?:car|auto|vehicle|truck)\b"])),
)
