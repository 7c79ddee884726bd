"""Queries over documents, chunks, cached embeddings and index versions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.core.db import conflict_insert
from apfa.knowledge.freshness import FreshnessPolicy, Review, kind_of, parse_date, review_of
from apfa.knowledge.index.store import Passage
from apfa.models import Chunk, Document, EmbeddingCache, IndexVersion
from apfa.models.base import utcnow
from apfa.providers.embeddings import Vectors

INDEXED = "indexed"


async def get_document_by_key(session: AsyncSession, source_key: str) -> Document | None:
    result = await session.execute(select(Document).where(Document.source_key == source_key))
    return result.scalar_one_or_none()


async def find_duplicate(
    session: AsyncSession, content_hash: str, *, exclude_key: str
) -> Document | None:
    result = await session.execute(
        select(Document)
        .where(Document.content_hash == content_hash, Document.source_key != exclude_key)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def replace_chunks(session: AsyncSession, document_id: str, chunks: Sequence[Chunk]) -> None:
    await session.execute(delete(Chunk).where(Chunk.document_id == document_id))
    session.add_all(chunks)
    await session.flush()


async def cached_vectors(
    session: AsyncSession, model: str, hashes: Iterable[str]
) -> dict[str, Vectors]:
    wanted = list(set(hashes))
    found: dict[str, Vectors] = {}
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        result = await session.execute(
            select(EmbeddingCache.content_hash, EmbeddingCache.vector).where(
                EmbeddingCache.model == model, EmbeddingCache.content_hash.in_(batch)
            )
        )
        for content_hash, blob in result.all():
            found[content_hash] = np.frombuffer(blob, dtype=np.float32)
    return found


async def cached_hashes(session: AsyncSession, model: str, hashes: Iterable[str]) -> set[str]:
    """Which of ``hashes`` have a cached vector for ``model`` (the keys only, no vectors)."""
    wanted = list(set(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        result = await session.execute(
            select(EmbeddingCache.content_hash).where(
                EmbeddingCache.model == model,
                EmbeddingCache.content_hash.in_(wanted[start : start + 500]),
            )
        )
        found.update(result.scalars())
    return found


async def store_vectors(session: AsyncSession, model: str, vectors: dict[str, Vectors]) -> None:
    """Insert-or-ignore: concurrent jobs may embed the same chunk text at the same time."""
    rows = [
        {
            "content_hash": h,
            "model": model,
            "dim": int(v.shape[0]),
            "vector": v.astype(np.float32).tobytes(),
        }
        for h, v in vectors.items()
    ]
    statement = conflict_insert(session, EmbeddingCache).on_conflict_do_nothing(
        index_elements=["content_hash", "model"]
    )
    for start in range(0, len(rows), 500):
        await session.execute(statement, rows[start : start + 500])


async def indexed_passages(session: AsyncSession) -> list[tuple[Passage, str]]:
    """Every chunk of every indexed document, with its content hash, in a stable order."""
    result = await session.execute(
        select(Chunk, Document.title, Document.meta, Document.source_key)
        .join(Document, Document.id == Chunk.document_id)
        .where(Document.status == INDEXED)
        .order_by(Document.id, Chunk.ordinal)
    )
    rows: list[tuple[Passage, str]] = []
    for chunk, title, meta, key in result.all():
        meta = meta if isinstance(meta, dict) else {}
        source = meta.get("source")
        updated = parse_date(meta.get("updated"))
        passage = Passage(
            chunk_id=chunk.id,
            document_id=chunk.document_id,
            title=title,
            heading_path=tuple(chunk.heading_path or ()),
            text=chunk.text,
            source=str(source) if source else None,
            key=key,
            updated=updated.isoformat() if updated else None,
            time_sensitive=kind_of(meta) == "time-sensitive",
        )
        rows.append((passage, chunk.content_hash))
    return rows


@dataclass(frozen=True, slots=True)
class ReviewRow:
    document_id: str
    title: str
    category: str | None
    review: Review


async def review_rows(session: AsyncSession, policy: FreshnessPolicy, on: date) -> list[ReviewRow]:
    """Every indexed document with where it stands on review on day ``on``, the earliest
    review date first (the most overdue), undated ones last."""
    result = await session.execute(
        select(Document.id, Document.title, Document.category, Document.meta).where(
            Document.status == INDEXED
        )
    )
    rows = [
        ReviewRow(document_id, title, category, review_of(meta or {}, policy, on))
        for document_id, title, category, meta in result.all()
    ]
    rows.sort(key=lambda r: (r.review.review_by or date.max, r.title))
    return rows


async def active_version(session: AsyncSession) -> IndexVersion | None:
    result = await session.execute(select(IndexVersion).where(IndexVersion.is_active.is_(True)))
    return result.scalar_one_or_none()


async def version_to_stage(session: AsyncSession) -> IndexVersion | None:
    """The newest ready version built after the active one (any ready one when none is
    active): the one an activation is expected to serve next."""
    active = (
        select(func.coalesce(func.max(IndexVersion.id), 0))
        .where(IndexVersion.is_active.is_(True))
        .scalar_subquery()
    )
    result = await session.execute(
        select(IndexVersion)
        .where(
            IndexVersion.status == "ready",
            IndexVersion.directory.is_not(None),
            IndexVersion.id > active,
        )
        .order_by(IndexVersion.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def list_versions(session: AsyncSession) -> list[IndexVersion]:
    result = await session.execute(select(IndexVersion).order_by(IndexVersion.id.desc()))
    return list(result.scalars())


# Serialises activations on PostgreSQL for the rest of the transaction (SQLite serialises
# every write already): "APFA" in ASCII.
_ACTIVATION_LOCK = 0x41504641


async def mark_active(session: AsyncSession, version_id: int) -> datetime:
    """Make one version the only active one, inside the caller's transaction; returns the
    activation time, which orders activations across processes.

    Two activations at once (two builds finishing together) take turns, and the time is
    read after the turn is taken and kept after every earlier activation's: the version
    committed last is the newest by its stamp too, so every process ends on the version
    the database calls active."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_ACTIVATION_LOCK)))
    await session.execute(
        update(IndexVersion).where(IndexVersion.is_active.is_(True)).values(is_active=False)
    )
    now = utcnow()
    latest = await session.scalar(select(func.max(IndexVersion.activated_at)))
    if latest is not None and latest >= now:
        now = latest + timedelta(microseconds=1)
    await session.execute(
        update(IndexVersion)
        .where(IndexVersion.id == version_id)
        .values(is_active=True, activated_at=now)
    )
    await session.flush()
    return now


async def version_for_task(session: AsyncSession, task_id: str) -> IndexVersion | None:
    result = await session.execute(select(IndexVersion).where(IndexVersion.task_id == task_id))
    return result.scalar_one_or_none()


async def corpus_stats(session: AsyncSession) -> dict[str, int]:
    documents = await session.scalar(select(func.count()).select_from(Document))
    indexed = await session.scalar(
        select(func.count()).select_from(Document).where(Document.status == INDEXED)
    )
    chunks = await session.scalar(select(func.count()).select_from(Chunk))
    tokens = await session.scalar(select(func.coalesce(func.sum(Chunk.token_count), 0)))
    cached = await session.scalar(select(func.count()).select_from(EmbeddingCache))
    return {
        "documents": int(documents or 0),
        "indexed_documents": int(indexed or 0),
        "chunks": int(chunks or 0),
        "chunk_tokens": int(tokens or 0),
        "cached_embeddings": int(cached or 0),
    }
