"""Every job and schedule APFA runs, registered explicitly: the one place that knows
which domains have jobs. ``apfa serve``, ``apfa worker`` and ``apfa beat`` read it."""

from __future__ import annotations

from apfa.advice import tasks as advice
from apfa.core.config import Settings
from apfa.documents import tasks as documents
from apfa.jobs.registry import Catalogue
from apfa.knowledge import tasks as knowledge
from apfa.market import tasks as market


def catalogue(settings: Settings | None = None) -> Catalogue:
    """The jobs and schedules; ``settings`` set the configurable ones (market data), the
    defaults apply without them."""
    settings = settings or Settings(_env_file=None)
    return Catalogue.of(
        tasks=(*documents.TASKS, *knowledge.TASKS, *advice.TASKS, *market.TASKS),
        schedules=(*knowledge.SCHEDULES, *advice.SCHEDULES, *market.schedules(settings)),
    )
