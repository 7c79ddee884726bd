"""Which event stream an API process uses."""

from __future__ import annotations

from redis.asyncio import Redis

from apfa.core.config import Settings
from apfa.events.hub import EventHub
from apfa.events.redis_bus import RedisEventBus
from apfa.events.stream import EventStream


def build_stream(settings: Settings, redis: Redis | None) -> EventStream:
    """Redis when configured (``redis`` is the process's client), so events from workers
    and other API processes arrive here; otherwise the in-process hub, which sees only
    this process's events."""
    if redis is not None:
        return RedisEventBus(
            redis, replay_size=settings.ws_replay_events, namespace=settings.cache_namespace
        )
    return EventHub(settings.ws_replay_events)
