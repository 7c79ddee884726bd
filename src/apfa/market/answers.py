"""Questions about current figures ("what are mortgage rates now", "what's the fed funds
rate") and the sentences that answer them: each figure with its date and source, or, when
none is stored, what the bundled rate table says and its date."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cache

from apfa.core.config import Settings
from apfa.market.current import Current, current
from apfa.market.series import catalogue
from apfa.market.service import Latest

# Words that ask for the figure as it is now rather than about it in general.
NOW = re.compile(
    r"\b(?:now|today|todays|today's|current|currently|these days|latest|at the moment|"
    r"this (?:week|month)|going rates?)\b"
)
# Asking for the figure itself ("what's the fed funds rate"), enough for a series that is
# not ``strict``.
WHAT = re.compile(r"\b(?:what(?:'s| is| are)|whats|where (?:is|are)|how (?:high|low) (?:is|are))\b")


@cache
def _cues() -> tuple[tuple[str, bool, re.Pattern[str]], ...]:
    return tuple(
        (info.id, info.strict, re.compile("|".join(f"(?:{cue})" for cue in info.cues)))
        for info in catalogue().values()
        if info.cues
    )


def asked_series(question: str) -> list[str]:
    """The series a question asks the current value of, in catalogue order; none when it
    names none or does not ask about now."""
    text = " ".join(question.lower().split())
    now = NOW.search(text) is not None
    what = now or WHAT.search(text) is not None
    return [
        series
        for series, strict, pattern in _cues()
        if (now if strict else what) and pattern.search(text)
    ]


def _percent(value: object) -> str:
    return f"{value:.2f}%"


def sentence(figure: Current) -> str:
    info = figure.info
    if not figure.bundled:
        shown = _percent(figure.value) if info.unit == "percent" else f"{figure.value}"
        text = (
            f"The {info.title} was {shown} on {figure.as_of} ({info.publisher}; "
            f"source: {figure.source})."
        )
        if figure.stale:
            text += (
                f" That is the latest stored figure and it is {figure.age_days} days old, "
                "older than expected: newer figures could not be fetched."
            )
        return text
    missing = f"No current figure for the {info.title} is stored"
    if figure.low is None or figure.high is None:
        return (
            f"{missing}, and {figure.source} has none for it; check {info.publisher} "
            "for today's figure."
        )
    return (
        f"{missing}, so this falls back to {figure.source}: it assumes "
        f"{_percent(figure.low)} to {_percent(figure.high)} for {figure.covers} by credit "
        f"score, as of {figure.as_of}. Today's rates may differ."
    )


def current_figures_note(
    question: str, latest: Mapping[str, Latest], settings: Settings, today: date
) -> str | None:
    """The answer's "current figures" paragraph, or None when the question asks for none."""
    asked = asked_series(question)
    if not asked:
        return None
    return " ".join(sentence(current(s, latest, settings, today)) for s in asked)
