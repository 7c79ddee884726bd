"""A question's text -> the facts it states (``advice.facts``), with where each came from.

Two passes over the same normalised text. The profile extractor (``advice.extraction``:
income, debt payments, score, price, down payment, rate, term, loan amount, loan type)
goes first; then the forms that need their own reading (``reading.forms``: ARM names and
caps, a payday fee per $100, several debts each with its APR...); then every other quantity
is given the role its surrounding words say (``reading.roles``).
Every rate and term stated is also kept in ``rates`` and ``terms_months``, in order, so
options can be compared. A figure the person stated is never replaced by a default; a
quantity no role claims is reported, not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal
from functools import lru_cache

from apfa.advice.extraction import extract_profile, normalise
from apfa.advice.reading import passes
from apfa.advice.reading.forms import special_forms, term_pairs
from apfa.advice.reading.quantities import Quantity, mask_names, scan
from apfa.advice.reading.result import Reading
from apfa.advice.reading.roles import role_for
from apfa.advice.reading.spoken import expand_shorthand

WINDOW = 48
# A question states a few figures; past this many, the rest are not read (and said so), so
# no input, however long, can keep the event loop busy.
MAX_QUANTITIES = 40

# Amounts that the profile pass may take for a loan or a price but never are one.
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
        if fact == "missed_payments":  # whole monthly payments missed: two weeks late is none yet
            return q.days // 30 if q.days is not None else int(months)
        return int(months) if months == months.to_integral_value() else months
    if q.kind == "money" and q.per is not None:
        if fact == "annual_income" or fact.endswith("_annual"):
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


_BARE_PERCENT_FACTS = frozenset({"max_dti"})
_LOAN_FACTS = frozenset({"loan_amount", "loan_balance", "term_months", "interest_rate", "new_rate"})


def read_facts(question: str, known: Collection[str] = ()) -> Reading:
    """Facts stated in ``question``; never raises. ``known``: the facts a conversation already
    has; a question in a thread about a loan is about that loan ("and 60 months instead?")."""
    text = expand_shorthand(normalise(question))
    loan_thread = any(name in _LOAN_FACTS for name in known)
    # a thread that knows a percent a bare one can replace ("what if they go up to 43 percent")
    percent_thread = any(name in known for name in _BARE_PERCENT_FACTS)
    reading = Reading()
    try:
        spans = _from_profile(reading, text)
        claimed = special_forms(reading, text, "lease_payment" in known)
        term_pairs(reading, text)
        quantities = [_as_rate(q, text) for q in scan(text)]
        for q in quantities[:MAX_QUANTITIES]:
            _place(reading, text, q, spans, claimed, loan_thread, percent_thread)
        passes.transfer_fee(reading, text)
        _settle_rates(reading)
        passes.car_not_home(reading, text)
        passes.home_not_car(reading)
        passes.owed_on_a_trade_in(reading)
        passes.price_cost_percents(reading)
        passes.cashing_out_the_balance(reading, text)
        passes.costs_financed(reading, text)
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
_RATE_CUE = re.compile(
    r"(?:\b(?:at|from|to|vs\.?|versus|or|rate(?:\s+is)?|(?:offer|quot|gav)e?d?\s+(?:me|us))|@|->|=>|"
    r"\u2192)\s*$",
    re.I,
)
# "4.75 -> 7.25", "6.75 instead of 7%": a bare decimal set against a rate that follows;
# "6.625 on a 30 yr", "6.875 with no points", "6.375 if i pay 2 points": a quoted rate
_RATE_NEXT = re.compile(
    r"\s*(?:->|=>|\u2192|instead\s+of|vs\.?|versus)\s*\d"
    r"|\s+(?:on\s+(?:a|the)\s+\d{1,2}\s*-?\s*(?:yrs?|years?)\b|with\s+(?:no|zero|\d|one|two)\s+"
    r"points?|if\s+(?:i|we)\s+(?:pay|buy)\b)",
    re.I,
)


_FLAT = re.compile(r"\s*flat\b", re.I)
# "pay 1.5 points to get 5.375", "buy 1 point and get 6.625 instead": the rate bought
_GET = re.compile(r"\bget(?:s|ting)?\s+(?:it\s+(?:down\s+)?to\s+)?$", re.I)
_UNIT_NEXT = re.compile(r"\s*(?:points?|pts|months?|mos?|years?|yrs?|weeks?|days?)\b", re.I)


def _as_rate(q: Quantity, text: str) -> Quantity:
    """A bare decimal in talk of rates ("go from 6.75 to 6.25", "at 6.5 on a 30yr") is a
    rate written without its percent sign; so is a whole one said to be flat ("at 6 flat")."""
    flat = (
        q.kind == "number"
        and 1 <= q.value <= 25
        and _FLAT.match(text, q.end) is not None
        and _RATE_CUE.search(text[max(0, q.start - 12) : q.start]) is not None
    )
    if flat:
        return Quantity("percent", q.value, q.start, q.end)
    if (
        q.kind != "number"
        or q.ranged
        or not Decimal("0.5") <= q.value <= 25
        or q.value == q.value.to_integral_value()
        or not _RATE_TALK.search(text)
        or not (
            _RATE_CUE.search(text[max(0, q.start - 12) : q.start])
            or _RATE_NEXT.match(text, q.end)
            or (
                _GET.search(text[max(0, q.start - 24) : q.start])
                and not _UNIT_NEXT.match(text, q.end)
            )
        )
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
    percent_thread: bool = False,
) -> None:
    """Give ``q`` its role. ``claimed``: read by a special form, nothing more to do;
    ``spans``: read by the profile pass, which a specific (strong) role can add to."""
    before = text[max(0, q.start - WINDOW) : q.start]
    after = text[q.end : q.end + WINDOW]
    if _inside(q, claimed):
        return
    if q.kind == "percent":
        _note_rate(reading, q, before, after)
    if q.kind == "duration" and q.months:
        _note_term(reading, q, before, after)
    if _inside(q, spans):
        # the profile pass read it (as a rate, a term...); a specific role is kept too
        role = role_for(q.kind, before, after, monthly=q.per == 12)
        if role is not None and role.strong:
            value = _value(q, role.fact)
            reading.put(role.fact, value, _snippet(text, q.start, q.end))
        return
    role = role_for(q.kind, before, after, monthly=q.per == 12)
    if q.kind == "duration" and q.days is not None and (role is None or not role.strong):
        reading.put("payday_days", q.days, _snippet(text, q.start, q.end))
        return
    fact = role.fact if role is not None else _about_a_loan(reading, text, q, after, loan_thread)
    if fact == "horizon_years" and q.kind == "duration" and (q.months or 0) < 12:
        fact = "horizon_months"  # "in 10 months": less than a year is kept in months
    if fact is None and q.kind == "percent" and percent_thread:
        reading.append("rates", q.value)  # the follow-up decides which percent it replaces
        return
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
    r"(?:at|@|is|was|would\s+be)\s*(?:about\s+|around\s+)?\d)",
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
