"""Reading a turn of a conversation against what the thread already knows.

The facts accumulate; a fact stated again replaces the old one (a correction: "actually I
make 95k"), and so does a fact of the same family ("20% down" replaces a down payment
amount). A follow-up that changes a fact or asks "what if" re-runs the thread's last plan
(its intents) unless the new message is plainly about something else. A follow-up that
refers to nothing the thread knows is answered with a question, not a guess.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from apfa.advice.understanding.catalogue import OTHER

# Facts that say the same thing in different ways: stating one drops the others.
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"down_payment", "down_payment_pct"}),
    frozenset({"term_months", "terms_months"}),
    frozenset({"interest_rate", "rates"}),
    frozenset({"annual_income", "monthly_income"}),
    frozenset({"loan_amount", "loan_balance"}),
    frozenset({"home_price", "home_value"}),
    frozenset({"transfer_fee_pct", "fee_pct"}),
    frozenset({"rollovers", "payday_fees_paid"}),
)
_FOLLOW_UP = re.compile(
    r"^\W*(?:what\s+if|and\s|how\s+about|what\s+about|instead|actually|ok(?:ay)?\s+(?:so|what|and)|"
    r"same\s+but|but\s+(?:what|if)|then\s|so\s+(?:what|if|then)|if\s+i\s+(?:did|do|put|pay|went))",
    re.IGNORECASE,
)
# Words that point back at what the thread was discussing ("when can I get rid of it?").
_POINTS_BACK = re.compile(
    r"\b(?:on\s+that|at\s+that|with\s+that|does\s+that|did\s+that|is\s+that|should\s+it|of\s+it|"
    r"rid\s+of\s+it|pay(?:ing)?\s+it|"
    r"that\s+(?:rate|loan|payment|amount|price|house|home|car|balance|card|debt|plan|option)|"
    r"the\s+(?:full|whole|same)\s+amount|the\s+same|instead|in\s+that\s+case|either\s+way|"
    r"(?:they|you|it|he|she)\s+also|"
    r"also\s+(?:have|has|got|offers?|quoted)|what\s+would\s+(?:that|it|this)|"
    r"how\s+(?:would|does)\s+(?:that|it|this)\s+look)\b",
    re.IGNORECASE,
)
_REFERS = re.compile(
    r"\b(?:that|this|it|those|these|them|instead|same|the\s+other|the\s+first|the\s+second)\b",
    re.IGNORECASE,
)
# Facts about the person, kept when the conversation moves to another topic; facts about a
# particular loan or plan are not carried into a new topic.
PERSON_FACTS = frozenset(
    {
        "annual_income", "monthly_income", "take_home_monthly", "monthly_debt_payments",
        "monthly_expenses", "savings", "monthly_savings", "rent", "credit_score", "age",
        "family_size", "dependents", "agi", "tax_rate", "employer_match_pct", "match_rate_pct",
        "contribution_pct", "retirement_balance",
    }
)  # fmt: skip
# A new intent replaces the thread's when it scores at least this much above it.
SWITCH_MARGIN = 0.08
# A message that points back at the thread's subject ("when can I get rid of it?") needs a
# clearer lead of its own intent to move the conversation elsewhere.
POINTED_SWITCH_MARGIN = 0.15


@dataclass
class Thread:
    """What a conversation knows after its last turn."""

    facts: dict[str, object] = field(default_factory=dict)
    intents: list[str] = field(default_factory=list)
    turns: int = 0
    # What earlier answers already said (statements, steps, questions asked), so a follow-up
    # answers what changed instead of repeating itself; the most recent MAX_SAID are kept.
    said: list[str] = field(default_factory=list)


MAX_SAID = 200


def merge(
    known: Mapping[str, object], new: Mapping[str, object], *, same_topic: bool = True
) -> dict[str, object]:
    """The thread's facts updated with a turn's: new values win, and a new value drops the
    old members of its family. On a new topic only the facts about the person carry over."""
    merged = dict(known) if same_topic else {k: v for k, v in known.items() if k in PERSON_FACTS}
    for name in new:
        for family in FAMILIES:
            if name in family:
                for other in family - {name}:
                    if other not in new:
                        merged.pop(other, None)
    merged.update(new)
    return merged


def what_if(known: Mapping[str, object], new: Mapping[str, object]) -> dict[str, object]:
    """What a follow-up changes. One rate stated while the thread weighs a current rate
    against a new one ("what about a 20 yr at 5.9 instead?") is the new one: the loan a
    person has does not change between turns, the option weighed does. A down payment
    stated against a loan given as an amount ("put another 4k down") lowers the amount."""
    turn = dict(new)
    if _another_term_option(known, turn):
        return turn
    offered = known.get("rates")
    weighing = "interest_rate" in known and (
        "new_rate" in known or (isinstance(offered, list) and len(offered) >= 2)
    )
    stated = turn.get("interest_rate")
    if weighing and stated is not None and "new_rate" not in turn and turn.get("apr") != stated:
        turn["new_rate"] = turn.pop("interest_rate")
        turn.pop("rates", None)
    # "it can only go to 6 7/8": a new rate alone replaces the option weighed; the rate the
    # loan has now stays
    if weighing and "interest_rate" not in turn and turn.get("rates") == [turn.get("new_rate")]:
        del turn["rates"]
    _restated_term(known, turn)
    _new_loans_term(known, turn)
    _another_offer(known, turn)
    _pay_down_a_card(known, turn)
    _change_the_amount(known, turn)
    _down_or_rate(known, turn)
    down, borrowed = turn.get("down_payment"), known.get("loan_amount")
    priced = any(name in known or name in turn for name in ("home_price", "car_price"))
    if (
        isinstance(down, Decimal)
        and isinstance(borrowed, Decimal)
        and "loan_amount" not in turn
        and not priced
        and down < borrowed
    ):
        turn["loan_amount"] = borrowed - down
    return turn


def _another_term_option(known: Mapping[str, object], turn: dict[str, object]) -> bool:
    """ "What about a 20 year at 6.5%?" while a purchase weighs terms at their own rates
    (30 years at 7% against 15 at 6.25%): the new term and rate are a new option, set
    against the longest term weighed (the baseline a shorter term is measured from)."""
    terms, rates = known.get("terms_months"), known.get("rates")
    if not (isinstance(terms, list) and isinstance(rates, list) and len(terms) >= 2):
        return False
    if len(rates) != len(terms) or "new_rate" in known or "remaining_months" in known:
        return False
    term, rate = turn.get("term_months"), turn.get("interest_rate")
    if not isinstance(term, int) or not isinstance(rate, Decimal) or term in terms:
        return False
    if turn.get("rates", [rate]) != [rate] or turn.get("terms_months", [term]) != [term]:
        return False
    longest = max(range(len(terms)), key=lambda i: terms[i])
    turn["terms_months"] = [terms[longest], term]
    turn["rates"] = [rates[longest], rate]
    turn["interest_rate"] = rates[longest]
    turn["term_months"] = terms[longest]
    return True


def _another_offer(known: Mapping[str, object], turn: dict[str, object]) -> None:
    """ "Card b is also 18 mo but 5% fee" while a balance transfer is weighed: the fee and
    the months are the other offer's transfer fee and promotional period."""
    if "transfer_fee_pct" not in known and "promo_months" not in known:
        return
    if "fee_pct" in turn and "transfer_fee_pct" in known:
        turn["transfer_fee_pct"] = turn.pop("fee_pct")
    if "promo_months" not in known or "loan_amount" in turn:
        return
    months = turn.get("term_months")
    terms = turn.get("terms_months")
    if months is None and isinstance(terms, list) and len(terms) == 1:
        months = terms[0]
    if isinstance(months, int):
        turn["promo_months"] = months
        turn.pop("term_months", None)
        turn.pop("terms_months", None)
    if turn.get("interest_rate") == 0:  # "also 0%": the offer's promotional rate
        turn["promo_apr"] = turn.pop("interest_rate")
        turn.pop("rates", None)


def _new_loans_term(known: Mapping[str, object], turn: dict[str, object]) -> None:
    """ "And if I did a 20 yr at 5.875?" while a refinance into a new term is weighed: the
    term is the new loan's; the loan a person has keeps its own."""
    weighed = "new_term_months" in known and "new_term_months" not in turn
    if weighed and "term_months" in turn and "remaining_months" not in turn:
        turn["new_term_months"] = turn.pop("term_months")
        if turn.get("terms_months") == [turn["new_term_months"]]:
            del turn["terms_months"]


def _restated_term(known: Mapping[str, object], turn: dict[str, object]) -> None:
    """A term the thread is already weighing ("vs just paying it normally for 30 years",
    while it compares 15 and 30 years) names one of the options; it changes nothing."""
    weighed = known.get("terms_months")
    if not isinstance(weighed, list) or len(weighed) < 2:
        return
    stated = turn.get("terms_months") or ([turn["term_months"]] if "term_months" in turn else [])
    if isinstance(stated, list) and stated and all(term in weighed for term in stated):
        turn.pop("terms_months", None)
        turn.pop("term_months", None)


# What "double it to 300" changes: the first of these the thread knows.
_CHANGEABLE = (
    "payment_budget",
    "extra_payment",
    "monthly_savings",
    "monthly_contribution",
    "current_payment",
    "lease_payment",
    "plan_payment",
)


def _change_the_amount(known: Mapping[str, object], turn: dict[str, object]) -> None:
    """ "And if I double it to 300?": the amount replaces the monthly figure the thread
    knows (a payment budget when it knows none)."""
    amount = turn.pop("changed_amount", None)
    if amount is None:
        return
    target = next((name for name in _CHANGEABLE if name in known), "payment_budget")
    turn.setdefault(target, amount)


# The percents a bare percent in a follow-up may replace, besides the rate.
_BARE_PERCENT_TARGETS = ("down_payment_pct", "max_dti")


def _down_or_rate(known: Mapping[str, object], turn: dict[str, object]) -> None:
    """ "And with 20%?" after "10% down at 6.5", "what if they go up to 43 percent" after a
    lender's 36% limit: a bare percent replaces the percent the thread knows that it is
    nearest to (by ratio): the rate (on a tie), the down payment's or the DTI limit."""
    rates = turn.get("rates")
    if not (isinstance(rates, list) and len(rates) == 1):
        return
    value: Decimal = rates[0]
    cued = ("new_rate", "apr", *_BARE_PERCENT_TARGETS)
    if any(name in turn for name in cued) or turn.get("interest_rate", value) != value:
        return
    known_pcts = {
        name: figure
        for name in ("interest_rate", *_BARE_PERCENT_TARGETS)
        if isinstance(figure := known.get(name), Decimal) and figure > 0
    }
    if value <= 0 or not set(known_pcts) - {"interest_rate"}:
        return
    nearest = min(known_pcts, key=lambda n: (_ratio(value, known_pcts[n]), n != "interest_rate"))
    if nearest == "interest_rate":
        return
    del turn["rates"]
    turn.pop("interest_rate", None)
    turn[nearest] = value


def _ratio(a: Decimal, b: Decimal) -> Decimal:
    return max(a, b) / min(a, b)


def _pay_down_a_card(known: Mapping[str, object], turn: dict[str, object]) -> None:
    """ "If I pay 1,000 off the 5k card": that card's balance falls by the amount (the card
    with the largest balance when the turn does not say which); "pay card 2 down to 200":
    the second card listed now owes 200."""
    paid = turn.pop("card_paydown", None)
    limit = turn.pop("paid_card_limit", None)
    cards = known.get("card_limits")
    to, number = turn.pop("card_balance_to", None), turn.pop("paid_card_number", None)
    if isinstance(to, Decimal) and isinstance(number, int) and isinstance(cards, list):
        if 1 <= number <= len(cards) and "card_limits" not in turn:  # "pay card 2 down to 200"
            updated = [dict(card) for card in cards]
            updated[number - 1]["balance"] = to
            turn["card_limits"] = updated
        return
    if not isinstance(paid, Decimal):
        return
    if isinstance(cards, list) and cards and "card_limits" not in turn:
        updated = [dict(card) for card in cards]
        named = [c for c in updated if limit is not None and Decimal(str(c.get("limit"))) == limit]
        card = named[0] if named else max(updated, key=lambda c: Decimal(str(c["balance"])))
        card["balance"] = max(Decimal(str(card["balance"])) - paid, Decimal(0))
        turn["card_limits"] = updated
        return
    balance = known.get("card_balance")
    if isinstance(balance, Decimal) and "card_balance" not in turn:
        turn["card_balance"] = max(balance - paid, Decimal(0))


def is_follow_up(message: str, new_facts: Mapping[str, object]) -> bool:
    """The message continues the thread's topic: it says so ("what if", "and for 15
    years?"), or it only restates a fact in a short message."""
    if continues(message):
        return True
    return bool(new_facts) and len(message.split()) <= 12


def continues(message: str) -> bool:
    """The message says it carries on from the last turn ("what if", "on that loan")."""
    return bool(_FOLLOW_UP.search(message) or _POINTS_BACK.search(message))


def same_topic(
    before: Sequence[str | None],
    now: Sequence[str | None],
    message: str,
    loan_types: tuple[object, object] = (None, None),
) -> bool:
    """Whether a turn stays on the thread's topic (and keeps the facts about its loan or
    purchase): it names no other kind of loan than the thread's (``loan_types``: the
    thread's, the turn's), and the topics of its intents meet the thread's, one side has
    only intents of no particular topic (``None``: a payment, a scam), or the message says
    it carries on ("what if I put 20% down instead?" moves from affordability to the down
    payment of the same house)."""
    known, named = loan_types
    if named is not None and known is not None and named != known:
        return False
    old = {t for t in before if t is not None}
    new = {t for t in now if t is not None}
    return not old or not new or bool(old & new) or continues(message)


def unresolved(message: str, thread: Thread, new_facts: Mapping[str, object]) -> bool:
    """A follow-up that points at something the thread does not have."""
    return (
        thread.turns == 0
        and not new_facts
        and bool(
            _FOLLOW_UP.search(message) or (_REFERS.search(message) and len(message.split()) <= 6)
        )
    )


def choose_intents(
    thread: Thread,
    message: str,
    new_facts: Mapping[str, object],
    classified: Sequence[tuple[str, float]],
    scores: Mapping[str, float],
    cued: Collection[str] | None = None,
) -> list[str]:
    """The intents to answer this turn with: the thread's for a follow-up, unless the
    message's own best intent clearly beats them; a message that fits no intent of its own
    ("there's no way I can pay that all at once") carries on the thread. A message that
    points back at the thread ("does that change it?") moves elsewhere only when it names
    the new subject in its own words (``cued``: the intents whose cues it uses)."""
    own = [intent for intent, _ in classified]
    if thread.intents and own in ([], [OTHER]):
        return list(thread.intents)
    if not thread.intents or not is_follow_up(message, new_facts):
        return own
    best_own = classified[0][1] if classified else 0.0
    best_thread = max((scores.get(i, 0.0) for i in thread.intents), default=0.0)
    pointed = continues(message)
    if pointed and cued is not None and own and own[0] not in cued:
        return list(thread.intents)
    margin = POINTED_SWITCH_MARGIN if pointed else SWITCH_MARGIN
    if own and own[0] not in thread.intents and best_own - best_thread >= margin:
        return own
    return list(thread.intents)
