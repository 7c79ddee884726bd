"""Free text -> ``LoanProfile`` fields, with regular expressions. Pure, fast, never raises.

``extract_profile(text).fields`` uses exactly the ``apfa.finance.LoanProfile`` field names:
money as ``float`` (cents), ``interest_rate`` as a percent ``float``, ``credit_score`` and
``term_years`` as ``int``, ``loan_type`` as one of mortgage | auto | personal | student | heloc |
refinance. ``matches`` explains every value read (and every value ignored), e.g.
``'annual_income=85000 from "make $85k a year"'``.

Rules worth knowing:

* Amounts: ``$85,000``, ``85000``, ``$85k``, ``85K``, ``85 grand``, ``$1.2 million``, ``1.5m``.
* Income without a period is annual; ``a month``/``monthly`` x12, ``a week`` x52,
  ``biweekly`` x26, ``an hour`` x2080.
* Debt payments are monthly and summed across phrases ("car payment of $450 and $200 a month in
  credit card payments" -> 650); a yearly figure is divided by 12.
* ``N% down`` becomes ``down_payment = home_price * N%`` (or, with only a loan amount, the home
  price is derived as ``loan / (1 - N%)``).
* Ranges: credit score 300-850, rate 0-30 (percent), term 1-50 years (months must be whole
  years), money 0 to 1e12. Out-of-range values are skipped and reported in ``matches``.
* The first value read for a field wins; later different values are reported and dropped.
* Loan type: refinance and HELOC words win (they qualify a mortgage); otherwise the earliest
  explicit phrase ("car loan", "buy a house", "mortgage", "student loan", "personal loan"), then
  the earliest bare keyword (house/home/condo -> mortgage, car/auto/vehicle -> auto). Words inside
  a debt-payment or income phrase ("my car payment is $450") do not count.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

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

FieldValue = float | int | str

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_QUAL = (
    r"(?:(?:about|around|roughly|approximately|approx\.?|nearly|almost|just\s+over|over|"
    r"under|~)\s*)?"
)
_PUNCT = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
    "\u2014": "-", "\u2015": "-", "\u2212": "-",
})  # fmt: skip
_SUFFIX = {"k": 3, "thousand": 3, "grand": 3, "m": 6, "mm": 6, "mil": 6, "million": 6,
           "bn": 9, "billion": 9}  # fmt: skip
_PERIODS = (("bi", 26), ("hour", 2080), ("hr", 2080), ("week", 52), ("wk", 52), ("mo", 12))


_AMT = (  # a money amount: digits in group "a", suffix in "a_s" (85k, 1.5m) or "a_w" (million)
    r"(?:\$\s?|usd\s?)?(?<![\w.,])(?P<a>\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,2})?|\d{1,12}"
    r"(?:\.\d{1,4})?)(?!\d)(?!,\d)(?!\.\d)(?!\s*(?:%|percent|per\s*cent))(?:(?P<a_s>k|mm|m|bn)"
    r"(?![a-z])|\s?(?P<a_w>thousand|grand|million|mil|billion)\b)?(?:\s?(?:dollars|bucks|usd)\b)?"
)
_PER = (  # a period: group "per"
    r"(?P<per>(?:a|an|per|each|every|/)\s*(?:year|yr|annum|month|mo|week|wk|hour|hr)\b"
    r"|annually|yearly|monthly|weekly|bi-?weekly|hourly|p/?a\b)"
)


@dataclass(frozen=True)
class _Rule:
    """Regexes tried either at every occurrence of their leading word(s) or at every number.

    Word rules compile one regex per lead so each starts with a literal (fast search), and a
    match only counts at a word boundary; number rules are anchored at number positions.
    """

    regexes: tuple[re.Pattern[str], ...]
    at_numbers: bool


def _words(leads: Sequence[str], *body: str) -> _Rule:
    tail = "".join(body)
    return _Rule(tuple(re.compile(lead + tail, re.ASCII) for lead in leads), at_numbers=False)


def _nums(*body: str) -> _Rule:
    return _Rule((re.compile("".join(body), re.ASCII),), at_numbers=True)


_OPT_PER = rf"(?:\s*{_PER})?"
_NUMBER_START = re.compile(r"\$|usd|(?<![\d,.$])\d", re.ASCII)
_INCOME = (
    _words(
        [
            r"mak(?:e|es|ing)",
            r"earn(?:s|ing)?",
            r"gross(?:ing)?",
            r"bring\s+(?:in|home)",
            r"take\s+home",
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
            r"take[- ]home\s+pay\b",
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
_DEBTS = (
    _nums(
        _AMT,
        r"\s*",
        _PER,
        r"\s+(?:(?:in|of|for|on|towards?)\s+)?",
        _ADJ,
        r"(?:debt\s+payments?|debts?|payments?|bills|credit\s+cards?|car\s+loans?|loans?|"
        r"student\s+loans?)\b",
    ),
    _nums(_AMT, r"\s+(?:(?:in|of)\s+)?", _ADJ, _PAY_NOUN, r"\b", _OPT_PER),
    _words(_PAY_LEADS, r"\s+payments?\b", _IS, _QUAL, _AMT, _OPT_PER),
    _words([r"monthly\s+debts?(?:\s+payments?)?\b"], _IS, _QUAL, _AMT),
    _words([r"debts?\b"], _IS, _QUAL, _AMT, r"\s*", _PER),
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
_CREDIT = (
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
_RATE = (
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
_TERM = (
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
_DOWN_WORDS = r"(?:down\s+payment|down\b|as\s+(?:a\s+)?down\s+payment)"
_DOWN_OF = r"\s*(?:of|is|will\s+be|:|=|around|about)?\s*"
_DOWN_PCT = (
    _nums(_PCT, r"\s*", _DOWN_WORDS),
    _words([r"down\s+payment"], _DOWN_OF, _QUAL, _PCT),
)
_DOWN_AMT = (
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
_HOME = (
    _nums(
        _AMT,
        r"\s+(?:(?:new|first|starter|dream|single[- ]family)\s+)?(?:",
        "|".join(_PLACES),
        r")\b(?!\s+(?:loan|equity|mortgage))",
    ),
    _words(
        _PLACES,
        r"\s+(?:that\s+)?(?:is\s+)?(?:for|of|at|costs?|costing|priced\s+at|"
        r"listed\s+at|worth|valued\s+at|appraised\s+at|around|about|under)\s+",
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
_LOAN = (
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
    ),
    _nums(_AMT, r"\s+(?:(?:remaining|loan|mortgage|outstanding)\s+)?balance\b"),
)
_ACT = r"(?:\s+(?:a|an|the|my|our))?(?:\s+(?:new|used|first|starter))?\s+"
_BUY = [r"buy(?:ing)?", r"purchas(?:e|ing)", r"financ(?:e|ing)", "afford"]
_TYPE_OVERRIDES = (
    ("refinance", _words([r"refi(?:nanc\w*)?\b"])),
    ("heloc", _words([r"heloc\b", r"home[- ]equity\b"])),
)
_TYPE_STRONG = (
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
_TYPE_WEAK = (
    ("mortgage", _words([r"(?:house|home|condo|townhouse)\b"])),
    ("auto", _words([r"(?:car|auto|vehicle|truck)\b"])),
)


@dataclass(frozen=True)
class ExtractedProfile:
    """``fields`` keyed by ``LoanProfile`` field names; ``matches`` says what was read."""

    fields: dict[str, FieldValue] = field(default_factory=dict)
    matches: list[str] = field(default_factory=list)


def _money(m: re.Match[str]) -> Decimal:
    value = Decimal(m.group("a").replace(",", ""))
    suffix = (m.group("a_s") or m.group("a_w") or "").lower()
    return value.scaleb(_SUFFIX.get(suffix, 0))


def _period_factor(m: re.Match[str]) -> int | None:
    """Periods per year for the matched period phrase, ``None`` when there is none."""
    text = (m.groupdict().get("per") or "").lower()
    if not text:
        return None
    return next((factor for key, factor in _PERIODS if key in text), 1)


def _fmt(value: FieldValue) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = text.translate(_ASCII_LOWER)  # same length, so spans line up
        self.numbers = [m.start() for m in _NUMBER_START.finditer(self.masked)]
        self.fields: dict[str, FieldValue] = {}
        self.matches: list[str] = []

    def snippet(self, m: re.Match[str]) -> str:
        return " ".join(self.text[m.start() : m.end()].split())[:80]

    def consume(self, m: re.Match[str]) -> None:
        start, end = m.span()
        self.masked = self.masked[:start] + " " * (end - start) + self.masked[end:]

    def find(self, rule: _Rule) -> list[re.Match[str]]:
        """Non-overlapping matches of one rule, earliest first."""
        text, found = self.masked, list[re.Match[str]]()
        if rule.at_numbers:
            regex, end = rule.regexes[0], -1
            for pos in self.numbers:
                if pos >= end and (m := regex.match(text, pos)):
                    found.append(m)
                    end = m.end()
            return found
        for regex in rule.regexes:
            found.extend(
                m
                for m in regex.finditer(text)
                if m.start() == 0 or not text[m.start() - 1].isalnum()
            )
        found.sort(key=lambda m: m.start())
        result, end = list[re.Match[str]](), -1
        for m in found:
            if m.start() >= end:
                result.append(m)
                end = m.end()
        return result

    def scan(self, rules: Iterable[_Rule]) -> list[re.Match[str]]:
        """Matches of ``rules`` (earlier rules win overlaps), consumed, in text order."""
        found: list[re.Match[str]] = []
        taken = bytearray(len(self.masked))
        for rule in rules:
            for m in self.find(rule):
                start, end = m.span()
                if taken.find(1, start, end) == -1:
                    found.append(m)
                    taken[start:end] = b"\x01" * (end - start)
        found.sort(key=lambda m: m.start())
        for m in found:
            self.consume(m)
        return found

    def first(self, rule: _Rule) -> re.Match[str] | None:
        found = self.find(rule)
        return found[0] if found else None

    def put(self, name: str, value: FieldValue, m: re.Match[str]) -> None:
        if name in MONEY_FIELDS and isinstance(value, float) and value > MAX_MONEY:
            self.reject(name, _fmt(value), m, "implausibly large")
            return
        where = f'from "{self.snippet(m)}"'
        if name not in self.fields:
            self.fields[name] = value
            self.matches.append(f"{name}={_fmt(value)} {where}")
        elif self.fields[name] != value:
            self.matches.append(f"also read {name}={_fmt(value)} {where}; kept the first value")

    def reject(self, name: str, raw: str, m: re.Match[str], why: str) -> None:
        self.matches.append(f'ignored {name}={raw} from "{self.snippet(m)}": {why}')

    def each(
        self,
        name: str,
        rules: Iterable[_Rule],
        convert: Callable[[re.Match[str]], FieldValue | None],
    ) -> None:
        for m in self.scan(rules):
            value = convert(m)
            if value is not None:
                self.put(name, value, m)


def _cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _read_income(r: _Reader) -> None:
    def convert(m: re.Match[str]) -> FieldValue:
        factor = _period_factor(m)
        if factor is None:
            pre = (m.groupdict().get("pre") or "").lower()
            factor = 12 if pre == "monthly" else 1
        return _cents(_money(m) * factor)

    r.each("annual_income", _INCOME, convert)


def _read_debts(r: _Reader) -> None:
    """Sum every debt-payment phrase (a phrase repeated word for word is counted once)."""
    total, parts = Decimal(0), list[str]()
    for m in r.scan(_DEBTS):
        snippet = r.snippet(m)
        if snippet.lower() in (p.lower() for p in parts):
            r.matches.append(f'counted "{snippet}" once although it appears again')
            continue
        total += _money(m) * (_period_factor(m) or 12) / 12
        parts.append(snippet)
    quoted = " + ".join(f'"{p}"' for p in parts)
    if parts and total > MAX_MONEY:
        r.matches.append(f"ignored monthly_debt_payments from {quoted}: implausibly large")
    elif parts:
        r.fields["monthly_debt_payments"] = _cents(total)
        r.matches.append(f"monthly_debt_payments={_fmt(_cents(total))} from {quoted}")


def _read_credit(r: _Reader) -> None:
    def convert(m: re.Match[str]) -> FieldValue | None:
        score = int(m.group("n"))
        if CREDIT_RANGE[0] <= score <= CREDIT_RANGE[1]:
            return score
        r.reject("credit_score", str(score), m, "outside 300-850")
        return None

    r.each("credit_score", _CREDIT, convert)


def _read_rate(r: _Reader) -> None:
    def convert(m: re.Match[str]) -> FieldValue | None:
        rate = Decimal(m.group("r"))
        if RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
            return float(rate)
        r.reject("interest_rate", m.group("r"), m, "outside 0-30%")
        return None

    r.each("interest_rate", _RATE, convert)


def _read_term(r: _Reader) -> None:
    def convert(m: re.Match[str]) -> FieldValue | None:
        n, unit = int(m.group("n")), m.group("u").lower()
        if unit.startswith("m"):
            if n % 12:
                r.reject("term_years", f"{n} months", m, "not a whole number of years")
                return None
            n //= 12
        if TERM_RANGE[0] <= n <= TERM_RANGE[1]:
            return n
        r.reject("term_years", str(n), m, "outside 1-50 years")
        return None

    r.each("term_years", _TERM, convert)


def _read_down_and_home(r: _Reader) -> Decimal | None:
    """Home price and down payment; returns a down-payment percent still to resolve."""
    r.each("down_payment", _DOWN_AMT, lambda m: _cents(_money(m)))
    pct: Decimal | None = None
    for m in r.scan(_DOWN_PCT):
        value = Decimal(m.group("r"))
        if value > 100:
            r.reject("down_payment", f"{value}%", m, "more than 100%")
        elif pct is None:
            pct = value
            r.matches.append(f'down payment {_fmt(float(value))}% from "{r.snippet(m)}"')
    r.each("home_price", _HOME, lambda m: _cents(_money(m)))
    return pct


def _resolve_percent(r: _Reader, pct: Decimal) -> None:
    fields = r.fields
    if "down_payment" in fields:
        r.matches.append("kept the down payment amount over the percentage")
        return
    price = fields.get("home_price")
    loan = fields.get("loan_amount")
    if isinstance(price, float):
        fields["down_payment"] = _cents(Decimal(str(price)) * pct / 100)
        r.matches.append(
            f"down_payment={_fmt(fields['down_payment'])} = {_fmt(float(pct))}% "
            f"of home_price={_fmt(price)}"
        )
    elif isinstance(loan, float) and pct < 100 and loan / (1 - float(pct) / 100) <= MAX_MONEY:
        home = Decimal(str(loan)) / (1 - pct / 100)
        fields["home_price"] = _cents(home)
        fields["down_payment"] = _cents(home - Decimal(str(loan)))
        r.matches.append(
            f"home_price={_fmt(fields['home_price'])} derived from loan_amount="
            f"{_fmt(loan)} with {_fmt(float(pct))}% down"
        )
    else:
        r.matches.append(f"{_fmt(float(pct))}% down noted, but no home price to apply it to")


def _read_loan_type(r: _Reader) -> None:
    for kind, rule in _TYPE_OVERRIDES:
        if m := r.first(rule):
            r.put("loan_type", kind, m)
            return
    for group in (_TYPE_STRONG, _TYPE_WEAK):
        hits = [(m.start(), kind, m) for kind, rule in group if (m := r.first(rule))]
        if hits:
            _, kind, m = min(hits, key=lambda h: h[0])
            r.put("loan_type", kind, m)
            return


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_PUNCT)


def _extract(text: str) -> ExtractedProfile:
    r = _Reader(_normalise(text[:MAX_CHARS])[:MAX_CHARS])
    if len(text) > MAX_CHARS:
        r.matches.append(f"only the first {MAX_CHARS} characters were read")
    _read_debts(r)
    _read_income(r)
    type_text = r.masked  # loan-type words inside debt or income phrases do not count
    pct = _read_down_and_home(r)
    _read_credit(r)
    _read_rate(r)
    _read_term(r)
    r.each("loan_amount", _LOAN, lambda m: _cents(_money(m)))
    if pct is not None:
        _resolve_percent(r, pct)
    r.masked = type_text
    _read_loan_type(r)
    return ExtractedProfile(fields=r.fields, matches=r.matches)


def extract_profile(text: str) -> ExtractedProfile:
    """Read loan-profile fields from free text; never raises (bad input gives no fields)."""
    if not isinstance(text, str):
        return ExtractedProfile(matches=["input is not text; nothing read"])
    try:
        return _extract(text)
    except Exception as exc:  # the contract is "never raises"; tests assert this path is unused
        return ExtractedProfile(matches=[f"extraction failed ({type(exc).__name__}); nothing read"])
