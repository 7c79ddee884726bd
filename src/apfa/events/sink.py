"""The one interface producers of events depend on.

``publish`` never blocks and never raises: an event that cannot be delivered is logged
and dropped, because no job or request may fail for want of a live dashboard.
"""

from __future__ import annotations

from typing import Any, Protocol

from apfa.core.resources import Resource

# Rooms and their events (API contract, "Real-time").
TASKS_ROOM = "celery:tasks"
INDEX_ROOM = "index"
METRICS_ROOM = "metrics"

TASK_UPDATE = "task_update"
BATCH_PROGRESS = "batch_progress"
INDEX_SWAPPED = "index_swapped"
METRICS = "metrics"


class EventSink(Protocol):
    def publish(self, room: str, event: str, data: dict[str, Any]) -> None: ...


class NullSink:
    """For processes with nobody to tell (a CLI run without Redis, unit tests)."""

    def publish(self, room: str, event: str, data: dict[str, Any]) -> None:
        return None


EVENTS = Resource[EventSink]("event sink")
