"""Finds jobs no engine holds and enqueues them again.

A job is left behind when its broker message was lost (Redis restarted without
persistence, a crash between commit and send) or its worker died mid-run (kill -9, OOM).
Claims are conditional, so re-enqueueing a job that is in fact still queued is harmless:
only one delivery runs it.
"""

from __future__ import annotations

from datetime import timedelta

import anyio
import structlog
from sqlalchemy import func, select

from apfa.core.db import session_scope
from apfa.jobs import records
from apfa.jobs.runtime import TaskRuntime
from apfa.jobs.spec import QUEUES
from apfa.models import BackgroundTask
from apfa.models.base import utcnow
from apfa.observability import metrics

log = structlog.get_logger(__name__)


async def sweep_once(
    runtime: TaskRuntime, *, stale_seconds: float, waiting_seconds: float | None = None
) -> int:
    """Re-enqueue orphaned jobs; returns how many."""
    now = utcnow()
    stale_before = now - timedelta(seconds=stale_seconds)
    waiting_before = None if waiting_seconds is None else now - timedelta(seconds=waiting_seconds)
    async with session_scope(runtime.maker) as session:
        rows = await records.orphans(
            session, stale_before=stale_before, waiting_before=waiting_before
        )
        found = [(row.id, row.name, row.state) for row in rows if row.name in runtime.registry]
        await records.touch(session, [task_id for task_id, _, _ in found])
    for task_id, name, state in found:
        log.warning("task_requeued", task_id=task_id, task=name, was=state)
        runtime.enqueue(task_id, runtime.registry.get(name))
    return len(found)


async def publish_queue_depths(runtime: TaskRuntime) -> dict[str, int]:
    async with session_scope(runtime.maker) as session:
        result = await session.execute(
            select(BackgroundTask.queue, func.count())
            .where(BackgroundTask.state.in_(records.WAITING))
            .group_by(BackgroundTask.queue)
        )
        depths = {queue: 0 for queue in QUEUES} | {q: int(n) for q, n in result.all()}
    for queue, depth in depths.items():
        metrics.QUEUE_DEPTH.labels(queue).set(depth)
    return depths


async def run_sweeper(
    runtime: TaskRuntime, *, interval: float, stale_seconds: float, first_delay: float = 0.0
) -> None:
    """Forever: sweep, then publish queue depths. ``first_delay`` 0 sweeps at start-up,
    which picks up jobs a previous run of the embedded engine left behind."""
    await anyio.sleep(first_delay)
    # At start-up nothing of ours is queued yet: every waiting job is enqueued at once.
    waiting: float | None = 0.0 if first_delay == 0 else None
    while True:
        try:
            await sweep_once(runtime, stale_seconds=stale_seconds, waiting_seconds=waiting)
            waiting = None
            await publish_queue_depths(runtime)
        except Exception as exc:
            log.warning("task_sweep_failed", error=str(exc))
        await anyio.sleep(interval)
