"""Which API processes hold a version, so the hot swap after a build can wait for them.

Activating a finished build is a two-phase handover. Prepare: every API process stages
the version (``knowledge.preload``) and reports what it holds. Commit: once all of them
hold it, or after ``APFA_INDEX_STAGE_WAIT_SECONDS``, the ``hot_swap_index`` job activates
it, which is then a pointer switch in every process. An operator's explicit activation or
rollback does not wait.

With Redis, each API process that preloads keeps its report under
``apfa:index:process:<id>`` with an expiry, refreshed by its index watcher and rewritten
as soon as it stages a version; ``apfa:index:processes`` names them, so reading the
reports is two round trips and no key scan. A process that stops removes its report; one
that dies stops counting once its report expires. Without Redis the only process serving
is the one running the job, which reads its own holder.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

import anyio
import structlog
from redis.asyncio import Redis

from apfa.knowledge.index.holder import IndexHolder

log = structlog.get_logger(__name__)

PROCESSES_KEY = "apfa:index:processes"
REPORT_PREFIX = "apfa:index:process:"
# A report outlives a few missed watcher ticks; a dead process stops counting after it.
MIN_REPORT_TTL_SECONDS = 10.0
REPORT_TTL_TICKS = 5
POLL_SECONDS = 0.05

Readiness = Literal["ready", "failed", "superseded", "pending"]
Progress = Callable[[int, int], Awaitable[None]]


def process_id() -> str:
    """Unique per process and app: several apps may share one process (tests)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def report_ttl(poll_seconds: float) -> float:
    return max(MIN_REPORT_TTL_SECONDS, REPORT_TTL_TICKS * poll_seconds)


@dataclass(frozen=True, slots=True)
class ProcessReport:
    process: str
    served: int | None
    staged: int | None
    held: tuple[int, ...] = ()
    loading: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()

    def readiness(self, version: int) -> Readiness:
        """``pending`` while this process may still stage ``version``."""
        if version in self.held:
            return "ready"
        if version in self.failed:
            return "failed"
        # A process stages only the newest version built after the one it serves.
        if max(self.served or 0, self.staged or 0) > version:
            return "superseded"
        return "pending"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | bytes) -> ProcessReport:
        data = json.loads(raw)
        return cls(
            process=str(data["process"]),
            served=data.get("served"),
            staged=data.get("staged"),
            held=tuple(data.get("held", ())),
            loading=tuple(data.get("loading", ())),
            failed=tuple(data.get("failed", ())),
        )


def report_of(process: str, holder: IndexHolder, failed: Collection[int]) -> ProcessReport:
    current, staged = holder.current, holder.staged
    return ProcessReport(
        process=process,
        served=current.version if current is not None else None,
        staged=staged.version if staged is not None else None,
        held=holder.held_versions(),
        loading=holder.loading_versions(),
        failed=tuple(sorted(failed)),
    )


class StagingView(Protocol):
    async def reports(self) -> list[ProcessReport]:
        """The reports of every live API process."""
        ...


class StagingBoard:
    """The reports of live API processes in Redis (on the process's client)."""

    def __init__(self, redis: Redis, ttl_seconds: float = MIN_REPORT_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl_ms = int(ttl_seconds * 1000)

    async def publish(self, report: ProcessReport, ttl_seconds: float | None = None) -> None:
        ttl_ms = self._ttl_ms if ttl_seconds is None else int(ttl_seconds * 1000)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(REPORT_PREFIX + report.process, report.to_json(), px=ttl_ms)
            pipe.sadd(PROCESSES_KEY, report.process)
            await pipe.execute()

    async def withdraw(self, process: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(REPORT_PREFIX + process)
            pipe.srem(PROCESSES_KEY, process)
            await pipe.execute()

    async def reports(self) -> list[ProcessReport]:
        members = await self._redis.smembers(PROCESSES_KEY)
        names = sorted(_text(name) for name in members)
        if not names:
            return []
        raws = await self._redis.mget([REPORT_PREFIX + name for name in names])
        expired = [name for name, raw in zip(names, raws, strict=True) if raw is None]
        if expired:  # a process that re-reports meanwhile is named again by its next report
            await self._redis.srem(PROCESSES_KEY, *expired)
        return [ProcessReport.from_json(raw) for raw in raws if raw is not None]


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass
class StageWait:
    """How the wait for ``version`` ended, for the hot swap's task result."""

    version: int
    seconds: float = 0.0
    timed_out: bool = False
    ready: list[str] = field(default_factory=list)
    not_ready: list[dict[str, object]] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)
    error: str | None = None

    def as_result(self) -> dict[str, object]:
        result: dict[str, object] = {
            "stage_wait": "timed_out" if self.timed_out else "ready",
            "stage_wait_seconds": round(self.seconds, 3),
            "staged_in": self.ready,
            "not_ready": self.not_ready,
        }
        if self.skipped:
            result["not_waited_for"] = self.skipped
        if self.error is not None:
            result["stage_wait_error"] = self.error
        return result


def _tally(version: int, reports: list[ProcessReport], started: float) -> StageWait:
    wait = StageWait(version, seconds=time.monotonic() - started)
    for report in reports:
        state = report.readiness(version)
        if state == "ready":
            wait.ready.append(report.process)
        elif state == "pending":
            wait.not_ready.append(
                {
                    "process": report.process,
                    "served": report.served,
                    "staged": report.staged,
                    "loading": list(report.loading),
                }
            )
        else:
            wait.skipped.append({"process": report.process, "reason": state})
    return wait


async def wait_until_staged(
    view: StagingView,
    version: int,
    limit_seconds: float,
    *,
    progress: Progress | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> StageWait:
    """Until every live process holds ``version`` (or will never stage it), at most
    ``limit_seconds``. Never raises for want of reports: a failed read is retried until
    the limit, and the last known state is returned."""
    started = time.monotonic()
    wait = StageWait(version)
    while True:
        try:
            wait = _tally(version, await view.reports(), started)
        except Exception as exc:
            log.warning("index_stage_reports_unreadable", version=version, error=str(exc))
            wait.error = f"{type(exc).__name__}: {exc}"
        else:
            if not wait.not_ready:
                return wait
            if progress is not None:
                await progress(len(wait.ready), len(wait.ready) + len(wait.not_ready))
        if time.monotonic() - started >= limit_seconds:
            wait.seconds, wait.timed_out = time.monotonic() - started, True
            log.warning(
                "index_stage_wait_timed_out",
                version=version,
                seconds=round(wait.seconds, 3),
                not_ready=[entry["process"] for entry in wait.not_ready],
            )
            return wait
        await anyio.sleep(poll_seconds)
