"""L2 of the cache: Redis behind a circuit breaker, with a hard time limit on every call.

A lookup never waits more than ``timeout`` seconds, connecting included: redis-py's own
retries are off, because the breaker, not a retry loop, decides when Redis is tried again.
While the breaker is open a lookup costs nothing: it fails fast without touching the
network. Writes run as background tasks, at most ``max_pending_writes`` at a time; past that
they are dropped, so a slow Redis cannot pile up tasks. Every failure reads as a miss;
``on_error`` hears about each one, and a warning is logged at most once per
``WARN_EVERY_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)

MAX_PENDING_WRITES = 256
WARN_EVERY_SECONDS = 30.0


class Guard(Protocol):
    """The part of ``providers.breaker.CircuitBreaker`` the cache uses."""

    def guard(self) -> AbstractContextManager[None]: ...


def is_redis_failure(exc: BaseException) -> bool:
    """Unreachable, refused or too slow. An error reply (e.g. out of memory on a write)
    means Redis is up, so it must not open the breaker and stop the reads too."""
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)


def connect(url: str, timeout: float) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
    )


class RedisTier:
    def __init__(
        self,
        client: Redis,
        breaker: Guard,
        *,
        timeout: float,
        max_pending_writes: int = MAX_PENDING_WRITES,
        on_error: Callable[[str], object] | None = None,
    ) -> None:
        self.client = client
        self._breaker = breaker
        self._timeout = timeout
        self._max_pending = max_pending_writes
        self._on_error = on_error
        self._pending: set[asyncio.Task[None]] = set()
        self._last_warning = -math.inf

    async def get(self, key: str) -> tuple[bytes, float | None] | None:
        """The value and the seconds it has left (None: no expiry), or None on a miss."""
        try:
            with self._breaker.guard():
                async with asyncio.timeout(self._timeout):
                    pipe = self.client.pipeline(transaction=False)
                    pipe.get(key)
                    pipe.pttl(key)
                    data, left_ms = await pipe.execute()
        except Exception as exc:
            self.report("get", exc)
            return None
        if data is None:
            return None
        return bytes(data), (left_ms / 1000 if left_ms > 0 else None)

    def put(self, key: str, data: bytes, ttl: float) -> None:
        """Store in the background; the caller never waits for Redis."""
        if len(self._pending) >= self._max_pending:
            self.report("set", OverflowError(f"{self._max_pending} writes already pending"))
            return
        task = asyncio.create_task(self._write(key, data, ttl), name="cache-l2-write")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, key: str, data: bytes, ttl: float) -> None:
        try:
            with self._breaker.guard():
                async with asyncio.timeout(self._timeout):
                    await self.client.set(key, data, px=max(1, round(ttl * 1000)))
        except Exception as exc:
            self.report("set", exc)

    @property
    def pending_writes(self) -> int:
        return len(self._pending)

    async def drain(self) -> None:
        """Wait for the writes already started (each is bounded by the timeout)."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def report(self, operation: str, exc: BaseException) -> None:
        if self._on_error is not None:
            self._on_error(operation)
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            log.warning(
                "cache_l2_unavailable", operation=operation, policy="serve_from_l1", error=repr(exc)
            )

    async def aclose(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._timeout * 2):
                await self.drain()
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        await self.client.aclose()
