"""The job system of an API process: a runtime, the configured engine, the sweeper and
(embedded engine only) the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.config import Settings
from apfa.core.resources import Resource, Resources
from apfa.events.sink import EventSink
from apfa.jobs.celery_app import create_celery, send
from apfa.jobs.local import LocalEngine
from apfa.jobs.registry import Catalogue
from apfa.jobs.runtime import TaskRuntime
from apfa.jobs.schedules import run_scheduler
from apfa.jobs.spec import TaskSpec
from apfa.jobs.sweeper import run_sweeper
from apfa.providers import embedding_backends
from apfa.providers.embedding_process import ProcessEmbedder
from apfa.providers.embeddings import Embedder, share_the_interpreter

log = structlog.get_logger(__name__)


class CeleryDispatch:
    """Sends jobs to the Celery broker from an API process, off the event loop: a slow or
    absent broker delays a send, never a request (the sweeper resends what was lost)."""

    name = "celery"

    def __init__(self, settings: Settings) -> None:
        self.app = create_celery(settings)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="celery-send")

    def enqueue(self, task_id: str, spec: TaskSpec, delay: float = 0.0) -> None:
        future = self._pool.submit(send, self.app, task_id, spec, delay)
        future.add_done_callback(_log_send_failure(task_id))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _log_send_failure(task_id: str) -> Any:
    def check(future: Future[None]) -> None:
        error = future.exception()
        if error is not None:
            log.warning("task_send_failed", task_id=task_id, error=str(error))

    return check


@dataclass
class TaskSystem:
    runtime: TaskRuntime
    local: LocalEngine | None = None
    celery: CeleryDispatch | None = None
    background: list[asyncio.Task[None]] = field(default_factory=list)
    embedder: Embedder | None = None

    async def aclose(self) -> None:
        for task in self.background:
            task.cancel()
        for task in self.background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.local is not None:
            await self.local.stop()
        if self.celery is not None:
            self.celery.close()
        if isinstance(self.embedder, ProcessEmbedder):
            await asyncio.to_thread(self.embedder.close)


TASK_SYSTEM = Resource[TaskSystem]("job system")


def job_embedder_for(settings: Settings, embedder: Embedder) -> Embedder:
    """What background jobs embed with: ``embedder`` itself, or a child process with its
    own copy of the model (``APFA_EMBEDDING_PROCESS``, on by default)."""
    if not settings.embedding_process:
        return embedder
    return ProcessEmbedder(embedder, embedding_backends.spec_of(embedder, settings.models_dir))


def load_job_embedder(settings: Settings) -> Embedder:
    """The embedder of a process that only runs jobs (a Celery worker)."""
    share_the_interpreter(settings.gil_switch_interval_ms)
    return job_embedder_for(
        settings, embedding_backends.load(embedding_backends.configured(settings))
    )


async def start_task_system(
    settings: Settings,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    events: EventSink,
    catalogue: Catalogue,
    resources: Resources,
) -> TaskSystem:
    """Jobs of this API process: run here by the embedded engine, or recorded here and sent
    to Celery. ``resources`` are this process's, which its jobs may use."""
    job_embedder = job_embedder_for(settings, embedder)
    runtime = TaskRuntime(
        settings,
        maker,
        events,
        engine=settings.task_backend,
        registry=catalogue.registry,
        embedder=lambda: job_embedder,
        resources=resources,
    )
    system = TaskSystem(runtime, embedder=job_embedder)
    interval, stale = settings.task_sweep_seconds, settings.task_stale_seconds
    if settings.task_backend == "local":
        system.local = LocalEngine(runtime, settings.task_workers)
        await system.local.start()
        system.background.append(
            asyncio.create_task(run_scheduler(runtime, catalogue.schedules), name="task-scheduler")
        )
        first = 0.0  # pick up what a previous run left behind
    else:
        system.celery = CeleryDispatch(settings)
        runtime.bind(system.celery.enqueue)
        first = interval
    system.background.append(
        asyncio.create_task(
            run_sweeper(runtime, interval=interval, stale_seconds=stale, first_delay=first),
            name="task-sweeper",
        )
    )
    return system
