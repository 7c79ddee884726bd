"""Which event stream an API process uses."""

from __future__ import annotations

from apfa.core.config import Settings
from apfa.events.hub import EventHub
from apfa.events.redis_bus import RedisEventBus
from apfa.events.stream import EventStream


def build_stream(settings: Settings) -> EventStream:
    """Redis when configured, so events from workers and other API processes arrive here;
    otherwise the in-process hub, which sees only this process's events."""
    if settings.redis_url:
        return RedisEventBus(
            settings.redis_url,
            replay_size=settings.ws_replay_events,
            namespace=settings.cache_namespace,
        )
    return EventHub(settings.ws_replay_events)
