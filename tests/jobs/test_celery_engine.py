"""APFA_TASK_BACKEND=celery with a real ``celery worker`` subprocess on Redis: the same
jobs, records and admin API as the embedded engine; a killed worker loses nothing."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.knowledge import service
from apfa.knowledge.flows import BUNDLED_CORPUS, ingest_and_publish
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from celery_support import Worker, wait_for_state, worker_env
from conftest import CORPUS, make_settings, unavailable
from realtime_support import Client, eventually, serving
from services import RedisServer, running_redis
from support import PASSWORD, bearer

pytestmark = pytest.mark.slow


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path)


@pytest.fixture
def celery_settings(tmp_path: Path, redis: RedisServer) -> Settings:
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    settings = make_settings(
        tmp_path / "var",
        f"sqlite+aiosqlite:///{tmp_path / 'apfa.db'}",
        redis_url=redis.url,
        task_backend="celery",
        task_sweep_seconds=1.0,
        task_stale_seconds=4.0,
        task_heartbeat_seconds=0.5,
    )
    upgrade_to_head(settings)
    return settings


@pytest.fixture
def worker(celery_settings: Settings, redis: RedisServer, tmp_path: Path) -> Iterator[Worker]:
    """``apfa worker`` with its default pool (prefork), two pool processes."""
    running = Worker(worker_env(celery_settings, redis.url), tmp_path / "worker.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def threads_worker(
    celery_settings: Settings, redis: RedisServer, tmp_path: Path
) -> Iterator[Worker]:
    """``apfa worker --pool threads --concurrency 2``: two jobs' threads in one process."""
    running = Worker(worker_env(celery_settings, redis.url), tmp_path / "worker.log")
    running.start(pool="threads")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def api(
    celery_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, dict[str, str]]]:
    application = create_app(celery_settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        async with session_scope(SESSIONMAKER.of(application)) as session:
            await create_user(session, "celery-admin", PASSWORD, Role.ADMIN)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as client:
            login = await client.post(
                "/token", data={"username": "celery-admin", "password": PASSWORD}
            )
            yield application, client, bearer(login.json()["access_token"])


async def test_a_threads_pool_worker_builds_and_every_api_process_swaps(
    api: tuple[FastAPI, httpx.AsyncClient, dict[str, str]],
    threads_worker: Worker,
    celery_settings: Settings,
    embedder: SentenceTransformerEmbedder,
) -> None:
    app, client, headers = api
    await ingest_and_publish(SESSIONMAKER.of(app), embedder, celery_settings.index_dir, [CORPUS])
    # Two rebuilds at once: the pool's two threads run them side by side, each on its own
    # event loop.
    started = [await client.post("/api/admin/index/rebuild", headers=headers) for _ in range(2)]
    assert [r.status_code for r in started] == [202, 202], started[0].text
    ends = [
        (
            await client.get(
                f"/api/admin/celery/jobs/{r.json()['job_id']}/wait",
                params={"timeout": 120},
                headers=headers,
            )
        ).json()
        for r in started
    ]
    for waited in ends:
        assert waited["finished"], threads_worker.log_tail()
        assert waited["job"]["state"] == "succeeded", waited["job"]
        assert waited["job"]["engine"] == "celery"
        assert waited["job"]["worker"].startswith("celery@")
        assert [c["state"] for c in waited["children"]] == ["succeeded"]
    assert ends[0]["job"]["result"]["version"] != ends[1]["job"]["result"]["version"]
    async with session_scope(SESSIONMAKER.of(app)) as session:
        active = await service.active_version(session)
    assert active is not None
    version = active.id
    # The worker activated it; this API process heard of it over Redis (or its poll).
    for _ in range(20):
        if INDEX_HOLDER.of(app).current.version == version:
            break
        await asyncio.sleep(0.05)
    assert INDEX_HOLDER.of(app).current.version == version
    workers = (await client.get("/api/admin/celery/workers", headers=headers)).json()
    assert workers["engine"] == "celery"
    assert workers["items"], "the worker's heartbeat is listed"
    assert workers["items"][0]["heartbeat_age_seconds"] < 30
    stats = (await client.get("/api/admin/celery/queues/stats", headers=headers)).json()
    indexing = next(q for q in stats["queues"] if q["queue"] == "indexing")
    assert indexing["broker_depth"] == 0
    assert indexing["succeeded"] >= 2


async def test_killing_the_worker_mid_job_loses_nothing(
    api: tuple[FastAPI, httpx.AsyncClient, dict[str, str]],
    worker: Worker,
    celery_settings: Settings,
    embedder: SentenceTransformerEmbedder,
) -> None:
    app, client, headers = api
    await ingest_and_publish(
        SESSIONMAKER.of(app), embedder, celery_settings.index_dir, [BUNDLED_CORPUS]
    )
    async with session_scope(SESSIONMAKER.of(app)) as session:
        before = await service.corpus_stats(session)
    started = await client.post(
        "/api/admin/celery/jobs/embed-all", params={"force": True}, headers=headers
    )
    assert started.status_code == 202
    job_id = started.json()["job_id"]
    row = await wait_for_state(app, job_id, {"running"}, 120, worker)
    for _ in range(600):  # until it has made progress, so the kill lands mid-job
        row = await wait_for_state(app, job_id, {"running", "succeeded"}, 5, worker)
        if row.state != "running" or row.progress.get("done", 0) > 0:
            break
        await asyncio.sleep(0.1)
    assert row.state == "running", "the job finished before the worker could be killed"
    worker.kill()
    worker.start()
    waited = (
        await client.get(
            f"/api/admin/celery/jobs/{job_id}/wait", params={"timeout": 240}, headers=headers
        )
    ).json()
    assert waited["finished"], worker.log_tail()
    assert waited["job"]["state"] == "succeeded", waited["job"]
    assert [c["name"] for c in waited["children"]] == [
        "knowledge.build_index",
        "knowledge.hot_swap",
    ]
    async with session_scope(SESSIONMAKER.of(app)) as session:
        after = await service.corpus_stats(session)
    assert after["chunks"] == before["chunks"]
    assert after["cached_embeddings"] == before["cached_embeddings"]


UPLOADED = b"""---
title: Zeppelin Mooring Fees
category: test
---
# Zeppelin mooring fees

A zeppelin mooring fee is charged per night by the airfield; lenders never count it as
housing debt, according to the Quillfeather Airship Lending Guide.
"""


async def test_an_upload_is_processed_by_a_worker_and_its_events_reach_a_socket_client(
    api: tuple[FastAPI, httpx.AsyncClient, dict[str, str]],
    worker: Worker,
    celery_settings: Settings,
    embedder: SentenceTransformerEmbedder,
) -> None:
    app, client, headers = api
    await ingest_and_publish(SESSIONMAKER.of(app), embedder, celery_settings.index_dir, [CORPUS])
    async with serving(app) as url:
        watcher = Client()
        await watcher.connect(url, headers["Authorization"].removeprefix("Bearer "))
        try:
            assert (await watcher.subscribe("celery:tasks"))["ok"]
            assert (await watcher.subscribe("index"))["ok"]
            uploaded = await client.post(
                "/api/v1/documents",
                files=[("files", ("zeppelin.md", UPLOADED, "text/markdown"))],
                headers=headers,
            )
            assert uploaded.status_code == 202, uploaded.text
            job_id = uploaded.json()["job_id"]
            document_id = uploaded.json()["documents"][0]["document_id"]
            waited = (
                await client.get(
                    f"/api/admin/celery/jobs/{job_id}/wait",
                    params={"timeout": 120},
                    headers=headers,
                )
            ).json()
            assert waited["finished"], worker.log_tail()
            assert waited["job"]["state"] == "succeeded", waited["job"]
            assert waited["job"]["worker"].startswith("celery@")
            document = await client.get(f"/api/v1/documents/{document_id}", headers=headers)
            assert document.json()["status"] == "indexed"
            found = await client.get(
                "/api/v1/kb/search", params={"q": "zeppelin mooring fee"}, headers=headers
            )
            assert found.json()["items"][0]["document_id"] == document_id
            # The worker process's events reached this API process and its client.
            await eventually(
                lambda: any(
                    e["task_id"] == job_id and e["state"] == "succeeded"
                    for e in watcher.events("task_update")
                ),
                within=10,
            )
            assert any(e["task_id"] == job_id for e in watcher.events("batch_progress"))
            swapped = waited["children"][-1]["result"]["version"]
            await eventually(
                lambda: any(e["version"] == swapped for e in watcher.events("index_swapped")),
                within=10,
            )
        finally:
            await watcher.close()
