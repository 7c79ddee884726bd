"""Keeps this process serving the version the database marks active.

Activation through the API swaps this process at once; the watcher catches activations
made elsewhere (the CLI, another API process) within one poll interval.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import anyio
import anyio.to_thread
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.knowledge import service
from apfa.knowledge.holder import IndexHolder
from apfa.knowledge.index_store import load_version
from apfa.observability import metrics

log = structlog.get_logger(__name__)


def publish_gauges(holder: IndexHolder) -> None:
    current = holder.current
    metrics.INDEX_VERSION.set(current.version if current else 0)
    metrics.INDEX_VECTORS.set(len(current) if current else 0)
    built = datetime.fromisoformat(current.manifest.created_at).timestamp() if current else 0
    metrics.INDEX_BUILT.set(built)


async def sync_once(
    maker: async_sessionmaker[AsyncSession], index_root: Path, holder: IndexHolder
) -> bool:
    """Swap to the active version if it differs from the one served. True when swapped."""
    async with session_scope(maker) as session:
        row = await service.active_version(session)
    current = holder.current
    if row is None or not row.directory or (current and current.version == row.id):
        return False
    directory = index_root / row.directory
    try:
        loaded = await anyio.to_thread.run_sync(load_version, directory)
    except Exception as exc:
        log.error("index_swap_failed", version=row.id, error=str(exc))
        return False
    holder.swap(loaded)
    publish_gauges(holder)
    log.info("index_swapped", version=row.id, source="watcher")
    return True


async def watch(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    holder: IndexHolder,
    interval: float,
) -> None:
    while True:
        await anyio.sleep(interval)
        try:
            await sync_once(maker, index_root, holder)
        except Exception as exc:
            log.warning("index_watch_error", error=str(exc))
