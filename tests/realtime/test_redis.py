"""The Redis path, on a throwaway ``redis-server``: events from another OS process and from
another API stack reach clients, replay comes from the Redis log, connection limits hold
across API stacks, and metrics snapshots come from the process's real counters."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import socketio
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.redis import connect_redis
from apfa.events.build import build_stream
from apfa.events.factory import process_sink
from apfa.events.redis_bus import RedisEventBus
from apfa.events.redis_sink import RedisEventSink
from apfa.events.sink import EVENTS, METRICS_ROOM, TASK_UPDATE, TASKS_ROOM
from apfa.knowledge.flows import IngestReport
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from realtime_support import Client, eventually, serving
from services import RedisServer, running_redis
from support import PASSWORD, login

PUBLISHER = """
import sys
from apfa.events.redis_sink import RedisEventSink
sink = RedisEventSink(sys.argv[1])
for task_id in sys.argv[2:]:
    sink.publish("celery:tasks", "task_update", {"task_id": task_id, "state": "succeeded"})
sink.close()
"""


@dataclass
class Stack:
    app: FastAPI
    url: str


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path_factory.mktemp("redis"))


@asynccontextmanager
async def stack(settings: Settings, embedder: SentenceTransformerEmbedder) -> AsyncIterator[Stack]:
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application), serving(application) as url:
        yield Stack(application, url)


@pytest.fixture(scope="module")
async def stacks(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    ingested: IngestReport,
    redis_server: RedisServer,
) -> AsyncIterator[tuple[Stack, Stack]]:
    """Two API stacks on one Redis, as two API processes would be."""
    shared = settings.model_copy(
        update={"redis_url": redis_server.url, "ws_metrics_interval_seconds": 0.5}
    )
    async with AsyncExitStack() as exits:
        one = await exits.enter_async_context(stack(shared, embedder))
        two = await exits.enter_async_context(stack(shared, embedder))
        yield one, two


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.close()


async def connected(clients: list[Client], url: str, token: str, *rooms: str) -> Client:
    client = Client()
    clients.append(client)
    await client.connect(url, token)
    for room in rooms:
        assert await client.subscribe(room) == {"ok": True}
    return client


def task_ids(client: Client) -> list[object]:
    return [data.get("task_id") for data in client.events(TASK_UPDATE)]


def publish_from_another_process(redis_url: str, *task_ids: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PUBLISHER, redis_url, *task_ids],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_the_api_uses_the_redis_path_when_configured(settings: Settings) -> None:
    stream = build_stream(settings, connect_redis("redis://127.0.0.1:1/0"))
    assert isinstance(stream, RedisEventBus)
    assert not isinstance(build_stream(settings, None), RedisEventBus)
    sink = process_sink(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    assert isinstance(sink, RedisEventSink)


async def test_event_from_another_os_process_reaches_a_client(
    stacks: tuple[Stack, Stack],
    redis_server: RedisServer,
    tokens: dict[Role, str],
    clients: list[Client],
) -> None:
    watchers = [await connected(clients, s.url, tokens[Role.ADMIN], TASKS_ROOM) for s in stacks]
    sent = [str(uuid.uuid4()) for _ in range(3)]
    await asyncio.to_thread(publish_from_another_process, redis_server.url, *sent)
    await eventually(lambda: all(task_ids(w) == sent for w in watchers), 5.0)
    for watcher in watchers:
        ids = [data["event_id"] for data in watcher.events(TASK_UPDATE)]
        assert ids == sorted(ids)
        assert all(b == a + 1 for a, b in itertools.pairwise(ids)), "ids not from INCR"


async def test_event_published_in_one_api_process_reaches_clients_of_another(
    stacks: tuple[Stack, Stack], tokens: dict[Role, str], clients: list[Client]
) -> None:
    one, two = stacks
    watcher = await connected(clients, two.url, tokens[Role.ADMIN], TASKS_ROOM)
    task_id = str(uuid.uuid4())
    EVENTS.of(one.app).publish(TASKS_ROOM, TASK_UPDATE, {"task_id": task_id, "state": "running"})
    took = await eventually(lambda: task_ids(watcher) == [task_id], 2.0)
    assert took < 1.0


async def test_replay_after_reconnect_comes_from_the_redis_log(
    stacks: tuple[Stack, Stack],
    redis_server: RedisServer,
    tokens: dict[Role, str],
    clients: list[Client],
) -> None:
    one, two = stacks
    first = await connected(clients, one.url, tokens[Role.ADMIN], TASKS_ROOM)
    seen = str(uuid.uuid4())
    await asyncio.to_thread(publish_from_another_process, redis_server.url, seen)
    await eventually(lambda: task_ids(first) == [seen], 15.0)
    since = int(first.events(TASK_UPDATE)[-1]["event_id"])
    await first.close()

    missed = [str(uuid.uuid4()) for _ in range(2)]
    await asyncio.to_thread(publish_from_another_process, redis_server.url, *missed)
    second = Client()
    clients.append(second)
    await second.connect(two.url, tokens[Role.ADMIN])  # the other process this time
    assert await second.subscribe(TASKS_ROOM, since=since) == {
        "ok": True,
        "replayed": 2,
        "truncated": False,
    }
    live = str(uuid.uuid4())
    EVENTS.of(one.app).publish(TASKS_ROOM, TASK_UPDATE, {"task_id": live, "state": "pending"})
    await eventually(lambda: task_ids(second) == [*missed, live], 15.0)


async def test_events_published_while_the_relay_was_cut_off_are_caught_up(
    stacks: tuple[Stack, Stack],
    redis_server: RedisServer,
    tokens: dict[Role, str],
    clients: list[Client],
) -> None:
    one, _ = stacks
    watcher = await connected(clients, one.url, tokens[Role.ADMIN], TASKS_ROOM)
    warm = str(uuid.uuid4())
    EVENTS.of(one.app).publish(TASKS_ROOM, TASK_UPDATE, {"task_id": warm, "state": "running"})
    await eventually(lambda: task_ids(watcher) == [warm], 5.0)
    store = redis.Redis.from_url(redis_server.url)
    sink = RedisEventSink(redis_server.url)
    # No await from here to the publishes: the relays cannot reconnect in between, so
    # these events reach no subscriber and exist only in the replay log.
    store.client_kill_filter(_type="pubsub")
    assert store.pubsub_numsub("apfa:events") == [(b"apfa:events", 0)]
    missed = [str(uuid.uuid4()) for _ in range(3)]
    for task_id in missed:
        sink.publish_now(TASKS_ROOM, TASK_UPDATE, {"task_id": task_id, "state": "pending"})
    sink.close()
    await eventually(lambda: task_ids(watcher) == [warm, *missed], 5.0)


async def test_replay_log_is_capped(stacks: tuple[Stack, Stack], redis_server: RedisServer) -> None:
    sink = RedisEventSink(redis_server.url, replay_size=1000)
    for n in range(1005):
        sink.publish_now(TASKS_ROOM, TASK_UPDATE, {"task_id": f"cap-{n}", "state": "running"})
    sink.close()
    store = redis.Redis.from_url(redis_server.url)
    assert store.llen("apfa:events:log") == 1000
    evicted = int(store.get("apfa:events:evicted") or 0)
    oldest = json.loads(store.lindex("apfa:events:log", 0) or b"{}")["event_id"]
    assert 0 < evicted < oldest
    bus = EVENTS.of(stacks[0].app)
    assert (await bus.replay(TASKS_ROOM, evicted - 1)).truncated is True
    complete = await bus.replay(TASKS_ROOM, oldest)
    assert complete.truncated is False
    assert len(complete.events) == 999
    assert complete.events[-1].data["task_id"] == "cap-1004"


async def test_connection_limit_holds_across_api_processes(
    stacks: tuple[Stack, Stack], clients: list[Client]
) -> None:
    one, two = stacks
    name = f"ws-redis-limit-{uuid.uuid4().hex[:10]}"
    async with session_scope(SESSIONMAKER.of(one.app)) as session:
        await create_user(session, name, PASSWORD, Role.FINANCIAL_ADVISOR)
    async with httpx.AsyncClient(base_url=one.url) as http:
        token = await login(http, name)
    for n in range(5):
        await connected(clients, (one, two)[n % 2].url, token)
    extra = Client()
    clients.append(extra)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await extra.connect(two.url, token)
    assert "too many connections" in str(extra.connect_errors[-1]["message"])


async def test_metrics_snapshots_count_this_process_requests(
    stacks: tuple[Stack, Stack], tokens: dict[Role, str], clients: list[Client]
) -> None:
    one, _ = stacks
    watcher = await connected(clients, one.url, tokens[Role.FINANCIAL_ADVISOR], METRICS_ROOM)
    await eventually(lambda: bool(watcher.events("metrics")), 3.0)
    # Two intervals on, every snapshot still to come covers only time after the subscribe:
    # earlier requests (other tests' logins) are counted in snapshots before the mark.
    await asyncio.sleep(1.1)
    mark = len(watcher.events("metrics"))
    async with httpx.AsyncClient(base_url=one.url) as http:
        for _ in range(12):
            assert (await http.get("/health")).status_code == 200
    # Both stacks publish snapshots of this one test process; take one stack's.
    await asyncio.sleep(1.5)
    snapshots = watcher.events("metrics")[mark:]
    assert snapshots
    for snapshot in snapshots:
        assert set(snapshot) >= {
            "requests_per_second",
            "p95_latency_ms",
            "cache_hit_rate",
            "requests",
            "event_id",
        }
    # Each stack samples this test process's counters once per interval: together they
    # count every request twice, and nothing else ran meanwhile.
    assert sum(s["requests"] for s in snapshots) == 2 * 12
    counted = [s for s in snapshots if s["requests"]]
    assert all(s["p95_latency_ms"] is not None and s["p95_latency_ms"] > 0 for s in counted)
    assert all(s["requests_per_second"] > 0 for s in counted)


def test_redis_sink_never_raises_when_redis_is_down(tmp_path: Path) -> None:
    sink = RedisEventSink("redis://127.0.0.1:1/0", timeout=0.2)
    sink.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": "x", "state": "running"})
    sink.close()
    with pytest.raises(redis.ConnectionError):
        sink.publish_now(TASKS_ROOM, TASK_UPDATE, {"task_id": "x", "state": "running"})
