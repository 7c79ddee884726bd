"""Ready versions loaded before anybody activates them.

A finished build is announced on Redis (``apfa:index:built``) and, in the process that
built it with the embedded job engine, requested directly; the database poll asks too,
for a missed message or a deployment without Redis. Each API process then loads the
newest ready version built after the active one, in a worker thread, and stages it in its
holder, so activating it anywhere is a pointer switch everywhere. A process holds one more
version in memory for this. A version that fails verification is logged, never staged and
not tried again by this process; activating it still fails, as it always did.

Each process also reports what it holds (``knowledge.index.staging``): with Redis on a board the
hot swap after a build reads, refreshed by the index watcher and rewritten as soon as a
version is staged or fails, so the hot swap waits for every process before activating.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.objectstore import ObjectStore
from apfa.core.resources import Resource
from apfa.knowledge import service
from apfa.knowledge.index.holder import IndexHolder, obtain
from apfa.knowledge.index.staging import ProcessReport, StagingBoard, process_id, report_of

log = structlog.get_logger(__name__)


class Preloader:
    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        index_root: Path,
        holder: IndexHolder,
        board: StagingBoard | None = None,
        store: ObjectStore | None = None,
    ) -> None:
        self._maker = maker
        self._root = index_root
        self._holder = holder
        self._board = board
        self._store = store
        self._wanted = asyncio.Event()
        self._unloadable: set[int] = set()
        self.process = process_id()

    def snapshot(self) -> ProcessReport:
        """What this process holds, is loading and gave up on."""
        return report_of(self.process, self._holder, self._unloadable)

    async def report(self) -> None:
        """Publish the snapshot on the board, if there is one; never raises."""
        if self._board is None:
            return
        try:
            await self._board.publish(self.snapshot())
        except Exception as exc:
            log.warning("index_report_failed", error=str(exc))

    async def aclose(self) -> None:
        """Withdraw this process's report, so no hot swap waits for it."""
        if self._board is None:
            return
        try:
            await self._board.withdraw(self.process)
        except Exception as exc:
            log.warning("index_report_failed", error=str(exc))

    def request(self) -> None:
        """Look for a version to stage soon. Never blocks; requests made while a version
        is loading are served by one look when it is done. Call it on the event loop."""
        self._wanted.set()

    async def run(self) -> None:
        """Serve requests until cancelled (a background task of the API process)."""
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            try:
                await self.stage_newest()
            except Exception as exc:
                log.warning("index_preload_error", error=str(exc))

    async def stage_newest(self) -> int | None:
        """Load and stage the newest ready version built after the active one, unless it
        is in memory already; returns the version staged."""
        async with session_scope(self._maker) as session:
            row = await service.version_to_stage(session)
        if row is None or not row.directory or row.id in self._unloadable:
            return None
        if self._holder.loaded(row.id) is not None:
            return None
        try:
            ready = await obtain(self._holder, row.id, self._root / row.directory, self._store)
        except Exception as exc:
            self._unloadable.add(row.id)
            log.error("index_preload_failed", version=row.id, error=str(exc))
            await self.report()
            return None
        if not self._holder.stage(ready):
            return None
        log.info("index_staged", version=row.id, vectors=len(ready))
        await self.report()
        return row.id


PRELOADER = Resource[Preloader]("index preloader")
