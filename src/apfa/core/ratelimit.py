"""Rate limits with the ``limits`` library: in-process storage by default, Redis when
``APFA_REDIS_URL`` is set so a limit holds across processes."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int

    def headers(self) -> dict[str, str]:
        values = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_after),
        }
        if not self.allowed:
            values["Retry-After"] = str(self.reset_after)
        return values


class RateLimiter:
    def __init__(self, redis_url: str | None = None) -> None:
        self._storage: Storage = (
            cast(Storage, storage_from_string(f"async+{redis_url}", implementation="redispy"))
            if redis_url
            else MemoryStorage()
        )
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._rules: dict[str, RateLimitItem] = {}

    def _rule(self, spec: str) -> RateLimitItem:
        if spec not in self._rules:
            self._rules[spec] = parse(spec)
        return self._rules[spec]

    async def hit(self, spec: str, *keys: str) -> Verdict:
        rule = self._rule(spec)
        allowed = await self._limiter.hit(rule, *keys)
        stats = await self._limiter.get_window_stats(rule, *keys)
        reset_after = max(0, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, rule.amount, max(0, stats.remaining), reset_after)
