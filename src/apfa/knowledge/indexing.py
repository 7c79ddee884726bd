"""Build, activate and load index versions.

A build snapshots the indexed corpus into a new immutable version; activation verifies
the version on disk before the database points at it, so a half-written or corrupt
version can never become active.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
import numpy as np
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.errors import Conflict, NotFound
from apfa.knowledge import service
from apfa.knowledge.holder import IndexHolder
from apfa.knowledge.index_store import (
    LoadedIndex,
    load_version,
    version_dirname,
    write_version,
)
from apfa.models import IndexVersion
from apfa.providers.embeddings import Embedder

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class BuildResult:
    version: int
    vector_count: int
    document_count: int
    seconds: float


async def build_version(
    maker: async_sessionmaker[AsyncSession], embedder: Embedder, index_root: Path
) -> BuildResult:
    """Snapshot every indexed chunk into a new version (status ``ready``, not active)."""
    async with session_scope(maker) as session:
        row = IndexVersion(status="building", model=embedder.model_name, dim=embedder.dim)
        session.add(row)
        await session.flush()
        version_id = row.id
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
        manifest = await anyio.to_thread.run_sync(
            lambda: write_version(
                index_root,
                version=version_id,
                model=embedder.model_name,
                vectors=matrix,
                passages=[p for p, _ in rows],
            )
        )
    except Exception as exc:
        async with session_scope(maker) as session:
            failed = await session.get(IndexVersion, version_id)
            if failed is not None:
                failed.status, failed.error = "failed", str(exc)[:2000]
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
    return BuildResult(version_id, manifest.vector_count, manifest.document_count, seconds)


async def activate_version(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    version_id: int,
    holder: IndexHolder | None = None,
) -> LoadedIndex:
    """Verify a ready version on disk, record it as active, and serve it in this process."""
    async with session_scope(maker) as session:
        row = await session.get(IndexVersion, version_id)
        if row is None:
            raise NotFound(f"index version {version_id} does not exist")
        if row.status != "ready" or not row.directory:
            raise Conflict(f"index version {version_id} is {row.status}, not ready")
        directory = index_root / row.directory
    loaded = await anyio.to_thread.run_sync(load_version, directory)
    async with session_scope(maker) as session:
        await service.mark_active(session, version_id)
    if holder is not None:
        holder.swap(loaded)
    log.info("index_activated", version=version_id, vectors=len(loaded))
    return loaded


async def load_active(
    maker: async_sessionmaker[AsyncSession], index_root: Path
) -> LoadedIndex | None:
    """The active version from disk, or None when there is none or it fails verification."""
    async with session_scope(maker) as session:
        row = await service.active_version(session)
    if row is None or not row.directory:
        return None
    try:
        return await anyio.to_thread.run_sync(load_version, index_root / row.directory)
    except Exception as exc:
        log.error("active_index_unloadable", version=row.id, error=str(exc))
        return None
