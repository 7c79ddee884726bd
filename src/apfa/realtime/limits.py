"""Connection limits: at most ``per_user`` connections per user and ``total`` in all.

``LocalLimiter`` counts this process's connections. With Redis, ``RedisLimiter`` also
counts across every API process: each connection is a member of two sorted sets (all,
and its user's) scored by an expiry that the holder refreshes, so the slots of a process
that died free themselves within ``LEASE_SECONDS``. If Redis cannot be reached the
process still enforces its own limits rather than refusing everyone.
"""

from __future__ import annotations

from typing import Protocol

import structlog
from redis.asyncio import Redis

log = structlog.get_logger(__name__)

LEASE_SECONDS = 30
# Refreshing well inside the lease keeps live connections counted.
REFRESH_SECONDS = 10.0


class ConnectionLimiter(Protocol):
    async def acquire(self, user_id: int, conn_id: str) -> str | None:
        """Take a slot; None on success, else why not (sent to the client)."""

    async def release(self, user_id: int, conn_id: str) -> None: ...

    async def refresh(self) -> None: ...

    async def aclose(self) -> None: ...


def per_user_refusal(limit: int) -> str:
    return f"too many connections for this user (limit {limit}); close one and retry"


def total_refusal(limit: int) -> str:
    return f"the server is at its connection limit ({limit}); retry later"


class LocalLimiter:
    def __init__(self, *, per_user: int, total: int) -> None:
        self.per_user = per_user
        self.total = total
        self.held: dict[int, set[str]] = {}

    def count(self) -> int:
        return sum(len(conns) for conns in self.held.values())

    async def acquire(self, user_id: int, conn_id: str) -> str | None:
        # No await between the checks and the update: concurrent connects cannot both pass.
        mine = self.held.setdefault(user_id, set())
        if len(mine) >= self.per_user:
            return per_user_refusal(self.per_user)
        if self.count() >= self.total:
            return total_refusal(self.total)
        mine.add(conn_id)
        return None

    async def release(self, user_id: int, conn_id: str) -> None:
        mine = self.held.get(user_id)
        if mine is not None:
            mine.discard(conn_id)
            if not mine:
                del self.held[user_id]

    async def refresh(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


# KEYS: all, user. ARGV: member, max total, max per user, lease seconds.
# Returns 0 (taken), 1 (user at limit) or 2 (server at limit).
_ACQUIRE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 2 end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('ZADD', KEYS[2], now + lease, ARGV[1])
redis.call('EXPIRE', KEYS[1], lease * 2)
redis.call('EXPIRE', KEYS[2], lease * 2)
return 0
"""
# KEYS[1]: all. ARGV: lease, then (user set, member) pairs. Extends (or restores) each lease.
_REFRESH = """
local now = tonumber(redis.call('TIME')[1])
local lease = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], now + lease, ARGV[i + 1])
  redis.call('ZADD', ARGV[i], now + lease, ARGV[i + 1])
  redis.call('EXPIRE', ARGV[i], lease * 2)
end
redis.call('EXPIRE', KEYS[1], lease * 2)
return 0
"""


class RedisLimiter:
    def __init__(self, redis: Redis, *, per_user: int, total: int, namespace: str) -> None:
        self.local = LocalLimiter(per_user=per_user, total=total)
        self._redis = redis  # the process's client; its owner closes it
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._refresh = self._redis.register_script(_REFRESH)
        self._all_key = f"{namespace}:ws:connections"
        self._namespace = namespace

    def _user_key(self, user_id: int) -> str:
        return f"{self._namespace}:ws:connections:user:{user_id}"

    async def acquire(self, user_id: int, conn_id: str) -> str | None:
        refused = await self.local.acquire(user_id, conn_id)
        if refused is not None:
            return refused
        keys = [self._all_key, self._user_key(user_id)]
        args: list[str | int] = [conn_id, self.local.total, self.local.per_user, LEASE_SECONDS]
        try:
            verdict = int(await self._acquire(keys=keys, args=args))
        except Exception as exc:
            log.warning("ws_limit_storage_error", error=str(exc))
            return None
        if verdict == 0:
            return None
        await self.local.release(user_id, conn_id)
        return (
            per_user_refusal(self.local.per_user)
            if verdict == 1
            else total_refusal(self.local.total)
        )

    async def release(self, user_id: int, conn_id: str) -> None:
        await self.local.release(user_id, conn_id)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.zrem(self._all_key, conn_id)
                pipe.zrem(self._user_key(user_id), conn_id)
                await pipe.execute()
        except Exception as exc:
            log.warning("ws_limit_storage_error", error=str(exc))

    async def refresh(self) -> None:
        args: list[str | int] = [LEASE_SECONDS]
        for user_id, conns in self.local.held.items():
            for conn_id in conns:
                args.extend((self._user_key(user_id), conn_id))
        if len(args) == 1:
            return
        try:
            await self._refresh(keys=[self._all_key], args=args)
        except Exception as exc:
            log.warning("ws_limit_storage_error", error=str(exc))

    async def aclose(self) -> None:
        return None
