"""Builds and activations as the rest of the system sees them.

Activation: this process swaps at once, the other processes hear it on Redis (and poll
the database as a safety net), and real-time clients get an ``index_swapped`` event.
A finished build is announced the same way, so every process loads it before it is
activated (``knowledge.preload``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.events.sink import INDEX_ROOM, INDEX_SWAPPED, EventSink
from apfa.knowledge.holder import IndexHolder
from apfa.knowledge.index_store import LoadedIndex
from apfa.knowledge.indexing import BuildHook, activate_version
from apfa.knowledge.preload import Preloader
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
