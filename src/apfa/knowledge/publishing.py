"""Builds and activations as the rest of the system sees them.

Activation: this process swaps at once, the other processes hear it on Redis (and poll
the database as a safety net), and real-time clients get an ``index_swapped`` event.
A finished build is announced the same way, so every process loads it before it is
activated (``knowledge.preload``); the hot swap after a build first waits until they
have (``staged_everywhere``, ``knowledge.staging``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.events.sink import INDEX_ROOM, INDEX_SWAPPED, EventSink
from apfa.knowledge.holder import IndexHolder
from apfa.knowledge.index_store import LoadedIndex
from apfa.knowledge.indexing import BuildHook, activate_version
from apfa.knowledge.preload import Preloader
from apfa.knowledge.staging import (
    ProcessReport,
    Progress,
    StageWait,
    StagingBoard,
    StagingView,
    wait_until_staged,
)
from apfa.knowledge.watcher import announce, announce_built, publish_gauges


def on_built_everywhere(redis_url: str | None, preloader: Preloader | None) -> BuildHook:
    """Announce a finished build on Redis; ``preloader`` (this process's, when it serves
    requests) stages it here without waiting for the message."""

    def tell(version: int) -> None:
        announce_built(redis_url, version)
        if preloader is not None:
            preloader.request()

    return tell


async def activate_everywhere(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    version: int,
    *,
    holder: IndexHolder | None,
    redis_url: str | None,
    events: EventSink,
) -> LoadedIndex:
    def tell(activated: int, stamp: float) -> None:
        announce(redis_url, activated, stamp)
        events.publish(INDEX_ROOM, INDEX_SWAPPED, {"version": activated, "activated_at": stamp})

    loaded = await activate_version(maker, index_root, version, holder, tell)
    if holder is not None:
        publish_gauges(holder)
    return loaded


class ThisProcess:
    """The staging view without Redis: the process running the job is the only one."""

    def __init__(self, preloader: Preloader) -> None:
        self._preloader = preloader

    async def reports(self) -> list[ProcessReport]:
        return [self._preloader.snapshot()]


@contextlib.asynccontextmanager
async def staging_view(
    redis_url: str | None, preloader: Preloader | None
) -> AsyncIterator[StagingView | None]:
    """Every API process's reports (Redis), this process's own (no Redis, preloading on),
    or None: nothing stages versions ahead of their activation."""
    if redis_url:
        board = StagingBoard(redis_url)
        try:
            yield board
        finally:
            await board.aclose()
    else:
        yield ThisProcess(preloader) if preloader is not None else None


async def staged_everywhere(
    version: int,
    limit_seconds: float,
    *,
    redis_url: str | None,
    preloader: Preloader | None,
    progress: Progress | None = None,
) -> StageWait | None:
    """Wait, at most ``limit_seconds``, until every live API process holds ``version``;
    None when there is nothing to wait for (limit 0, or no process preloads)."""
    if limit_seconds <= 0:
        return None
    async with staging_view(redis_url, preloader) as view:
        if view is None:
            return None
        return await wait_until_staged(view, version, limit_seconds, progress=progress)
