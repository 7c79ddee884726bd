"""State transitions of ``background_tasks`` rows.

Every transition is a conditional UPDATE, so two deliveries of one job (a broker
redelivery, the sweeper re-enqueueing) can never both run it: only one claim succeeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from apfa.jobs.spec import TaskSpec
from apfa.models import BackgroundTask
from apfa.models.base import utcnow
from apfa.models.task import FINAL_STATES

WAITING = ("pending", "retrying")


def _held_by(task_id: str, worker: str) -> tuple[ColumnElement[bool], ...]:
    """The row is running under this worker (not revoked, not taken over)."""
    return (
        BackgroundTask.id == task_id,
        BackgroundTask.state == "running",
        BackgroundTask.worker == worker,
    )


def new_record(
    spec: TaskSpec,
    params: dict[str, Any],
    *,
    max_retries: int,
    engine: str,
    request_id: str | None = None,
    created_by: str | None = None,
    parent_id: str | None = None,
    task_id: str | None = None,
) -> BackgroundTask:
    return BackgroundTask(
        id=task_id or str(uuid.uuid4()),
        name=spec.name,
        queue=spec.queue,
        state="pending",
        priority=spec.priority,
        params=params,
        progress={},
        retry_count=0,
        max_retries=max_retries,
        request_id=request_id,
        created_by=created_by,
        parent_id=parent_id,
        engine=engine,
        created_at=utcnow(),
    )


async def claim(
    session: AsyncSession, task_id: str, worker: str, stale_before: datetime
) -> BackgroundTask | None:
    """Move a waiting job (or a running one whose worker stopped beating) to ``running``.

    None when another delivery holds it, it is not due yet, or it already ended."""
    now = utcnow()
    result = await session.execute(
        update(BackgroundTask)
        .where(
            BackgroundTask.id == task_id,
            or_(
                and_(
                    BackgroundTask.state.in_(WAITING),
                    or_(BackgroundTask.not_before.is_(None), BackgroundTask.not_before <= now),
                ),
                and_(
                    BackgroundTask.state == "running",
                    BackgroundTask.heartbeat_at < stale_before,
                ),
            ),
        )
        .values(
            state="running",
            worker=worker,
            started_at=func.coalesce(BackgroundTask.started_at, now),
            heartbeat_at=now,
            not_before=None,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return await session.get(BackgroundTask, task_id, populate_existing=True)


async def beat(
    session: AsyncSession, task_id: str, worker: str, progress: dict[str, Any] | None = None
) -> bool:
    """Record liveness (and progress). False when the job is no longer ours to run
    (revoked by an operator, or claimed by another worker after we went stale)."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if progress is not None:
        values["progress"] = progress
    result = await session.execute(
        update(BackgroundTask)
        .where(*_held_by(task_id, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


async def finish(
    session: AsyncSession,
    task_id: str,
    worker: str,
    state: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    progress: dict[str, Any] | None = None,
) -> bool:
    values: dict[str, Any] = {"state": state, "completed_at": utcnow(), "error": error}
    if result is not None:
        values["result"] = result
    if progress is not None:
        values["progress"] = progress
    outcome = await session.execute(
        update(BackgroundTask)
        .where(*_held_by(task_id, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return getattr(outcome, "rowcount", 0) == 1


async def schedule_retry(
    session: AsyncSession, task_id: str, worker: str, error: str, not_before: datetime
) -> bool:
    outcome = await session.execute(
        update(BackgroundTask)
        .where(*_held_by(task_id, worker))
        .values(
            state="retrying",
            error=error,
            retry_count=BackgroundTask.retry_count + 1,
            not_before=not_before,
            heartbeat_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(outcome, "rowcount", 0) == 1


async def release(session: AsyncSession, task_id: str, worker: str) -> None:
    """Hand an interrupted job back (a graceful shutdown): it runs again on the next start."""
    await session.execute(
        update(BackgroundTask)
        .where(*_held_by(task_id, worker))
        .values(state="pending", worker=None, heartbeat_at=None)
        .execution_options(synchronize_session=False)
    )


async def revoke(session: AsyncSession, task_id: str) -> BackgroundTask | None:
    """Mark a job revoked unless it already ended. The row, or None if there is none."""
    row = await session.get(BackgroundTask, task_id)
    if row is None:
        return None
    if row.state not in FINAL_STATES:
        await session.execute(
            update(BackgroundTask)
            .where(BackgroundTask.id == task_id, BackgroundTask.state.not_in(FINAL_STATES))
            .values(state="revoked", completed_at=utcnow(), error="revoked by an operator")
            .execution_options(synchronize_session=False)
        )
        await session.refresh(row)
    return row


async def orphans(
    session: AsyncSession,
    *,
    stale_before: datetime,
    waiting_before: datetime | None = None,
    limit: int = 500,
) -> Sequence[BackgroundTask]:
    """Jobs that no engine is known to hold: waiting ones last enqueued before
    ``waiting_before`` (default ``stale_before``: a lost broker message) and running ones
    whose worker went silent before ``stale_before``."""
    waiting_before = waiting_before or stale_before
    now = utcnow()
    last_touch = func.coalesce(BackgroundTask.heartbeat_at, BackgroundTask.created_at)
    result = await session.execute(
        select(BackgroundTask)
        .where(
            or_(
                and_(
                    BackgroundTask.state.in_(WAITING),
                    last_touch < waiting_before,
                    or_(BackgroundTask.not_before.is_(None), BackgroundTask.not_before <= now),
                ),
                and_(BackgroundTask.state == "running", last_touch < stale_before),
            )
        )
        .order_by(BackgroundTask.priority.desc(), BackgroundTask.created_at)
        .limit(limit)
    )
    return result.scalars().all()


async def touch(session: AsyncSession, task_ids: Sequence[str]) -> None:
    """Note that these waiting jobs were (re-)enqueued now."""
    if task_ids:
        await session.execute(
            update(BackgroundTask)
            .where(BackgroundTask.id.in_(task_ids), BackgroundTask.state.in_(WAITING))
            .values(heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def payload(row: BackgroundTask) -> dict[str, Any]:
    """The public view of a job (admin API and real-time events)."""
    runtime = None
    if row.started_at is not None:
        end = row.completed_at or utcnow()
        runtime = round((end - row.started_at).total_seconds(), 3)
    return {
        "task_id": row.id,
        "name": row.name,
        "queue": row.queue,
        "state": row.state,
        "priority": row.priority,
        "params": row.params,
        "progress": row.progress,
        "result": row.result,
        "error": row.error,
        "retry_count": row.retry_count,
        "max_retries": row.max_retries,
        "parent_id": row.parent_id,
        "request_id": row.request_id,
        "created_by": row.created_by,
        "worker": row.worker,
        "engine": row.engine,
        "created_at": row.created_at.isoformat(),
        "started_at": row.started_at.isoformat() if row.started_at else None,
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
        "runtime_seconds": runtime,
    }
