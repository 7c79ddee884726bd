"""Rate limits with the ``limits`` library: in-process storage by default, Redis when
``APFA_REDIS_URL`` is set so a limit holds across processes.

When the Redis storage cannot be reached the limiter fails open: the request is allowed,
a warning is logged (at most once per ``WARN_EVERY_SECONDS``) and ``on_storage_error`` is
called (``create_app`` counts it in a metric). Refusing every advice request because the
limit store is down would turn a Redis outage into a full outage of a read path.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

log = structlog.get_logger(__name__)

REDIS_TIMEOUT_SECONDS = 0.5
WARN_EVERY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int
    degraded: bool = False

    def headers(self) -> dict[str, str]:
        values = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_after),
        }
        if not self.allowed:
            values["Retry-After"] = str(max(1, self.reset_after))
        return values


def _storage(redis_url: str | None) -> Storage:
    if not redis_url:
        return MemoryStorage()
    storage = storage_from_string(
        f"async+{redis_url}",
        implementation="redispy",
        wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return cast(Storage, storage)


class RateLimiter:
    def __init__(
        self,
        redis_url: str | None = None,
        *,
        on_storage_error: Callable[[], object] | None = None,
    ) -> None:
        self._storage = _storage(redis_url)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._rules: dict[str, RateLimitItem] = {}
        self._on_storage_error = on_storage_error
        self._last_warning = -math.inf

    def _rule(self, spec: str) -> RateLimitItem:
        if spec not in self._rules:
            self._rules[spec] = parse(spec)
        return self._rules[spec]

    async def hit(self, spec: str, *keys: str) -> Verdict:
        rule = self._rule(spec)
        try:
            allowed = await self._limiter.hit(rule, *keys)
            stats = await self._limiter.get_window_stats(rule, *keys)
        except (StorageError, OSError, TimeoutError) as exc:
            self._storage_failed(exc)
            return Verdict(True, rule.amount, rule.amount, rule.get_expiry(), degraded=True)
        reset_after = max(0, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, rule.amount, max(0, stats.remaining), reset_after)

    def _storage_failed(self, exc: Exception) -> None:
        if self._on_storage_error is not None:
            self._on_storage_error()
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            cause = exc.storage_error if isinstance(exc, StorageError) else exc
            log.warning("rate_limit_storage_unavailable", policy="fail_open", error=repr(cause))
