"""One stored upload -> chunks with cached embeddings: ``pending -> processing ->
indexed | failed | rejected``. Idempotent: an indexed or rejected document is left as it
is, a rerun replaces the chunk set rather than adding one, and a document deleted
meanwhile is not brought back. Building an index version is the caller's next step."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.config import Settings
from apfa.core.db import after_commit, session_scope
from apfa.documents import service
from apfa.documents.exceptions import DUPLICATE, NO_TEXT, Rejection
from apfa.documents.extraction import extract
from apfa.documents.limits import ExtractionLimits
from apfa.documents.storage import UploadStore, upload_store
from apfa.knowledge import service as knowledge
from apfa.knowledge.flows import IngestOptions, PreparedChunks, chunk_rows, prepare_chunks
from apfa.knowledge.parsing import ParsedDocument
from apfa.models import Document
from apfa.providers.embeddings import Embedder

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class _Claim:
    storage_key: str
    content_hash: str
    media_type: str
    filename: str


def _outcome(document_id: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"document_id": document_id, "status": status, **extra}


def _settled_elsewhere(document_id: str, document: Document | None) -> dict[str, Any]:
    """Deleted, or finished by another delivery, while this one worked: leave it be."""
    if document is None:
        return _outcome(document_id, "missing")
    return _outcome(document_id, document.status, error=document.error, skipped=True)


def ingest_options(settings: Settings) -> IngestOptions:
    return IngestOptions(
        max_tokens=settings.chunk_max_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        batch_size=settings.embedding_batch_size,
    )


async def process_document(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    settings: Settings,
    document_id: str,
) -> dict[str, Any]:
    """Parse, chunk and embed one uploaded document. Returns ``{"document_id", "status",
    ...}`` with status ``indexed`` (and ``chunk_count``, ``embedded``, ``reused``),
    ``rejected`` or ``failed`` (with ``error``), or ``missing`` for an unknown id; a
    no-op on an indexed or rejected document adds ``"skipped": True``."""
    store = upload_store(settings)
    claim = await _claim(maker, store, document_id)
    if isinstance(claim, dict):
        return claim
    try:
        data = await anyio.to_thread.run_sync(store.read, claim.storage_key)
        if hashlib.sha256(data).hexdigest() != claim.content_hash:
            raise RuntimeError("the stored file does not match its content hash")
        limits = ExtractionLimits.from_settings(settings)
        parsed = await anyio.to_thread.run_sync(
            extract, data, claim.media_type, claim.filename, limits
        )
        del data
        prepared = await prepare_chunks(maker, embedder, parsed, ingest_options(settings))
        if not prepared.chunks:
            raise Rejection(NO_TEXT, "no extractable text")
    except Rejection as rejection:
        return await _reject(maker, store, document_id, rejection)
    except Exception as exc:
        log.exception("document_processing_failed", document_id=document_id)
        return await _fail(maker, document_id, f"{type(exc).__name__}: {exc}"[:2000])
    return await _index(maker, document_id, parsed, prepared)


async def _claim(
    maker: async_sessionmaker[AsyncSession], store: UploadStore, document_id: str
) -> _Claim | dict[str, Any]:
    async with session_scope(maker) as session:
        document = await service.get_document(session, document_id, for_update=True)
        if document is None:
            return _outcome(document_id, "missing")
        if document.status == service.INDEXED:
            return _outcome(
                document_id, service.INDEXED, chunk_count=document.chunk_count, skipped=True
            )
        if document.status == service.REJECTED:
            return _outcome(document_id, service.REJECTED, error=document.error, skipped=True)
        if not document.storage_key or not document.media_type:
            _mark_failed(document, "the document has no stored file to process")
            return _outcome(document_id, service.FAILED, error=document.error)
        winner = await service.earlier_duplicate(session, document)
        if winner is not None:
            rejection = Rejection(DUPLICATE, f"same content as document {winner.id}")
            _mark_rejected(session, store, document, rejection)
            return _outcome(document_id, service.REJECTED, error=rejection.detail)
        document.status = service.PROCESSING
        document.error = None
        return _Claim(
            document.storage_key, document.content_hash, document.media_type, document.filename
        )


def _mark_failed(document: Document, error: str) -> None:
    document.status = service.FAILED
    document.error = error


def _mark_rejected(
    session: AsyncSession, store: UploadStore, document: Document, rejection: Rejection
) -> None:
    key = document.storage_key
    document.status = service.REJECTED
    document.error = rejection.detail
    document.chunk_count = 0
    document.storage_key = None
    document.meta = {**(document.meta or {}), "reason_code": rejection.code}
    after_commit(session, lambda: store.delete(key))


async def _reject(
    maker: async_sessionmaker[AsyncSession],
    store: UploadStore,
    document_id: str,
    rejection: Rejection,
) -> dict[str, Any]:
    async with session_scope(maker) as session:
        document = await service.get_document(session, document_id, for_update=True)
        if document is None or document.status != service.PROCESSING:
            return _settled_elsewhere(document_id, document)
        await knowledge.replace_chunks(session, document_id, [])
        _mark_rejected(session, store, document, rejection)
    log.info("document_rejected", document_id=document_id, reason=rejection.detail)
    return _outcome(document_id, service.REJECTED, error=rejection.detail)


async def _fail(
    maker: async_sessionmaker[AsyncSession], document_id: str, error: str
) -> dict[str, Any]:
    async with session_scope(maker) as session:
        document = await service.get_document(session, document_id, for_update=True)
        if document is None or document.status != service.PROCESSING:
            return _settled_elsewhere(document_id, document)
        _mark_failed(document, error)
    return _outcome(document_id, service.FAILED, error=error)


async def _index(
    maker: async_sessionmaker[AsyncSession],
    document_id: str,
    parsed: ParsedDocument,
    prepared: PreparedChunks,
) -> dict[str, Any]:
    async with session_scope(maker) as session:
        document = await service.get_document(session, document_id, for_update=True)
        if document is None or document.status != service.PROCESSING:
            return _settled_elsewhere(document_id, document)
        await knowledge.replace_chunks(
            session, document_id, chunk_rows(document_id, prepared.chunks)
        )
        document.title = parsed.title[:512]
        document.category = (parsed.metadata.get("category") or "")[:64] or None
        document.meta = dict(parsed.metadata)
        document.status = service.INDEXED
        document.error = None
        document.chunk_count = len(prepared.chunks)
    return _outcome(
        document_id,
        service.INDEXED,
        chunk_count=len(prepared.chunks),
        embedded=prepared.embedded,
        reused=prepared.reused,
    )
