"""Ingestion: files -> documents and chunks -> cached embeddings -> a new active version.

Unchanged files are skipped by content hash, and a chunk whose text was embedded before
(by any document, with the same model) reuses its cached vector, so re-ingesting the same
corpus embeds nothing. The files go through ``file_ingest``'s pipelined groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.objectstore import ObjectStore
from apfa.knowledge import service
from apfa.knowledge.file_ingest import FileIngestor
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.versions import activate_version, build_version
from apfa.knowledge.ingest_parts import (
    BUNDLED_CORPUS,
    IngestOptions,
    IngestReport,
    PreparedChunks,
    ProgressCallback,
    chunk_parsed,
    chunk_rows,
    discover,
    prepare_chunks,
    source_key_for,
)
from apfa.providers.embeddings import Embedder

__all__ = [
    "BUNDLED_CORPUS",
    "IngestOptions",
    "IngestReport",
    "PreparedChunks",
    "chunk_parsed",
    "chunk_rows",
    "discover",
    "ingest_and_publish",
    "prepare_chunks",
    "source_key_for",
]


async def ingest_and_publish(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    index_root: Path,
    paths: Iterable[Path],
    *,
    options: IngestOptions | None = None,
    progress: ProgressCallback | None = None,
    holder: IndexHolder | None = None,
    force_build: bool = False,
    store: ObjectStore | None = None,
) -> IngestReport:
    """Ingest files; when anything changed (or nothing is active yet) build and activate."""
    files = discover(paths)
    report = await FileIngestor(maker, embedder, options).ingest_files(files, progress)
    async with session_scope(maker) as session:
        active = await service.active_version(session)
    if report.changed or active is None or force_build:
        built = await build_version(maker, embedder, index_root, store=store)
        await activate_version(maker, index_root, built.version, holder, store=store)
        report.index_version = built.version
    else:
        report.index_version = active.id
    return report
