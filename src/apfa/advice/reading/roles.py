"""Which fact a quantity states, from the words around it: the role table.

A role applies to quantities of some kinds when a cue matches the words just before the
quantity (``before``, the last few words) or just after it (``after``, the next few).
Roles are tried in the order listed: specific ones (``transfer fee``) before general ones
(``fee``). The table is data, read top to bottom like a grammar.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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


def _role(
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


STRONG = 10  # how much nearer a strong role's cue counts
_W = r"(?:\W+\w+){0,4}"  # up to four words in between
_CARD = r"(?:credit\s?cards?|cards?|visa|mastercard|amex|discover)"

ROLES: Sequence[Role] = (
    # ARM and rate-structure words come first: "margin of 2.75%" is not a rate.
    _role("margin", "percent number", before=rf"margin\b{_W}"),
    _role(
        "index_rate", "percent number", before=rf"(?:index|sofr|treasury|prime(?:\s+rate)?)\b{_W}"
    ),
    _role("lifetime_cap", "percent number", before=rf"lifetime(?:\s+(?:cap|limit))?\b{_W}"),
    _role(
        "new_rate",
        "percent",
        before=r"(?:personal|consolidation|debt\s+consolidation|new)\s+loan\s+(?:at|@|for|with)\s*"
        r"(?:an?\s+)?(?:apr\s+of\s+)?(?:about\s+|around\s+)?",
        strong=True,
    ),
    _role(
        "heloc_rate",
        "percent",
        before=r"(?:heloc|home\s+equity\s+line|line\s+of\s+credit)\s+(?:offer\s+|rate\s+)?(?:is\s+|at\s+|of\s+|@\s*)?"
        r"(?:about\s+|around\s+)?",
        strong=True,
    ),
    _role(
        "return_rate",
        "percent",
        before=r"invest\w*(?:\s+\w+){0,4}?\s+(?:at|@|earn\w*|return\w*|get(?:ting)?|make|making|averag\w*)\s*"
        r"(?:about\s+|around\s+|an?\s+)?",
        strong=True,
    ),
    _role(
        "arm_rate",
        "percent",
        before=r"arm\s+(?:at|@|is|of|for)\s*(?:about\s+|around\s+)?",
        after=r"(?:on\s+(?:the|an?)\s+)?(?:\d+\s*/\s*\d+\s+)?arm\b",
        strong=True,
    ),
    _role(
        "fixed_rate",
        "percent",
        before=r"fixed\s+(?:rate\s+)?(?:at|@|is|of|for)\s*(?:about\s+|around\s+)?",
        after=r"(?:on\s+(?:the|a)\s+)?(?:\d+[- ]?(?:yr|year)\s+)?fixed\b",
        strong=True,
    ),
    _role(
        "pmi_rate",
        "percent",
        before=rf"(?:pmi|mip|mortgage\s+insurance)\b{_W}",
        after=r"(?:a\s+year\s+|annual\s+|per\s+year\s+)?(?:pmi|mip|mortgage\s+insurance)",
        strong=True,
    ),
    _role(
        "max_dti",
        "percent",
        before=rf"(?:max(?:imum)?|limits?|caps?|capped|up\s+to)\s+(?:\w+\s+)?"
        rf"(?:dti|debt[- ]to[- ]income|debts?(?:\s+payments)?)\b{_W}"
        rf"|(?:dti|debt[- ]to[- ]income|debts?)\s+(?:(?:is|are)\s+)?"
        rf"(?:limit\w*|max(?:imum)?|cap\w*)\b{_W}",
        after=r"(?:max(?:imum)?\s+)?(?:dti|debt[- ]to[- ]income)\s+(?:limit|max|cap)",
        strong=True,  # "caps total debt at 36%": the limit, although "at" cues a rate
    ),
    _role(
        "periodic_cap",
        "percent number",
        before=rf"(?:periodic|annual|subsequent)\s+(?:cap|adjustment\s+cap)\b{_W}",
    ),
    _role(
        "initial_cap", "percent number", before=rf"(?:initial|first)\s+(?:adjustment\s+)?cap\b{_W}"
    ),
    _role(
        "transfer_fee_pct",
        "percent",
        before=rf"(?:transfer|bt)\s+fee\b{_W}",
        after=r"(?:balance\s+)?transfer\s+fee",
    ),
    _role(
        "promo_apr",
        "percent",
        before=rf"(?:intro(?:ductory)?|promo(?:tional)?|teaser)\b{_W}",
        after=r"(?:intro|promo|introductory|for\s+\d+\s+months)",
    ),
    _role(
        "fee_pct",
        "percent",
        before=rf"(?:origination|orig\.?)\s+fee\b{_W}",
        after=r"(?:origination\s+)?fee\b",
    ),
    _role("expense_ratio", "percent", before=rf"expense\s+ratio\b{_W}", after=r"expense\s+ratio"),
    _role(
        "other_expense_ratio",
        "percent",
        before=rf"(?:index\s+fund|etf|other\s+fund|new\s+fund|cheaper\s+fund)\b{_W}",
        strong=True,
    ),
    _role("money_factor", "number", before=r"money\s+factor(?:\s+(?:is|of|at|was))?"),
    _role(
        "fund_balance",
        "money",
        after=r"(?:invested\s+)?in\s+(?:a|an|my|the|one)\s+(?:\w+\s+){0,2}(?:mutual\s+fund|fund|etf|portfolio|brokerage)",
        strong=True,
    ),
    _role("match_rate_pct", "percent", after=r"match(?:es|ing)?\s+(?:on|of|up\s+to)"),
    _role(
        "employer_match_pct",
        "percent",
        before=r"match(?:es|ing|ed)?\b(?:\s+\w+){0,3}\s+(?:up\s+to|to|of)?\s*|match(?:es|ing)?\s+",
        after=r"(?:employer\s+|company\s+)?match",
    ),
    _role(
        "contribution_pct",
        "percent",
        before=rf"(?:contribut\w*|put(?:ting)?\s+in|deferr\w*|sav(?:e|ing))\b{_W}",
        after=r"(?:of\s+(?:my\s+)?(?:pay|salary|income))?\s*(?:into|in|to)\s+(?:my\s+|the\s+)?(?:401|403|457|retirement|ira)",
    ),
    _role(
        "return_rate",
        "percent",
        before=rf"(?:return(?:s|ing)?|earn(?:s|ing)?|grow(?:s|th|ing)?|yield(?:s|ing)?|averag\w*)\b{_W}",
        after=r"(?:annual\s+|average\s+|expected\s+)?(?:return|growth|a\s+year\s+return)",
    ),
    _role(
        "tax_rate", "percent", before=rf"(?:bracket|tax\s+rate)\b{_W}", after=r"(?:tax\s+)?bracket"
    ),
    _role("settlement_pct", "percent", before=r"settle\w*\b(?:\W+\w+){0,8}", strong=True),
    _role("down_payment_pct", "percent", after=r"down\b"),
    _role(
        "new_rate",
        "percent",
        before=rf"(?:refinanc\w*|refi|new\s+rate|offer\w*|quot\w*|drop(?:ped)?|lower\w*|get|getting|go(?:ing)?\s+to|down\s+to|now\s+at|rates?\s+are(?:\s+now)?)\b{_W}",
    ),
    _role(
        "apr",
        "percent",
        before=rf"{_CARD}\s+(?:(?:are|is)\s+)?(?:all\s+|both\s+)?(?:at|@|is|with|charges?|charging)\s*"
        r"(?:an?\s+)?(?:apr\s+of\s+)?(?:about\s+|around\s+)?",
        strong=True,
    ),
    _role(
        "apr",
        "percent",
        before=rf"{_CARD}\b{_W}|apr\s*(?:of|is|at)?",
        after=rf"apr\b|(?:(?:interest\s+)?rate\s+)?(?:credit\s+)?{_CARD}\b",
    ),
    _role(
        "interest_rate",
        "percent",
        before=rf"(?:(?:at|rate|interest|apr)\b|@){_W}",
        after=r"(?:interest|rate|apr|fixed|arm\b|on\s+(?:a|my|the)|(?:\w+\s+){0,2}(?:loans?|mortgage|debt|heloc|note))",
    ),
    _role("interest_rate", "percent", before=r"from\s+"),
    _role(
        "interest_rate",
        "number",
        before=r"(?:rate|quote|apr|interest)(?:\s+(?:quote|is|of|at|was|around|about))*\s*",
    ),
    # durations
    _role(
        "promo_months",
        "duration",
        before=rf"(?:(?:intro(?:ductory)?|promo(?:tional)?|zero\s+percent)\b|0\s?%){_W}",
        strong=True,
    ),
    _role("lease_months", "duration", after=r"lease"),
    _role(
        "fixed_years",
        "duration",
        before=r"fixed\s+for\s+(?:the\s+first\s+)?",
        after=r"(?:intro\w*\s+)?fixed\s+period",
    ),
    _role("remaining_months", "duration", after=r"(?:left|remaining|to\s+go)"),
    _role(
        "payments_made",
        "duration",
        before=r"after\s+(?:about\s+)?|been\s+paying\s+(?:for\s+)?",
        after=r"(?:into|in\s+to)\s+(?:the|my|a|our)",
    ),
    _role(
        "horizon_years",
        "duration",
        before=r"(?:stay\w*|live|living|plan\w*|retire\w*|hold\w*|keep\w*|in|for\s+the\s+next|next)\b(?:\s+\w+){0,3}",
        after=r"(?:from\s+now|or\s+so|until\s+retirement)",
    ),
    _role(
        "term_months",
        "duration",
        before=rf"(?:over|for|term\s+of|term|in|on\s+a|a)\b{_W}|\d\s?%\s*,?\s*",
        after=r"(?:fixed|mortgage|loan|term|arm|note|refi|refinance|auto|car|personal|student|plan|heloc|amortization|repayment)",
    ),
    # counts
    _role("points", "number percent", after=r"points?\b"),
    _role("missed_payments", "number", before=r"missed\s+|behind\s+(?:on\s+)?"),
    _role(
        "missed_payments",
        "number duration",
        after=r"(?:(?:mortgage|car|loan|monthly)\s+)?(?:payments?\s+)?(?:behind|late|past\s+due)\b",
        strong=True,
    ),
    _role(
        "qualifying_payments",
        "number",
        after=r"(?:(?:qualifying|on-?time|pslf|eligible)\s+){0,3}payments?\b",
    ),
    _role("dependents", "number", after=r"(?:kids|children|dependents)\b"),
    _role("family_size", "number", before=r"family\s+of\s+|household\s+of\s+"),
    _role(
        "age",
        "number",
        before=r"(?:i'?m|i\s+am|age|aged)\s+",
        after=r"(?:years?[\s-]+old|yo\b|y/o)",
    ),
    _role(
        "credit_score",
        "number",
        before=r"(?:credit|fico|score)(?:\s+score)?(?:\s+(?:is|of|was|around|about|at|near))*\s*",
        after=r"(?:credit(?:\s+score)?|fico|score)",
    ),
    # money: specific cues first
    _role(
        "amount_owed",
        "money",
        before=r"owe\w*\s+(?:about\s+|around\s+)?",
        after=r"(?:still\s+)?(?:owed\s+)?on\s+(?:my|the|our)\s+(?:current\s+|old\s+)?(?:car|truck|suv|vehicle)",
        strong=True,
    ),
    _role(
        "earnest_money",
        "money",
        before=rf"earnest\s+money\b{_W}|(?:deposit|emd)\s+(?:of\s+)?",
        after=r"in\s+earnest(?:\s+money)?",
        strong=True,
    ),
    _role(
        "seller_credit",
        "money",
        before=rf"seller\s+(?:credit|concessions?|(?:is\s+)?(?:paying|covering|giving))\b{_W}",
        after=r"(?:in|of)\s+seller\s+(?:credit|concessions?)|(?:credit|back)\s+from\s+the\s+seller",
        strong=True,
    ),
    _role(
        "emergency_reserve",
        "money",
        before=r"(?:keep|leave|hold|set\s+aside)\s+(?:about\s+|around\s+)?",
        after=r"(?:as\s+|for\s+)(?:an?\s+|our\s+|my\s+)?(?:emergency|cushion|reserves?|rainy)",
        strong=True,
    ),
    _role(
        "savings_goal",
        "money",
        before=r"(?:save|saving|save\s+up|saving\s+up|put\s+away)\s+(?:about\s+|around\s+)?",
        after=r"(?:for|by)\s+(?:a|an|the|my|our)\s+(?!emergency|rainy|cushion|reserve|\d)",
        per="once",
        strong=True,
    ),
    _role(
        "points_cost",
        "money",
        strong=True,
        before=r"points?\s*(?:\(|cost(?:s|ing)?\s+|for\s+|at\s+|=\s*)",
        after=r"(?:in|for|of|worth\s+of)\s+(?:discount\s+)?points|to\s+buy\s+(?:down\s+)?the\s+rate",
    ),
    _role(
        "loan_amount",
        "money",
        before=r"(?:borrow\w*|financ\w*|loan\s+(?:amount|of|for)|mortgage\s+(?:of|for))\s+(?:about\s+|around\s+)?",
        after=r"(?:\w+\s+)?(?:loan|mortgage|heloc|refi(?:nance)?|note)\b|(?:borrowed|financed)\b"
        r"|\d{1,2}[- ]?(?:yrs?|years?)\b|(?:\d{1,2}[- ]?(?:yrs?|years?)\s+)?(?:fixed|arm)\b",
    ),
    _role("due_at_signing", "money", after=r"(?:due\s+)?at\s+signing|down\s+at\s+signing"),
    _role(
        "lease_payment",
        "money",
        before=rf"lease\w*\b{_W}",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+)?(?:to\s+)?lease"
        r"|(?:for\s+\d+\s+months?\s+)?(?:on|for)\s+(?:a|the|my|this)\s+lease",
        per="month",
    ),
    _role(
        "trade_in_value",
        "money",
        before=rf"trade(?:-|\s)?in\b{_W}|trade\s+it\s+in\s+for\s+",
        after=r"(?:for\s+(?:the\s+|my\s+)?)?trade(?:-|\s)?in",
    ),
    _role("residual_value", "money", before=rf"residual\b{_W}"),
    _role(
        "payday_fee",
        "money",
        before=r"(?:charges?|fee\s+(?:is|of|was|will\s+be))\s*",
        after=r"(?:fee\s+)?(?:for\s+every|per|for\s+each)\s+\$?\d",
    ),
    _role("payday_amount", "money", after=r"(?:payday|pay\s+day|title)\s+loan", strong=True),
    _role(  # "house payment all in is 2,400", "paying 1,439 P&I"
        "current_payment",
        "money",
        before=rf"(?:house|home|housing|mortgage)\s+payments?\b{_W}"
        r"|mortgage\s+(?:is|of|=|runs?)\s*(?:about\s+|around\s+)?",
        after=r"(?:a\s+month\s+|/mo\s+|per\s+month\s+)?(?:in\s+)?"
        r"(?:p\s?&\s?i|p\s?and\s?i|principal\s+(?:and|&)\s+interest|piti)\b",
        strong=True,
    ),
    _role(
        "current_payment",
        "money",
        before=rf"(?:payments?|months?)\s+behind\b{_W}",
        per="month",
        strong=True,
    ),
    _role(
        "cosign_payment",
        "money",
        before=rf"co-?\s?sign\w*\b{_W}",
        per="month only",  # "cosign her 26k car loan": the loan, not its payment
        strong=True,
    ),
    _role(
        "rollovers",
        "number",
        before=r"roll(?:ing|ed)?\s+(?:it|the\s+loan|them)?\s*(?:over\s+)?",
        after=r"(?:more\s+)?(?:times|rollovers)\b",
        strong=True,
    ),
    _role(
        "monthly_fee_pct",
        "percent",
        after=r"(?:a|per|each|every)\s+month\b|monthly\b",
        strong=True,
    ),
    _role(
        "plan_payment",
        "money",
        before=rf"(?:chapter\s+13|ch\.?\s*13|bankruptcy|repayment|trustee)\s+(?:plan|payment)\b{_W}",
        per="month",
        strong=True,
    ),
    _role("late_fee", "money", before=rf"late\s+fees?\b{_W}", after=r"late\s+fees?"),
    _role(
        "hoa_monthly",
        "money",
        before=rf"hoa\b{_W}",
        after=r"(?:a\s+month\s+|/mo\s+|monthly\s+)?(?:in\s+)?hoa",
        per="month",
    ),
    _role(
        "mortgage_interest_paid",
        "money",
        before=rf"mortgage\s+interest\s+(?:paid\s+)?(?:was|is|of|came\s+to|:){_W}",
        after=r"(?:in\s+|of\s+)?mortgage\s+interest",
        strong=True,
    ),
    _role(
        "withdrawal_amount",
        "money",
        before=r"(?:took|take|taking|withdr[ae]w\w*|cash(?:ed|ing)?\s+out|pull(?:ed|ing)?(?:\s+out)?)",
        after=r"(?:out\s+)?(?:of|from)\s+(?:my\s+|our\s+|a\s+)?(?:401|403|457|ira|roth|retirement|tsp)",
        strong=True,
    ),
    _role(
        "property_tax_annual",
        "money",
        before=rf"property\s+tax\w*\b{_W}",
        after=r"(?:a\s+year\s+|/yr\s+)?(?:in\s+)?(?:property\s+)?tax",
        strong=True,
    ),
    _role(
        "insurance_annual",
        "money",
        before=rf"(?:homeowners?|home)\s+insurance\b{_W}",
        after=r"(?:a\s+year\s+)?(?:in\s+|for\s+)?(?:homeowners?\s+)?insurance",
    ),
    _role(
        "closing_costs",
        "money",
        before=rf"closing\s+costs?\b{_W}",
        after=r"(?:in\s+|for\s+)?closing\s+costs?",
    ),
    _role(
        "credit_limit", "money", before=rf"(?:credit\s+)?limit\b{_W}", after=r"(?:credit\s+)?limit"
    ),
    _role(
        "take_home_monthly",
        "money",
        strong=True,
        before=rf"(?:take[- ]home|net\s+pay|after\s+tax(?:es)?|bring\s+home)\b{_W}",
        after=r"(?:take[- ]home|after\s+tax)",
        per="month",
    ),
    _role("agi", "money", before=rf"(?:agi|adjusted\s+gross)\b{_W}", after=r"agi\b"),
    _role(
        "rent",
        "money",
        before=rf"rent\w*\b{_W}",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+|monthly\s+)?(?:in|for|on)\s+rent|rent\b",
        per="month",
    ),
    _role(
        "monthly_expenses",
        "money",
        before=rf"(?:expenses?|spend\w*|bills|cost\s+of\s+living|essentials)\b{_W}",
        after=r"(?:a\s+month\s+|/mo\s+|monthly\s+)?(?:in\s+)?(?:expenses|bills|essentials)",
        per="month",
    ),
    _role(
        "monthly_debt_payments",
        "money",
        before=r"(?:minimum\s+)?payments?\s+(?:on|for)\s+(?:everything|all\s+(?:my\s+|our\s+|of\s+(?:my\s+|our\s+)?)?debts?|all\s+of\s+(?:it|them))"
        r"\s+(?:are|is|come\s+to|total\w*|=)?\s*(?:about\s+|around\s+)?",
        strong=True,
    ),
    _role(
        "min_payment",
        "money",
        before=rf"minimum\w*\b{_W}|min\s+",
        after=r"(?:a\s+month\s+)?minimums?",
    ),
    _role(
        "extra_payment",
        "money",
        before=rf"extra\b{_W}",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+)?extra",
        per="month",
    ),
    _role(
        "monthly_contribution",
        "money",
        before=rf"(?:invest\w*|contribut\w*|put(?:ting)?\s+in(?:to)?|add(?:ing)?)\b{_W}",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+)?(?:into|in|to)\s+(?:an?\s+|my\s+|the\s+)?"
        r"(?:index|fund|roth|ira|401|brokerage|stock|invest)",
        per="month only",
        strong=True,
    ),
    _role(
        "payment_budget",
        "money",
        before=r"(?:\band\s+|\bthen\s+|^|[.,;]\s*)pay(?:ing)?\s+(?:about\s+|around\s+|only\s+)?",
        per="month only",
    ),
    _role(
        "payment_budget",
        "money",
        before=rf"(?:(?:can|could)\s+(?:only\s+)?(?:pay|afford|put|throw|swing|do)|(?:if\s+)?(?:i|we)\s+(?:pay|paid|put|threw|throw)|budget\w*|toward[s]?|put(?:ting)?|throw\w*)\b{_W}",
        per="month",
    ),
    _role(
        "monthly_savings",
        "money",
        before=rf"(?:sav(?:e|ing)|put\s+away|set\s+aside)\b{_W}",
        per="month",
    ),
    _role(
        "savings",
        "money",
        before=rf"(?:saved|savings|emergency\s+fund|in\s+the\s+bank)\b{_W}",
        after=r"(?:in\s+|of\s+)?(?:savings|saved|the\s+bank|cash|an?\s+emergency\s+fund|emergency)"
        r"|(?:in\s+)?total\b(?!\s+(?:debt|interest|income|cost|balance))",
        per="once",
    ),
    _role(
        "retirement_balance",
        "money",
        before=rf"\b(?:401|ira|retirement|vested)\w*\b{_W}",
        after=r"(?:in\s+(?:my\s+|a\s+)?)?(?:401|ira|retirement|vested)"
        r"|in\s+it\W+(?:all\s+|fully\s+)?vested",
    ),
    _role(
        "loan_balance",
        "money",
        before=rf"(?:balance|owe|owing|left\s+on|remaining|payoff)\b{_W}",
        after=r"(?:left|remaining|balance|owed|still\s+owed|to\s+go)",
    ),
    _role(
        "student_balance",
        "money",
        after=r"(?:in\s+|of\s+)?(?:federal\s+|private\s+)?student\s+(?:loans?|debt)",
    ),
    _role(
        "card_balance",
        "money",
        before=rf"{_CARD}\b{_W}",
        after=rf"(?:in\s+|of\s+|on\s+(?:a\s+|my\s+|the\s+|two\s+|\w+\s+)?)?(?:credit\s+)?{_CARD}"
        # "moving 9,600 from my 26% card"
        rf"|(?:from|off)\s+(?:my|the|a|our)\s+(?:[\w.%]+\s+){{0,2}}(?:credit\s+)?{_CARD}"
        # "moving 7,200 to a card that's 0%"
        rf"|to\s+(?:a|another|the|my|new)\s+(?:[\w.%]+\s+){{0,2}}(?:credit\s+)?{_CARD}",
    ),
    _role(
        "debt_amount",
        "money",
        before=rf"(?:collect\w*|collection\w*)\b{_W}",
        after=r"(?:in\s+|to\s+)?(?:collections?|a\s+collector|debt\s+collect)",
    ),
    _role(
        "car_price",
        "money",
        before=rf"(?:car|truck|suv|vehicle|jeep|sedan)\b{_W}",
        after=r"(?:new\s+|used\s+)?(?:car|truck|suv|vehicle)\b",
        per="once",  # "$450 a month for the car" is a payment, never a price
    ),
    _role(
        "home_value",
        "money",
        before=r"(?:(?:is|it'?s|its|now)\s+)?(?:worth|valued\s+at|appraised\s+(?:at|for)|apprais\w+\s+(?:is|was|came\s+in\s+at)|value\s+(?:is|of))\s+(?:about\s+|around\s+|maybe\s+)?",
        after=r"(?:now\s+|today\s+)?(?:in\s+)?(?:value|appraisal|apprais\w+)",
        strong=True,
    ),
    _role(
        "home_price",
        "money",
        before=r"(?:bought|purchased)(?:\s+(?:it|the\s+(?:house|home|place|condo)|(?:my|our)\s+(?:house|home|place|condo)))?"
        r"(?:\s+\w+\s+\w+\s+ago)?\s+(?:at|for)\s+(?:about\s+|around\s+)?",
        strong=True,
    ),
    _role(
        "home_price",
        "money",
        before=rf"(?:houses?|homes?|condos?|townhouses?|place|property|price|priced|listed|asking|buying|buy|purchas\w*)\b{_W}",
        after=r"(?:\w+\s+)?(?:house|home|condo|townhouse|property|place)\b",
        per="once",
    ),
    _role("down_payment", "money", after=r"down\b", before=r"down\s+payment\s+(?:of|is)?\s*"),
    _role(
        "annual_income",
        "money",
        before=rf"(?:make|making|earn|earning|salary|income|gross)\b{_W}",
        after=r"(?:a\s+year\s+)?(?:salary|income)\b",
    ),
    _role(
        "current_payment",
        "money",
        before=r"(?:payment|payments|p&i|p\s?and\s?i|pmt)\s+(?:is|are|of|was|runs|=|:)\s*(?:about|around|roughly)?\s*"
        r"|(?:currently|already|now)\s+pay(?:ing)?\s+(?:about\s+|around\s+)?"
        r"|(?:i'?m|we'?re|am|are)\s+paying\s+(?:about\s+|around\s+)?",
        per="month",
    ),
    _role(
        "invested_amount",
        "money",
        before=rf"(?:invest\w*|lump\s+sum|put)\b{_W}",
        # "i have 10k to invest", "got 5k and zero idea how to start investing"
        after=r"(?:to\s+invest\b|(?:\w+\s+){0,6}?(?:start\s+)?investing\b)",
        per="once",
    ),
)


def role_for(kind: Kind, before: str, after: str, monthly: bool) -> Role | None:
    """The role whose cue is nearest to a quantity of ``kind`` (the characters between the
    cue and the quantity, before or after it); among cues equally near, the one listed
    first."""
    best: tuple[int, int, Role] | None = None
    for order, role in enumerate(ROLES):
        if kind not in role.kinds:
            continue
        if kind == "money" and not _period_fits(role, monthly):
            continue
        gaps = []
        if role.before is not None and (found := role.before.search(before)):
            gaps.append(_gap(before[found.start() : found.end()]))
        if role.after is not None and (found := role.after.search(after)):
            gaps.append(_gap(after[found.start() : found.end()]))
        if not gaps:
            continue
        rank = (min(gaps) - STRONG * role.strong, order)
        if best is None or rank < best[:2]:
            best = (*rank, role)
    return best[2] if best is not None else None


_WORDS = re.compile(r"[A-Za-z0-9$%]+")


def _period_fits(role: Role, monthly: bool) -> bool:
    if role.per == "month only" or (role.per == "month" and role.before is None):
        return monthly
    return not (role.per == "once" and monthly)


def _gap(matched: str) -> int:
    """How far a cue is from the quantity: the words its match spans (the cue word counts as
    one, each word between adds one)."""
    return len(_WORDS.findall(matched))
