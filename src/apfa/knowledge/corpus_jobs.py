"""Corpus-wide work behind the background jobs: re-embedding, retention, statistics."""

from __future__ import annotations

import shutil
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread
import structlog
from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.objectstore import ObjectStore
from apfa.knowledge import service
from apfa.knowledge.chunking import embedding_text_for
from apfa.knowledge.index.remote import discard_version
from apfa.knowledge.index.store import version_dirname
from apfa.models import Chunk, Document, EmbeddingCache, IndexVersion
from apfa.providers.embeddings import Embedder

log = structlog.get_logger(__name__)

Progress = Callable[[int, int], Awaitable[None]]
# Texts per encode call: large enough to keep the model's batches full across many
# short documents.
ENCODE_GROUP = 256
TMP_MAX_AGE_SECONDS = 3600


async def _indexed_documents(session: AsyncSession) -> list[tuple[str, str]]:
    result = await session.execute(
        select(Document.id, Document.title)
        .where(Document.status == service.INDEXED)
        .order_by(Document.id)
    )
    return [(doc_id, title) for doc_id, title in result.all()]


async def reembed_corpus(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    *,
    batch_size: int,
    force: bool,
    progress: Progress,
) -> dict[str, Any]:
    """Make sure every chunk of every indexed document has a vector for the current model
    (all of them recomputed with ``force``); progress is reported per document."""
    async with session_scope(maker) as session:
        documents = await _indexed_documents(session)
    total, done, embedded, reused = len(documents), 0, 0, 0
    started = time.perf_counter()
    encode = partial(embedder.encode, batch_size=batch_size)
    pending: dict[str, str] = {}
    pending_docs = 0
    for doc_id, title in documents:
        async with session_scope(maker) as session:
            chunks = (
                await session.execute(
                    select(Chunk.content_hash, Chunk.heading_path, Chunk.text).where(
                        Chunk.document_id == doc_id
                    )
                )
            ).all()
            texts = {h: embedding_text_for(title, tuple(p or ()), t) for h, p, t in chunks}
            known = (
                {} if force else await service.cached_vectors(session, embedder.model_name, texts)
            )
        reused += len(known)
        pending.update({h: t for h, t in texts.items() if h not in known})
        pending_docs += 1
        if len(pending) >= ENCODE_GROUP:
            embedded += await _flush(maker, embedder, encode, pending, replace=force)
            done += pending_docs
            pending, pending_docs = {}, 0
            await progress(done, total)
    embedded += await _flush(maker, embedder, encode, pending, replace=force)
    await progress(total, total)
    seconds = time.perf_counter() - started
    return {
        "documents": total,
        "embedded_chunks": embedded,
        "reused_chunks": reused,
        "seconds": round(seconds, 3),
        "model": embedder.model_name,
    }


async def _flush(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    encode: Callable[[list[str]], Any],
    pending: dict[str, str],
    *,
    replace: bool,
) -> int:
    if not pending:
        return 0
    vectors = await anyio.to_thread.run_sync(encode, list(pending.values()))
    async with session_scope(maker) as session:
        if replace:
            await session.execute(
                delete(EmbeddingCache).where(
                    EmbeddingCache.model == embedder.model_name,
                    EmbeddingCache.content_hash.in_(list(pending)),
                )
            )
        await service.store_vectors(
            session, embedder.model_name, dict(zip(pending, vectors, strict=True))
        )
    return len(pending)


async def prune_embeddings(maker: async_sessionmaker[AsyncSession]) -> int:
    """Drop cached vectors no chunk uses any more (deleted or changed documents)."""
    async with session_scope(maker) as session:
        result = await session.execute(
            delete(EmbeddingCache).where(
                ~exists().where(Chunk.content_hash == EmbeddingCache.content_hash)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _old_temporaries(index_root: Path) -> list[Path]:
    """Directories of builds that died before their rename (never loadable)."""
    if not index_root.exists():
        return []
    now = time.time()
    return [
        p
        for p in index_root.glob(".tmp-*")
        if p.is_dir() and now - p.stat().st_mtime > TMP_MAX_AGE_SECONDS
    ]


async def prune_versions(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    keep: int,
    store: ObjectStore | None = None,
) -> list[int]:
    """Delete the files of all but the newest ``keep`` built versions (never the active
    one) and of failed builds, plus temporary directories older than an hour; with
    ``store``, their objects there too."""
    async with session_scope(maker) as session:
        rows = list(
            (
                await session.execute(
                    select(IndexVersion)
                    .where(IndexVersion.status.in_(("ready", "failed")))
                    .order_by(IndexVersion.id.desc())
                )
            ).scalars()
        )
        ready = [r for r in rows if r.status == "ready"]
        doomed = [r for r in ready[keep:] if not r.is_active]
        doomed += [r for r in rows if r.status == "failed"]
        ids = [r.id for r in doomed]
        dirs = [index_root / r.directory for r in doomed if r.directory]
        if ids:
            await session.execute(
                update(IndexVersion)
                .where(IndexVersion.id.in_(ids), IndexVersion.is_active.is_(False))
                .values(status="deleted", directory=None)
            )
    dirs += await anyio.to_thread.run_sync(_old_temporaries, index_root)
    for directory in dirs:
        await anyio.to_thread.run_sync(partial(shutil.rmtree, directory, ignore_errors=True))
    for version in ids if store is not None else []:
        await anyio.to_thread.run_sync(discard_version, store, version_dirname(version))
    if ids:
        log.info("index_versions_pruned", versions=ids)
    return ids
