"""Credit cards' limits and balances, however they are listed: two lists in the same order
("limits 5k, 3k and 2k ... balances are 2,100, 900 and 1,500"), card by card ("card 1:
limit 5k, balance 1,900. card 2 has 1,150 on a 2,000 limit"), or "<balance> on a <limit>"
pairs. Used by ``forms.special_forms``; puts ``card_limits`` (or one card's balance and
limit) on the ``Reading`` and records the spans it read."""

from __future__ import annotations

import re
from decimal import Decimal

from apfa.advice.reading.result import Reading

MONEY = r"\$?\s?\d[\d,]*(?:\.\d{1,2})?(?:\s?k\b)?"
# "1,200 on a 3k limit, 2,500 on a 5k limit, and 0 on a 2k": each card's balance and limit.
_ON_LIMIT = re.compile(
    rf"(?<![\w.,])(?P<balance>{MONEY})\s+(?:on|of|out\s+of|/)\s+(?:an?\s+|the\s+|my\s+)?"
    rf"(?P<limit>{MONEY})(?P<word>\s+(?:credit\s+)?(?:limit|line)\b)?",
    re.I,
)

# "limits 5k, 3k and 2k ... balances are 2,100, 900 and 1,500": two lists in the same order
_LISTED = r"(?P<items>\$?\d[\d,.]*k?(?:(?:\s*[,/]\s*|\s*,?\s+and\s+)\$?\d[\d,.]*k?)+)"
_LIMITS_LIST = re.compile(rf"\b(?:credit\s+)?limits?\s+(?:are\s+|of\s+|:\s*)?{_LISTED}", re.I)
_BALANCES_LIST = re.compile(rf"\bbalances?\s+(?:are\s+|of\s+|:\s*)?{_LISTED}", re.I)
_LIST_ITEM = re.compile(r"\$?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(k?)", re.I)


def _listed(match: re.Match[str]) -> list[Decimal]:
    return [
        Decimal(n.replace(",", "")) * (1000 if k else 1)
        for n, k in _LIST_ITEM.findall(match.group("items"))
    ]


def card_limits(reading: Reading, text: str, taken: list[tuple[int, int]]) -> None:
    limits, balances = _LIMITS_LIST.search(text), _BALANCES_LIST.search(text)
    if limits and balances:
        tops, owed = _listed(limits), _listed(balances)
        if len(tops) == len(owed) >= 2 and all(top > 0 for top in tops):
            reading.facts.setdefault(
                "card_limits",
                [{"balance": b, "limit": top} for b, top in zip(owed, tops, strict=True)],
            )
            reading.notes.append(f"card_limits: {len(tops)} cards, limits and balances listed")
            taken.extend([limits.span("items"), balances.span("items")])
            return
    if _card_by_card(reading, text, taken):
        return
    pairs = list(_ON_LIMIT.finditer(text))
    if not any(p.group("word") for p in pairs):
        return
    cards = [
        {"balance": amount(p.group("balance")), "limit": amount(p.group("limit"))} for p in pairs
    ]
    cards = [c for c in cards if c["limit"] > 0]
    if len(cards) == 1:
        reading.put("card_balance", cards[0]["balance"], pairs[0].group(0))
        reading.put("credit_limit", cards[0]["limit"], pairs[0].group(0))
    elif cards:
        reading.facts.setdefault("card_limits", cards)
        reading.notes.append(f"card_limits: {len(cards)} cards with their limits")
    taken.extend(p.span() for p in pairs)


# "card 1: limit 5k, balance 1,900. card 2 has 1,150 on a 2,000 limit. card 3 limit 8000 with
# nothing on it": each card's limit and balance, card by card
_CARD_MARK = re.compile(r"\bcard\s+(?:#\s?)?(?:\d|one|two|three|four|a|b|c|d)\b\s*:?", re.I)
_SEG_LIMIT = re.compile(
    rf"\blimit\s*(?:is|of|:|=)?\s*(?P<a>{MONEY})|(?P<b>{MONEY})\s+(?:credit\s+)?limit\b", re.I
)
_SEG_BALANCE = re.compile(
    rf"\bbal(?:ance)?\s*(?:is|of|:|=)?\s*(?P<a>{MONEY})|\bhas\s+(?P<b>{MONEY})\s+on\b"
    rf"|(?P<c>{MONEY})\s+(?:on|of|/)\s+(?:a|an|the|its)?\s*{MONEY}\s+(?:credit\s+)?limit",
    re.I,
)
_SEG_EMPTY = re.compile(
    r"\b(?:nothing\s+on\s+it|no\s+balance|zero\s+balance|\$?0\s+balance|paid\s+off|empty)\b", re.I
)


def _card_by_card(reading: Reading, text: str, taken: list[tuple[int, int]]) -> bool:
    marks = list(_CARD_MARK.finditer(text))
    if len(marks) < 2:
        return False
    cards: list[dict[str, Decimal]] = []
    spans: list[tuple[int, int]] = []
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        start = mark.end()
        segment = text[start : following.start() if following else len(text)]
        top = _SEG_LIMIT.search(segment)
        owed = _SEG_BALANCE.search(segment)
        if top is None:
            return False
        limit = amount(top.group("a") or top.group("b"))
        if owed is not None:
            balance = amount(owed.group("a") or owed.group("b") or owed.group("c"))
        elif _SEG_EMPTY.search(segment):
            balance = Decimal(0)
        else:
            return False
        if limit <= 0:
            return False
        cards.append({"balance": balance, "limit": limit})
        spans.extend((start + m.start(), start + m.end()) for m in (top, owed) if m is not None)
    reading.facts.setdefault("card_limits", cards)
    reading.notes.append(f"card_limits: {len(cards)} cards, card by card")
    taken.extend(spans)
    return True


def amount(raw: str) -> Decimal:
    cleaned = raw.replace("$", "").replace(",", "").strip().lower()
    if cleaned.endswith("k"):
        return Decimal(cleaned[:-1].strip()) * 1000
    return Decimal(cleaned)
