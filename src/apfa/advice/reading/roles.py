"""Which fact a quantity states, from the words around it.

A role applies to quantities of some kinds when a cue matches the words just before the
quantity (``before``, the last few words) or just after it (``after``, the next few).
Roles are tried in the order listed: specific ones (``transfer fee``) before general ones
(``fee``). The table is data, read top to bottom like a grammar, in three parts: life
events (``roles_life``), percents, durations and counts (``roles_rates``), then money
(``roles_money``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from apfa.advice.reading.quantities import Kind
from apfa.advice.reading.role import Role
from apfa.advice.reading.roles_life import LIFE_ROLES
from apfa.advice.reading.roles_money import MONEY_ROLES
from apfa.advice.reading.roles_rates import RATE_ROLES

STRONG = 10  # how much nearer a strong role's cue counts

ROLES: Sequence[Role] = (*LIFE_ROLES, *RATE_ROLES, *MONEY_ROLES)


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
