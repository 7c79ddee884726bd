"""Activation as the rest of the system sees it: this process swaps at once, the other
processes hear it on Redis (and poll the database as a safety net), and real-time
clients get an ``index_swapped`` event."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.events.sink import INDEX_ROOM, INDEX_SWAPPED, EventSink
from apfa.knowledge.holder import IndexHolder
from apfa.knowledge.index_store import LoadedIndex
from apfa.knowledge.indexing import activate_version
from apfa.knowledge.watcher import announce, publish_gauges


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
