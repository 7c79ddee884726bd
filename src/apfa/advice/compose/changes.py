"""What changed since the last answer of a conversation: the headline figures an answer
gave are remembered with what it said, so a what-if turn ("and over 60 months?") can put
its figures against the last ones instead of leaving the person to compare."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from apfa.advice.calculators.base import FigureKind
from apfa.advice.formatting import render

# The figures compared from turn to turn, and how each is named in the sentence.
HEADLINE: dict[str, str] = {
    "monthly_payment": "payment",
    "total_interest": "interest",
    "payoff_months": "time to pay off",
    "payoff_interest": "interest",
}
_PREFIX = "any:figure:"


def figure_keys(values: Mapping[str, object]) -> list[str]:
    """The ``said`` records of this answer's headline figures: ``any:figure:name=value``."""
    return [
        f"{_PREFIX}{name}={values[name]}"
        for name in HEADLINE
        if isinstance(values.get(name), Decimal | int)
    ]


def earlier_figures(said: Sequence[str]) -> dict[str, str]:
    """The latest recorded value of each headline figure in a thread's ``said`` list."""
    found: dict[str, str] = {}
    for key in said:
        if key.startswith(_PREFIX) and "=" in key:
            name, value = key[len(_PREFIX) :].split("=", 1)
            found[name] = value
    return found


def change_line(
    values: Mapping[str, object], earlier: Mapping[str, str], kinds: Mapping[str, FigureKind]
) -> str | None:
    """ "Against the last answer, the payment is $81.46 higher ($566.40 instead of $484.94)
    and the interest $1,410.75 lower ...", or None when no headline figure changed."""
    parts: list[str] = []
    moves: dict[str, int] = {}
    for name, word in HEADLINE.items():
        now, before = values.get(name), earlier.get(name)
        if not isinstance(now, Decimal | int) or before is None or word in moves:
            continue
        try:
            old = Decimal(before)
        except InvalidOperation:
            continue
        new = Decimal(now)
        if new == old:
            continue
        kind = kinds.get(name, "money")
        direction = (
            ("longer" if new > old else "shorter")
            if kind == "months"
            else ("higher" if new > old else "lower")
        )
        moves[word] = 1 if new > old else -1
        parts.append(
            f"the {word} is {render(abs(new - old), kind)} {direction} "
            f"({render(new, kind)} instead of {render(old, kind)})"
        )
    if not parts:
        return None
    return (
        "Against the last answer, "
        + " and ".join(parts)
        + _TRADE.get((moves.get("payment", 0), moves.get("interest", 0)), ".")
    )


# (payment, interest): +1 higher, -1 lower, 0 unchanged or unknown
_TRADE: dict[tuple[int, int], str] = {
    (1, -1): (
        ": a higher monthly payment for less interest overall, worth it if you can afford the"
        " higher payment every month."
    ),
    (-1, 1): ": a lower monthly payment for more interest overall.",
    (-1, -1): ": less to pay each month and less interest overall.",
    (1, 1): ": more to pay each month and more interest overall.",
}
