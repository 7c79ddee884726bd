"""Queries behind the admin endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.jobs.spec import QUEUES
from apfa.models import BackgroundTask
from apfa.models.base import utcnow
from apfa.models.task import FINAL_STATES

RATE_WINDOW = timedelta(minutes=5)


async def list_tasks(
    session: AsyncSession,
    *,
    queue: str | None,
    state: str | None,
    names: Sequence[str] | None,
    limit: int,
    before: tuple[str, str] | None,
) -> Sequence[BackgroundTask]:
    """Newest first; ``before`` is the (created_at iso, id) of the last row seen."""
    query = select(BackgroundTask)
    if queue:
        query = query.where(BackgroundTask.queue == queue)
    if state:
        query = query.where(BackgroundTask.state == state)
    if names:
        query = query.where(BackgroundTask.name.in_(names))
    if before is not None:
        created = datetime.fromisoformat(before[0])
        query = query.where(
            (BackgroundTask.created_at < created)
            | ((BackgroundTask.created_at == created) & (BackgroundTask.id < before[1]))
        )
    query = query.order_by(BackgroundTask.created_at.desc(), BackgroundTask.id.desc())
    return (await session.execute(query.limit(limit))).scalars().all()


async def descendants(session: AsyncSession, task_id: str) -> list[BackgroundTask]:
    """Follow-up jobs started by this one, and theirs, oldest first."""
    found: list[BackgroundTask] = []
    frontier = [task_id]
    while frontier and len(found) < 100:
        rows = (
            (
                await session.execute(
                    select(BackgroundTask)
                    .where(BackgroundTask.parent_id.in_(frontier))
                    .order_by(BackgroundTask.created_at)
                )
            )
            .scalars()
            .all()
        )
        found.extend(rows)
        frontier = [row.id for row in rows]
    return found


def chain_finished(rows: Sequence[BackgroundTask]) -> bool:
    return all(row.state in FINAL_STATES for row in rows)


async def queue_stats(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """Per queue: waiting, running, succeeded and failed counts, and completions per
    minute over the last five minutes."""
    stats: dict[str, dict[str, Any]] = {
        queue: {
            "queue": queue,
            "priority": priority,
            "depth": 0,
            "running": 0,
            "succeeded": 0,
            "failed": 0,
            "revoked": 0,
            "rate_per_minute": 0.0,
        }
        for queue, priority in QUEUES.items()
    }
    counts = await session.execute(
        select(BackgroundTask.queue, BackgroundTask.state, func.count()).group_by(
            BackgroundTask.queue, BackgroundTask.state
        )
    )
    for queue, state, count in counts.all():
        entry = stats.get(queue)
        if entry is None:
            continue
        key = "depth" if state in ("pending", "retrying") else state
        if key in entry:
            entry[key] += int(count)
    since = utcnow() - RATE_WINDOW
    recent = await session.execute(
        select(BackgroundTask.queue, func.count())
        .where(BackgroundTask.completed_at >= since, BackgroundTask.state == "succeeded")
        .group_by(BackgroundTask.queue)
    )
    minutes = RATE_WINDOW.total_seconds() / 60
    for queue, count in recent.all():
        if queue in stats:
            stats[queue]["rate_per_minute"] = round(int(count) / minutes, 3)
    return stats
