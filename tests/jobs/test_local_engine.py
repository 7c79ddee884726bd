"""The embedded engine end to end: jobs recorded, run by priority, retried, revoked,
swept; the admin endpoints read the same records."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from apfa.advice.tasks import PRUNE_ANSWERS
from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.jobs import records
from apfa.jobs.spec import RetryableError, TaskContext, TaskSpec
from apfa.jobs.sweeper import sweep_once
from apfa.jobs.system import TASK_SYSTEM
from apfa.knowledge import service
from apfa.knowledge.flows import ingest_and_publish
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.knowledge.tasks import STATS
from apfa.main import create_app
from apfa.models import AdviceAnswer, BackgroundTask
from apfa.models.base import utcnow
from apfa.providers.embeddings import SentenceTransformerEmbedder
from conftest import CORPUS
from support import client_as

ATTEMPTS: dict[str, int] = {}
GATE: dict[str, asyncio.Event] = {}


async def flaky(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    key = params["key"]
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] <= int(params["failures"]):
        raise RetryableError("database is locked")
    return {"attempts": ATTEMPTS[key]}


async def broken(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    ATTEMPTS[params["key"]] = ATTEMPTS.get(params["key"], 0) + 1
    raise ValueError("not retryable")


async def slow(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    gate = GATE.setdefault(params["key"], asyncio.Event())
    for step in range(1, 1001):
        await ctx.progress(step, 1000, unit="steps")
        if gate.is_set():
            break
        await asyncio.sleep(0.01)
    return {"stopped_at": step}


FLAKY = TaskSpec("test.flaky", "maintenance", flaky, max_retries=3)
BROKEN = TaskSpec("test.broken", "maintenance", broken)
SLOW = TaskSpec("test.slow", "maintenance", slow)


@pytest.fixture
async def engine_app(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[FastAPI]:
    settings = isolated_settings.model_copy(
        update={"task_retry_base_seconds": 0.05, "task_retry_max_seconds": 0.2}
    )
    ATTEMPTS.clear()
    GATE.clear()
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        registry = TASK_SYSTEM.of(application).runtime.registry
        for spec in (FLAKY, BROKEN, SLOW):
            registry.register(spec)
        yield application


async def _submit(app: FastAPI, spec: TaskSpec, params: dict[str, Any]) -> str:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        row = await TASK_SYSTEM.of(app).runtime.submit(session, spec, params, created_by="test")
    return str(row.id)


async def _row(app: FastAPI, task_id: str) -> BackgroundTask:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        row = await session.get(BackgroundTask, task_id)
        assert row is not None
        return row


async def _until(app: FastAPI, task_id: str, states: set[str], seconds: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        row = await _row(app, task_id)
        if row.state in states:
            return row
        assert asyncio.get_running_loop().time() < deadline, f"{task_id} stuck in {row.state}"
        await asyncio.sleep(0.05)


async def _progressed(app: FastAPI, task_id: str, seconds: float = 20) -> BackgroundTask:
    """The row once a progress report with a rate has been written."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        row = await _row(app, task_id)
        if row.progress.get("done", 0) > 1 and row.progress.get("rate_per_second", 0) > 0:
            return row
        assert asyncio.get_running_loop().time() < deadline, f"{task_id} reported no progress"
        await asyncio.sleep(0.05)


async def test_retryable_failures_back_off_then_succeed(engine_app: FastAPI) -> None:
    task_id = await _submit(engine_app, FLAKY, {"key": "retry-ok", "failures": 2})
    row = await _until(engine_app, task_id, {"succeeded", "failed"})
    assert row.state == "succeeded"
    assert row.retry_count == 2
    assert row.result == {"attempts": 3}
    assert row.started_at is not None
    assert row.completed_at is not None


async def test_retries_stop_at_the_limit(engine_app: FastAPI) -> None:
    task_id = await _submit(engine_app, FLAKY, {"key": "retry-out", "failures": 99})
    row = await _until(engine_app, task_id, {"succeeded", "failed"})
    assert row.state == "failed"
    assert row.retry_count == 3
    assert ATTEMPTS["retry-out"] == 4
    assert row.error is not None
    assert "gave up" in row.error


async def test_other_errors_fail_at_once(engine_app: FastAPI) -> None:
    task_id = await _submit(engine_app, BROKEN, {"key": "broken"})
    row = await _until(engine_app, task_id, {"succeeded", "failed"})
    assert row.state == "failed"
    assert row.retry_count == 0
    assert ATTEMPTS["broken"] == 1
    assert row.error is not None
    assert "ValueError" in row.error


async def test_a_second_delivery_does_not_run_the_job_again(engine_app: FastAPI) -> None:
    task_id = await _submit(engine_app, FLAKY, {"key": "twice", "failures": 0})
    await _until(engine_app, task_id, {"succeeded"})
    assert await TASK_SYSTEM.of(engine_app).runtime.execute(task_id) is None
    assert ATTEMPTS["twice"] == 1


async def test_progress_is_recorded_and_a_running_job_can_be_revoked(engine_app: FastAPI) -> None:
    task_id = await _submit(engine_app, SLOW, {"key": "revoke-me"})
    await _until(engine_app, task_id, {"running"})
    row = await _progressed(engine_app, task_id)
    assert row.progress["total"] == 1000
    assert 0 < row.progress["done"] < 1000
    assert row.progress["rate_per_second"] > 0
    assert row.progress["eta_seconds"] > 0
    advisor, advisor_headers = await client_as(engine_app, "advisor-r", Role.FINANCIAL_ADVISOR)
    admin, admin_headers = await client_as(engine_app, "admin-r", Role.ADMIN)
    try:
        denied = await advisor.post(
            f"/api/admin/celery/tasks/{task_id}/revoke", headers=advisor_headers
        )
        assert denied.status_code == 403
        assert (await _row(engine_app, task_id)).state == "running"
        revoked = await admin.post(
            f"/api/admin/celery/tasks/{task_id}/revoke", headers=admin_headers
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["state"] == "revoked"
        missing = await admin.post("/api/admin/celery/tasks/nope/revoke", headers=admin_headers)
        assert missing.status_code == 404
    finally:
        await advisor.aclose()
        await admin.aclose()
    row = await _until(engine_app, task_id, {"revoked"})
    await asyncio.sleep(0.3)  # the job notices at its next progress report and stops
    row = await _row(engine_app, task_id)
    assert row.state == "revoked"
    stopped_at = row.progress["done"]
    await asyncio.sleep(0.3)
    assert (await _row(engine_app, task_id)).progress["done"] == stopped_at


async def test_sweeper_reenqueues_a_job_whose_message_was_lost(engine_app: FastAPI) -> None:
    runtime = TASK_SYSTEM.of(engine_app).runtime
    row = records.new_record(
        FLAKY,
        {"key": "lost", "failures": 0},
        max_retries=0,
        engine="local",
    )
    row.created_at = utcnow() - timedelta(minutes=10)
    async with session_scope(SESSIONMAKER.of(engine_app)) as session:
        session.add(row)  # recorded, never enqueued: as if the broker lost it
    # This sweep or the app's own periodic one (whichever runs first) enqueues it.
    assert await sweep_once(runtime, stale_seconds=60) in (0, 1)
    done = await _until(engine_app, row.id, {"succeeded"})
    assert done.result == {"attempts": 1}


async def test_a_job_whose_worker_died_is_taken_over(engine_app: FastAPI) -> None:
    task_id = await _submit(engine_app, FLAKY, {"key": "orphan", "failures": 0})
    await _until(engine_app, task_id, {"succeeded"})
    async with session_scope(SESSIONMAKER.of(engine_app)) as session:
        await session.execute(
            update(BackgroundTask)
            .where(BackgroundTask.id == task_id)
            .values(
                state="running",
                worker="local@gone:1",
                heartbeat_at=utcnow() - timedelta(minutes=10),
            )
        )
    ATTEMPTS["orphan"] = 0
    assert await sweep_once(TASK_SYSTEM.of(engine_app).runtime, stale_seconds=60) in (0, 1)
    row = await _until(engine_app, task_id, {"succeeded"})
    assert row.worker != "local@gone:1"


async def test_rebuild_through_the_api_builds_and_activates_with_the_request_id(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder, engine_app: FastAPI
) -> None:
    await ingest_and_publish(
        SESSIONMAKER.of(engine_app), embedder, isolated_settings.index_dir, [CORPUS]
    )
    client, headers = await client_as(engine_app, "ops-admin", Role.ADMIN)
    headers |= {"X-Request-ID": "rebuild-req-1"}
    try:
        started = await client.post("/api/admin/index/rebuild", headers=headers)
        assert started.status_code == 202, started.text
        job_id = started.json()["job_id"]
        waited = await client.get(
            f"/api/admin/celery/jobs/{job_id}/wait", params={"timeout": 60}, headers=headers
        )
        body = waited.json()
        assert body["finished"] is True, body
        assert body["job"]["state"] == "succeeded"
        assert body["job"]["request_id"] == "rebuild-req-1"
        assert [c["name"] for c in body["children"]] == ["knowledge.hot_swap"]
        assert body["children"][0]["request_id"] == "rebuild-req-1"
        version = body["job"]["result"]["version"]
        assert INDEX_HOLDER.of(engine_app).current.version == version
        async with session_scope(SESSIONMAKER.of(engine_app)) as session:
            active = await service.active_version(session)
        assert active is not None
        assert active.id == version

        listed = await client.get("/api/admin/celery/tasks", headers=headers)
        assert job_id in {item["task_id"] for item in listed.json()["items"]}
        filtered = await client.get(
            "/api/admin/celery/tasks", params={"state": "bogus"}, headers=headers
        )
        assert filtered.status_code == 422
        stats = (await client.get("/api/admin/celery/queues/stats", headers=headers)).json()
        indexing = next(q for q in stats["queues"] if q["queue"] == "indexing")
        assert indexing["succeeded"] >= 2
        assert indexing["depth"] == 0
        workers = (await client.get("/api/admin/celery/workers", headers=headers)).json()
        assert workers["engine"] == "local"
        assert workers["items"][0]["concurrency"] >= 1
        versions = (await client.get("/api/admin/index", headers=headers)).json()
        assert versions["served_version"] == version
        assert any(v["active"] and v["id"] == version for v in versions["items"])

        # Rollback: activating the older version serves it at once.
        older = min(v["id"] for v in versions["items"] if v["status"] == "ready")
        rolled = await client.post(f"/api/admin/index/{older}/activate", headers=headers)
        assert rolled.status_code == 200, rolled.text
        assert INDEX_HOLDER.of(engine_app).current.version == older
        gone = await client.post("/api/admin/index/9999/activate", headers=headers)
        assert gone.status_code == 404
    finally:
        await client.aclose()


async def test_the_daily_prune_removes_advice_answers_no_history_row_uses(
    engine_app: FastAPI,
) -> None:
    stale = utcnow() - timedelta(days=2)
    async with session_scope(SESSIONMAKER.of(engine_app)) as session:
        session.add(AdviceAnswer(digest="e" * 64, body_json='{"advice":"old"}', last_used_at=stale))
    task_id = await _submit(engine_app, PRUNE_ANSWERS, {})
    row = await _until(engine_app, task_id, {"succeeded", "failed"})
    assert row.state == "succeeded", row.error
    assert row.result["advice_answers_removed"] == 1
    async with session_scope(SESSIONMAKER.of(engine_app)) as session:
        assert await session.get(AdviceAnswer, "e" * 64) is None


async def test_a_job_queued_under_its_seed_name_still_runs(engine_app: FastAPI) -> None:
    row = records.new_record(STATS, {}, max_retries=0, engine="local")
    row.name = "compute_index_stats"  # as a row written before the rename was
    row.created_at = utcnow() - timedelta(minutes=10)
    async with session_scope(SESSIONMAKER.of(engine_app)) as session:
        session.add(row)
    assert await sweep_once(TASK_SYSTEM.of(engine_app).runtime, stale_seconds=60) in (0, 1)
    done = await _until(engine_app, row.id, {"succeeded", "failed"})
    assert done.state == "succeeded", done.error
    assert "active_version" in done.result
