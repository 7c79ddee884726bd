"""Moving-window rate limits: in process by default, in Redis (the ``limits`` library) when
``APFA_REDIS_URL`` is set so a limit holds across processes.

Both count exactly: a hit is allowed when fewer than ``limit`` hits were allowed in the
``window`` seconds before it; ``remaining`` is what is left of the limit after this hit, and
``reset_after`` is the time until the oldest counted hit leaves the window (one more hit
becomes possible). In process, each key keeps a deque of the times of its counted hits,
oldest first, so a hit costs O(1) whatever the limit; the ``limits`` memory storage inserts
at the front of a list, which costs O(limit) per hit and grew to tens of microseconds for
a generous per-role limit.

When the Redis storage cannot be reached the limiter fails open: the request is allowed,
a warning is logged (at most once per ``WARN_EVERY_SECONDS``) and ``on_storage_error`` is
called (``create_app`` counts it in a metric). Refusing every advice request because the
limit store is down would turn a Redis outage into a full outage of a read path.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from starlette.requests import Request

from apfa.core.errors import TooManyRequests
from apfa.core.resources import Resource

log = structlog.get_logger(__name__)

REDIS_TIMEOUT_SECONDS = 0.5
WARN_EVERY_SECONDS = 30.0
# How often idle keys are dropped from the in-process windows.
SWEEP_EVERY_SECONDS = 60.0


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


@dataclass(slots=True)
class _Window:
    seconds: float
    hits: deque[float]


class LocalMovingWindow:
    """Exact moving windows for one process. The event loop is the only caller."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[tuple[str, ...], _Window] = {}
        self._swept = clock()

    def hit(self, key: tuple[str, ...], limit: int, seconds: float) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until one more hit is possible)."""
        now = self._clock()
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(seconds, deque())
        hits = window.hits
        # As in ``limits``: a hit exactly ``seconds`` old still counts.
        horizon = now - seconds
        while hits and hits[0] < horizon:
            hits.popleft()
        allowed = len(hits) < limit
        if allowed:
            hits.append(now)
        if now - self._swept >= SWEEP_EVERY_SECONDS:
            self._sweep(now)
        reset = hits[0] + seconds - now if hits else seconds
        return allowed, max(0, limit - len(hits)), reset

    def _sweep(self, now: float) -> None:
        self._swept = now
        idle = [k for k, w in self._windows.items() if not w.hits or w.hits[-1] < now - w.seconds]
        for key in idle:
            del self._windows[key]

    def __len__(self) -> int:
        return len(self._windows)


def _redis_storage(redis_url: str) -> Storage:
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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._local = None if redis_url else LocalMovingWindow(clock)
        self._limiter = MovingWindowRateLimiter(_redis_storage(redis_url)) if redis_url else None
        self._rules: dict[str, RateLimitItem] = {}
        self._on_storage_error = on_storage_error
        self._last_warning = -math.inf

    def _rule(self, spec: str) -> RateLimitItem:
        rule = self._rules.get(spec)
        if rule is None:
            rule = self._rules[spec] = parse(spec)
        return rule

    async def hit(self, spec: str, *keys: str) -> Verdict:
        rule = self._rule(spec)
        if self._local is not None:
            allowed, remaining, reset = self._local.hit(
                (spec, *keys), rule.amount, rule.get_expiry()
            )
            return Verdict(allowed, rule.amount, remaining, math.ceil(reset))
        assert self._limiter is not None
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


RATE_LIMITER = Resource[RateLimiter]("rate limiter")


async def enforce(request: Request, spec: str, scope: str, key: str) -> None:
    """Count one hit of ``scope`` for ``key`` (a user id or a client address) against
    ``spec``; ``TooManyRequests`` with ``Retry-After`` over it. The limit headers go on the
    response either way."""
    verdict = await RATE_LIMITER.of(request).hit(spec, scope, key)
    request.state.response_headers = verdict.headers()
    if not verdict.allowed:
        raise TooManyRequests(
            f"{scope} rate limit of {spec} exceeded; retry in {verdict.reset_after} s",
            headers=verdict.headers(),
        )
