"""The two-tier cache: L1 per-type TTLs and sizes on a fake clock; L2 on a throwaway
``redis-server`` shared by two cache instances (as two processes would share it), hung,
and back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis import exceptions as redis_errors
from redis.asyncio import Redis

from apfa.core.cache import CacheType, LocalCache, TieredCache, build_cache
from apfa.core.cache_redis import RedisTier, connect, is_redis_failure
from apfa.core.config import Settings
from apfa.providers.breaker import BreakerState, CircuitBreaker
from services import RedisServer, running_redis

TIMEOUT = 0.25
TYPES = {"short": CacheType(10, 100), "long": CacheType(100, 100), "off": CacheType(0, 100)}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TextCodec:
    def encode(self, value: str) -> bytes:
        return value.encode()

    def decode(self, data: bytes) -> str:
        text = data.decode()
        if not text.startswith("v:"):
            raise ValueError(f"not a value: {text!r}")
        return text


TEXT = TextCodec()


def test_keys_are_namespaced_by_type() -> None:
    assert LocalCache("apfa", TYPES).key("advice", "ab12") == "apfa:advice:ab12"
    assert LocalCache("tenant-7", TYPES).key("short", "x") == "tenant-7:short:x"


def test_each_type_expires_on_its_own_ttl() -> None:
    clock = Clock()
    cache = LocalCache("t", TYPES, timer=clock)
    for kind in TYPES:
        cache.set(kind, "k", f"v:{kind}")
    assert cache.get("short", "k") == "v:short"
    assert cache.get("off", "k") is None
    clock.now += 10.5
    assert cache.get("short", "k") is None
    assert cache.get("long", "k") == "v:long"
    clock.now += 90
    assert cache.get("long", "k") is None


def test_an_entry_ttl_can_only_shorten_its_type_ttl() -> None:
    clock = Clock()
    cache = LocalCache("t", TYPES, timer=clock)
    cache.set("long", "brief", "v:1", ttl=2)
    cache.set("short", "capped", "v:2", ttl=500)
    clock.now += 3
    assert cache.get("long", "brief") is None
    assert cache.get("short", "capped") == "v:2"
    clock.now += 8
    assert cache.get("short", "capped") is None


def test_l1_sizes_are_per_type_and_capped_overall() -> None:
    cache = LocalCache("t", {"a": CacheType(60, 2), "b": CacheType(60, 50)}, max_size=3)
    for i in range(3):
        cache.set("a", str(i), i)
    for i in range(5):
        cache.set("b", str(i), i)
    assert [cache.get("a", str(i)) for i in range(3)] == [None, 1, 2]
    assert [cache.get("b", str(i)) for i in range(5)] == [None, None, 2, 3, 4]
    assert LocalCache("t", TYPES, max_size=0).get("long", "k") is None


async def test_without_redis_only_l1_is_asked() -> None:
    cache = TieredCache(LocalCache("t", TYPES))
    assert cache.tiers == ("l1",)
    miss = await cache.get("long", "k", TEXT)
    assert (miss.value, miss.tier, miss.missed) == (None, None, ("l1",))
    cache.set("long", "k", "v:1", TEXT)
    hit = await cache.get("long", "k", TEXT)
    assert (hit.value, hit.tier, hit.missed) == ("v:1", "l1", ())


def test_build_cache_has_l2_only_with_redis_and_a_breaker() -> None:
    plain = Settings(_env_file=None, cache_namespace="ns")  # type: ignore[call-arg]
    assert build_cache(plain, CircuitBreaker("redis-unit")).remote is None
    configured = plain.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    assert build_cache(configured).remote is None
    cache = build_cache(configured, CircuitBreaker("redis-unit"))
    assert cache.tiers == ("l1", "l2")
    assert cache.local.key("advice", "x") == "ns:advice:x"
    assert cache.local.ttl("advice") == plain.advice_cache_ttl_seconds


def test_only_unreachable_or_slow_redis_counts_against_the_breaker() -> None:
    assert is_redis_failure(redis_errors.ConnectionError("refused"))
    assert is_redis_failure(redis_errors.TimeoutError("slow"))
    assert is_redis_failure(OSError("reset"))
    assert not is_redis_failure(redis_errors.ResponseError("OOM command not allowed"))
    assert not is_redis_failure(ValueError("bug"))


# --- L2 on a throwaway Redis -------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path)


@pytest.fixture
async def raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


class Tiers:
    """Caches that share one Redis, as separate processes would; each has its own L1."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.errors: list[str] = []
        self.made: list[TieredCache] = []

    def make(
        self,
        breaker: CircuitBreaker | None = None,
        clock: Clock | None = None,
        max_pending_writes: int = 256,
    ) -> TieredCache:
        local = LocalCache("ns", TYPES, timer=clock or time.monotonic)
        remote = RedisTier(
            connect(self.url, TIMEOUT),
            breaker or CircuitBreaker("redis-unit", failure_threshold=3, open_seconds=60),
            timeout=TIMEOUT,
            max_pending_writes=max_pending_writes,
            on_error=self.errors.append,
        )
        cache = TieredCache(local, remote)
        self.made.append(cache)
        return cache


@pytest.fixture
async def tiers(redis_server: RedisServer) -> AsyncIterator[Tiers]:
    made = Tiers(redis_server.url)
    yield made
    for cache in made.made:
        await cache.aclose()


async def drain(cache: TieredCache) -> None:
    assert cache.remote is not None
    await cache.remote.drain()


async def test_a_value_written_by_one_instance_is_an_l2_hit_in_another(
    tiers: Tiers, raw: Redis
) -> None:
    first, second = tiers.make(), tiers.make()
    assert (await second.get("long", "q1", TEXT)).missed == ("l1", "l2")
    first.set("long", "q1", "v:answer", TEXT)
    await drain(first)
    assert await raw.get("ns:long:q1") == b"v:answer"

    found = await second.get("long", "q1", TEXT)
    assert (found.value, found.tier, found.missed) == ("v:answer", "l2", ("l1",))
    again = await second.get("long", "q1", TEXT)
    assert (again.value, again.tier) == ("v:answer", "l1")
    assert tiers.errors == []


async def test_redis_keeps_each_type_for_its_own_ttl(tiers: Tiers, raw: Redis) -> None:
    cache = tiers.make()
    cache.set("short", "a", "v:s", TEXT)
    cache.set("long", "a", "v:l", TEXT)
    cache.set("off", "a", "v:o", TEXT)
    await drain(cache)
    assert 9_000 < await raw.pttl("ns:short:a") <= 10_000
    assert 99_000 < await raw.pttl("ns:long:a") <= 100_000
    assert await raw.exists("ns:off:a") == 0
    assert (await cache.get("off", "a", TEXT)).missed == ("l1",)


async def test_l1_keeps_an_l2_hit_only_for_the_time_it_has_left(tiers: Tiers, raw: Redis) -> None:
    clock = Clock()
    cache = tiers.make(clock=clock)
    await raw.set("ns:long:k", b"v:from-elsewhere", px=1500)
    assert (await cache.get("long", "k", TEXT)).tier == "l2"
    assert (await cache.get("long", "k", TEXT)).tier == "l1"
    clock.now += 2
    await asyncio.sleep(1.6)
    assert (await cache.get("long", "k", TEXT)).missed == ("l1", "l2")


async def test_an_unreadable_l2_value_is_a_miss(tiers: Tiers, raw: Redis) -> None:
    cache = tiers.make()
    await raw.set("ns:long:bad", b"garbage", px=60_000)
    lookup = await cache.get("long", "bad", TEXT)
    assert (lookup.value, lookup.missed) == (None, ("l1", "l2"))
    assert tiers.errors == ["decode"]


async def test_a_hung_redis_costs_one_timeout_then_nothing_once_the_breaker_opens(
    tiers: Tiers, redis_server: RedisServer
) -> None:
    breaker = CircuitBreaker(
        "redis-unit", failure_threshold=3, open_seconds=1.0, is_failure=is_redis_failure
    )
    cache = tiers.make(breaker)
    cache.set("long", "k", "v:1", TEXT)
    await drain(cache)
    other = tiers.make(breaker)
    redis_server.pause()
    try:
        took = []
        for _ in range(3):
            started = time.monotonic()
            assert (await other.get("long", "k", TEXT)).missed == ("l1", "l2")
            took.append(time.monotonic() - started)
        assert all(0.2 <= t < TIMEOUT + 0.25 for t in took), took
        assert breaker.state is BreakerState.OPEN

        started = time.monotonic()
        for _ in range(50):
            assert (await other.get("long", "k", TEXT)).value is None
        assert time.monotonic() - started < 0.05
        other.set("long", "w", "v:2", TEXT)
        await drain(other)
        assert tiers.errors == ["get"] * 53 + ["set"]
    finally:
        redis_server.resume()
    await asyncio.sleep(1.05)
    assert breaker.state is BreakerState.HALF_OPEN
    assert (await other.get("long", "k", TEXT)).tier == "l2"
    assert breaker.state is BreakerState.CLOSED


async def test_writes_never_wait_for_redis_and_are_bounded(
    tiers: Tiers, redis_server: RedisServer, raw: Redis
) -> None:
    cache = tiers.make(max_pending_writes=2)
    redis_server.pause()
    try:
        started = time.monotonic()
        for i in range(5):
            cache.set("long", str(i), f"v:{i}", TEXT)
        assert time.monotonic() - started < 0.05
        assert cache.remote is not None
        assert cache.remote.pending_writes == 2
        assert tiers.errors == ["set"] * 3
        assert (await cache.get("long", "4", TEXT)).tier == "l1"
        await drain(cache)
    finally:
        redis_server.resume()
    assert tiers.errors == ["set"] * 5
    cache.set("long", "5", "v:5", TEXT)
    await drain(cache)
    assert await raw.get("ns:long:5") == b"v:5"
