"""What a job is: its spec (name, queue, function, limits), the context it runs with, and
the errors it may raise.

Domains declare their jobs as ``TaskSpec`` values in their own ``tasks.py`` and the front
door registers them (``jobs.registry``); the engine never imports a domain. A job takes
only JSON-serialisable ids and options and must be idempotent: a job delivered twice
leaves one effect.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.config import Settings
from apfa.core.resources import Resources
from apfa.events.sink import BATCH_PROGRESS, TASK_UPDATE, EventSink
from apfa.models import BackgroundTask
from apfa.providers.embeddings import Embedder

# Queue -> broker priority (0..9, higher first). A worker on several queues takes
# embedding work before indexing before maintenance.
QUEUES: dict[str, int] = {"embedding": 9, "indexing": 7, "maintenance": 5}

# Progress is written at most this often (the last report always is).
PROGRESS_INTERVAL_SECONDS = 0.5

TaskFunction = Callable[["TaskContext", dict[str, Any]], Awaitable[dict[str, Any] | None]]


class RetryableError(Exception):
    """A transient failure (a locked database, a broker hiccup): the job is retried with
    exponential backoff and jitter. Anything else fails the job at once."""


class JobFailed(Exception):
    """A job that did its work but some of it failed (a document of a batch): the job ends
    ``failed`` with ``str(exc)`` as its error and ``result`` kept, so what succeeded and
    what did not is on record."""

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


class TaskCancelled(Exception):
    """Raised inside a job when an operator revoked it; the job stops at its next
    progress report."""


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One job. ``name`` is ``"domain.verb"``; ``aliases`` are earlier names that queued
    rows, broker messages and clients may still use."""

    name: str
    queue: str
    function: TaskFunction
    aliases: tuple[str, ...] = ()
    max_retries: int | None = None  # None: Settings.task_max_retries
    time_limit_seconds: int | None = None  # None: Settings.task_time_limit_seconds

    def __post_init__(self) -> None:
        if self.queue not in QUEUES:
            raise ValueError(f"unknown queue {self.queue!r}")
        if "." not in self.name:
            raise ValueError(f"job name {self.name!r} is not 'domain.verb'")

    @property
    def priority(self) -> int:
        return QUEUES[self.queue]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class JobHost(Protocol):
    """What runs a job (``jobs.runtime.TaskRuntime``), as the job's context sees it."""

    @property
    def settings(self) -> Settings: ...

    @property
    def maker(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def resources(self) -> Resources: ...

    @property
    def events(self) -> EventSink: ...

    def embedder(self) -> Embedder: ...

    async def report_progress(
        self, ctx: TaskContext, report: dict[str, Any], event: str
    ) -> None: ...

    async def submit_child(self, ctx: TaskContext, spec: TaskSpec, params: dict[str, Any]) -> str:
        """Record and enqueue ``spec`` with ``ctx``'s job as its parent; its id."""
        ...


@dataclass
class TaskContext:
    """What a running job sees: its row, the database, this process's resources, the
    embedder, progress reporting and follow-up jobs."""

    host: JobHost
    record: BackgroundTask
    started: float = field(default_factory=time.monotonic)
    _last_write: float = 0.0

    @property
    def task_id(self) -> str:
        return self.record.id

    @property
    def request_id(self) -> str | None:
        return self.record.request_id

    @property
    def settings(self) -> Settings:
        return self.host.settings

    @property
    def maker(self) -> async_sessionmaker[AsyncSession]:
        return self.host.maker

    @property
    def resources(self) -> Resources:
        """This process's resources: in an API process running the embedded engine, what
        serves requests (the index holder...); in a Celery worker, only its own."""
        return self.host.resources

    @property
    def events(self) -> EventSink:
        return self.host.events

    def embedder(self) -> Embedder:
        return self.host.embedder()

    async def progress(
        self,
        done: int,
        total: int,
        *,
        unit: str = "documents",
        message: str | None = None,
        batch: bool = False,
    ) -> None:
        """Report ``done`` of ``total`` with rate and ETA; raises TaskCancelled if the job
        was revoked meanwhile."""
        now = time.monotonic()
        final = done >= total
        if not final and now - self._last_write < PROGRESS_INTERVAL_SECONDS:
            return
        self._last_write = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        report: dict[str, Any] = {
            "done": done,
            "total": total,
            "unit": unit,
            "percent": round(100.0 * done / total, 1) if total else 100.0,
            "rate_per_second": round(rate, 3),
            "eta_seconds": round((total - done) / rate, 1) if rate > 0 and total > done else 0.0,
            "elapsed_seconds": round(elapsed, 3),
        }
        if message:
            report["message"] = message
        await self.host.report_progress(self, report, BATCH_PROGRESS if batch else TASK_UPDATE)

    async def submit(self, spec: TaskSpec, params: dict[str, Any]) -> str:
        """Start a follow-up job (recorded with this one as parent); returns its id."""
        return await self.host.submit_child(self, spec, params)
