"""Versions loaded when their build finishes, before anybody activates them: staged by the
process whose job built it, by the Redis message and by the database poll; activating a
staged version reads nothing from disk; a corrupt build is never staged nor activated;
``index_preload`` off stages nothing."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from structlog.testing import capture_logs

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.core.redis import connect_redis
from apfa.jobs.system import TASK_SYSTEM
from apfa.knowledge import service
from apfa.knowledge.index import holder as holder_module
from apfa.knowledge.index.holder import INDEX_HOLDER, IndexHolder
from apfa.knowledge.index.preload import Preloader
from apfa.knowledge.index.store import (
    INDEX_FILE,
    CorruptIndexError,
    LoadedIndex,
    Passage,
    load_version,
    version_dirname,
    write_version,
)
from apfa.knowledge.index.sync import BUILT_CHANNEL
from apfa.knowledge.index.versions import (
    activate_version,
    build_version,
    load_active,
    on_built_everywhere,
)
from apfa.knowledge.tasks import BUILD_INDEX
from apfa.main import create_app
from apfa.models import BackgroundTask
from apfa.providers.embeddings import HashingEmbedder, SentenceTransformerEmbedder
from conftest import make_settings
from knowledge_support import published, record_disk_loads
from services import RedisServer, running_redis, subscribed
from support import client_as

TEXTS = ["mortgage insurance", "auto loan terms", "a monthly budget"]


def _versions(root: Path, *numbers: int) -> dict[int, LoadedIndex]:
    vectors = HashingEmbedder(16).encode(TEXTS)
    passages = [Passage(i, f"doc-{i}", f"Title {i}", (), t) for i, t in enumerate(TEXTS)]
    loaded = {}
    for number in numbers:
        write_version(root, version=number, model="hashing", vectors=vectors, passages=passages)
        loaded[number] = load_version(root / version_dirname(number))
    return loaded


@pytest.fixture
def disk_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    return record_disk_loads(monkeypatch)


async def _until(condition: Callable[[], bool], within: float, what: str) -> float:
    """Seconds until ``condition`` holds; fails after ``within`` seconds."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, f"not within {within} s: {what}"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def _staged(app: FastAPI) -> int | None:
    staged = INDEX_HOLDER.of(app).staged
    return staged.version if staged is not None else None


def _served(app: FastAPI) -> int | None:
    current = INDEX_HOLDER.of(app).current
    return current.version if current is not None else None


# -- the holder's staged slot ------------------------------------------------------------


def test_a_staged_version_is_found_and_its_activation_promotes_it(tmp_path: Path) -> None:
    v = _versions(tmp_path, 1, 2)
    holder = IndexHolder()
    holder.swap(v[1], 1.0)
    assert holder.stage(v[2])
    assert holder.current is v[1]
    assert holder.loaded(2) is v[2]
    assert holder.swap_if_newer(v[2], 2.0)
    assert holder.current is v[2]
    assert holder.staged is None
    assert holder.loaded(1) is v[1], "the version replaced stays loaded for a rollback"


def test_only_the_newest_version_built_after_the_served_one_is_staged(tmp_path: Path) -> None:
    v = _versions(tmp_path, 1, 2, 3, 4)
    holder = IndexHolder()
    holder.swap(v[2], 1.0)
    assert not holder.stage(v[1]), "older than the served version"
    assert not holder.stage(v[2]), "served already"
    assert holder.stage(v[3])
    assert holder.stage(v[4])
    assert not holder.stage(v[3]), "older than the staged version"
    assert holder.staged is v[4]
    assert holder.loaded(3) is None
    # A rollback keeps the staged version; serving one at least as new drops it.
    assert holder.swap_if_newer(v[1], 2.0)
    assert holder.staged is v[4]
    assert not holder.swap_if_newer(v[3], 1.5), "activations stay ordered by their stamp"
    assert holder.swap_if_newer(v[3], 3.0)
    assert holder.staged is v[4]
    assert holder.swap_if_newer(v[4], 4.0)
    assert holder.staged is None


def test_concurrent_loads_of_one_version_read_it_from_disk_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _versions(tmp_path, 5)
    reads: list[Path] = []
    entered = threading.Event()

    def slow(directory: Path) -> LoadedIndex:
        reads.append(directory)
        entered.set()
        time.sleep(0.3)  # the other callers arrive while this read runs
        return load_version(directory)

    monkeypatch.setattr(holder_module, "load_version", slow)
    holder = IndexHolder()
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(holder.load, 5, tmp_path / version_dirname(5))
        assert entered.wait(5)
        others = [pool.submit(holder.load, 5, tmp_path / version_dirname(5)) for _ in range(3)]
        results = [first.result(10), *(o.result(10) for o in others)]
    assert len(reads) == 1
    assert all(r is results[0] for r in results)


# -- staging in running API processes ----------------------------------------------------


async def _activate_through_api(app: FastAPI, version: int, username: str) -> None:
    client, headers = await client_as(app, username, Role.ADMIN)
    try:
        response = await client.post(f"/api/admin/index/{version}/activate", headers=headers)
        assert response.status_code == 200, response.text
        listed = (await client.get("/api/admin/index", headers=headers)).json()
        assert listed["served_version"] == version
        assert listed["staged_version"] is None
    finally:
        await client.aclose()


async def test_a_build_job_stages_its_version_and_activating_it_reads_nothing_from_disk(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder, disk_loads: list[Path]
) -> None:
    first = await published(isolated_settings, embedder)
    disk_loads.clear()
    # No Redis and a poll too slow to matter: the job's own process stages it directly.
    settings = isolated_settings.model_copy(update={"index_poll_seconds": 60.0})
    app = create_app(settings, embedder=embedder)
    async with app.router.lifespan_context(app):
        async with session_scope(SESSIONMAKER.of(app)) as session:
            await TASK_SYSTEM.of(app).runtime.submit(
                session, BUILD_INDEX, {}, created_by="preload-test"
            )
        await _until(lambda: _staged(app) is not None, 60, "the build staged")
        staged = _staged(app)
        assert staged is not None
        assert staged > first
        assert _served(app) == first
        assert len(disk_loads) == 1
        await _activate_through_api(app, staged, "preload-admin-1")
        assert _served(app) == staged
        assert len(disk_loads) == 1, "activation read the version from disk again"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path)


async def test_every_process_stages_a_build_announced_on_redis_and_swaps_without_loading(
    tmp_path: Path,
    redis: RedisServer,
    embedder: SentenceTransformerEmbedder,
    disk_loads: list[Path],
) -> None:
    # Poll interval far above the waits below: the Redis messages alone must carry it.
    settings = make_settings(
        tmp_path / "var",
        f"sqlite+aiosqlite:///{tmp_path / 'apfa.db'}",
        redis_url=redis.url,
        index_poll_seconds=30.0,
    )
    await asyncio.to_thread(upgrade_to_head, settings)
    first = await published(settings, embedder)
    disk_loads.clear()
    one, two = create_app(settings, embedder=embedder), create_app(settings, embedder=embedder)
    async with one.router.lifespan_context(one), two.router.lifespan_context(two):
        await subscribed(settings.redis_url or "", BUILT_CHANNEL, 2)
        engine = create_engine(settings)
        redis = connect_redis(settings.redis_url or "")
        try:
            # As a Celery worker's build job does: no holder of its own, a message only.
            built = await build_version(
                create_sessionmaker(engine),
                embedder,
                settings.index_dir,
                on_built=on_built_everywhere(redis, None),
            )
        finally:
            await redis.aclose()
            await engine.dispose()
        await _until(
            lambda: _staged(one) == _staged(two) == built.version, 30, "staged in both processes"
        )
        assert _served(one) == _served(two) == first
        assert len(disk_loads) == 2
        started = time.monotonic()
        await _activate_through_api(one, built.version, "preload-admin-2")
        await _until(lambda: _served(two) == built.version, 1.0, "the other process swapped")
        assert time.monotonic() - started < 1.0
        assert INDEX_HOLDER.of(two).staged is None
        assert len(disk_loads) == 2, "a staged version was read from disk again"


@pytest.mark.parametrize("preload", [True, False], ids=["preload-on", "preload-off"])
async def test_the_database_poll_stages_a_new_build_unless_preloading_is_off(
    isolated_settings: Settings,
    embedder: SentenceTransformerEmbedder,
    disk_loads: list[Path],
    preload: bool,
) -> None:
    first = await published(isolated_settings, embedder)
    disk_loads.clear()
    settings = isolated_settings.model_copy(
        update={"index_poll_seconds": 0.1, "index_preload": preload}
    )
    app = create_app(settings, embedder=embedder)
    async with app.router.lifespan_context(app):
        if preload:
            built = await build_version(SESSIONMAKER.of(app), embedder, settings.index_dir)
            await _until(lambda: _staged(app) == built.version, 30, "the poll staged it")
        else:
            # The job, which stages directly when preloading is on, and ten polls after it.
            async with session_scope(SESSIONMAKER.of(app)) as session:
                job = await TASK_SYSTEM.of(app).runtime.submit(
                    session, BUILD_INDEX, {}, created_by="preload-test"
                )

            await _until_job_done(app, job.id)
            await asyncio.sleep(1.0)
            assert _staged(app) is None
            assert not disk_loads
        assert _served(app) == first


async def _until_job_done(app: FastAPI, job_id: str) -> None:
    async def state() -> str | None:
        async with session_scope(SESSIONMAKER.of(app)) as session:
            row = await session.get(BackgroundTask, job_id, populate_existing=True)
            return row.state if row is not None else None

    started = time.monotonic()
    while (current := await state()) != "succeeded":
        assert current not in {"failed", "revoked"}, current
        assert time.monotonic() - started < 60, "the build job did not finish"
        await asyncio.sleep(0.05)


async def test_a_corrupt_build_is_logged_never_staged_nor_tried_again_nor_activated(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder, disk_loads: list[Path]
) -> None:
    first = await published(isolated_settings, embedder)
    disk_loads.clear()
    root = isolated_settings.index_dir
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    try:
        built = await build_version(maker, embedder, root)
        (root / version_dirname(built.version) / INDEX_FILE).write_bytes(b"not a faiss index")
        served, stamp = await load_active(maker, root)
        assert served is not None
        assert stamp is not None
        holder = IndexHolder()
        holder.swap(served, stamp)
        preloader = Preloader(maker, root, holder)
        with capture_logs() as logs:
            assert await preloader.stage_newest() is None
            assert await preloader.stage_newest() is None
        assert holder.staged is None
        assert len(disk_loads) == 1, "a version that failed verification is not read again"
        failures = [e for e in logs if e["event"] == "index_preload_failed"]
        assert [e["version"] for e in failures] == [built.version]
        assert "checksum" in failures[0]["error"]
        with pytest.raises(CorruptIndexError):
            await activate_version(maker, root, built.version, holder)
        assert holder.current is served
        async with session_scope(maker) as session:
            active = await service.active_version(session)
        assert active is not None
        assert active.id == first
    finally:
        await engine.dispose()
