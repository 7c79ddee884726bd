"""process_document on stored uploads (no job involved): pending -> processing ->
indexed | failed | rejected, idempotent, never resurrecting a deleted document."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import uuid
from collections.abc import Sequence

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.documents.processing import process_document
from apfa.documents.storage import UploadStore
from apfa.models import Chunk, Document
from apfa.providers.embeddings import SentenceTransformerEmbedder, Vectors
from documents_support import chunk_count, document_row
from pdf_samples import flate_bomb_pdf, undercounted_pages_pdf


async def stored_document(
    app: FastAPI, settings: Settings, data: bytes, media_type: str, filename: str
) -> str:
    """A pending upload as the endpoint leaves it: a kept file and its record."""
    document_id = str(uuid.uuid4())
    store = UploadStore(settings.upload_dir)
    store.root.mkdir(parents=True, exist_ok=True)
    store.path_for(document_id).write_bytes(data)
    async with session_scope(SESSIONMAKER.of(app)) as session:
        session.add(
            Document(
                id=document_id,
                source_key=f"upload:{document_id}",
                title=filename,
                filename=filename,
                content_hash=hashlib.sha256(data).hexdigest(),
                size_bytes=len(data),
                status="pending",
                chunk_count=0,
                meta={},
                media_type=media_type,
                storage_key=document_id,
                uploaded_by="tester",
            )
        )
    return document_id


async def _chunk_ids(app: FastAPI, document_id: str) -> list[int]:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        result = await session.execute(
            select(Chunk.id).where(Chunk.document_id == document_id).order_by(Chunk.ordinal)
        )
        return list(result.scalars())


def _unique(text: str) -> bytes:
    return f"{text}\n\nReference {uuid.uuid4().hex}.\n".encode()


async def test_markdown_is_indexed_and_a_rerun_is_a_no_op(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    data = b"---\ncategory: retirement\n---\n# Roth IRAs\n\n## Limits\nContributions phase out.\n"
    document_id = await stored_document(doc_app, doc_settings, data, "text/markdown", "r.md")
    maker = SESSIONMAKER.of(doc_app)

    first = await process_document(maker, embedder, doc_settings, document_id)
    assert first["status"] == "indexed"
    assert first["chunk_count"] == await chunk_count(doc_app, document_id) > 0
    row = await document_row(doc_app, document_id)
    assert row is not None
    assert (row.title, row.category, row.error) == ("Roth IRAs", "retirement", None)
    chunks = await _chunk_ids(doc_app, document_id)

    again = await process_document(maker, embedder, doc_settings, document_id)
    assert (again["status"], again["skipped"]) == ("indexed", True)
    assert await _chunk_ids(doc_app, document_id) == chunks


async def test_reprocessing_replaces_the_chunk_set_and_reuses_embeddings(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    data = _unique("Index funds\n\nLow fees compound over decades.")
    document_id = await stored_document(doc_app, doc_settings, data, "text/plain", "f.txt")
    maker = SESSIONMAKER.of(doc_app)
    first = await process_document(maker, embedder, doc_settings, document_id)
    async with session_scope(maker) as session:
        row = await session.get(Document, document_id)
        assert row is not None
        row.status = "pending"
    second = await process_document(maker, embedder, doc_settings, document_id)
    assert second["status"] == "indexed"
    assert second["chunk_count"] == first["chunk_count"] == await chunk_count(doc_app, document_id)
    assert second["embedded"] == 0
    assert second["reused"] == second["chunk_count"]


async def test_pdf_bomb_is_rejected_and_its_file_removed(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    document_id = await stored_document(
        doc_app, doc_settings, flate_bomb_pdf(), "application/pdf", "bomb.pdf"
    )
    outcome = await process_document(SESSIONMAKER.of(doc_app), embedder, doc_settings, document_id)
    assert outcome["status"] == "rejected"
    row = await document_row(doc_app, document_id)
    assert row is not None
    assert (row.status, row.storage_key, row.chunk_count) == ("rejected", None, 0)
    assert row.meta["reason_code"] == "limit_exceeded"
    assert document_id not in UploadStore(doc_settings.upload_dir).stored_keys()
    assert await chunk_count(doc_app, document_id) == 0
    skipped = await process_document(SESSIONMAKER.of(doc_app), embedder, doc_settings, document_id)
    assert skipped["skipped"] is True


async def test_too_many_real_pages_is_rejected(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    pdf = undercounted_pages_pdf(7)
    document_id = await stored_document(doc_app, doc_settings, pdf, "application/pdf", "p.pdf")
    outcome = await process_document(SESSIONMAKER.of(doc_app), embedder, doc_settings, document_id)
    assert outcome["status"] == "rejected"
    assert "more than 5 pages" in outcome["error"]


async def test_a_file_without_text_is_rejected(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    document_id = await stored_document(doc_app, doc_settings, b" \n\n\t\n", "text/plain", "w")
    outcome = await process_document(SESSIONMAKER.of(doc_app), embedder, doc_settings, document_id)
    assert (outcome["status"], outcome["error"]) == ("rejected", "no extractable text")


async def test_a_changed_stored_file_fails_and_is_kept(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    document_id = await stored_document(doc_app, doc_settings, b"original\n", "text/plain", "o")
    store = UploadStore(doc_settings.upload_dir)
    store.path_for(document_id).write_bytes(b"tampered\n")
    outcome = await process_document(SESSIONMAKER.of(doc_app), embedder, doc_settings, document_id)
    assert outcome["status"] == "failed"
    assert "content hash" in outcome["error"]
    assert document_id in store.stored_keys()
    assert await chunk_count(doc_app, document_id) == 0


async def test_racing_duplicates_index_once(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    data = _unique("Sinking funds\n\nSave monthly for known yearly bills.")
    first = await stored_document(doc_app, doc_settings, data, "text/plain", "a.txt")
    second = await stored_document(doc_app, doc_settings, data, "text/plain", "b.txt")
    maker = SESSIONMAKER.of(doc_app)
    later = await process_document(maker, embedder, doc_settings, second)
    assert later["status"] == "rejected"
    assert first in later["error"]
    earlier = await process_document(maker, embedder, doc_settings, first)
    assert earlier["status"] == "indexed"
    assert await chunk_count(doc_app, second) == 0


async def test_unknown_document_is_missing(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    outcome = await process_document(
        SESSIONMAKER.of(doc_app), embedder, doc_settings, str(uuid.uuid4())
    )
    assert outcome["status"] == "missing"


class PausingEmbedder:
    """The real model, paused inside ``encode`` until the test lets it go."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.release = threading.Event()

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def device(self) -> str:
        return self.inner.device

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        self.entered.set()
        self.release.wait(60)
        return self.inner.encode(texts, batch_size=batch_size)


async def test_a_document_deleted_mid_processing_stays_deleted(
    doc_app: FastAPI,
    doc_client: httpx.AsyncClient,
    admin: dict[str, str],
    doc_settings: Settings,
    embedder: SentenceTransformerEmbedder,
) -> None:
    data = _unique("Balance transfers\n\nWatch the transfer fee.")
    document_id = await stored_document(doc_app, doc_settings, data, "text/plain", "bt.txt")
    pausing = PausingEmbedder(embedder)
    running = asyncio.create_task(
        process_document(SESSIONMAKER.of(doc_app), pausing, doc_settings, document_id)
    )
    try:
        assert await asyncio.to_thread(pausing.entered.wait, 60)
        deleted = await doc_client.delete(f"/api/v1/documents/{document_id}", headers=admin)
        assert deleted.status_code == 204
    finally:
        pausing.release.set()
    outcome = await running
    assert outcome["status"] == "missing"
    assert await document_row(doc_app, document_id) is None
    assert await chunk_count(doc_app, document_id) == 0
    assert document_id not in UploadStore(doc_settings.upload_dir).stored_keys()


class MeetingEmbedder(PausingEmbedder):
    """The real model; ``encode`` returns only once both callers are inside it, so both
    store the same new vector at the same moment."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        super().__init__(inner)
        self.barrier = threading.Barrier(2, timeout=60)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        vectors = self.inner.encode(texts, batch_size=batch_size)
        self.barrier.wait()
        return vectors


async def test_documents_sharing_text_can_be_processed_at_once(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    """Different bytes, same chunk text, embedded by two workers at once: both are
    indexed (the embedding cache insert tolerates the other worker's identical row)."""
    text = _unique("Shared text\n\nBoth uploads hold this very paragraph.")
    one = await stored_document(doc_app, doc_settings, text, "text/plain", "one.txt")
    two = await stored_document(doc_app, doc_settings, text + b"\n\n", "text/plain", "two.txt")
    maker, meeting = SESSIONMAKER.of(doc_app), MeetingEmbedder(embedder)
    outcomes = await asyncio.gather(
        process_document(maker, meeting, doc_settings, one),
        process_document(maker, meeting, doc_settings, two),
    )
    assert [o["status"] for o in outcomes] == ["indexed", "indexed"], outcomes
