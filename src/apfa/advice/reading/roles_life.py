"""The role table, life events: child care, a windfall and what was withheld from it, the
full health premium COBRA is priced on, parental leave with what it pays, and what has gone
into a workplace plan so far this year. Listed before the general tables, so their specific
cues win a tie."""

from __future__ import annotations

from collections.abc import Sequence

from apfa.advice.reading.role import Role, W, role

_CARE = r"(?:day\s*care|child\s*care|childcare|nanny|preschool|infant\s+care)"
_WINDFALL = r"(?:inheritance|windfall|settlement|lottery|jackpot|scratch[- ]?off|prize|winnings)"

LIFE_ROLES: Sequence[Role] = (
    role(  # "so far this year ive put 14,000 into my 401k": this year's deferrals
        "deferred_this_year",
        "money",
        after=r"(?:so\s+far\s+)?(?:into|to)\s+(?:my|the|our|her|his)\s+"
        r"(?:401\s?\(?k\)?|403\s?\(?b\)?|457|tsp|workplace\s+plan)",
        per="once",
        strong=True,
    ),
    role(
        "child_care_monthly",
        "money",
        before=rf"{_CARE}\b{W}",
        after=rf"(?:a\s+month\s+|per\s+month\s+|monthly\s+)?(?:for\s+|on\s+|in\s+)?{_CARE}",
        per="month",
        strong=True,
    ),
    role(
        "windfall_amount",
        "money",
        before=r"(?:inherit\w*|(?:i|we)\s+won|won|left\s+(?:me|us)|settl\w+(?:\s+[\w']+){0,5}?\s+(?:for|at)|"
        rf"{_WINDFALL}\s+(?:of|is|was|for|worth))\s+(?:about\s+|around\s+|almost\s+|like\s+)?",
        after=rf"(?:from\s+(?:an?\s+|the\s+|my\s+)?|in\s+(?:an?\s+|the\s+)?|on\s+(?:an?\s+|the\s+)?)"
        rf"(?:\w+\s+)?{_WINDFALL}",
        per="once",
        strong=True,
    ),
    role(
        "windfall_withholding_pct",
        "percent",
        before=r"(?:took|take|taken|withheld|withhold\w*|held\s+back)\s+(?:out\s+)?",
        after=r"(?:out\s+)?(?:for\s+)?(?:taxes|tax|withholding|withheld)",
        strong=True,
    ),
    role(
        "health_premium_full",
        "money",
        before=r"(?:full|total|whole|entire)\s+(?:monthly\s+)?premium\s+(?:is|was|of|comes\s+to)?\s*",
        after=r"(?:a\s+month\s+|/mo\s+)?(?:for\s+the\s+)?(?:full|total|whole)\s+premium",
        strong=True,
    ),
    role(
        "leave_months",
        "duration",
        after=r"(?:of\s+)?(?:unpaid\s+|paid\s+|maternity\s+|paternity\s+|parental\s+|family\s+|"
        r"medical\s+)?leave\b",
        strong=True,
    ),
    role(
        "leave_benefit_monthly",
        "money",
        before=rf"(?:family\s+leave|leave|disability)\b{W}\s+(?:pay|pays|paying|give|gives)\s+"
        r"(?:me\s+|us\s+)?(?:about\s+|around\s+)?",
        per="month",
        strong=True,
    ),
)
