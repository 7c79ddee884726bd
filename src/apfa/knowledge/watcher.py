"""Keeps this process serving the version the database marks active.

Activation in this process swaps at once; activations made elsewhere (a Celery worker,
the CLI, another API process) arrive as a Redis message when Redis is configured, and
the database is polled every ``index_poll_seconds`` as the safety net (the only signal
without Redis). Swaps are ordered by activation time, so a late message or poll never
takes the served version backwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
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

INDEX_CHANNEL = "apfa:index:activated"
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
) -> bool:
    """Swap to the active version if it was activated after the one served. True when
    swapped."""
    async with session_scope(maker) as session:
        row = await service.active_version(session)
    if row is None or not row.directory or row.activated_at is None:
        return False
    stamp = row.activated_at.timestamp()
    if stamp <= holder.stamp:
        return False
    current = holder.current
    loaded = holder.loaded(row.id)
    if loaded is None:
        try:
            loaded = await anyio.to_thread.run_sync(load_version, index_root / row.directory)
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


async def watch(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    holder: IndexHolder,
    interval: float,
    on_swap: SwapHook | None = None,
) -> None:
    while True:
        await anyio.sleep(interval)
        try:
            await sync_once(maker, index_root, holder, on_swap)
        except Exception as exc:
            log.warning("index_watch_error", error=str(exc))


async def listen(redis_url: str, resync: Callable[[], Awaitable[bool]]) -> None:
    """Resync at once whenever any process announces an activation on Redis; reconnects
    after a Redis outage (the poll covers the gap)."""
    import redis.asyncio as aioredis

    while True:
        client = aioredis.from_url(redis_url, socket_connect_timeout=2)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(INDEX_CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        with contextlib.suppress(Exception):
                            await resync()
        except Exception as exc:
            log.warning("index_listen_error", error=str(exc))
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()
        await anyio.sleep(1.0)


def announce(redis_url: str | None, version: int, stamp: float) -> None:
    """Tell every process about an activation (sync: callable from workers and the CLI)."""
    if not redis_url:
        return
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.publish(INDEX_CHANNEL, f"{version}:{stamp}")
        finally:
            client.close()
    except Exception as exc:  # the database poll still delivers it
        log.warning("index_announce_failed", version=version, error=str(exc))
