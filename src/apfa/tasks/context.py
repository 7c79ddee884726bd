"""What a running job sees: its params, the database, the embedder, progress reporting."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apfa.events.sink import BATCH_PROGRESS, TASK_UPDATE
from apfa.models import BackgroundTask
from apfa.providers.embeddings import Embedder

if TYPE_CHECKING:
    from apfa.tasks.runtime import TaskRuntime

# Progress is written at most this often (the last report always is).
PROGRESS_INTERVAL_SECONDS = 0.5


@dataclass
class TaskContext:
    runtime: TaskRuntime
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
    def settings(self) -> Any:
        return self.runtime.settings

    @property
    def maker(self) -> Any:
        return self.runtime.maker

    @property
    def index_root(self) -> Path:
        return Path(self.runtime.settings.index_dir)

    @property
    def holder(self) -> Any:
        """The index holder of this process when it serves requests (local engine), else None."""
        return self.runtime.holder

    @property
    def preloader(self) -> Any:
        """What stages finished builds in this process when it serves requests, else None."""
        return self.runtime.preloader

    def embedder(self) -> Embedder:
        return self.runtime.embedder()

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
        await self.runtime.report_progress(self, report, BATCH_PROGRESS if batch else TASK_UPDATE)

    async def submit(self, name: str, params: dict[str, Any]) -> str:
        """Start a follow-up job (recorded with this one as parent); returns its id."""
        return await self.runtime.submit_child(self, name, params)


ProgressSink = Callable[[int, int], None]
