"""Jobs, queues and workers: ``/api/admin/celery/...`` (seed paths; both engines)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from apfa.admin import service
from apfa.admin.dependencies import CeleryManager, CeleryViewer, TaskSystemDep
from apfa.admin.schemas import (
    JobAccepted,
    JobWait,
    QueueStats,
    QueueStatsOut,
    TaskOut,
    TaskPage,
    WorkerOut,
    WorkersOut,
)
from apfa.admin.workers import broker_depths, list_workers
from apfa.audit import service as audit
from apfa.auth.context import actor_of
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.dependencies import SessionDep
from apfa.core.errors import InvalidInput, NotFound
from apfa.core.pagination import Cursor, Limit
from apfa.core.redis import REDIS
from apfa.jobs import records
from apfa.jobs.spec import QUEUES
from apfa.knowledge.tasks import REEMBED_ALL
from apfa.models import BackgroundTask
from apfa.models.task import FINAL_STATES, TASK_STATES

router = APIRouter(tags=["admin: jobs"])
WAIT_POLL_SECONDS = 0.2


def _cursor(row: BackgroundTask) -> str:
    raw = f"t:{row.created_at.isoformat()}|{row.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("t:") or "|" not in raw:
            raise ValueError(raw)
        created, task_id = raw[2:].split("|", 1)
        datetime.fromisoformat(created)
        return created, task_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor") from exc


def _out(row: BackgroundTask) -> TaskOut:
    return TaskOut(**records.payload(row))


@router.get("/api/admin/celery/tasks", response_model=TaskPage)
async def list_tasks(
    _: CeleryViewer,
    session: SessionDep,
    system: TaskSystemDep,
    queue: Annotated[str | None, Query(max_length=32)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    name: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TaskPage:
    """Recent jobs, newest first, from the task table (every engine writes it)."""
    if queue is not None and queue not in QUEUES:
        raise InvalidInput(f"unknown queue {queue!r}; queues: {', '.join(QUEUES)}")
    if state is not None and state not in TASK_STATES:
        raise InvalidInput(f"unknown state {state!r}; states: {', '.join(TASK_STATES)}")
    # A job's earlier names (aliases) find its rows under either name.
    spec = system.runtime.registry.find(name) if name is not None else None
    names = spec.names if spec is not None else (name,) if name is not None else None
    rows = await service.list_tasks(
        session, queue=queue, state=state, names=names, limit=limit + 1, before=_decode(cursor)
    )
    page = rows[:limit]
    return TaskPage(
        items=[_out(row) for row in page],
        next_cursor=_cursor(page[-1]) if len(rows) > limit else None,
    )


@router.post("/api/admin/celery/tasks/{task_id}/revoke", response_model=TaskOut)
async def revoke_task(
    task_id: str, principal: CeleryManager, request: Request, system: TaskSystemDep
) -> TaskOut:
    """Cancel a job: a waiting one never runs; a running one stops at its next progress
    report. A job that already ended is returned unchanged."""
    async with session_scope(SESSIONMAKER.of(request)) as session:
        row = await records.revoke(session, task_id[:36])
        if row is None:
            raise NotFound(f"task {task_id} does not exist")
        await audit.record(
            session,
            actor_of(request, principal),
            "task_revoke",
            target_type="task",
            target_id=row.id,
            details={"state": row.state, "name": row.name},
        )
        view = records.payload(row)
    if system.celery is not None:
        await asyncio.to_thread(system.celery.app.control.revoke, row.id)
    system.runtime.publish(view)
    return TaskOut(**view)


@router.post(
    "/api/admin/celery/jobs/embed-all",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def embed_all(
    principal: CeleryManager,
    request: Request,
    system: TaskSystemDep,
    force: Annotated[bool, Query(description="recompute vectors the cache already has")] = False,
) -> JobAccepted:
    """Re-embed the whole corpus, then build and activate a new index version."""
    async with session_scope(SESSIONMAKER.of(request)) as session:
        row = await system.runtime.submit(
            session, REEMBED_ALL, {"force": force}, created_by=principal.username
        )
        await audit.record(
            session,
            actor_of(request, principal),
            "embed_all_started",
            target_type="task",
            target_id=row.id,
            details={"force": force},
        )
    return JobAccepted(job_id=row.id, state=row.state)


@router.get("/api/admin/celery/jobs/{job_id}/wait", response_model=JobWait)
async def wait_for_job(
    job_id: str,
    _: CeleryViewer,
    request: Request,
    timeout: Annotated[float, Query(ge=0, le=300)] = 30.0,  # noqa: ASYNC109 - seed query name
) -> JobWait:
    """Long poll until the job and the follow-up jobs it started (a build, a swap) have
    all ended, or ``timeout`` seconds pass; returns their states and progress."""
    maker = SESSIONMAKER.of(request)
    deadline = time.monotonic() + timeout
    while True:
        async with session_scope(maker) as session:
            job = await session.get(BackgroundTask, job_id[:36])
            if job is None:
                raise NotFound(f"job {job_id} does not exist")
            children = await service.descendants(session, job.id)
            finished = job.state in FINAL_STATES and service.chain_finished(children)
            answer = JobWait(
                job=_out(job),
                children=[_out(child) for child in children],
                finished=finished,
                timed_out=False,
            )
        if finished:
            return answer
        if time.monotonic() >= deadline:
            answer.timed_out = True
            return answer
        if await request.is_disconnected():
            return answer
        await asyncio.sleep(min(WAIT_POLL_SECONDS, max(deadline - time.monotonic(), 0)))


@router.get("/api/admin/celery/queues/stats", response_model=QueueStatsOut)
async def queues_stats(
    _: CeleryViewer, session: SessionDep, system: TaskSystemDep, request: Request
) -> QueueStatsOut:
    """Per queue: waiting (depth), running, succeeded, failed, completions per minute;
    under Celery also the messages waiting in the broker."""
    stats: dict[str, dict[str, Any]] = await service.queue_stats(session)
    redis = REDIS.find_in(request)
    if system.celery is not None and redis is not None:
        for queue, depth in (await broker_depths(redis)).items():
            stats[queue]["broker_depth"] = depth
    return QueueStatsOut(
        engine=system.runtime.engine, queues=[QueueStats(**entry) for entry in stats.values()]
    )


@router.get("/api/admin/celery/workers", response_model=WorkersOut)
async def workers(_: CeleryViewer, system: TaskSystemDep, request: Request) -> WorkersOut:
    """Live workers with their queues, concurrency and heartbeat age."""
    items = [WorkerOut(**w) for w in await list_workers(system, REDIS.find_in(request))]
    return WorkersOut(engine=system.runtime.engine, items=items)
