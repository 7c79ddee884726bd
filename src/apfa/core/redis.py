"""The process's async Redis client (when ``APFA_REDIS_URL`` is set).

One client, built at start-up and handed out as the ``REDIS`` resource: its pool serves
index announcements and staging reports, pub/sub listeners, the real-time channel and
worker listings. Commands time out after ``COMMAND_TIMEOUT_SECONDS``; a blocking pub/sub read is
not a command and waits for as long as it must. The answer cache keeps a client of its own
(``core.cache_redis``: no retries, a tighter timeout and a circuit breaker, because a slow
cache must cost a request nothing), readiness opens a connection per probe (it reports
whether Redis answers now, whatever the pool's state), and threads outside the event loop
(Celery heartbeats, the event sink of a worker) use synchronous clients.
"""

from __future__ import annotations

from redis.asyncio import Redis

from apfa.core.resources import Resource

COMMAND_TIMEOUT_SECONDS = 2.0

REDIS = Resource[Redis]("Redis client")


def connect_redis(url: str, *, timeout: float = COMMAND_TIMEOUT_SECONDS) -> Redis:
    """A client for ``url``; it connects on first use, on the loop that uses it."""
    return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
