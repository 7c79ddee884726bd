"""The forms of a question that need a reading of their own, before quantities are placed by
role: ARM names and caps, payday fees, card pay-downs and limits (``cards``), pay periods,
filing status, spending lists, lease miles, a changed amount or payment, an index plus a
margin, employer matches, lists of debts and of closing costs, word-written points, and
pairs of terms to compare. Each form puts its facts on the ``Reading`` and returns the
spans it used, which no later role reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from apfa.advice.reading.cards import MONEY, amount, card_limits
from apfa.advice.reading.lease import read_lease
from apfa.advice.reading.result import Reading
from apfa.advice.reading.spending import read_spending

_ARM = re.compile(r"\b(?P<fixed>\d{1,2})\s?/\s?(?P<adj>1|6|6mo)\s?(?:-?\s?month\s+)?arm\b", re.I)
_CAPS = re.compile(
    r"\b(?P<a>\d(?:\.\d+)?)\s?/\s?(?P<b>\d(?:\.\d+)?)\s?/\s?(?P<c>\d{1,2}(?:\.\d+)?)\s?"
    r"(?:rate\s+)?caps?\b"
    r"|\bcaps?\s+(?:are|is|of)\s+(?:a\s+)?"
    r"(?P<a2>\d(?:\.\d+)?)\s?/\s?(?P<b2>\d(?:\.\d+)?)\s?/\s?(?P<c2>\d{1,2}(?:\.\d+)?)\b",
    re.I,
)
_PAYDAY = re.compile(
    r"(?<![\d.,])\$?\s?(?P<fee>\d{1,4}(?:\.\d{1,2})?)\s*(?:bucks|dollars|usd)?\s+(?:fee\s+)?"
    r"(?:for\s+every|per|for\s+each|on\s+every|for)\s+\$?\s?(?P<per>\d{1,6}(?:\.\d{1,2})?)\b"
    r"(?!\s*(?:weeks?|wks?|days?|months?|mos?|years?|yrs?)\b)(?:\s+(?:borrowed|loaned))?",
    re.I,
)
# "a $60 fee on a $400 loan"
_FEE_ON_LOAN = re.compile(
    r"(?P<fee>\$?\s?\d{1,4}(?:\.\d{2})?)\s*(?:dollars?\s+|bucks?\s+)?fee\s+(?:on|for)\s+"
    r"(?:a|the|my)?\s*(?P<amount>\$?\s?\d[\d,]*(?:\.\d{2})?)\s*(?:dollar\s+)?(?:payday\s+)?loan\b",
    re.I,
)
_DEBT = re.compile(
    r"(?<![\d.,])(?P<amount>\$\s?\d[\d,]{0,10}(?:\.\d{1,2})?\s?k?|\d[\d,]{0,10}(?:\.\d{1,2})?\s?k"
    r"|\d{1,3},\d{3}(?:,\d{3})?(?:\.\d{1,2})?|\d{3,}(?:\.\d{1,2})?)\s+(?:\w+\s+){0,3}?(?:at|@)\s*"
    # the APR with its percent sign, or "apr", or bare before a comma or the end of the list
    r"(?P<apr>\d{1,2}(?:\.\d+)?)(?:\s?%|\s*apr\b|(?=\s*(?:,|;|\.(?!\d)|$|\s+and\b)))",
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
# "origination 1,450, appraisal 650, title 2,100": labelled amounts, summed as closing costs
# "origination 1%": an item priced as a percent of the loan
_ITEM = (
    r"(?<![a-z'/-])[a-z][a-z'/-]{0,24}(?:\s+[a-z][a-z'/-]{0,24})?\s*:?\s+"
    r"(?:\d(?:\.\d{1,3})?\s?%|\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?"
    r"(?![\d,]*\s?(?:%|k\b)))"
)
_ITEMS = re.compile(rf"{_ITEM}(?:\s*(?:,|;|\+|and)\s*{_ITEM}){{2,}}", re.I)
_COST_TALK = re.compile(
    r"\b(?:closing|loan\s+estimate|closing\s+disclosure|fees?|costs?|origination|appraisal|"
    r"underwriting)\b",
    re.I,
)
_ONE_AMOUNT = re.compile(r"\$?\s?(?P<n>\d[\d,]*(?:\.\d{1,3})?)\s?(?:(?P<k>k)|(?P<pct>%))?", re.I)
_WORD_POINTS = re.compile(r"\b(?P<n>one|a|two|three|half\s+a)\s+(?:discount\s+)?points?\b", re.I)
_WORD_VALUES = {
    "one": Decimal(1),
    "a": Decimal(1),
    "two": Decimal(2),
    "three": Decimal(3),
    "half a": Decimal("0.5"),
}
_PLUS_MARGIN = re.compile(
    r"\b(?:prime|sofr|index)\s*(?:\+|plus)\s*(?P<margin>\d{1,2}(?:\.\d{1,3})?|\.\d{1,3})\s?%?", re.I
)
_PAYDOWN = re.compile(
    r"\bpa(?:y|ying|id)\s+(?:off\s+|down\s+)?(?P<amount>\$?\d[\d,]*(?:\.\d+)?k?)\s+"
    r"(?:off|down|on|toward|towards)\s+(?:of\s+)?(?:the|my|that)\s+"
    r"(?:(?P<limit>\$?\d[\d,]*(?:\.\d+)?k?)(?:\s+limit)?\s+)?(?:credit\s+)?card\b",
    re.I,
)
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
# "3.5% vs 5% vs 20% down", "10 or 20% down": down payments to set side by side
_DOWN_SHARES = re.compile(
    r"(?<![\d.])(?P<items>\d{1,2}(?:\.\d+)?\s?%?(?:\s*(?:down\s+)?(?:vs\.?|versus|or|and|,|/)\s*"
    r"(?:and\s+|or\s+)?\d{1,2}(?:\.\d+)?\s?%?)+)\s*%?\s*down\b",
    re.I,
)
# "end up paying the fee 4 times": four fees, the first one included
_FEES_PAID = re.compile(r"\bpay(?:ing|s)?\s+(?:the|that)\s+fee\s+(?P<n>\d{1,2})\s+times\b", re.I)
# "behind on 3 mortgage payments, 1,642 each": the amount of each payment
# "my payment went from 1,800 down to 1,500": the payment now is the second figure; the
# first is only history (not a loan amount, not a down payment)
_PAYMENT_WENT = re.compile(
    r"\bpayments?\s+(?:went|goes|go|dropped|fell|rose|jumped|increased|decreased|changed|"
    r"is\s+going|will\s+go)\s+(?:up\s+|down\s+)?from\s+\$?\d[\d,]*(?:\.\d{1,2})?k?\s+"
    r"(?:up\s+|down\s+)?to\s+(?P<amount>\$?\d[\d,]*(?:\.\d{1,2})?k?)(?!\s?%|\d)",
    re.I,
)
_EACH_PAYMENT = re.compile(
    r"\bpayments?\s*(?:,|of|at|-)?\s*(?P<amount>\$?\d{1,3}(?:,\d{3})*(?:\.\d{2})?)\s+each\b", re.I
)
# "0% for 18 months", "0% intro apr for the first 15 months" on a card offer
_CARD_OFFER = re.compile(r"\b(?:balance\s+transfer|transfer|cards?|intro\w*|promo\w*)\b", re.I)
_PROMO = re.compile(
    r"(?<![\d.])(?P<rate>\d{1,2}(?:\.\d+)?)\s?%\s*(?P<word>intro(?:ductory)?\s+|promo(?:tional)?\s+)?"
    r"(?:apr\s+)?(?:for|over)\s+(?:the\s+first\s+)?(?P<months>\d{1,2})\s*(?:months?|mos?)\b",
    re.I,
)
# "double it to 300", "bump my payment up to $450": the amount a follow-up changes a figure to.
_CHANGED_TO = re.compile(
    r"\b(?:double|triple|raise|increase|bump|boost|up|lower|cut|drop|reduce|change)\s+"
    r"(?:it|that|this|them|(?:the|my|our)\s+(?:monthly\s+)?(?:payments?|amount|contributions?))\s+"
    r"(?:up\s+|down\s+)?to\s+(?P<amount>\$?\d[\d,]*(?:\.\d{1,2})?k?)(?!\s?%|\d)",
    re.I,
)

# "stay under 36% dti", "keep my dti below 43%", "a max of 45% debt-to-income": a DTI limit
_DTI_LIMIT = re.compile(
    r"\b(?:under|below|no\s+more\s+than|at\s+most|max(?:imum)?(?:\s+of)?|up\s+to|<=?)\s*"
    r"(?P<pct>\d{1,2}(?:\.\d+)?)\s?%\s*(?:dti|debt[- ]to[- ]income)\b"
    r"|\b(?:dti|debt[- ]to[- ]income)(?:\s+ratio)?\s+(?:to\s+)?(?:stay\s+|be\s+)?"
    r"(?:under|below|no\s+more\s+than|at\s+most|<=?)\s*(?P<pct2>\d{1,2}(?:\.\d+)?)\s?%",
    re.I,
)

# Forms that each give one fact from one group of their match.
_ONE_FACT: tuple[tuple[re.Pattern[str], str, str, Callable[[str], Decimal | int]], ...] = (
    (_FEES_PAID, "payday_fees_paid", "n", int),
    (_PAYMENT_WENT, "current_payment", "amount", amount),
    (_EACH_PAYMENT, "current_payment", "amount", amount),
    (_CHANGED_TO, "changed_amount", "amount", amount),
    (_PLUS_MARGIN, "margin", "margin", Decimal),
)


def special_forms(reading: Reading, text: str, lease_thread: bool = False) -> list[tuple[int, int]]:
    taken: list[tuple[int, int]] = []
    if arm := _ARM.search(text):
        reading.put("fixed_years", int(arm.group("fixed")), arm.group(0))
    if caps := _CAPS.search(text):
        first, later, life = (caps.group(n) or caps.group(n + "2") for n in ("a", "b", "c"))
        reading.put("initial_cap", Decimal(first), caps.group(0))
        reading.put("periodic_cap", Decimal(later), caps.group(0))
        reading.put("lifetime_cap", Decimal(life), caps.group(0))
        taken.append(caps.span())
    if "payday" in text.lower() and (on_loan := _FEE_ON_LOAN.search(text)):
        reading.put("payday_fee", amount(on_loan.group("fee")), on_loan.group(0))
        reading.put("payday_amount", amount(on_loan.group("amount")), on_loan.group(0))
        taken.append(on_loan.span())
    elif "payday" in text.lower() and (payday := _PAYDAY.search(text)):
        reading.put("payday_fee", Decimal(payday.group("fee")), payday.group(0))
        reading.put("payday_fee_per", Decimal(payday.group("per")), payday.group(0))
        taken.append(payday.span())
    promo = _PROMO.search(text) if _CARD_OFFER.search(text) else None
    if promo and (Decimal(promo.group("rate")) == 0 or promo.group("word")):
        reading.put("promo_apr", Decimal(promo.group("rate")), promo.group(0))
        reading.put("promo_months", int(promo.group("months")), promo.group(0))
        taken.append(promo.span())
    if listed := _DOWN_SHARES.search(text):
        shares = [Decimal(n) for n in re.findall(r"\d{1,2}(?:\.\d+)?", listed.group("items"))]
        reading.facts["down_payment_pcts"] = shares
        reading.notes.append(f'down_payment_pcts: "{listed.group(0)}"')
    for pattern, fact, group, convert in _ONE_FACT:
        if found := pattern.search(text):
            reading.put(fact, convert(found.group(group)), found.group(0))
            taken.append(found.span())
    if limit := _DTI_LIMIT.search(text):
        reading.put("max_dti", Decimal(limit.group("pct") or limit.group("pct2")), limit.group(0))
        taken.append(limit.span())
    if to := _CARD_TO.search(text):  # "pay card 2 down to 200 bucks"
        reading.put("card_balance_to", amount(to.group("amount")), to.group(0))
        reading.put("paid_card_number", int(to.group("n")), to.group(0))
        taken.append(to.span())
    if paid := _PAYDOWN.search(text):
        reading.put("card_paydown", amount(paid.group("amount")), paid.group(0))
        if paid.group("limit"):
            reading.put("paid_card_limit", amount(paid.group("limit")), paid.group(0))
        taken.append(paid.span())
    for pattern, periods in _PAY_PERIODS:
        if found := pattern.search(text):
            reading.put("pay_periods", periods, found.group(0))
            break
    for pattern, status in _FILING:
        if found := pattern.search(text):
            reading.put("filing_status", status, found.group(0))
            break
    spending = read_spending(text)
    if spending and spending.debts == spending.total:
        # a list of debt payments only ("car pmt 385, card minimums 120, student loans 265"):
        # the monthly debt payments, all of them, not spending
        reading.facts["monthly_debt_payments"] = spending.debts
        reading.notes.append("monthly_debt_payments: the sum of the debt payments listed")
        taken.extend(spending.spans)
    elif spending:
        reading.put("monthly_expenses", spending.total, "the spending listed")
        reading.put("needs_monthly", spending.needs, "the needs listed")
        reading.put("wants_monthly", spending.wants, "the wants listed")
        taken.extend(spending.spans)
    lease = read_lease(text, lease_thread)
    for name, value in lease.facts.items():
        reading.put(name, value, "the lease and buying figures")
    taken.extend(lease.spans)
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
            amount(m.group("n") + (m.group("k") or ""))
            for m in _ONE_AMOUNT.finditer(listed.group("items"))
        ]
        if len(amounts) >= 2:
            reading.facts["monthly_debt_payments"] = sum(amounts, Decimal(0))
            for name in ("loan_amount", "car_price", "home_price", "card_balance"):
                if reading.facts.get(name) in amounts:  # a listed payment, not a loan
                    del reading.facts[name]
            reading.notes.append(f'monthly_debt_payments: the sum of "{listed.group("items")}"')
            taken.append(listed.span("items"))
    card_limits(reading, text, taken)
    _itemised_costs(reading, text, taken)
    if points := _WORD_POINTS.search(text):
        word = " ".join(points.group("n").lower().split())
        reading.put("points", _WORD_VALUES[word], points.group(0))
    return taken


def _itemised_costs(reading: Reading, text: str, taken: list[tuple[int, int]]) -> None:
    listed = _ITEMS.search(text)
    if listed is None or not _COST_TALK.search(text):
        return
    found = [m for m in _ONE_AMOUNT.finditer(listed.group(0)) if not m.group("k")]
    amounts = [amount(m.group("n")) for m in found if not m.group("pct")]
    reading.cost_percents = [amount(m.group("n")) for m in found if m.group("pct")]
    reading.facts["closing_costs"] = sum(amounts, Decimal(0))
    reading.notes.append(f'closing_costs: the sum of "{listed.group(0)}"')
    taken.append(listed.span())


_CARD_TO = re.compile(
    rf"\bcard\s+(?:#\s?)?(?P<n>\d)\s+(?:down\s+|off\s+)?to\s+(?P<amount>{MONEY})(?!\s?%)", re.I
)


def _debts(reading: Reading, text: str) -> None:
    """Two or more "<balance> at <apr>%" pairs about cards or debts: a list of debts."""
    pairs = list(_DEBT.finditer(text))
    if len(pairs) < 2:
        return
    debts = [
        {"balance": amount(m.group("amount")), "apr": Decimal(m.group("apr"))}
        for m in pairs
        if amount(m.group("amount")) > 0
    ]
    if len(debts) >= 2:
        reading.facts.setdefault("debts", debts)
        reading.notes.append(f"debts: {len(debts)} balances with their APRs")


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


def term_pairs(reading: Reading, text: str) -> None:
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
