"""Freshness: time-sensitive documents lose rank as they age; every document has a review date.

A document says what it is in its front matter: ``freshness: time-sensitive`` for one whose
figures go out of date (limits, brackets, rates, programme terms), ``evergreen`` (the
default) for one that explains how something works. ``updated`` is the date it was last
checked; ``review_by`` (optional) the date by which it must be checked again, otherwise
``updated`` plus a year (time-sensitive) or three (evergreen).

Ranking multiplies a time-sensitive passage's score by a weight that is 1 for ``grace``
days after ``updated`` and then falls towards ``floor``, halfway there after each
``half_life`` days (``floor + (1 - floor) * 0.5 ** (days / half_life)``): a newer edition
of the same guidance outranks the older one, while an old document that is the only one
on its subject is still found. Evergreen passages, and passages of documents without a
readable ``updated``, keep weight 1. The floor is small on purpose: reciprocal rank fusion
scores are flat (first in both lists is 0.0328, third in both 0.0317), so a weight of 0.97
already moves a passage two places; on the gold set a floor of 0.9 cost nothing and 0.75
cost a point of MRR (docs/architecture.md, "Freshness").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from apfa.core.config import Settings

Kind = Literal["time-sensitive", "evergreen"]
KINDS: tuple[Kind, ...] = ("time-sensitive", "evergreen")


def parse_date(value: object) -> dt.date | None:
    """A front-matter date (``2026-01-15``, or a timestamp starting with one); None when
    absent or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def kind_of(meta: Mapping[str, Any]) -> Kind:
    value = str(meta.get("freshness") or "").strip().lower().replace("_", "-")
    return "time-sensitive" if value == "time-sensitive" else "evergreen"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True, slots=True)
class FreshnessPolicy:
    half_life_days: int = 365
    grace_days: int = 90
    floor: float = 0.9
    review_days: int = 365
    evergreen_review_days: int = 1095
    clock: Callable[[], dt.date] = today

    def weight(self, updated: dt.date | None, time_sensitive: bool, on: dt.date) -> float:
        """The factor a passage's ranking score is multiplied by on day ``on``."""
        if not time_sensitive or updated is None or self.floor >= 1.0:
            return 1.0
        late = (on - updated).days - self.grace_days
        if late <= 0:
            return 1.0
        remaining: float = 0.5 ** (late / self.half_life_days)
        return self.floor + (1.0 - self.floor) * remaining

    def review_by(self, meta: Mapping[str, Any]) -> dt.date | None:
        """The date the document is due for review: ``review_by`` when it says, else
        ``updated`` plus the interval of its kind; None when it has neither."""
        stated = parse_date(meta.get("review_by"))
        if stated is not None:
            return stated
        updated = parse_date(meta.get("updated"))
        if updated is None:
            return None
        days = self.review_days if kind_of(meta) == "time-sensitive" else self.evergreen_review_days
        return updated + dt.timedelta(days=days)


def policy_of(settings: Settings) -> FreshnessPolicy:
    return FreshnessPolicy(
        half_life_days=settings.freshness_half_life_days,
        grace_days=settings.freshness_grace_days,
        floor=settings.freshness_floor,
        review_days=settings.review_days,
        evergreen_review_days=settings.evergreen_review_days,
    )


@dataclass(frozen=True, slots=True)
class Review:
    """Where a document stands: its kind, dates, and whether it is past its review date."""

    kind: Kind
    updated: dt.date | None
    review_by: dt.date | None
    overdue: bool
    days_overdue: int


def review_of(meta: Mapping[str, Any], policy: FreshnessPolicy, on: dt.date) -> Review:
    due = policy.review_by(meta)
    late = (on - due).days if due is not None else 0
    return Review(kind_of(meta), parse_date(meta.get("updated")), due, late > 0, max(0, late))
