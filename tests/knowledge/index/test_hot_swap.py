"""Zero-downtime swaps: requests under load while versions are activated back and forth,
activations heard by a second API process, and broken builds that never activate."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.errors import Conflict
from apfa.core.migrate import upgrade_to_head
from apfa.knowledge import service
from apfa.knowledge.flows import ingest_and_publish
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.knowledge.index.sync import INDEX_CHANNEL
from apfa.knowledge.index.versions import activate_version, build_version, load_active
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from conftest import CORPUS, make_settings
from services import RedisServer, running_redis, subscribed
from support import SHARED_MODELS, client_as


@pytest.fixture
async def two_versions(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[tuple[FastAPI, list[int]]]:
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    first = await ingest_and_publish(maker, embedder, isolated_settings.index_dir, [CORPUS])
    second = await build_version(maker, embedder, isolated_settings.index_dir)
    await engine.dispose()
    assert first.index_version is not None
    # Six callers asking in a loop in process pass 100,000 cached answers a minute while
    # the activations run; the rate limit is not what this test is about.
    unlimited = isolated_settings.model_copy(update={"rate_limit_advice": "100000000/minute"})
    application = create_app(unlimited, embedder=embedder)
    async with application.router.lifespan_context(application):
        yield application, [first.index_version, second.version]


async def test_swaps_under_load_fail_no_request_and_never_go_backwards(
    two_versions: tuple[FastAPI, list[int]],
) -> None:
    app, versions = two_versions
    admin, admin_headers = await client_as(app, "swap-admin", Role.ADMIN)
    user, user_headers = await client_as(app, "swap-user", Role.USER)
    # (when the activate call started, when it returned, version)
    activations: list[tuple[float, float, int]] = []
    observed: list[tuple[float, float, int, int]] = []  # (start, end, status, version)
    stop = asyncio.Event()

    async def ask(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            started = time.monotonic()
            response = await user.post(
                "/api/v1/advice",
                json={"query": f"How does PMI work? variant {n}-{i % 3}"},
                headers=user_headers,
            )
            body = response.json() if response.status_code == 200 else {}
            observed.append(
                (started, time.monotonic(), response.status_code, body.get("index_version", -1))
            )

    askers = [asyncio.create_task(ask(n)) for n in range(6)]
    try:
        for step in range(10):
            await asyncio.sleep(0.15)
            version = versions[step % 2 == 0]
            called = time.monotonic()
            response = await admin.post(
                f"/api/admin/index/{version}/activate", headers=admin_headers
            )
            assert response.status_code == 200, response.text
            activations.append((called, time.monotonic(), version))
        await asyncio.sleep(0.15)
    finally:
        stop.set()
        await asyncio.gather(*askers)
        await admin.aclose()
        await user.aclose()
    assert len(observed) > 50
    assert {status for _, _, status, _ in observed} == {200}
    # A request is served by the activation in effect when it started (the last one whose
    # call had returned) or by one made while it ran, never by a version replaced before.
    for started, ended, _, version in observed:
        done = [v for _, returned, v in activations if returned <= started]
        if not done:
            continue
        during = {
            v for called, returned, v in activations if called <= ended and returned > started
        }
        assert version == done[-1] or version in during, (started, ended, version, activations)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path)


async def test_a_second_api_process_serves_an_activation_within_a_second(
    tmp_path: Path, redis: RedisServer, embedder: SentenceTransformerEmbedder
) -> None:
    # Poll interval far above 1 s: the Redis message alone must carry the activation.
    settings = make_settings(
        tmp_path / "var",
        f"sqlite+aiosqlite:///{tmp_path / 'apfa.db'}",
        redis_url=redis.url,
        index_poll_seconds=30.0,
    )
    await asyncio.to_thread(upgrade_to_head, settings)
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    first = await ingest_and_publish(maker, embedder, settings.index_dir, [CORPUS])
    second = await build_version(maker, embedder, settings.index_dir)
    await engine.dispose()
    one, two = create_app(settings, embedder=embedder), create_app(settings, embedder=embedder)
    async with one.router.lifespan_context(one), two.router.lifespan_context(two):
        assert INDEX_HOLDER.of(two).current.version == first.index_version
        await subscribed(settings.redis_url or "", INDEX_CHANNEL, 2)
        client, headers = await client_as(one, "swap-admin-2", Role.ADMIN)
        try:
            started = time.monotonic()
            response = await client.post(
                f"/api/admin/index/{second.version}/activate", headers=headers
            )
            assert response.status_code == 200
            while INDEX_HOLDER.of(two).current.version != second.version:
                assert time.monotonic() - started < 1.0, "not swapped within 1 s"
                await asyncio.sleep(0.01)
        finally:
            await client.aclose()


async def test_a_full_disk_fails_the_build_and_the_active_version_keeps_serving(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mountpoint = tmp_path / "index"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        settings = make_settings(tmp_path / "var", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
        await asyncio.to_thread(upgrade_to_head, settings)
        engine = create_engine(settings)
        maker = create_sessionmaker(engine)
        try:
            small = await ingest_and_publish(maker, embedder, mountpoint, [CORPUS])
            # Something else fills the disk before the next build.
            with (mountpoint / "filler").open("wb") as filler, contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            with pytest.raises((OSError, RuntimeError), match="No space left"):
                await build_version(maker, embedder, mountpoint)
            async with session_scope(maker) as session:
                versions = await service.list_versions(session)
                active = await service.active_version(session)
            failed = [v for v in versions if v.status == "failed"]
            assert failed, "the broken build is recorded as failed"
            assert active is not None
            assert active.id == small.index_version
            with pytest.raises(Conflict):
                await activate_version(maker, mountpoint, failed[0].id)
            loaded, _ = await load_active(maker, mountpoint)
            assert loaded is not None
            assert loaded.version == small.index_version
            assert not [p for p in mountpoint.iterdir() if p.name.startswith(".tmp-")]
        finally:
            await engine.dispose()
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


KILLED_BUILD = """
import asyncio, sys, time
from apfa.knowledge.index import store as index_store
from apfa.knowledge.index.versions import build_version
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.providers.embeddings import SentenceTransformerEmbedder

real_fsync = index_store._fsync
def slow_fsync(path):  # a slow disk: the build is killed while it writes
    print("writing", flush=True)
    time.sleep(60)
index_store._fsync = slow_fsync

async def main():
    settings = Settings()
    maker = create_sessionmaker(create_engine(settings))
    await build_version(maker, SentenceTransformerEmbedder(device="cpu"), settings.index_dir,
                        task_id="killed-build")
asyncio.run(main())
"""


async def test_a_build_killed_midway_never_activates_and_is_rebuilt_on_redelivery(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    try:
        first = await ingest_and_publish(maker, embedder, isolated_settings.index_dir, [CORPUS])
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS
        }
        env.update(
            APFA_VAR_DIR=str(isolated_settings.var_dir),
            APFA_DATABASE_URL=isolated_settings.resolved_database_url,
            APFA_EMBEDDING_DEVICE="cpu",
        )
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_BUILD], env=env, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        line = await asyncio.to_thread(child.stdout.readline)
        assert line.strip() == "writing"
        child.kill()
        child.wait(timeout=10)
        async with session_scope(maker) as session:
            killed = await service.version_for_task(session, "killed-build")
            active = await service.active_version(session)
        assert killed is not None
        assert killed.status == "building"
        assert active is not None
        assert active.id == first.index_version
        with pytest.raises(Conflict):
            await activate_version(maker, isolated_settings.index_dir, killed.id)
        loaded, _ = await load_active(maker, isolated_settings.index_dir)
        assert loaded is not None
        assert loaded.version == first.index_version
        # The job is delivered again: it finishes the same version instead of another.
        rebuilt = await build_version(
            maker, embedder, isolated_settings.index_dir, task_id="killed-build"
        )
        assert rebuilt.version == killed.id
        again = await build_version(
            maker, embedder, isolated_settings.index_dir, task_id="killed-build"
        )
        assert again.reused
        assert again.version == killed.id
        await activate_version(maker, isolated_settings.index_dir, killed.id)
    finally:
        await engine.dispose()
