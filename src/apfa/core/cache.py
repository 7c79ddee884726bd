"""Two-tier cache: L1 in process (cachetools), L2 Redis when ``APFA_REDIS_URL`` is set.

Keys are ``{namespace}:{type}:{id}``. Each type has its own TTL (0 turns it off) and its own
L1 capacity, so one type cannot evict another's entries. L1 holds objects as they are; L2
holds bytes, so a type that goes to L2 brings a codec. An L2 hit fills L1 only for the time
the entry has left in Redis, so no tier keeps an entry longer than its type's TTL.

L2 is optional at every step: its failures (see ``cache_redis``) read as misses, and writes
to it happen in the background, so a Redis outage costs hit rate, never an answer.
The event loop is the only caller, so no lock is needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

from cachetools import TLRUCache

from apfa.core.cache_redis import Guard, RedisTier, connect
from apfa.core.config import Settings
from apfa.core.resources import Resource

T = TypeVar("T")
L1, L2 = "l1", "l2"


@dataclass(frozen=True, slots=True)
class CacheType:
    """How long entries of one type live (both tiers) and how many L1 keeps."""

    ttl_seconds: float
    l1_size: int


class Codec(Protocol[T]):
    def encode(self, value: T, /) -> bytes: ...

    def decode(self, data: bytes, /) -> T: ...


@dataclass(frozen=True, slots=True)
class Lookup(Generic[T]):
    """What a lookup found, which tier answered, and the tiers asked that did not."""

    value: T | None
    tier: str | None
    missed: tuple[str, ...]


def _expires(_key: str, entry: tuple[Any, float], now: float) -> float:
    return now + entry[1]


class LocalCache:
    """L1: one TTL + LRU store per type; an entry may carry a TTL shorter than its type's."""

    def __init__(
        self,
        namespace: str,
        types: Mapping[str, CacheType],
        *,
        max_size: int | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.namespace = namespace
        self.types = dict(types)
        self._stores: dict[str, TLRUCache[str, tuple[Any, float]]] = {}
        for kind, spec in self.types.items():
            size = spec.l1_size if max_size is None else min(spec.l1_size, max_size)
            if spec.ttl_seconds > 0 and size > 0:
                self._stores[kind] = TLRUCache(maxsize=size, ttu=_expires, timer=timer)

    def key(self, kind: str, ident: str) -> str:
        return f"{self.namespace}:{kind}:{ident}"

    def ttl(self, kind: str) -> float:
        spec = self.types.get(kind)
        return spec.ttl_seconds if spec is not None else 0.0

    def get(self, kind: str, ident: str) -> Any | None:
        store = self._stores.get(kind)
        entry = None if store is None else store.get(self.key(kind, ident))
        return None if entry is None else entry[0]

    def set(self, kind: str, ident: str, value: Any, ttl: float | None = None) -> None:
        store = self._stores.get(kind)
        if store is None:
            return
        full = self.ttl(kind)
        lifetime = full if ttl is None else min(ttl, full)
        if lifetime > 0:
            store[self.key(kind, ident)] = (value, lifetime)

    def clear(self) -> None:
        for store in self._stores.values():
            store.clear()


class TieredCache:
    """L1 first, then L2; a value computed at the source goes to both."""

    def __init__(self, local: LocalCache, remote: RedisTier | None = None) -> None:
        self.local = local
        self.remote = remote

    @property
    def tiers(self) -> tuple[str, ...]:
        return (L1, L2) if self.remote is not None else (L1,)

    async def get(self, kind: str, ident: str, codec: Codec[T]) -> Lookup[T]:
        value = self.local.get(kind, ident)
        if value is not None:
            return Lookup(cast(T, value), L1, ())
        if self.remote is None or self.local.ttl(kind) <= 0:
            return Lookup(None, None, (L1,))
        found = await self.remote.get(self.local.key(kind, ident))
        if found is None:
            return Lookup(None, None, (L1, L2))
        data, left = found
        try:
            decoded = codec.decode(data)
        except Exception as exc:
            # Written by another release or corrupted: a miss, and the source overwrites it.
            self.remote.report("decode", exc)
            return Lookup(None, None, (L1, L2))
        self.local.set(kind, ident, decoded, left)
        return Lookup(decoded, L2, (L1,))

    def set(self, kind: str, ident: str, value: T, codec: Codec[T]) -> None:
        ttl = self.local.ttl(kind)
        if ttl <= 0:
            return
        self.local.set(kind, ident, value)
        if self.remote is not None:
            self.remote.put(self.local.key(kind, ident), codec.encode(value), ttl)

    async def aclose(self) -> None:
        if self.remote is not None:
            await self.remote.aclose()


def cache_types(settings: Settings) -> dict[str, CacheType]:
    """Every cached type with its TTL and L1 capacity."""
    return {"advice": CacheType(settings.advice_cache_ttl_seconds, settings.advice_cache_size)}


def build_cache(
    settings: Settings,
    breaker: Guard | None = None,
    *,
    on_error: Callable[[str], object] | None = None,
) -> TieredCache:
    """L1 always; L2 when Redis is configured and a breaker is given to guard it."""
    local = LocalCache(
        settings.cache_namespace, cache_types(settings), max_size=settings.cache_l1_size
    )
    if not settings.redis_url or breaker is None:
        return TieredCache(local)
    timeout = settings.redis_timeout_seconds
    client = connect(settings.redis_url, timeout)
    return TieredCache(local, RedisTier(client, breaker, timeout=timeout, on_error=on_error))


CACHE = Resource[TieredCache]("answer cache")
