"""Build, activate and load index versions, and tell every process about them.

A build snapshots the indexed corpus into a new immutable version; activation verifies
the version on disk before the database points at it, so a half-written or corrupt
version can never become active. A build job delivered twice finds the version its first
delivery made (``task_id``) instead of making another.

As the rest of the system sees them: an activation swaps this process at once, the other
processes hear it on Redis (and poll the database as a safety net), and real-time clients
get an ``index_swapped`` event. A finished build is announced the same way, so every
process loads it before it is activated (``index.preload``); the hot swap after a build
first waits until they have (``staged_everywhere``, ``index.staging``).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
import numpy as np
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.errors import Conflict, NotFound
from apfa.core.objectstore import ObjectStore
from apfa.events.sink import INDEX_ROOM, INDEX_SWAPPED, EventSink
from apfa.knowledge import service
from apfa.knowledge.chunking import embedding_text_for
from apfa.knowledge.index.holder import IndexHolder, obtain
from apfa.knowledge.index.preload import Preloader
from apfa.knowledge.index.remote import discard_version, fetch_version, publish_version
from apfa.knowledge.index.staging import (
    ProcessReport,
    Progress,
    StageWait,
    StagingBoard,
    StagingView,
    wait_until_staged,
)
from apfa.knowledge.index.store import (
    LoadedIndex,
    Manifest,
    Passage,
    load_version,
    version_dirname,
    write_version,
)
from apfa.knowledge.index.sync import announce, announce_built, publish_gauges
from apfa.models import IndexVersion
from apfa.providers.embeddings import Embedder, Vectors

log = structlog.get_logger(__name__)

# Called after a version became active: (version, activation time as epoch seconds).
ActivationHook = Callable[[int, float], Awaitable[None]]
# Called once a version is ready (also when a redelivered job finds it built): its number.
BuildHook = Callable[[int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class BuildResult:
    version: int
    vector_count: int
    document_count: int
    seconds: float
    reused: bool = False


async def _start_row(
    maker: async_sessionmaker[AsyncSession], embedder: Embedder, task_id: str | None
) -> tuple[int, BuildResult | None, bool]:
    """The version row to build into, or the finished result of an earlier delivery;
    True when an earlier delivery died building it."""
    async with session_scope(maker) as session:
        row = await service.version_for_task(session, task_id) if task_id else None
        if row is not None and row.status == "ready":
            done = BuildResult(
                row.id, row.vector_count, row.document_count, row.build_seconds or 0.0, True
            )
            return row.id, done, False
        retried = row is not None
        if row is None:
            row = IndexVersion(
                status="building", model=embedder.model_name, dim=embedder.dim, task_id=task_id
            )
            session.add(row)
        else:  # an earlier delivery died mid-build: build this version again
            row.status, row.error, row.directory = "building", None, None
        await session.flush()
        return row.id, None, retried


MISSING_BATCH = 64


async def _embed_missing(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    rows: list[tuple[Passage, str]],
    vectors: dict[str, Vectors],
) -> dict[str, Vectors]:
    """Vectors for the chunks the embedding cache has none of for this model: after the
    model or backend changed (``APFA_EMBEDDING_BACKEND``), the first build embeds the
    corpus again instead of failing; usually there are none."""
    todo = {
        h: embedding_text_for(p.title, p.heading_path, p.text) for p, h in rows if h not in vectors
    }
    if not todo:
        return {}
    log.info("index_build_embedding_missing", chunks=len(todo), model=embedder.model_name)
    encoded = await anyio.to_thread.run_sync(
        lambda: embedder.encode(list(todo.values()), batch_size=MISSING_BATCH)
    )
    found = dict(zip(todo, encoded, strict=True))
    async with session_scope(maker) as session:
        await service.store_vectors(session, embedder.model_name, found)
    return found


async def build_version(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    index_root: Path,
    *,
    task_id: str | None = None,
    on_built: BuildHook | None = None,
    store: ObjectStore | None = None,
) -> BuildResult:
    """Snapshot every indexed chunk into a new version (status ``ready``, not active);
    with ``store``, published there before it is marked ready."""
    version_id, earlier, retried = await _start_row(maker, embedder, task_id)
    if earlier is not None:
        if on_built is not None:
            await on_built(earlier.version)
        return earlier
    started = time.perf_counter()
    try:
        async with session_scope(maker) as session:
            rows = await service.indexed_passages(session)
            vectors = await service.cached_vectors(
                session, embedder.model_name, (h for _, h in rows)
            )
        vectors |= await _embed_missing(maker, embedder, rows, vectors)
        matrix = (
            np.vstack([vectors[h] for _, h in rows]).astype(np.float32)
            if rows
            else np.zeros((0, embedder.dim), dtype=np.float32)
        )
        # A directory left by a delivery that died after writing it was never active:
        # it is rebuilt rather than trusted.
        leftover = index_root / version_dirname(version_id)
        if leftover.exists():
            await anyio.to_thread.run_sync(shutil.rmtree, leftover)
        if retried and store is not None:
            # Never ready, so no process can have fetched it: not an overwrite.
            await anyio.to_thread.run_sync(discard_version, store, leftover.name)
        manifest: Manifest = await anyio.to_thread.run_sync(
            lambda: write_version(
                index_root,
                version=version_id,
                model=embedder.model_name,
                vectors=matrix,
                passages=[p for p, _ in rows],
            )
        )
        if store is not None:
            await anyio.to_thread.run_sync(publish_version, store, leftover)
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            async with session_scope(maker) as session:
                failed = await session.get(IndexVersion, version_id)
                if failed is not None:
                    failed.status, failed.error = "failed", str(exc)[:2000] or type(exc).__name__
        log.error("index_build_failed", version=version_id, error=str(exc))
        raise
    seconds = time.perf_counter() - started
    async with session_scope(maker) as session:
        ready = await session.get(IndexVersion, version_id)
        assert ready is not None
        ready.status = "ready"
        ready.directory = version_dirname(version_id)
        ready.vector_count = manifest.vector_count
        ready.document_count = manifest.document_count
        ready.index_type = manifest.index_type
        ready.checksum = manifest.checksum
        ready.build_seconds = seconds
    log.info("index_built", version=version_id, vectors=manifest.vector_count, seconds=seconds)
    if on_built is not None:
        await on_built(version_id)
    return BuildResult(version_id, manifest.vector_count, manifest.document_count, seconds)


async def activate_version(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    version_id: int,
    holder: IndexHolder | None = None,
    on_activated: ActivationHook | None = None,
    store: ObjectStore | None = None,
) -> LoadedIndex:
    """Verify a ready version on disk, record it as active, and serve it in this process.
    A version the holder keeps (previous or staged) was verified when it was loaded.

    Requests already running finish on the version they started with; ``on_activated``
    tells the other processes (a Redis message)."""
    async with session_scope(maker) as session:
        row = await session.get(IndexVersion, version_id)
        if row is None:
            raise NotFound(f"index version {version_id} does not exist")
        if row.status != "ready" or not row.directory:
            raise Conflict(f"index version {version_id} is {row.status}, not ready")
        directory = index_root / row.directory
    loaded = await obtain(holder, version_id, directory, store)
    async with session_scope(maker) as session:
        activated_at = await service.mark_active(session, version_id)
    stamp = activated_at.timestamp()
    if holder is not None:
        holder.swap_if_newer(loaded, stamp)
    if on_activated is not None:
        await on_activated(version_id, stamp)
    log.info("index_activated", version=version_id, vectors=len(loaded))
    return loaded


async def load_active(
    maker: async_sessionmaker[AsyncSession], index_root: Path, store: ObjectStore | None = None
) -> tuple[LoadedIndex | None, float | None]:
    """The active version from disk (fetched from ``store`` when this host lacks it) with
    its activation stamp, or (None, None) when there is none or it fails verification."""
    async with session_scope(maker) as session:
        row = await service.active_version(session)
    if row is None or not row.directory:
        return None, None
    try:
        directory = index_root / row.directory
        loaded = await anyio.to_thread.run_sync(
            lambda: load_version(fetch_version(store, directory))
        )
    except Exception as exc:
        log.error("active_index_unloadable", version=row.id, error=str(exc))
        return None, None
    return loaded, row.activated_at.timestamp() if row.activated_at else None


def on_built_everywhere(redis: Redis | None, preloader: Preloader | None) -> BuildHook:
    """Announce a finished build on Redis; ``preloader`` (this process's, when it serves
    requests) stages it here without waiting for the message."""

    async def tell(version: int) -> None:
        await announce_built(redis, version)
        if preloader is not None:
            preloader.request()

    return tell


async def activate_everywhere(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    version: int,
    *,
    holder: IndexHolder | None,
    redis: Redis | None,
    events: EventSink,
    store: ObjectStore | None = None,
) -> LoadedIndex:
    async def tell(activated: int, stamp: float) -> None:
        await announce(redis, activated, stamp)
        events.publish(INDEX_ROOM, INDEX_SWAPPED, {"version": activated, "activated_at": stamp})

    loaded = await activate_version(maker, index_root, version, holder, tell, store)
    if holder is not None:
        publish_gauges(holder)
    return loaded


class ThisProcess:
    """The staging view without Redis: the process running the job is the only one."""

    def __init__(self, preloader: Preloader) -> None:
        self._preloader = preloader

    async def reports(self) -> list[ProcessReport]:
        return [self._preloader.snapshot()]


def staging_view(redis: Redis | None, preloader: Preloader | None) -> StagingView | None:
    """Every API process's reports (Redis), this process's own (no Redis, preloading on),
    or None: nothing stages versions ahead of their activation."""
    if redis is not None:
        return StagingBoard(redis)
    return ThisProcess(preloader) if preloader is not None else None


async def staged_everywhere(
    version: int,
    limit_seconds: float,
    *,
    redis: Redis | None,
    preloader: Preloader | None,
    progress: Progress | None = None,
) -> StageWait | None:
    """Wait, at most ``limit_seconds``, until every live API process holds ``version``;
    None when there is nothing to wait for (limit 0, or no process preloads)."""
    if limit_seconds <= 0:
        return None
    view = staging_view(redis, preloader)
    if view is None:
        return None
    return await wait_until_staged(view, version, limit_seconds, progress=progress)
