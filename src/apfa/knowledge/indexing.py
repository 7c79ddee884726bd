"""Build, activate and load index versions.

A build snapshots the indexed corpus into a new immutable version; activation verifies
the version on disk before the database points at it, so a half-written or corrupt
version can never become active. A build job delivered twice finds the version its first
delivery made (``task_id``) instead of making another. A finished build can be announced
(``on_built``), so that serving processes load it before it is activated.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
import numpy as np
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.errors import Conflict, NotFound
from apfa.knowledge import service
from apfa.knowledge.holder import IndexHolder, obtain
from apfa.knowledge.index_store import (
    LoadedIndex,
    Manifest,
    load_version,
    version_dirname,
    write_version,
)
from apfa.models import IndexVersion
from apfa.providers.embeddings import Embedder

log = structlog.get_logger(__name__)

# Called after a version became active: (version, activation time as epoch seconds).
ActivationHook = Callable[[int, float], None]
# Called once a version is ready (also when a redelivered job finds it built): its number.
BuildHook = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class BuildResult:
    version: int
    vector_count: int
    document_count: int
    seconds: float
    reused: bool = False


async def _start_row(
    maker: async_sessionmaker[AsyncSession], embedder: Embedder, task_id: str | None
) -> tuple[int, BuildResult | None]:
    """The version row to build into, or the finished result of an earlier delivery."""
    async with session_scope(maker) as session:
        row = await service.version_for_task(session, task_id) if task_id else None
        if row is not None and row.status == "ready":
            done = BuildResult(
                row.id, row.vector_count, row.document_count, row.build_seconds or 0.0, True
            )
            return row.id, done
        if row is None:
            row = IndexVersion(
                status="building", model=embedder.model_name, dim=embedder.dim, task_id=task_id
            )
            session.add(row)
        else:  # an earlier delivery died mid-build: build this version again
            row.status, row.error, row.directory = "building", None, None
        await session.flush()
        return row.id, None


async def build_version(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    index_root: Path,
    *,
    task_id: str | None = None,
    on_built: BuildHook | None = None,
) -> BuildResult:
    """Snapshot every indexed chunk into a new version (status ``ready``, not active)."""
    version_id, earlier = await _start_row(maker, embedder, task_id)
    if earlier is not None:
        if on_built is not None:
            on_built(earlier.version)
        return earlier
    started = time.perf_counter()
    try:
        async with session_scope(maker) as session:
            rows = await service.indexed_passages(session)
            vectors = await service.cached_vectors(
                session, embedder.model_name, (h for _, h in rows)
            )
        missing = [h for _, h in rows if h not in vectors]
        if missing:
            raise RuntimeError(f"{len(missing)} chunks have no cached embedding")
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
        manifest: Manifest = await anyio.to_thread.run_sync(
            lambda: write_version(
                index_root,
                version=version_id,
                model=embedder.model_name,
                vectors=matrix,
                passages=[p for p, _ in rows],
            )
        )
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
        on_built(version_id)
    return BuildResult(version_id, manifest.vector_count, manifest.document_count, seconds)


async def activate_version(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    version_id: int,
    holder: IndexHolder | None = None,
    on_activated: ActivationHook | None = None,
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
    loaded = await obtain(holder, version_id, directory)
    async with session_scope(maker) as session:
        activated_at = await service.mark_active(session, version_id)
    stamp = activated_at.timestamp()
    if holder is not None:
        holder.swap_if_newer(loaded, stamp)
    if on_activated is not None:
        on_activated(version_id, stamp)
    log.info("index_activated", version=version_id, vectors=len(loaded))
    return loaded


async def load_active(
    maker: async_sessionmaker[AsyncSession], index_root: Path
) -> tuple[LoadedIndex | None, float | None]:
    """The active version from disk with its activation stamp, or (None, None) when there
    is none or it fails verification."""
    async with session_scope(maker) as session:
        row = await service.active_version(session)
    if row is None or not row.directory:
        return None, None
    try:
        loaded = await anyio.to_thread.run_sync(load_version, index_root / row.directory)
    except Exception as exc:
        log.error("active_index_unloadable", version=row.id, error=str(exc))
        return None, None
    return loaded, row.activated_at.timestamp() if row.activated_at else None
