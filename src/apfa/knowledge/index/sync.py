"""Keeps this process serving the version the database marks active.

Activation in this process swaps at once; activations made elsewhere (a Celery worker,
the CLI, another API process) arrive as a Redis message when Redis is configured, and
the database is polled every ``index_poll_seconds`` as the safety net (the only signal
without Redis). Swaps are ordered by activation time, so a late message or poll never
takes the served version backwards.

With preloading on (``APFA_INDEX_PRELOAD``), the same listener and poll also stage a
finished build before its activation (``index.preload``), and the poll refreshes this
process's report of what it holds (``index.staging``). Announcements go out on the
process's async Redis client, never blocking the event loop.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from pathlib import Path

import anyio
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.objectstore import ObjectStore
from apfa.knowledge import service
from apfa.knowledge.index.holder import IndexHolder, obtain
from apfa.knowledge.index.preload import Preloader
from apfa.knowledge.index.store import version_dirname
from apfa.observability import metrics

log = structlog.get_logger(__name__)

INDEX_CHANNEL = "apfa:index:activated"
BUILT_CHANNEL = "apfa:index:built"
# With the object store, how often a process drops its copies of deleted versions.
CACHE_SWEEP_SECONDS = 300.0
SwapHook = Callable[[int, float], None]


def publish_gauges(holder: IndexHolder) -> None:
    current = holder.current
    metrics.INDEX_VERSION.set(current.version if current else 0)
    metrics.INDEX_VECTORS.set(len(current) if current else 0)
    built = datetime.fromisoformat(current.manifest.created_at).timestamp() if current else 0
    metrics.INDEX_BUILT.set(built)


async def sync_once(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    holder: IndexHolder,
    on_swap: SwapHook | None = None,
    store: ObjectStore | None = None,
) -> bool:
    """Swap to the active version if it was activated after the one served (fetched from
    ``store`` when this host lacks it). True when swapped."""
    async with session_scope(maker) as session:
        row = await service.active_version(session)
    if row is None or not row.directory or row.activated_at is None:
        return False
    stamp = row.activated_at.timestamp()
    if stamp <= holder.stamp:
        return False
    current = holder.current
    try:
        loaded = await obtain(holder, row.id, index_root / row.directory, store)
    except Exception as exc:
        log.error("index_swap_failed", version=row.id, error=str(exc))
        return False
    if not holder.swap_if_newer(loaded, stamp) or loaded is current:
        return False
    publish_gauges(holder)
    log.info("index_swapped", version=row.id, source="sync")
    if on_swap is not None:
        on_swap(row.id, stamp)
    return True


async def evict_deleted(maker: async_sessionmaker[AsyncSession], index_root: Path) -> list[str]:
    """Delete this host's copies of versions the retention job deleted (with the object
    store, each host's index directory is its own cache); returns the directories."""
    async with session_scope(maker) as session:
        rows = await service.list_versions(session)
    doomed = [
        index_root / version_dirname(r.id)
        for r in rows
        if r.status == "deleted" and (index_root / version_dirname(r.id)).is_dir()
    ]
    for directory in doomed:
        await anyio.to_thread.run_sync(partial(shutil.rmtree, directory, ignore_errors=True))
    if doomed:
        log.info("index_cache_evicted", directories=[d.name for d in doomed])
    return [d.name for d in doomed]


async def watch(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    holder: IndexHolder,
    interval: float,
    on_swap: SwapHook | None = None,
    preloader: Preloader | None = None,
    store: ObjectStore | None = None,
) -> None:
    swept = float("-inf")
    while True:
        await anyio.sleep(interval)
        if preloader is not None:
            await preloader.report()
        try:
            await sync_once(maker, index_root, holder, on_swap, store)
            if store is not None and time.monotonic() - swept >= CACHE_SWEEP_SECONDS:
                swept = time.monotonic()
                await evict_deleted(maker, index_root)
        except Exception as exc:
            log.warning("index_watch_error", error=str(exc))
        if preloader is not None:
            preloader.request()


async def listen(
    redis: Redis,
    resync: Callable[[], Awaitable[bool]],
    on_built: Callable[[], None] | None = None,
) -> None:
    """Resync at once whenever any process announces an activation on Redis, and call
    ``on_built`` when one announces a finished build; reconnects after a Redis outage
    (the poll covers the gap)."""
    channels = [INDEX_CHANNEL, *([BUILT_CHANNEL] if on_built is not None else [])]
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(*channels)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    if message.get("channel") in (BUILT_CHANNEL, BUILT_CHANNEL.encode()):
                        if on_built is not None:
                            on_built()
                        continue
                    with contextlib.suppress(Exception):
                        await resync()
        except Exception as exc:
            log.warning("index_listen_error", error=str(exc))
        await anyio.sleep(1.0)


async def announce(redis: Redis | None, version: int, stamp: float) -> None:
    """Tell every process about an activation."""
    await _publish(redis, INDEX_CHANNEL, f"{version}:{stamp}", version)


async def announce_built(redis: Redis | None, version: int) -> None:
    """Tell every process a version is ready, so each can load it before its activation."""
    await _publish(redis, BUILT_CHANNEL, str(version), version)


async def _publish(redis: Redis | None, channel: str, message: str, version: int) -> None:
    if redis is None:
        return
    try:
        await redis.publish(channel, message)
    except Exception as exc:  # the database poll still delivers it
        log.warning("index_announce_failed", channel=channel, version=version, error=str(exc))
