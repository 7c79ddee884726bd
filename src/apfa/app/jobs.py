"""Every job and schedule APFA runs, registered explicitly: the one place that knows
which domains have jobs. ``apfa serve``, ``apfa worker`` and ``apfa beat`` read it."""

from __future__ import annotations

from apfa.advice import tasks as advice
from apfa.documents import tasks as documents
from apfa.jobs.registry import Catalogue
from apfa.knowledge import tasks as knowledge


def catalogue() -> Catalogue:
    return Catalogue.of(
        tasks=(*documents.TASKS, *knowledge.TASKS, *advice.TASKS),
        schedules=(*knowledge.SCHEDULES, *advice.SCHEDULES),
    )
