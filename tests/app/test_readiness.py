"""Readiness per component: a throwaway Redis stopped, hung and restarted; breakers; workers.

The Redis here is our own ``redis-server`` on a free port, never the shared one.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from apfa.app import checks
from apfa.app.health import GROUNDED_FALLBACK
from apfa.core.config import SETTINGS, Settings
from apfa.core.redis import REDIS
from apfa.jobs.heartbeat import worker_key
from apfa.knowledge.flows import IngestReport
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.store import Passage, load_version, version_dirname, write_version
from apfa.main import create_app
from apfa.providers.breaker import BREAKERS
from apfa.providers.embeddings import HashingEmbedder, SentenceTransformerEmbedder
from services import RedisServer, running_redis
from support import provided


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path)


@pytest.fixture
async def redis_client(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    ingested: IngestReport,
    redis_server: RedisServer,
) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(
        settings.model_copy(update={"redis_url": redis_server.url}), embedder=embedder
    )
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield http


async def test_ready_follows_redis(
    redis_client: httpx.AsyncClient, redis_server: RedisServer
) -> None:
    up = await redis_client.get("/ready")
    assert up.status_code == 200, up.text
    assert up.json()["components"]["redis"] == {"ok": True, "required": True}

    redis_server.stop()
    down = await redis_client.get("/ready")
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "unavailable"
    assert body["components"]["redis"]["ok"] is False
    assert body["components"]["redis"]["error"]
    assert body["components"]["database"]["ok"] is True
    assert body["components"]["index"]["ok"] is True
    assert "redis://" not in down.text
    live = await redis_client.get("/health")
    assert live.status_code == 200

    redis_server.start()
    again = await redis_client.get("/ready")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "ready"


async def test_a_hung_redis_times_out_in_two_seconds(
    redis_client: httpx.AsyncClient, redis_server: RedisServer
) -> None:
    redis_server.pause()
    try:
        started = time.monotonic()
        response = await redis_client.get("/ready")
        took = time.monotonic() - started
    finally:
        redis_server.resume()
    assert response.status_code == 503
    assert response.json()["components"]["redis"]["error"] == "Timeout"
    assert 1.5 <= took < 4.0
    assert (await redis_client.get("/ready")).status_code == 200


async def test_redis_is_not_reported_when_not_configured(client: httpx.AsyncClient) -> None:
    components = (await client.get("/ready")).json()["components"]
    assert "redis" not in components
    # The embedded engine's workers run in this process.
    assert components["workers"]["ok"] is True
    assert components["workers"]["required"] is True


class Phase(StrEnum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


@dataclass
class FakeBreaker:
    state: Phase | str


@pytest.fixture
def breakers(app: FastAPI) -> Iterator[dict[str, FakeBreaker]]:
    registry = {"openai": FakeBreaker(Phase.OPEN), "redis": FakeBreaker("half_open")}
    with provided(app, BREAKERS, registry):  # type: ignore[arg-type]
        yield registry


async def test_an_open_breaker_with_a_fallback_only_degrades(
    client: httpx.AsyncClient, breakers: dict[str, FakeBreaker]
) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["breakers"] == {
        "ok": False,
        "required": False,
        "states": {"openai": "open", "redis": "half_open"},
        "open": ["openai"],
    }
    breakers["openai"].state = Phase.CLOSED
    closed = (await client.get("/ready")).json()
    assert closed["status"] == "ready"
    assert closed["components"]["breakers"]["ok"] is True


async def test_an_open_breaker_without_a_fallback_is_unready(
    app: FastAPI, client: httpx.AsyncClient, breakers: dict[str, FakeBreaker]
) -> None:
    with provided(app, GROUNDED_FALLBACK, False):
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.json()["components"]["breakers"]["open"] == ["openai"]
        assert (await client.get("/health")).status_code == 200


async def test_celery_workers_are_required_and_read_from_their_heartbeats(
    app: FastAPI, client: httpx.AsyncClient, redis_server: RedisServer
) -> None:
    configured: Settings = SETTINGS.of(app)
    celery = configured.model_copy(update={"task_backend": "celery", "redis_url": redis_server.url})
    beats = Redis.from_url(redis_server.url)
    with provided(app, SETTINGS, celery), provided(app, REDIS, beats):
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.json()["components"]["workers"]["ok"] is False
        record = {"name": "w1", "queues": ["embedding"], "heartbeat_at": time.time()}
        await beats.set(worker_key("w1"), json.dumps(record), ex=30)
        response = await client.get("/ready")
        assert response.status_code == 200, response.text
        workers = response.json()["components"]["workers"]
        assert workers == {"ok": True, "required": True, "count": 1, "queues": ["embedding"]}
    await beats.aclose()


def test_the_index_component_warns_when_the_served_vectors_come_from_another_model(
    tmp_path: Path,
) -> None:
    hashing = HashingEmbedder(16)
    texts = ["escrow holds tax and insurance money", "a budget splits income"]
    write_version(
        tmp_path,
        version=3,
        model="all-MiniLM-L6-v2",
        vectors=hashing.encode(texts),
        passages=[Passage(i, f"d{i}", "T", (), t) for i, t in enumerate(texts)],
    )
    holder = IndexHolder()
    holder.swap(load_version(tmp_path / version_dirname(3)))
    same = checks.index(holder, "all-MiniLM-L6-v2")
    assert same["ok"] is True
    assert same["model"] == "all-MiniLM-L6-v2"
    assert "warning" not in same
    other = checks.index(holder, "all-MiniLM-L6-v2-int8")
    assert other["ok"] is True  # a fleet changing backend must not go unready all at once
    assert "all-MiniLM-L6-v2-int8" in other["warning"]
    assert "APFA_EMBEDDING_BACKEND" in other["warning"]
