"""The event sink for a process that is not an API server (a Celery worker, the CLI)."""

from __future__ import annotations

from apfa.core.config import Settings
from apfa.events.redis_sink import RedisEventSink
from apfa.events.sink import EventSink, NullSink


def process_sink(settings: Settings) -> EventSink:
    """Through Redis to every API process when configured; without Redis nobody could
    hear this process, so events go nowhere."""
    if not settings.redis_url:
        return NullSink()
    return RedisEventSink(
        settings.redis_url,
        replay_size=settings.ws_replay_events,
        namespace=settings.cache_namespace,
    )
