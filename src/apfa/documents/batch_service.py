"""The database side of batch processing: one transaction claims a group of documents,
one settles it (cached vectors, chunk sets, statuses). Each document gets the decision
``processing`` would give it alone: skipped when indexed or rejected, failed without a
stored file, rejected as a duplicate of an earlier live document, else claimed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.documents import service
from apfa.documents.exceptions import DUPLICATE, Rejection
from apfa.documents.processing import _mark_failed, _mark_rejected, _outcome, _settled_elsewhere
from apfa.documents.storage import UploadStore
from apfa.knowledge import service as knowledge
from apfa.knowledge.chunking import Chunk as TextChunk
from apfa.knowledge.flows import chunk_rows
from apfa.models import Chunk, Document
from apfa.providers.embeddings import Vectors

Outcome = dict[str, Any]


@dataclass(frozen=True)
class Claim:
    document_id: str
    storage_key: str
    content_hash: str
    media_type: str
    filename: str


@dataclass
class Processed:
    """What reading, extracting, chunking and embedding made of one claimed document."""

    claim: Claim
    title: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    chunks: list[TextChunk] = field(default_factory=list)
    rejection: Rejection | None = None
    error: str | None = None
    embedded: int = 0
    reused: int = 0


async def _locked(session: AsyncSession, ids: Sequence[str]) -> dict[str, Document]:
    result = await session.execute(
        select(Document)
        .where(Document.id.in_(ids))
        .order_by(Document.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {document.id: document for document in result.scalars()}


class _Rivals:
    """Documents sharing content with the group, for ``service.earlier_duplicate``'s rule
    (the oldest other live document wins, or one already indexed). Group members are read
    as they change, so a document claimed or rejected earlier in the group counts as it
    would have after its own transaction."""

    def __init__(
        self, others: Sequence[tuple[str, str, str, datetime]], group: dict[str, Document]
    ) -> None:
        self._group = group
        self._status = {document_id: status for document_id, _, status, _ in others}
        self._by_hash: dict[str, list[tuple[datetime, str]]] = {}
        entries = [(h, created, i) for i, h, _, created in others if i not in group]
        entries += [(d.content_hash, d.created_at, d.id) for d in group.values()]
        for content_hash, created, document_id in entries:
            self._by_hash.setdefault(content_hash, []).append((created, document_id))
        for rivals in self._by_hash.values():
            rivals.sort()

    def winner(self, document: Document) -> str | None:
        mine = (document.created_at, document.id)
        for created, rival_id in self._by_hash.get(document.content_hash, []):
            member = self._group.get(rival_id)
            status = member.status if member is not None else self._status[rival_id]
            if rival_id == document.id or status not in service.LIVE:
                continue
            if status == service.INDEXED or (created, rival_id) < mine:
                return rival_id
        return None


async def _rivals(session: AsyncSession, group: dict[str, Document]) -> _Rivals:
    hashes = {document.content_hash for document in group.values()}
    # Filtered by status here, not in SQL: with both conditions SQLite searched the status
    # index, which visits every live document of the corpus for each group.
    result = await session.execute(
        select(Document.id, Document.content_hash, Document.status, Document.created_at).where(
            Document.content_hash.in_(hashes)
        )
    )
    others = [(row[0], row[1], row[2], row[3]) for row in result.all() if row[2] in service.LIVE]
    return _Rivals(others, group)


async def claim_group(
    session: AsyncSession, store: UploadStore, ids: Sequence[str]
) -> tuple[dict[str, Outcome], list[Claim]]:
    """Claim what can be processed (``pending -> processing``); the rest is settled here."""
    documents = await _locked(session, ids)
    rivals = await _rivals(session, documents)
    settled: dict[str, Outcome] = {}
    claims: list[Claim] = []
    for document_id in ids:
        document = documents.get(document_id)
        if document is None:
            settled[document_id] = _outcome(document_id, "missing")
        elif document.status == service.INDEXED:
            settled[document_id] = _outcome(
                document_id, service.INDEXED, chunk_count=document.chunk_count, skipped=True
            )
        elif document.status == service.REJECTED:
            settled[document_id] = _outcome(
                document_id, service.REJECTED, error=document.error, skipped=True
            )
        elif not document.storage_key or not document.media_type:
            _mark_failed(document, "the document has no stored file to process")
            settled[document_id] = _outcome(document_id, service.FAILED, error=document.error)
        elif (winner := rivals.winner(document)) is not None:
            rejection = Rejection(DUPLICATE, f"same content as document {winner}")
            _mark_rejected(session, store, document, rejection)
            settled[document_id] = _outcome(document_id, service.REJECTED, error=rejection.detail)
        else:
            document.status = service.PROCESSING
            document.error = None
            claims.append(
                Claim(
                    document_id,
                    document.storage_key,
                    document.content_hash,
                    document.media_type,
                    document.filename,
                )
            )
    await session.flush()
    return settled, claims


def _index(document: Document, processed: Processed) -> Outcome:
    document.title = processed.title[:512]
    document.category = (processed.metadata.get("category") or "")[:64] or None
    document.meta = dict(processed.metadata)
    document.status = service.INDEXED
    document.error = None
    document.chunk_count = len(processed.chunks)
    return _outcome(
        document.id,
        service.INDEXED,
        chunk_count=len(processed.chunks),
        embedded=processed.embedded,
        reused=processed.reused,
    )


async def settle_group(
    session: AsyncSession,
    store: UploadStore,
    model: str,
    vectors: dict[str, Vectors],
    group: Sequence[Processed],
) -> dict[str, Outcome]:
    """Store the new vectors and give each claimed document its chunk set and status. A
    document deleted or settled by someone else meanwhile is left as it is."""
    if vectors:
        # In hash order, so concurrent groups insert overlapping keys in the same order.
        await knowledge.store_vectors(session, model, dict(sorted(vectors.items())))
    documents = await _locked(session, [p.claim.document_id for p in group])
    outcomes: dict[str, Outcome] = {}
    replaced: list[str] = []
    rows: list[Chunk] = []
    for processed in group:
        document_id = processed.claim.document_id
        document = documents.get(document_id)
        if document is None or document.status != service.PROCESSING:
            outcomes[document_id] = _settled_elsewhere(document_id, document)
        elif processed.rejection is not None:
            replaced.append(document_id)
            _mark_rejected(session, store, document, processed.rejection)
            outcomes[document_id] = _outcome(
                document_id, service.REJECTED, error=processed.rejection.detail
            )
        elif processed.error is not None:
            _mark_failed(document, processed.error)
            outcomes[document_id] = _outcome(document_id, service.FAILED, error=processed.error)
        else:
            replaced.append(document_id)
            rows.extend(chunk_rows(document_id, processed.chunks))
            outcomes[document_id] = _index(document, processed)
    if replaced:
        await session.execute(delete(Chunk).where(Chunk.document_id.in_(replaced)))
        session.add_all(rows)
    await session.flush()
    return outcomes


async def release_claims(session: AsyncSession, ids: Sequence[str]) -> None:
    """Give claimed documents back (``processing -> pending``) when a run stops before
    settling them, rather than leave them looking busy."""
    await session.execute(
        update(Document)
        .where(Document.id.in_(ids), Document.status == service.PROCESSING)
        .values(status=service.PENDING)
    )
