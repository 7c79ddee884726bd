"""Redis stopped in the middle of advice traffic, then started again on the same port.

The Redis here is our own ``redis-server`` on a free port, never the shared one. While it is
down: no 5xx, answers keep coming from L1 and the source, the ``redis`` breaker opens, and
the advice rate limit fails open as ``core/ratelimit.py`` documents. Once it is back: the
breaker's half-open trial closes it, L2 serves again and the limit holds again.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from apfa.auth.permissions import Role
from apfa.core.cache import CACHE, TieredCache
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.knowledge.flows import IngestReport
from apfa.main import create_app
from apfa.providers.breaker import BREAKERS, BreakerState
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from services import RedisServer, running_redis
from support import PASSWORD, bearer, login

OPEN_SECONDS = 1.0
WARM = [
    "When can PMI be cancelled on a conventional loan?",
    "How is the back-end debt-to-income ratio calculated?",
    "What credit score do I need for a good auto loan rate?",
]
ADVISOR_QUESTION = "Should I refinance at 6% if my current rate is 7.5%?"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path)


@pytest.fixture
async def outage(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    ingested: IngestReport,
    redis_server: RedisServer,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    configured = settings.model_copy(
        update={
            "redis_url": redis_server.url,
            "cache_namespace": f"outage-{uuid.uuid4().hex[:8]}",
            "breaker_failure_threshold": 3,
            "breaker_open_seconds": OPEN_SECONDS,
            "rate_limit_advice_roles": {"financial_advisor": "3/minute"},
        }
    )
    application = create_app(configured, embedder=embedder)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield application, http


async def fresh_user(app: FastAPI, http: httpx.AsyncClient, role: Role) -> str:
    """A user of our own, so the hundreds of answers in its history bother no other test."""
    name = f"outage-{role.value}-{uuid.uuid4().hex[:8]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, name, PASSWORD, role)
    return await login(http, name)


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def hits(tier: str) -> float:
    return sample("apfa_cache_hits_total", {"tier": tier})


async def ask(http: httpx.AsyncClient, token: str, question: str) -> httpx.Response:
    return await http.post("/api/v1/advice", json={"query": question}, headers=bearer(token))


async def l2_keys(url: str, namespace: str) -> list[bytes | str]:
    client = Redis.from_url(url)
    try:
        return list(await client.keys(f"{namespace}:advice:*"))
    finally:
        await client.aclose()


class Traffic:
    """Clients asking in a loop: mostly repeated questions, every third one new."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self._http = http
        self._token = token
        self._fresh = itertools.count()
        self.down = False
        self.results: list[tuple[bool, int, bool | None]] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, clients: int) -> None:
        self._tasks = [asyncio.create_task(self._client(i)) for i in range(clients)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _client(self, offset: int) -> None:
        for n in itertools.count(offset):
            if self._stop.is_set():
                return
            if n % 3 == 2:
                question = f"Is a {next(self._fresh) % 40 + 10}-year term sensible for my loan?"
            else:
                question = WARM[n % len(WARM)]
            down = self.down
            response = await ask(self._http, self._token, question)
            cached = response.json().get("cached") if response.status_code == 200 else None
            self.results.append((down, response.status_code, cached))
            await asyncio.sleep(0.02)


async def test_advice_survives_redis_stopping_mid_traffic(
    outage: tuple[FastAPI, httpx.AsyncClient],
    redis_server: RedisServer,
) -> None:
    app, http = outage
    cache: TieredCache = CACHE.of(app)
    assert cache.remote is not None
    namespace = cache.local.namespace
    breaker = BREAKERS.of(app)["redis"]
    user = await fresh_user(app, http, Role.USER)
    advisor = await fresh_user(app, http, Role.FINANCIAL_ADVISOR)

    # Redis up: the advisor's limit is counted in Redis; answers reach L2.
    limited = [(await ask(http, advisor, ADVISOR_QUESTION)).status_code for _ in range(4)]
    assert limited == [200, 200, 200, 429]
    for question in WARM:
        assert (await ask(http, user, question)).status_code == 200
    await cache.remote.drain()
    assert len(await l2_keys(redis_server.url, namespace)) == len(WARM) + 1

    traffic = Traffic(http, user)
    traffic.start(clients=4)
    await asyncio.sleep(0.5)
    l2_get_errors = {"tier": "l2", "operation": "get"}
    l1_before = hits("l1")
    l2_errors_before = sample("apfa_cache_errors_total", l2_get_errors)
    limit_errors_before = sample("apfa_rate_limit_storage_errors_total")
    await asyncio.to_thread(redis_server.stop)
    traffic.down = True

    gauge_seen: set[float] = set()
    for _ in range(150):
        gauge_seen.add(sample("apfa_circuit_breaker_state", {"name": "redis"}))
        await asyncio.sleep(0.02)
    # The documented policy: the limit store is down, so the limit fails open.
    assert [(await ask(http, advisor, ADVISOR_QUESTION)).status_code for _ in range(2)] == [200] * 2
    ready = await http.get("/ready")
    await traffic.stop()

    during = [(status, cached) for down, status, cached in traffic.results if down]
    assert len(during) >= 30, len(during)
    assert not [s for _, s, _ in traffic.results if s >= 500]
    assert {status for status, _ in during} == {200}
    assert any(cached for _, cached in during)
    assert any(cached is False for _, cached in during)
    assert hits("l1") > l1_before
    assert sample("apfa_cache_errors_total", l2_get_errors) > l2_errors_before
    assert sample("apfa_rate_limit_storage_errors_total") >= limit_errors_before + 2
    assert 2.0 in gauge_seen
    assert ready.status_code == 503
    assert ready.json()["components"]["breakers"]["states"]["redis"] in {"open", "half_open"}

    # Redis back (empty: it keeps nothing on disk). After the open period the next lookup is
    # the half-open trial; its success closes the breaker and L2 is written and read again.
    await asyncio.to_thread(redis_server.start)
    await asyncio.sleep(OPEN_SECONDS + 0.1)
    question = "How long should I keep paying PMI after a 5% down payment?"
    first = await ask(http, user, question)
    assert first.status_code == 200
    assert first.json()["cached"] is False
    assert breaker.state is BreakerState.CLOSED
    assert sample("apfa_circuit_breaker_state", {"name": "redis"}) == 0
    await cache.remote.drain()
    assert len(await l2_keys(redis_server.url, namespace)) == 1

    cache.local.clear()
    l2_before = hits("l2")
    again = await ask(http, user, question)
    assert again.json()["cached"] is True
    assert again.json()["advice"] == first.json()["advice"]
    assert hits("l2") == l2_before + 1

    limited = [(await ask(http, advisor, ADVISOR_QUESTION)).status_code for _ in range(4)]
    assert limited == [200, 200, 200, 429]
    assert (r := await http.get("/ready")).status_code == 200, r.text
