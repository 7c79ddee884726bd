"""The role table, first part: percents (rate structure first: "margin of 2.75%" is not a
rate), durations and counts. Order matters among roles of one kind (``roles.role_for``)."""

from __future__ import annotations

from collections.abc import Sequence

from apfa.advice.reading.role import CARD, Role, W, role

RATE_ROLES: Sequence[Role] = (
    # ARM and rate-structure words come first: "margin of 2.75%" is not a rate.
    role("margin", "percent number", before=rf"margin\b{W}"),
    role("index_rate", "percent number", before=rf"(?:index|sofr|treasury|prime(?:\s+rate)?)\b{W}"),
    role("lifetime_cap", "percent number", before=rf"lifetime(?:\s+(?:cap|limit))?\b{W}"),
    role(
        "new_rate",
        "percent",
        before=r"(?:personal|consolidation|debt\s+consolidation|new)\s+loan\s+(?:at|@|for|with)\s*"
        r"(?:an?\s+)?(?:apr\s+of\s+)?(?:about\s+|around\s+)?",
        strong=True,
    ),
    role(
        "heloc_rate",
        "percent",
        before=r"(?:heloc|home\s+equity\s+line|line\s+of\s+credit)\s+(?:offer\s+|rate\s+)?(?:is\s+|at\s+|of\s+|@\s*)?"
        r"(?:about\s+|around\s+)?",
        strong=True,
    ),
    role(
        "return_rate",
        "percent",
        before=r"invest\w*(?:\s+\w+){0,4}?\s+(?:at|@|earn\w*|return\w*|get(?:ting)?|make|making|averag\w*)\s*"
        r"(?:about\s+|around\s+|an?\s+)?",
        strong=True,
    ),
    role(
        "arm_rate",
        "percent",
        before=r"arm\s+(?:at|@|is|of|for)\s*(?:about\s+|around\s+)?",
        after=r"(?:on\s+(?:the|an?)\s+)?(?:\d+\s*/\s*\d+\s+)?arm\b",
        strong=True,
    ),
    role(
        "fixed_rate",
        "percent",
        before=r"fixed\s+(?:rate\s+)?(?:at|@|is|of|for)\s*(?:about\s+|around\s+)?",
        after=r"(?:on\s+(?:the|a)\s+)?(?:\d+[- ]?(?:yr|year)\s+)?fixed\b",
        strong=True,
    ),
    role(
        "pmi_rate",
        "percent",
        before=rf"(?:pmi|mip|mortgage\s+insurance)\b{W}",
        after=r"(?:a\s+year\s+|annual\s+|per\s+year\s+)?(?:pmi|mip|mortgage\s+insurance)",
        strong=True,
    ),
    role(
        "max_dti",
        "percent",
        before=rf"(?:max(?:imum)?|limits?|caps?|capped|up\s+to)\s+(?:\w+\s+)?"
        rf"(?:dti|debt[- ]to[- ]income|debts?(?:\s+payments)?)\b{W}"
        rf"|(?:dti|debt[- ]to[- ]income|debts?)\s+(?:(?:is|are)\s+)?"
        rf"(?:limit\w*|max(?:imum)?|cap\w*)\b{W}",
        after=r"(?:max(?:imum)?\s+)?(?:dti|debt[- ]to[- ]income)\s+(?:limit|max|cap)",
        strong=True,  # "caps total debt at 36%": the limit, although "at" cues a rate
    ),
    role(
        "periodic_cap",
        "percent number",
        before=rf"(?:periodic|annual|subsequent)\s+(?:cap|adjustment\s+cap)\b{W}",
    ),
    role(
        "initial_cap", "percent number", before=rf"(?:initial|first)\s+(?:adjustment\s+)?cap\b{W}"
    ),
    role(
        "transfer_fee_pct",
        "percent",
        before=rf"(?:transfer|bt)\s+fee\b{W}",
        after=r"(?:balance\s+)?transfer\s+fee",
    ),
    role(
        "promo_apr",
        "percent",
        before=rf"(?:intro(?:ductory)?|promo(?:tional)?|teaser)\b{W}",
        after=r"(?:intro|promo|introductory)",
    ),
    role(
        "fee_pct",
        "percent",
        before=rf"(?:origination|orig\.?)\s+fee\b{W}",
        after=r"(?:origination\s+)?fee\b",
    ),
    role("expense_ratio", "percent", before=rf"expense\s+ratio\b{W}", after=r"expense\s+ratio"),
    role(
        "other_expense_ratio",
        "percent",
        before=rf"(?:index\s+fund|etf|other\s+fund|new\s+fund|cheaper\s+fund)\b{W}",
        strong=True,
    ),
    role("money_factor", "number", before=r"money\s+factor(?:\s+(?:is|of|at|was))?"),
    role(
        "fund_balance",
        "money",
        after=r"(?:invested\s+)?in\s+(?:a|an|my|the|one)\s+(?:\w+\s+){0,2}(?:mutual\s+fund|fund|etf|portfolio|brokerage)",
        strong=True,
    ),
    role("match_rate_pct", "percent", after=r"match(?:es|ing)?\s+(?:on|of|up\s+to)"),
    role(
        "employer_match_pct",
        "percent",
        before=r"match(?:es|ing|ed)?\b(?:\s+\w+){0,3}\s+(?:up\s+to|to|of)?\s*|match(?:es|ing)?\s+",
        after=r"(?:employer\s+|company\s+)?match",
    ),
    role(
        "contribution_pct",
        "percent",
        before=rf"(?:contribut\w*|put(?:ting)?\s+in|deferr\w*|sav(?:e|ing))\b{W}",
        after=r"(?:of\s+(?:my\s+)?(?:pay|salary|income))?\s*(?:into|in|to)\s+(?:my\s+|the\s+)?(?:401|403|457|retirement|ira)",
    ),
    # "what if i only do 15%": a share of pay put in (a down payment is read before this)
    role(
        "contribution_pct",
        "percent",
        before=r"\b(?:i|we)\s+(?:only\s+|just\s+)?(?:do|did)\s+(?:only\s+|just\s+)?",
    ),
    role(
        "return_rate",
        "percent",
        before=rf"(?:return(?:s|ing)?|earn(?:s|ing)?|grow(?:s|th|ing)?|yield(?:s|ing)?|averag\w*)\b{W}",
        after=r"(?:annual\s+|average\s+|expected\s+)?(?:return|growth|a\s+year\s+return)",
    ),
    role(
        "tax_rate", "percent", before=rf"(?:bracket|tax\s+rate)\b{W}", after=r"(?:tax\s+)?bracket"
    ),
    role("settlement_pct", "percent", before=r"settle\w*\b(?:\W+\w+){0,8}", strong=True),
    role("down_payment_pct", "percent", after=r"down\b"),
    role(
        "new_rate",
        "percent",
        before=rf"(?:refinanc\w*|refi|new\s+rate|offer\w*|quot\w*|drop(?:ped)?|lower\w*|get|getting|go(?:ing)?\s+to|down\s+to|now\s+at|rates?\s+are(?:\s+now)?)\b{W}",
    ),
    role(
        "apr",
        "percent",
        before=rf"{CARD}\s+(?:(?:are|is)\s+)?(?:all\s+|both\s+)?(?:at|@|is|with|charges?|charging)\s*"
        r"(?:an?\s+)?(?:apr\s+of\s+)?(?:about\s+|around\s+)?",
        strong=True,
    ),
    role(
        "apr",
        "percent",
        before=rf"{CARD}\b{W}|apr\s*(?:of|is|at)?",
        after=rf"apr\b|(?:(?:interest\s+)?rate\s+)?(?:credit\s+)?{CARD}\b",
    ),
    role(
        "interest_rate",
        "percent",
        before=rf"(?:(?:at|rate|interest|apr)\b|@){W}",
        after=r"(?:interest|rate|apr|fixed|arm\b|on\s+(?:a|my|the)|(?:\w+\s+){0,2}(?:loans?|mortgage|debt|heloc|note))",
    ),
    role("interest_rate", "percent", before=r"from\s+"),
    role(
        "interest_rate",
        "number",
        before=r"(?:rate|quote|apr|interest)(?:\s+(?:quote|is|of|at|was|around|about))*\s*",
    ),
    # durations
    role(
        "promo_months",
        "duration",
        before=rf"(?:(?:intro(?:ductory)?|promo(?:tional)?|zero\s+percent)\b|(?<![\d.])0\s?%){W}",
        strong=True,
    ),
    role("lease_months", "duration", after=r"lease"),
    role(
        "fixed_years",
        "duration",
        before=r"fixed\s+for\s+(?:the\s+first\s+)?",
        after=r"(?:intro\w*\s+)?fixed\s+period",
    ),
    role("remaining_months", "duration", after=r"(?:left|remaining|to\s+go)"),
    role(
        "payments_made",
        "duration",
        before=r"after\s+(?:about\s+)?|been\s+paying\s+(?:for\s+)?",
        after=r"(?:into|in\s+to)\s+(?:the|my|a|our)",
    ),
    role(
        "horizon_years",
        "duration",
        before=r"(?:stay\w*|live|living|plan\w*|retire\w*|hold\w*|keep\w*|in|for\s+the\s+next|next)\b(?:\s+\w+){0,3}",
        after=r"(?:from\s+now|or\s+so|until\s+retirement)",
    ),
    # "a new 30 yr", "refinance into a 15-year", "a 20 year refi": the new loan's term
    role(
        "new_term_months",
        "duration",
        before=r"\bnew\s+|refi(?:nanc\w*)?\s+(?:in)?to\s+(?:a\s+)?",
        after=r"(?:fixed\s+)?(?:refi|refinance)\b",
        strong=True,
    ),
    role(
        "term_months",
        "duration",
        before=rf"(?:over|for|term\s+of|term|in|on\s+a|a)\b{W}|\d\s?%\s*,?\s*",
        after=r"(?:fixed|mortgage|loan|term|arm|note|refi|refinance|auto|car|personal|student|plan|heloc|amortization|repayment)",
    ),
    # counts
    role("points", "number percent", after=r"points?\b"),
    role("missed_payments", "number", before=r"missed\s+|behind\s+(?:on\s+)?"),
    role(
        "missed_payments",
        "number duration",
        after=r"(?:(?:mortgage|car|loan|monthly)\s+)?(?:payments?\s+)?(?:behind|late|past\s+due)\b",
        strong=True,
    ),
    role(
        "qualifying_payments",
        "number",
        after=r"(?:(?:qualifying|on-?time|pslf|eligible)\s+){0,3}payments?\b",
    ),
    role("dependents", "number", after=r"(?:kids|children|dependents)\b"),
    role("family_size", "number", before=r"family\s+of\s+|household\s+of\s+"),
    role(
        "age",
        "number",
        before=r"(?:i'?m|i\s+am|age|aged)\s+",
        after=r"(?:years?[\s-]+old|yo\b|y/o)",
    ),
    role(
        "credit_score",
        "number",
        before=r"(?:credit|fico|score)(?:\s+score)?(?:\s+(?:is|of|was|around|about|at|near))*\s*",
        after=r"(?:credit(?:\s+score)?|fico|score)",
    ),
)
