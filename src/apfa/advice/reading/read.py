"""A question's text -> the facts it states (``advice.facts``), with where each came from.

Two passes over the same normalised text. The profile extractor (``advice.extraction``:
income, debt payments, score, price, down payment, rate, term, loan amount, loan type)
goes first; then every other quantity is given the role its surrounding words say
(``reading.roles``), plus the forms that need their own reading: ARM names and caps
(``5/1 ARM``, ``2/2/5 caps``), a payday fee per $100, several debts each with its APR.
Every rate and term stated is also kept in ``rates`` and ``terms_months``, in order, so
options can be compared. A figure the person stated is never replaced by a default; a
quantity no role claims is reported, not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from apfa.advice.extraction import extract_profile, normalise
from apfa.advice.reading.mileage import read_mileage
from apfa.advice.reading.quantities import Quantity, mask_names, scan
from apfa.advice.reading.roles import role_for
from apfa.advice.reading.spending import read_spending

WINDOW = 48
# A question states a few figures; past this many, the rest are not read (and said so), so
# no input, however long, can keep the event loop busy.
MAX_QUANTITIES = 40

_ARM = re.compile(r"\b(?P<fixed>\d{1,2})\s?/\s?(?P<adj>1|6|6mo)\s?(?:-?\s?month\s+)?arm\b", re.I)
_CAPS = re.compile(
    r"\b(?P<a>\d(?:\.\d+)?)\s?/\s?(?P<b>\d(?:\.\d+)?)\s?/\s?(?P<c>\d{1,2}(?:\.\d+)?)\s?"
    r"(?:rate\s+)?caps?\b"
    r"|\bcaps?\s+(?:are|is|of)\s+(?:a\s+)?"
    r"(?P<a2>\d(?:\.\d+)?)\s?/\s?(?P<b2>\d(?:\.\d+)?)\s?/\s?(?P<c2>\d{1,2}(?:\.\d+)?)\b",
    re.I,
)
_PAYDAY = re.compile(
    r"(?<![\d.,])\$?\s?(?P<fee>\d{1,4}(?:\.\d{1,2})?)\s+(?:fee\s+)?(?:for\s+every|per|for\s+each|on\s+every|for)"
    r"\s+\$?\s?(?P<per>\d{1,6}(?:\.\d{1,2})?)\s+(?:borrowed|loaned)?",
    re.I,
)
_DEBT = re.compile(
    r"(?<![\d.,])(?P<amount>\$\s?\d[\d,]{0,10}(?:\.\d{1,2})?\s?k?|\d[\d,]{0,10}(?:\.\d{1,2})?\s?k"
    r"|\d{1,3},\d{3}(?:,\d{3})?(?:\.\d{1,2})?|\d{3,}(?:\.\d{1,2})?)\s+(?:\w+\s+){0,3}?(?:at|@)\s*"
    r"(?P<apr>\d{1,2}(?:\.\d+)?)\s?%",
    re.I,
)
_MATCH = (
    re.compile(
        r"match(?:es|ing)?\s+(?P<rate>\d{1,3}(?:\.\d+)?)\s?(?:%|cents?\s+(?:on|per|for\s+every)\s+"
        r"(?:the\s+|each\s+|a\s+)?dollar)\s*,?\s*(?:of\s+(?:(?:my|your|the)\s+)?(?:contributions?"
        r"|deferrals?|what\s+(?:i|you|we)\s+(?:put\s+in|contribute|save|defer))\s*,?\s*)?"
        r"(?:up\s+to|on\s+the\s+first|of\s+the\s+first)\s+(?P<limit>\d{1,2}(?:\.\d+)?)\s?%",
        re.I,
    ),
    re.compile(
        r"(?P<rate>\d{1,3}(?:\.\d+)?)\s?%\s+match\s+(?:on|of|up\s+to)\s+(?:the\s+first\s+)?"
        r"(?P<limit>\d{1,2}(?:\.\d+)?)\s?%",
        re.I,
    ),
    re.compile(
        r"(?P<rate>dollar[- ]for[- ]dollar)\s+(?:match\s+)?(?:up\s+to|on\s+the\s+first)\s+"
        r"(?P<limit>\d{1,2}(?:\.\d+)?)\s?%",
        re.I,
    ),
)
_AMOUNT = (
    r"\$?\s?\d[\d,]*(?:\.\d{1,2})?(?:\s?k\b)?"
    r"(?:\s?(?:/\s?mo(?:nth)?\b|a\s+month|per\s+month|monthly))?"
)
# "debts are $650/mo student loans and $420 car": monthly debt payments listed, summed.
_LISTED_WORDS = r"(?:\s+(?!and\b|plus\b)[a-z]+){0,3}"
_DEBT_LIST = re.compile(
    r"\b(?:debts?|debt\s+payments?|monthly\s+payments?|bills|minimums?)\s+(?:are|is|of|:|include|=)?\s*"
    rf"(?:about\s+|around\s+)?(?:an?\s+)?(?P<items>{_AMOUNT}{_LISTED_WORDS}"
    rf"(?:\s*(?:,|and|\+|plus)\s*(?:an?\s+)?{_AMOUNT}{_LISTED_WORDS})+)",
    re.I,
)
_MONEY = r"\$?\s?\d[\d,]*(?:\.\d{1,2})?(?:\s?k\b)?"
# "1,200 on a 3k limit, 2,500 on a 5k limit, and 0 on a 2k": each card's balance and limit.
_ON_LIMIT = re.compile(
    rf"(?<![\w.,])(?P<balance>{_MONEY})\s+(?:on|of|out\s+of|/)\s+(?:an?\s+|the\s+|my\s+)?"
    rf"(?P<limit>{_MONEY})(?P<word>\s+(?:credit\s+)?(?:limit|line)\b)?",
    re.I,
)
# "origination 1,450, appraisal 650, title 2,100": labelled amounts, summed as closing costs
_ITEM = (
    r"(?<![a-z'/-])[a-z][a-z'/-]{0,24}(?:\s+[a-z][a-z'/-]{0,24})?\s*:?\s+"
    r"\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?"
    r"(?![\d,]*\s?(?:%|k\b))"
)
_ITEMS = re.compile(rf"{_ITEM}(?:\s*(?:,|;|\+|and)\s*{_ITEM}){{2,}}", re.I)
_COST_TALK = re.compile(r"\b(?:closing|loan\s+estimate|closing\s+disclosure|fees?|costs?)\b", re.I)
_ONE_AMOUNT = re.compile(r"\$?\s?(?P<n>\d[\d,]*(?:\.\d{1,2})?)\s?(?P<k>k)?", re.I)
_WORD_POINTS = re.compile(r"\b(?P<n>one|a|two|three|half\s+a)\s+(?:discount\s+)?points?\b", re.I)
_WORD_VALUES = {
    "one": Decimal(1),
    "a": Decimal(1),
    "two": Decimal(2),
    "three": Decimal(3),
    "half a": Decimal("0.5"),
}
_PLUS_MARGIN = re.compile(
    r"\b(?:prime|sofr|index)\s*(?:\+|plus)\s*(?P<margin>\d{1,2}(?:\.\d{1,3})?)\s?%?", re.I
)
_PAYDOWN = re.compile(
    r"\bpa(?:y|ying|id)\s+(?:off\s+|down\s+)?(?P<amount>\$?\d[\d,]*(?:\.\d+)?k?)\s+"
    r"(?:off|down|on|toward|towards)\s+(?:of\s+)?(?:the|my|that)\s+"
    r"(?:(?P<limit>\$?\d[\d,]*(?:\.\d+)?k?)(?:\s+limit)?\s+)?(?:credit\s+)?card\b",
    re.I,
)
# Amounts that the profile pass may take for a loan or a price but never are one.
_NEVER_A_LOAN = frozenset({"mortgage_interest_paid", "property_tax_annual", "withdrawal_amount"})
_PAY_PERIODS = (
    (re.compile(r"\b(?:every\s+(?:two|2|other)\s+weeks?|bi-?weekly|fortnightly)\b", re.I), 26),
    (re.compile(r"\b(?:twice\s+a\s+month|semi-?monthly|1st\s+and\s+15th)\b", re.I), 24),
    (re.compile(r"\bpaid\s+(?:every\s+week|weekly)\b", re.I), 52),
    (re.compile(r"\bpaid\s+(?:once\s+a\s+month|monthly)\b", re.I), 12),
)
_FILING = (
    (
        re.compile(
            r"\b(?:married|filing\s+jointly|joint(?:ly)?\s+return|mfj|my\s+(?:wife|husband|spouse))\b",
            re.I,
        ),
        "joint",
    ),
    (re.compile(r"\bhead\s+of\s+household\b", re.I), "head"),
    (re.compile(r"\b(?:single|not\s+married|unmarried)\b", re.I), "single"),
)
# "double it to 300", "bump my payment up to $450": the amount a follow-up changes a figure to.
_CHANGED_TO = re.compile(
    r"\b(?:double|triple|raise|increase|bump|boost|up|lower|cut|drop|reduce|change)\s+"
    r"(?:it|that|this|them|(?:the|my|our)\s+(?:monthly\s+)?(?:payments?|amount|contributions?))\s+"
    r"(?:up\s+|down\s+)?to\s+(?P<amount>\$?\d[\d,]*(?:\.\d{1,2})?k?)(?!\s?%|\d)",
    re.I,
)
_CARD_WORDS = re.compile(r"\b(?:credit\s?cards?|cards?|visa|mastercard|amex|discover)\b", re.I)
_LOAN_AT = re.compile(r"^\W*(?:loan\s+|mortgage\s+|balance\s+)?(?:at|@)\s*\d", re.I)

PROFILE_FACTS = {
    "annual_income": "annual_income",
    "monthly_debt_payments": "monthly_debt_payments",
    "credit_score": "credit_score",
    "loan_type": "loan_type",
    "loan_amount": "loan_amount",
    "home_price": "home_price",
    "down_payment": "down_payment",
    "interest_rate": "interest_rate",
}


@dataclass
class Reading:
    facts: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was read, and from where
    unread: list[str] = field(default_factory=list)  # quantities no role claimed

    def put(self, name: str, value: object, where: str) -> None:
        if name not in self.facts:
            self.facts[name] = value
            self.notes.append(f'{name} from "{where}"')

    def append(self, name: str, value: object) -> None:
        values = self.facts.setdefault(name, [])
        if isinstance(values, list) and value not in values:
            values.append(value)


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _snippet(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 12) : end + 12].split())[:80]


def _from_profile(reading: Reading, text: str) -> list[tuple[int, int]]:
    extracted = extract_profile(mask_names(text))  # "401k" is an account, not $401,000
    for name, value in extracted.fields.items():
        if name == "term_years" and isinstance(value, int):
            reading.put("term_months", value * 12, f"{value}-year term")
        elif name in PROFILE_FACTS:
            fact = PROFILE_FACTS[name]
            reading.put(fact, value if isinstance(value, str | int) else _decimal(value), name)
    if extracted.down_pct is not None:
        reading.put("down_payment_pct", extracted.down_pct, f"{extracted.down_pct}% down")
    return extracted.spans


def _inside(q: Quantity, spans: list[tuple[int, int]]) -> bool:
    return any(start <= q.start and q.end <= end for start, end in spans)


def _value(q: Quantity, fact: str) -> object:
    if q.kind == "duration":
        months = q.months or Decimal(0)
        if fact in ("fixed_years", "horizon_years"):
            return int(months / 12) if months % 12 == 0 else int(months // 12)
        if fact == "payday_days":
            return q.days or int(months * Decimal("30.4167"))
        if fact == "horizon_months":
            return int(months)
        if fact == "missed_payments":
            return int(months)  # whole monthly payments missed: two weeks late is none yet
        return int(months) if months == months.to_integral_value() else months
    if q.kind == "money" and q.per is not None:
        if fact == "annual_income":
            return q.value * q.per
        if q.per != 12 and fact.endswith(("monthly", "_payment", "rent", "expenses")):
            return (q.value * q.per / 12).quantize(Decimal("0.01"))
    if q.kind in ("number",) and fact in (
        "credit_score",
        "dependents",
        "family_size",
        "age",
        "missed_payments",
        "qualifying_payments",
    ):
        return q.whole
    return q.value


def _special_forms(reading: Reading, text: str) -> list[tuple[int, int]]:
    taken: list[tuple[int, int]] = []
    if arm := _ARM.search(text):
        reading.put("fixed_years", int(arm.group("fixed")), arm.group(0))
    if caps := _CAPS.search(text):
        first, later, life = (caps.group(n) or caps.group(n + "2") for n in ("a", "b", "c"))
        reading.put("initial_cap", Decimal(first), caps.group(0))
        reading.put("periodic_cap", Decimal(later), caps.group(0))
        reading.put("lifetime_cap", Decimal(life), caps.group(0))
        taken.append(caps.span())
    if "payday" in text.lower() and (payday := _PAYDAY.search(text)):
        reading.put("payday_fee", Decimal(payday.group("fee")), payday.group(0))
        reading.put("payday_amount", Decimal(payday.group("per")), payday.group(0))
        taken.append(payday.span())
    if paid := _PAYDOWN.search(text):
        reading.put("card_paydown", _amount(paid.group("amount")), paid.group(0))
        if paid.group("limit"):
            reading.put("paid_card_limit", _amount(paid.group("limit")), paid.group(0))
        taken.append(paid.span())
    for pattern, periods in _PAY_PERIODS:
        if found := pattern.search(text):
            reading.put("pay_periods", periods, found.group(0))
            break
    for pattern, status in _FILING:
        if found := pattern.search(text):
            reading.put("filing_status", status, found.group(0))
            break
    if spending := read_spending(text):
        reading.put("monthly_expenses", spending.total, "the spending listed")
        reading.put("needs_monthly", spending.needs, "the needs listed")
        reading.put("wants_monthly", spending.wants, "the wants listed")
        taken.extend(spending.spans)
    mileage = read_mileage(text)
    for name, value in mileage.facts.items():
        reading.put(name, value, "the lease's miles")
    taken.extend(mileage.spans)
    if changed := _CHANGED_TO.search(text):
        reading.put("changed_amount", _amount(changed.group("amount")), changed.group(0))
        taken.append(changed.span())
    if plus := _PLUS_MARGIN.search(text):
        reading.put("margin", Decimal(plus.group("margin")), plus.group(0))
        taken.append(plus.span())
    for pattern in _MATCH:
        if found := pattern.search(text):
            raw = found.group("rate")
            rate = Decimal(100) if raw.lower().startswith("dollar") else Decimal(raw)
            reading.put("match_rate_pct", rate, found.group(0))
            reading.put("employer_match_pct", Decimal(found.group("limit")), found.group(0))
            taken.append(found.span())
            break
    _debts(reading, text)
    if listed := _DEBT_LIST.search(text):
        amounts = [
            _amount(m.group("n") + (m.group("k") or ""))
            for m in _ONE_AMOUNT.finditer(listed.group("items"))
        ]
        if len(amounts) >= 2:
            reading.facts["monthly_debt_payments"] = sum(amounts, Decimal(0))
            for name in ("loan_amount", "car_price", "home_price", "card_balance"):
                if reading.facts.get(name) in amounts:  # a listed payment, not a loan
                    del reading.facts[name]
            reading.notes.append(f'monthly_debt_payments: the sum of "{listed.group("items")}"')
            taken.append(listed.span("items"))
    _card_limits(reading, text, taken)
    _itemised_costs(reading, text, taken)
    if points := _WORD_POINTS.search(text):
        word = " ".join(points.group("n").lower().split())
        reading.put("points", _WORD_VALUES[word], points.group(0))
    return taken


def _itemised_costs(reading: Reading, text: str, taken: list[tuple[int, int]]) -> None:
    listed = _ITEMS.search(text)
    if listed is None or not _COST_TALK.search(text):
        return
    amounts = [
        _amount(m.group("n")) for m in _ONE_AMOUNT.finditer(listed.group(0)) if not m.group("k")
    ]
    reading.facts["closing_costs"] = sum(amounts, Decimal(0))
    reading.notes.append(f'closing_costs: the sum of "{listed.group(0)}"')
    taken.append(listed.span())


def _card_limits(reading: Reading, text: str, taken: list[tuple[int, int]]) -> None:
    pairs = list(_ON_LIMIT.finditer(text))
    if not any(p.group("word") for p in pairs):
        return
    cards = [
        {"balance": _amount(p.group("balance")), "limit": _amount(p.group("limit"))} for p in pairs
    ]
    cards = [c for c in cards if c["limit"] > 0]
    if len(cards) == 1:
        reading.put("card_balance", cards[0]["balance"], pairs[0].group(0))
        reading.put("credit_limit", cards[0]["limit"], pairs[0].group(0))
    elif cards:
        reading.facts.setdefault("card_limits", cards)
        reading.notes.append(f"card_limits: {len(cards)} cards with their limits")
    taken.extend(p.span() for p in pairs)


def _amount(raw: str) -> Decimal:
    cleaned = raw.replace("$", "").replace(",", "").strip().lower()
    if cleaned.endswith("k"):
        return Decimal(cleaned[:-1].strip()) * 1000
    return Decimal(cleaned)


def _debts(reading: Reading, text: str) -> None:
    """Two or more "<balance> at <apr>%" pairs about cards or debts: a list of debts."""
    pairs = list(_DEBT.finditer(text))
    if len(pairs) < 2:
        return
    debts = [
        {"balance": _amount(m.group("amount")), "apr": Decimal(m.group("apr"))}
        for m in pairs
        if _amount(m.group("amount")) > 0
    ]
    if len(debts) >= 2:
        reading.facts.setdefault("debts", debts)
        reading.notes.append(f"debts: {len(debts)} balances with their APRs")


_LOAN_FACTS = frozenset({"loan_amount", "loan_balance", "term_months", "interest_rate", "new_rate"})
# "84 months vs 60", "is 72 months too long compared to 48": two terms in months
_MONTHS_PAIR = re.compile(
    r"(?<![\d.,])\b(?P<a>\d{1,3})\s*-?\s*(?:months?|mos?)\b[^.?!]{0,40}?\b(?:vs\.?|versus|or|compared\s+(?:to|with))\s+"
    r"(?:a\s+)?(?P<b>\d{1,3})\b(?!\s*(?:%|k\b|years?|yrs?|\.\d|,\d))",
    re.I,
)
_TERM_PAIR = re.compile(
    r"(?<![\d.,])\b(?P<a>\d{1,2})\s*(?:-?\s*(?:yrs?|years?))?\s*(?:vs\.?|versus|or|and|/)\s*"
    r"(?:a\s+)?(?P<b>\d{1,2})\s*-?\s*(?:yrs?|years?)\b",
    re.I,
)


def _term_pairs(reading: Reading, text: str) -> None:
    """ "15 vs 30 year", "15 or 30 yr": two terms to compare."""
    for found in _TERM_PAIR.finditer(text):
        for group in ("a", "b"):
            years = int(found.group(group))
            if 1 <= years <= 50:
                reading.append("terms_months", years * 12)
    for found in _MONTHS_PAIR.finditer(text):
        for group in ("a", "b"):
            months = int(found.group(group))
            if 3 <= months <= 600:
                reading.append("terms_months", months)


def read_facts(question: str, known: Collection[str] = ()) -> Reading:
    """Facts stated in ``question``; never raises. ``known``: the facts a conversation already
    has; a question in a thread about a loan is about that loan ("and 60 months instead?")."""
    text = normalise(question)
    loan_thread = any(name in _LOAN_FACTS for name in known)
    reading = Reading()
    try:
        spans = _from_profile(reading, text)
        claimed = _special_forms(reading, text)
        _term_pairs(reading, text)
        quantities = [_as_rate(q, text) for q in scan(text)]
        for q in quantities[:MAX_QUANTITIES]:
            _place(reading, text, q, spans, claimed, loan_thread)
        _transfer_fee(reading, text)
        _settle_rates(reading)
        _car_not_home(reading, text)
        _take_home_not_gross(reading)
        if len(quantities) > MAX_QUANTITIES:
            reading.notes.append(f"only the first {MAX_QUANTITIES} figures were read")
    except Exception as exc:  # reading is best effort; the answer says what it used
        reading.notes.append(f"reading stopped early ({type(exc).__name__})")
    return reading


_RATE_TALK = re.compile(
    r"\b(?:rates?|apr|interest|points?|arm|fixed|mortgage|refi\w*|quoted?|heloc|loan|"
    r"\d{1,2}[- ]?(?:yrs?|years?))\b|%",
    re.I,
)
_RATE_CUE = re.compile(r"(?:\b(?:at|from|to|vs\.?|versus|or|rate(?:\s+is)?|@)\s*)$", re.I)


def _as_rate(q: Quantity, text: str) -> Quantity:
    """A bare decimal in talk of rates ("go from 6.75 to 6.25", "at 6.5 on a 30yr") is a
    rate written without its percent sign."""
    if (
        q.kind != "number"
        or q.ranged
        or not Decimal("0.5") <= q.value <= 25
        or q.value == q.value.to_integral_value()
        or not _RATE_TALK.search(text)
        or not _RATE_CUE.search(text[max(0, q.start - 12) : q.start])
    ):
        return q
    return Quantity("percent", q.value, q.start, q.end)


def _place(
    reading: Reading,
    text: str,
    q: Quantity,
    spans: list[tuple[int, int]],
    claimed: list[tuple[int, int]],
    loan_thread: bool = False,
) -> None:
    """Give ``q`` its role. ``claimed``: read by a special form, nothing more to do;
    ``spans``: read by the profile pass, which a specific (strong) role can add to."""
    before = text[max(0, q.start - WINDOW) : q.start]
    after = text[q.end : q.end + WINDOW]
    if q.kind == "percent":
        _note_rate(reading, q, before, after)
    if q.kind == "duration" and q.months:
        _note_term(reading, q, before, after)
    if _inside(q, claimed):
        return
    if _inside(q, spans):
        # the profile pass read it (as a rate, a term...); a specific role is kept too
        role = role_for(q.kind, before, after, monthly=q.per == 12)
        if role is not None and role.strong:
            value = _value(q, role.fact)
            reading.put(role.fact, value, _snippet(text, q.start, q.end))
            for general in ("loan_amount", "home_price", "car_price"):
                if role.fact in _NEVER_A_LOAN and reading.facts.get(general) == value:
                    del reading.facts[general]  # "9k mortgage interest" is not a 9k loan
        return
    if q.kind == "duration" and q.days is not None:
        reading.put("payday_days", q.days, _snippet(text, q.start, q.end))
        return
    role = role_for(q.kind, before, after, monthly=q.per == 12)
    fact = role.fact if role is not None else _about_a_loan(reading, text, q, after, loan_thread)
    if fact == "horizon_years" and q.kind == "duration" and (q.months or 0) < 12:
        fact = "horizon_months"  # "in 10 months": less than a year is kept in months
    if fact is None:
        if q.kind != "number" or q.value >= 10:
            reading.unread.append(_snippet(text, q.start, q.end))
        return
    if fact == "apr" and "interest_rate" not in reading.facts and not _CARD_WORDS.search(text):
        fact = "interest_rate"
    reading.put(fact, _value(q, fact), _snippet(text, q.start, q.end))


@lru_cache(maxsize=16)
def _talks_of_loans(text: str) -> bool:
    return _LOAN_WORDS.search(text) is not None


def _about_a_loan(
    reading: Reading, text: str, q: Quantity, after: str, loan_thread: bool = False
) -> str | None:
    """A quantity no cue claims, in a question about a loan: its amount, rate or term."""
    if q.kind == "money" and _LOAN_AT.search(after):
        return "loan_amount"
    if not loan_thread and not _talks_of_loans(text):
        return None
    if q.kind == "percent" and q.value <= 30:
        before = text[max(0, q.start - 24) : q.start]
        if _NOT_RATE_BEFORE.search(before) or _NOT_RATE.search(after):
            return None  # a down payment, a match, a cap: not the loan's rate
        return "interest_rate"
    known = "loan_amount" in reading.facts or "loan_balance" in reading.facts
    if q.kind == "money" and q.per is None and not known:
        return "loan_amount"
    months = q.months or Decimal(0)
    if q.kind == "duration" and 12 <= months <= 600 and months % 12 == 0:
        return "term_months"
    return None


_TRANSFER = re.compile(r"\b(?:balance\s+transfer|transfer\s+card|bt\s+card)\b", re.I)
_ORIGINATION = re.compile(r"\b(?:origination|personal\s+loan\s+fee|loan\s+fee)\b", re.I)
_PERCENT_FEE = re.compile(
    r"(?P<n>\d{1,2}(?:\.\d+)?)\s?%\s+(?:balance\s+)?(?:transfer\s+)?fee\b"
    r"|\bfee\s+(?:of|is)\s+(?P<m>\d{1,2}(?:\.\d+)?)\s?%",
    re.I,
)


def _transfer_fee(reading: Reading, text: str) -> None:
    """ "a balance transfer with a 3% fee": the fee is the transfer's, not a loan's."""
    fee = reading.facts.get("fee_pct")
    if not _TRANSFER.search(text) or _ORIGINATION.search(text):
        return
    if fee is not None:
        reading.facts.setdefault("transfer_fee_pct", reading.facts.pop("fee_pct"))
    balance = reading.facts.get("loan_balance")
    if balance is not None and "card_balance" not in reading.facts:
        reading.facts["card_balance"] = reading.facts.pop("loan_balance")
    stated = _PERCENT_FEE.search(text)
    if stated is None or "transfer_fee_pct" in reading.facts:
        return
    value = Decimal(stated.group("n") or stated.group("m"))
    reading.facts["transfer_fee_pct"] = value
    for name in ("apr", "interest_rate"):
        if reading.facts.get(name) == value:
            del reading.facts[name]
    rates = reading.facts.get("rates")
    if isinstance(rates, list) and value in rates:
        rates.remove(value)
        if not rates:
            del reading.facts["rates"]


_CAR_TALK = re.compile(r"\b(?:car|truck|suv|vehicle|trade[- ]?in|dealer\w*)\b", re.I)
_HOME_TALK = re.compile(r"\b(?:house|home|condo|mortgage|property|townhouse)\b", re.I)


def _car_not_home(reading: Reading, text: str) -> None:
    """ "my trade in is only worth 13k": in talk of cars, a value is the car's."""
    value = reading.facts.get("home_value")
    if value is None or not _CAR_TALK.search(text) or _HOME_TALK.search(text):
        return
    del reading.facts["home_value"]
    reading.facts.setdefault("trade_in_value", value)


def _take_home_not_gross(reading: Reading) -> None:
    """ "We bring home $6,800/mo after tax": take-home pay, not a gross income of $81,600."""
    take_home = reading.facts.get("take_home_monthly")
    if isinstance(take_home, Decimal) and reading.facts.get("annual_income") == take_home * 12:
        del reading.facts["annual_income"]


def _settle_rates(reading: Reading) -> None:
    """The first rate stated is taken as the loan's; when it is a card's APR and a new loan's
    rate is stated too ("on my card at 24%, or a personal loan at 12%"), the loan's is that."""
    facts = reading.facts
    apr, new = facts.get("apr"), facts.get("new_rate")
    if apr is not None and new is not None and facts.get("interest_rate") == apr:
        facts["interest_rate"] = new


_NOT_RATE = re.compile(
    r"^\W*(?:down|match|fee|transfer|origination|cap|of\s+(?:my|your|the|pay|salary|income|"
    r"the\s+(?:price|loan|balance)|what))|^\W*(?:in|into|to)\s+(?:my\s+)?(?:401|ira|retirement)"
    # one of a list of down payments: "3%, 10% and 20% down"
    r"|^(?:\s*(?:,|and|or|vs\.?|versus)?\s*\d{1,2}(?:\.\d+)?\s?%)+\s*down\b",
    re.I,
)
_NOT_RATE_BEFORE = re.compile(
    r"(?:match\w*|up\s+to|cap\w*|margin|index|lifetime|contribut\w*|pmi|mip|dti|"
    r"down\s+(?:vs\.?|versus|or|and))(?:\s+(?:is|of|at|was|=|quote\s+is))?\W*$",
    re.I,
)


def _note_rate(reading: Reading, q: Quantity, before: str, after: str) -> None:
    """Every rate stated, in order: options to compare."""
    if q.value > 40 or _NOT_RATE.search(after) or _NOT_RATE_BEFORE.search(before[-24:]):
        return
    reading.append("rates", q.value)


_TERM_CUE = re.compile(
    r"^\W*(?:fixed|mortgage|loan|term|arm|note|refi|auto|car|personal|heloc|amortization|vs\b|versus|"
    r"(?:at|@)\s*\d)",
    re.I,
)
_TERM_BEFORE = re.compile(
    r"(?:(?:^|over|for|term\s+of|vs\.?|versus|or|and|a|an)\W*|\d\s?%\s*,?\s*)$", re.I
)
_LOAN_WORDS = re.compile(
    r"\b(?:loan|mortgage|heloc|refi\w*|apr|borrow\w*|financ\w*|quotes?|rate|payment|"
    r"\d{1,2}[- ]?(?:yrs?|years?)\s+(?:fixed|term|arm|loan|mortgage|on))\b",
    re.I,
)


def _note_term(reading: Reading, q: Quantity, before: str, after: str) -> None:
    months = q.months or Decimal(0)
    if months < 3 or months > 600 or months != months.to_integral_value():
        return
    if _TERM_CUE.search(after) or _TERM_BEFORE.search(before):
        reading.append("terms_months", int(months))
