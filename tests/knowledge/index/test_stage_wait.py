"""The hot swap after a build waits, bounded, until every API process has staged the
version, then activates: a slow process is waited for, a laggard only until the limit (and
named in the result), a dead one not at all; an operator's activation never waits, and a
limit of 0 turns the wait off."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.core.objectstore import ObjectStore
from apfa.core.redis import connect_redis
from apfa.jobs.spec import TaskSpec
from apfa.jobs.system import TASK_SYSTEM
from apfa.knowledge import service
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.knowledge.index.preload import PRELOADER
from apfa.knowledge.index.staging import ProcessReport, StagingBoard, wait_until_staged
from apfa.knowledge.index.store import LoadedIndex
from apfa.knowledge.index.versions import build_version
from apfa.knowledge.tasks import BUILD_INDEX, HOT_SWAP
from apfa.main import create_app
from apfa.models import BackgroundTask
from apfa.providers.embeddings import SentenceTransformerEmbedder
from conftest import make_settings
from knowledge_support import published, record_disk_loads
from services import RedisServer, running_redis
from support import client_as

FINISHED = {"succeeded", "failed", "revoked"}

# -- the wait on its own, over an in-memory view ------------------------------------------


def test_a_process_is_waited_for_while_it_may_still_stage_the_version() -> None:
    assert ProcessReport("p", served=3, staged=4, held=(3, 4)).readiness(4) == "ready"
    assert ProcessReport("p", served=4, staged=None, held=(3, 4)).readiness(4) == "ready"
    assert ProcessReport("p", served=3, staged=None, failed=(4,)).readiness(4) == "failed"
    assert ProcessReport("p", served=3, staged=5, held=(3, 5)).readiness(4) == "superseded"
    assert ProcessReport("p", served=3, staged=None, loading=(4,)).readiness(4) == "pending"
    assert ProcessReport("p", served=None, staged=None).readiness(4) == "pending"
    report = ProcessReport("p", served=3, staged=4, held=(3, 4), loading=(5,), failed=(2,))
    assert ProcessReport.from_json(report.to_json()) == report


class ScriptedView:
    """Reports that change as the test says; a read can be made to fail."""

    def __init__(self, reports: list[ProcessReport]) -> None:
        self.current = reports
        self.reads = 0
        self.failing = False

    async def reports(self) -> list[ProcessReport]:
        self.reads += 1
        if self.failing:
            raise ConnectionError("redis went away")
        return list(self.current)


async def test_the_wait_ends_when_the_last_process_has_staged_the_version() -> None:
    view = ScriptedView(
        [ProcessReport("a", 1, 2, held=(1, 2)), ProcessReport("b", 1, None, loading=(2,))]
    )
    seen: list[tuple[int, int]] = []

    async def progress(ready: int, total: int) -> None:
        seen.append((ready, total))

    async def stage_b() -> None:
        await asyncio.sleep(0.3)
        view.current = [view.current[0], ProcessReport("b", 1, 2, held=(1, 2))]

    staging = asyncio.create_task(stage_b())
    wait = await wait_until_staged(view, 2, 10.0, progress=progress, poll_seconds=0.01)
    await staging
    assert not wait.timed_out
    assert 0.25 < wait.seconds < 5.0
    assert wait.ready == ["a", "b"]
    assert wait.not_ready == []
    assert seen[0] == (1, 2)


async def test_the_wait_gives_up_at_its_limit_and_names_the_processes_not_ready() -> None:
    view = ScriptedView(
        [ProcessReport("a", 1, 2, held=(1, 2)), ProcessReport("slow", 1, None, loading=(2,))]
    )
    wait = await wait_until_staged(view, 2, 0.3, poll_seconds=0.01)
    assert wait.timed_out
    assert wait.seconds >= 0.3
    assert wait.not_ready == [{"process": "slow", "served": 1, "staged": None, "loading": [2]}]
    assert wait.as_result()["stage_wait"] == "timed_out"
    # Unreadable reports are retried until the limit, never raised.
    view.failing = True
    failed = await wait_until_staged(view, 2, 0.2, poll_seconds=0.01)
    assert failed.timed_out
    assert failed.error is not None
    assert "redis went away" in failed.error


async def test_processes_that_will_never_stage_the_version_are_not_waited_for() -> None:
    view = ScriptedView(
        [
            ProcessReport("corrupt", 1, None, failed=(2,)),
            ProcessReport("newer", 1, 3, held=(1, 3)),
        ]
    )
    wait = await wait_until_staged(view, 2, 10.0, poll_seconds=0.01)
    assert not wait.timed_out
    assert wait.seconds < 1.0
    assert wait.skipped == [
        {"process": "corrupt", "reason": "failed"},
        {"process": "newer", "reason": "superseded"},
    ]


# -- the hot_swap_index job in running API processes ---------------------------------------


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path)


@pytest.fixture
def disk_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    return record_disk_loads(monkeypatch)


def _slow_loads(monkeypatch: pytest.MonkeyPatch, app: FastAPI, seconds: float) -> None:
    """This app's process reads versions ``seconds`` slower than the others."""
    holder = INDEX_HOLDER.of(app)
    load = holder.load

    def slow(version: int, directory: Path, store: ObjectStore | None = None) -> LoadedIndex:
        time.sleep(seconds)
        loaded: LoadedIndex = load(version, directory, store)
        return loaded

    monkeypatch.setattr(holder, "load", slow)


async def _settings(tmp_path: Path, **overrides: object) -> Settings:
    settings = make_settings(
        tmp_path / "var", f"sqlite+aiosqlite:///{tmp_path / 'apfa.db'}", **overrides
    )
    await asyncio.to_thread(upgrade_to_head, settings)
    return settings


@asynccontextmanager
async def _serving(
    settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[FastAPI]:
    app = create_app(settings, embedder=embedder)
    async with app.router.lifespan_context(app):
        yield app


def _process(app: FastAPI) -> str:
    process: str = PRELOADER.of(app).process
    return process


def _served(app: FastAPI) -> int | None:
    current = INDEX_HOLDER.of(app).current
    return current.version if current is not None else None


def _staged(app: FastAPI) -> int | None:
    staged = INDEX_HOLDER.of(app).staged
    return staged.version if staged is not None else None


async def _until(condition: Callable[[], bool], within: float, what: str) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, f"not within {within} s: {what}"
        await asyncio.sleep(0.002)


@asynccontextmanager
async def _board(url: str) -> AsyncIterator[StagingBoard]:
    client = connect_redis(url)
    try:
        yield StagingBoard(client)
    finally:
        await client.aclose()


async def _job(app: FastAPI, spec: TaskSpec, params: dict[str, Any]) -> str:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        row = await TASK_SYSTEM.of(app).runtime.submit(
            session, spec, params, created_by="stage-wait-test"
        )
    return row.id


async def _finished(app: FastAPI, job_id: str, within: float = 60.0) -> BackgroundTask:
    started = time.monotonic()
    while True:
        async with session_scope(SESSIONMAKER.of(app)) as session:
            row = await session.get(BackgroundTask, job_id, populate_existing=True)
        assert row is not None
        if row.state in FINISHED:
            assert row.state == "succeeded", row.error
            return row
        assert time.monotonic() - started < within, f"{row.name} still {row.state}"
        await asyncio.sleep(0.02)


async def _activation_stamp(app: FastAPI, version: int) -> float:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        active = await service.active_version(session)
    assert active is not None
    assert active.id == version
    assert active.activated_at is not None
    return active.activated_at.timestamp()


async def test_the_hot_swap_after_a_build_waits_for_the_slowest_process_to_stage_it(
    tmp_path: Path,
    redis: RedisServer,
    embedder: SentenceTransformerEmbedder,
    disk_loads: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Poll far above the waits: the Redis messages and reports alone must carry it.
    settings = await _settings(tmp_path, redis_url=redis.url, index_poll_seconds=30.0)
    first = await published(settings, embedder)
    disk_loads.clear()
    async with _serving(settings, embedder) as one, _serving(settings, embedder) as two:
        _slow_loads(monkeypatch, two, 2.0)
        await asyncio.sleep(0.3)  # both subscribed
        two_served_at: list[float] = []

        async def watch_two() -> None:
            await _until(lambda: _served(two) != first, 60, "the slow process swapped")
            two_served_at.append(time.time())

        watcher = asyncio.create_task(watch_two())
        build = await _finished(one, await _job(one, BUILD_INDEX, {"activate": True}))
        assert build.result is not None
        version = build.result["version"]
        swap = await _finished(one, build.result["swap_job_id"])
        await asyncio.wait_for(watcher, 5)
        assert swap.result is not None
        assert swap.result["stage_wait"] == "ready", swap.result
        assert swap.result["stage_wait_seconds"] >= 1.5
        assert sorted(swap.result["staged_in"]) == sorted([_process(one), _process(two)])
        assert swap.result["not_ready"] == []
        stamp = await _activation_stamp(one, version)
        # Activated only once the slow process held it: it swapped without a load.
        assert two_served_at[0] - stamp < 0.5
        assert _served(one) == _served(two) == version
        assert len(disk_loads) == 2, "a process read the activated version again"
        async with _board(settings.redis_url or "") as board:
            assert {r.process for r in await board.reports()} == {_process(one), _process(two)}
    async with _board(settings.redis_url or "") as board:
        assert await board.reports() == [], "a stopped process withdraws its report"


async def test_without_redis_the_hot_swap_waits_for_this_process_to_stage_it(
    isolated_settings: Settings,
    embedder: SentenceTransformerEmbedder,
    disk_loads: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await published(isolated_settings, embedder)
    disk_loads.clear()
    settings = isolated_settings.model_copy(update={"index_poll_seconds": 60.0})
    async with _serving(settings, embedder) as app:
        _slow_loads(monkeypatch, app, 1.0)
        build = await _finished(app, await _job(app, BUILD_INDEX, {"activate": True}))
        assert build.result is not None
        swap = await _finished(app, build.result["swap_job_id"])
        assert swap.result is not None
        assert swap.result["stage_wait"] == "ready", swap.result
        assert swap.result["stage_wait_seconds"] >= 0.7
        assert swap.result["staged_in"] == [_process(app)]
        assert _served(app) == build.result["version"]
        assert len(disk_loads) == 1


@asynccontextmanager
async def _with_laggard(
    tmp_path: Path,
    redis: RedisServer,
    embedder: SentenceTransformerEmbedder,
    *,
    wait: float,
    laggard_ttl: float,
) -> AsyncIterator[tuple[FastAPI, int, int]]:
    """A process serving ``first`` with ``second`` staged, and a report of another process
    that serves ``first`` and never stages anything, kept for ``laggard_ttl`` seconds."""
    settings = await _settings(
        tmp_path, redis_url=redis.url, index_poll_seconds=0.1, index_stage_wait_seconds=wait
    )
    first = await published(settings, embedder)
    async with _serving(settings, embedder) as app:
        second = (await build_version(SESSIONMAKER.of(app), embedder, settings.index_dir)).version
        await _until(lambda: _staged(app) == second, 30, "staged by the poll")
        async with _board(redis.url) as board:
            await board.publish(ProcessReport("laggard", first, None), ttl_seconds=laggard_ttl)
        yield app, first, second


async def test_a_laggard_delays_the_hot_swap_only_until_the_limit_and_is_named(
    tmp_path: Path, redis: RedisServer, embedder: SentenceTransformerEmbedder
) -> None:
    async with _with_laggard(tmp_path, redis, embedder, wait=1.5, laggard_ttl=120) as (
        app,
        first,
        second,
    ):
        swap = await _finished(app, await _job(app, HOT_SWAP, {"version": second}))
        assert swap.result is not None
        assert swap.result["stage_wait"] == "timed_out"
        assert swap.result["stage_wait_seconds"] >= 1.5
        assert swap.result["not_ready"] == [
            {"process": "laggard", "served": first, "staged": None, "loading": []}
        ]
        assert swap.result["staged_in"] == [_process(app)]
        assert _served(app) == second
        await _activation_stamp(app, second)


async def test_a_dead_process_stops_delaying_the_hot_swap_when_its_report_expires(
    tmp_path: Path, redis: RedisServer, embedder: SentenceTransformerEmbedder
) -> None:
    async with _with_laggard(tmp_path, redis, embedder, wait=30, laggard_ttl=1.0) as (
        app,
        _,
        second,
    ):
        started = time.monotonic()
        swap = await _finished(app, await _job(app, HOT_SWAP, {"version": second}))
        assert time.monotonic() - started < 10, "waited for a process that is gone"
        assert swap.result is not None
        assert swap.result["stage_wait"] == "ready"
        assert swap.result["not_ready"] == []
        assert swap.result["staged_in"] == [_process(app)]
        assert _served(app) == second


async def test_an_operator_activation_does_not_wait_for_staging(
    tmp_path: Path, redis: RedisServer, embedder: SentenceTransformerEmbedder
) -> None:
    async with _with_laggard(tmp_path, redis, embedder, wait=30, laggard_ttl=120) as (
        app,
        first,
        second,
    ):
        client, headers = await client_as(app, "stage-wait-admin", Role.ADMIN)
        try:
            for version in (second, first):  # an activation, then a rollback
                started = time.monotonic()
                response = await client.post(
                    f"/api/admin/index/{version}/activate", headers=headers
                )
                assert response.status_code == 200, response.text
                assert time.monotonic() - started < 5
                assert _served(app) == version
        finally:
            await client.aclose()


async def test_a_stage_wait_of_zero_activates_at_once(
    tmp_path: Path, redis: RedisServer, embedder: SentenceTransformerEmbedder
) -> None:
    async with _with_laggard(tmp_path, redis, embedder, wait=0, laggard_ttl=120) as (
        app,
        _,
        second,
    ):
        started = time.monotonic()
        swap = await _finished(app, await _job(app, HOT_SWAP, {"version": second}))
        assert time.monotonic() - started < 10
        assert swap.result == {"version": second, "stage_wait": "off", "stage_wait_seconds": 0.0}
        assert _served(app) == second
