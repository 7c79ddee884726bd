"""Runs one job by id: claim, execute with heartbeats and a time limit, record the outcome.

Both engines call ``TaskRuntime.execute``; the only engine-specific part is ``enqueue``
(put an id on the local priority queue, or send a Celery message).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.config import Settings
from apfa.core.context import current_request_id, reset_request_id, set_request_id
from apfa.core.db import after_commit, session_scope
from apfa.core.resources import Resources
from apfa.events.sink import TASK_UPDATE, TASKS_ROOM, EventSink
from apfa.jobs import records
from apfa.jobs.registry import TaskRegistry
from apfa.jobs.spec import JobFailed, RetryableError, TaskCancelled, TaskContext, TaskSpec
from apfa.models import BackgroundTask
from apfa.models.base import utcnow
from apfa.observability import metrics
from apfa.providers.embeddings import Embedder

log = structlog.get_logger(__name__)

Enqueue = Callable[[str, TaskSpec, float], None]


def worker_name(engine: str) -> str:
    return f"{engine}@{socket.gethostname()}:{os.getpid()}"


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**attempt))."""
    return random.uniform(0, min(cap, base * (2**attempt)))  # noqa: S311 - jitter, not crypto


class TaskRuntime:
    """Implements ``jobs.spec.JobHost`` for the jobs it runs."""

    def __init__(
        self,
        settings: Settings,
        maker: async_sessionmaker[AsyncSession],
        events: EventSink,
        *,
        engine: str,
        registry: TaskRegistry,
        embedder: Callable[[], Embedder],
        resources: Resources | None = None,
    ) -> None:
        self.settings = settings
        self.maker = maker
        self.events = events
        self.engine = engine
        self.registry = registry
        self._embedder = embedder
        self.resources = resources if resources is not None else Resources()
        self.worker = worker_name(engine)
        self._enqueue: Enqueue | None = None

    def embedder(self) -> Embedder:
        return self._embedder()

    def bind(self, enqueue: Enqueue) -> None:
        self._enqueue = enqueue

    def enqueue(self, task_id: str, spec: TaskSpec, delay: float = 0.0) -> None:
        if self._enqueue is None:
            raise RuntimeError("no task engine is bound to this runtime")
        self._enqueue(task_id, spec, delay)

    # -- submitting -------------------------------------------------------------------

    async def submit(
        self,
        session: AsyncSession,
        spec: TaskSpec,
        params: dict[str, Any],
        *,
        created_by: str | None = None,
        request_id: str | None = None,
        parent_id: str | None = None,
    ) -> BackgroundTask:
        """Record a job in the caller's transaction; it is enqueued once that commits."""
        row = records.new_record(
            spec,
            params,
            max_retries=self._max_retries(spec),
            engine=self.engine,
            request_id=request_id or current_request_id(),
            created_by=created_by,
            parent_id=parent_id,
        )
        session.add(row)
        await session.flush()
        view = records.payload(row)

        def enqueue_now() -> None:
            self.publish(view)
            try:
                self.enqueue(row.id, spec)
            except Exception as exc:  # the sweeper re-enqueues it
                log.warning("task_enqueue_failed", task_id=row.id, task=spec.name, error=str(exc))

        after_commit(session, enqueue_now)
        return row

    async def submit_child(self, ctx: TaskContext, spec: TaskSpec, params: dict[str, Any]) -> str:
        async with session_scope(self.maker) as session:
            row = await self.submit(
                session,
                spec,
                params,
                created_by=ctx.record.created_by,
                request_id=ctx.request_id,
                parent_id=ctx.task_id,
            )
        return row.id

    # -- running ----------------------------------------------------------------------

    async def execute(self, task_id: str) -> str | None:
        """Run a job if this delivery can claim it. Returns its final state, or None when
        another delivery holds it or it had already ended."""
        stale_before = utcnow() - timedelta(seconds=self.settings.task_stale_seconds)
        async with session_scope(self.maker) as session:
            row = await records.claim(session, task_id, self.worker, stale_before)
        if row is None:
            return None
        spec = self.registry.get(row.name)
        token = set_request_id(row.request_id)
        bound = structlog.contextvars.bind_contextvars(
            task_id=row.id, task=row.name, request_id=row.request_id
        )
        started = time.perf_counter()
        try:
            self.publish(records.payload(row))
            return await self._run(spec, row)
        finally:
            metrics.TASK_DURATION.labels(spec.name, spec.queue).observe(
                time.perf_counter() - started
            )
            structlog.contextvars.unbind_contextvars(*bound)
            reset_request_id(token)

    async def _run(self, spec: TaskSpec, row: BackgroundTask) -> str:
        ctx = TaskContext(self, row)
        heart = asyncio.create_task(self._heartbeat(row.id), name=f"heartbeat-{row.id}")
        limit = spec.time_limit_seconds or self.settings.task_time_limit_seconds
        try:
            async with asyncio.timeout(limit):
                result = await spec.function(ctx, dict(row.params))
        except TaskCancelled:
            state, detail = "revoked", "revoked by an operator"
        except asyncio.CancelledError:
            await asyncio.shield(self._release(row.id))
            raise
        except RetryableError as exc:
            return await self._retry_or_fail(spec, row, f"{type(exc).__name__}: {exc}")
        except JobFailed as exc:
            log.warning("task_partly_failed", error=str(exc))
            return await self._end(row.id, spec, "failed", result=exc.result, error=str(exc))
        except TimeoutError:
            state, detail = "failed", f"time limit of {limit} s exceeded"
        except Exception as exc:
            log.exception("task_failed", error=str(exc))
            state, detail = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        else:
            return await self._end(row.id, spec, "succeeded", result=result or {})
        finally:
            heart.cancel()
        return await self._end(row.id, spec, state, error=detail)

    async def _retry_or_fail(self, spec: TaskSpec, row: BackgroundTask, error: str) -> str:
        if row.retry_count >= row.max_retries:
            return await self._end(row.id, spec, "failed", error=f"gave up: {error}"[:2000])
        delay = backoff_seconds(
            row.retry_count,
            self.settings.task_retry_base_seconds,
            self.settings.task_retry_max_seconds,
        )
        async with session_scope(self.maker) as session:
            moved = await records.schedule_retry(
                session, row.id, self.worker, error[:2000], utcnow() + timedelta(seconds=delay)
            )
        if moved:
            log.warning("task_retrying", delay_seconds=round(delay, 2), error=error)
            await self._publish_row(row.id)
            self.enqueue(row.id, spec, delay)
            return "retrying"
        return await self._current_state(row.id)

    async def _end(
        self,
        task_id: str,
        spec: TaskSpec,
        state: str,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> str:
        async with session_scope(self.maker) as session:
            ended = await records.finish(
                session, task_id, self.worker, state, result=result, error=error
            )
        if not ended:  # revoked (or taken over) while running: the row says what happened
            state = await self._current_state(task_id)
        metrics.TASKS.labels(spec.name, state).inc()
        log.info("task_ended", state=state, error=error)
        await self._publish_row(task_id)
        return state

    async def _heartbeat(self, task_id: str) -> None:
        while True:
            await asyncio.sleep(self.settings.task_heartbeat_seconds)
            try:
                async with session_scope(self.maker) as session:
                    await records.beat(session, task_id, self.worker)
            except Exception as exc:
                log.warning("task_heartbeat_failed", error=str(exc))

    async def _release(self, task_id: str) -> None:
        try:
            async with session_scope(self.maker) as session:
                await records.release(session, task_id, self.worker)
        except Exception as exc:
            log.warning("task_release_failed", task_id=task_id, error=str(exc))

    async def _current_state(self, task_id: str) -> str:
        async with session_scope(self.maker) as session:
            row = await session.get(BackgroundTask, task_id)
            return row.state if row else "failed"

    # -- progress and events ----------------------------------------------------------

    async def report_progress(self, ctx: TaskContext, report: dict[str, Any], event: str) -> None:
        async with session_scope(self.maker) as session:
            still_ours = await records.beat(session, ctx.task_id, self.worker, report)
        if not still_ours:
            raise TaskCancelled(ctx.task_id)
        ctx.record.progress = report
        view = records.payload(ctx.record)
        view["state"] = "running"
        self.publish(view, event)

    async def _publish_row(self, task_id: str) -> None:
        async with session_scope(self.maker) as session:
            row = await session.get(BackgroundTask, task_id, populate_existing=True)
            view = records.payload(row) if row else None
        if view is not None:
            self.publish(view)

    def publish(self, view: dict[str, Any], event: str = TASK_UPDATE) -> None:
        self.events.publish(TASKS_ROOM, event, view)

    def _max_retries(self, spec: TaskSpec) -> int:
        if spec.max_retries is not None:
            return spec.max_retries
        return self.settings.task_max_retries
