"""process_documents: the batched, pipelined path gives every document the outcome the
one-at-a-time path gives it, embeds with one encode call per group, reports progress
per group, and is idempotent."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.documents.batch import process_documents
from apfa.documents.processing import process_document
from apfa.documents.storage import UploadStore
from apfa.documents.tasks import EMBED_BATCH
from apfa.jobs.system import TASK_SYSTEM
from apfa.models import BackgroundTask, Chunk, Document
from apfa.providers.embeddings import SentenceTransformerEmbedder, Vectors
from documents_support import chunk_count, document_row


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


class CountingEmbedder:
    """The real model, recording the size of every ``encode`` call; optionally paused
    inside the first one until the test lets it go."""

    def __init__(self, inner: SentenceTransformerEmbedder, *, pause: bool = False) -> None:
        self.inner = inner
        self.calls: list[int] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not pause:
            self.release.set()

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
        self.calls.append(len(texts))
        self.entered.set()
        self.release.wait(60)
        return self.inner.encode(texts, batch_size=batch_size)


def _mixed(marker: str) -> list[tuple[bytes, str, str]]:
    """(bytes, media type, filename): good markdown, text and HTML, one without text, and
    one with the markdown's exact bytes (a duplicate)."""
    markdown = (
        f"---\ncategory: retirement\n---\n# Roth IRAs {marker}\n\n## Limits\n"
        f"Contributions phase out at higher incomes ({marker}).\n"
    ).encode()
    text = f"Index funds {marker}\n\nLow fees compound over decades.\n".encode()
    html = (
        f"<html><head><title>Budgets {marker}</title></head><body><h1>Budgets</h1>"
        f"<p>The 50/30/20 rule splits after-tax income ({marker}).</p></body></html>"
    ).encode()
    return [
        (markdown, "text/markdown", "roth.md"),
        (text, "text/plain", "funds.txt"),
        (html, "text/html", "budget.html"),
        (b" \n\n\t\n", "text/plain", "blank.txt"),
        (markdown, "text/markdown", "roth-again.md"),
    ]


async def _store_all(app: FastAPI, settings: Settings, marker: str) -> list[str]:
    return [await stored_document(app, settings, *item) for item in _mixed(marker)]


async def _state(app: FastAPI, document_id: str) -> dict[str, Any]:
    row = await document_row(app, document_id)
    assert row is not None
    async with session_scope(SESSIONMAKER.of(app)) as session:
        result = await session.execute(
            select(Chunk.ordinal, Chunk.text, Chunk.heading_path)
            .where(Chunk.document_id == document_id)
            .order_by(Chunk.ordinal)
        )
        chunks = [(o, t, list(h)) for o, t, h in result.all()]
    return {
        "status": row.status,
        "error": row.error,
        "chunk_count": row.chunk_count,
        "category": row.category,
        "reason": (row.meta or {}).get("reason_code"),
        "stored": row.storage_key is not None,
        "chunks": chunks,
    }


def _comparable(outcome: dict[str, Any], ids: list[str], marker: str) -> dict[str, Any]:
    """An outcome or state with this set's ids and marker replaced by placeholders."""
    plain = {k: v for k, v in outcome.items() if k != "document_id"}
    text = repr(plain).replace(marker, "<marker>")
    for position, document_id in enumerate(ids):
        text = text.replace(document_id, f"<doc {position}>")
    return {"repr": text}


async def test_a_mixed_batch_ends_as_the_single_path_leaves_it(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    maker = SESSIONMAKER.of(doc_app)
    one_marker, batch_marker = uuid.uuid4().hex, uuid.uuid4().hex
    singles = await _store_all(doc_app, doc_settings, one_marker)
    batched = await _store_all(doc_app, doc_settings, batch_marker)
    missing = str(uuid.uuid4())

    single = [await process_document(maker, embedder, doc_settings, i) for i in singles]
    outcomes = await process_documents(maker, embedder, doc_settings, [*batched, missing])

    assert list(outcomes) == [*batched, missing]
    assert outcomes[missing] == {"document_id": missing, "status": "missing"}
    assert [o["status"] for o in single] == [
        "indexed",
        "indexed",
        "indexed",
        "rejected",
        "rejected",
    ]
    for position, (alone, document_id) in enumerate(zip(single, batched, strict=True)):
        assert _comparable(outcomes[document_id], batched, batch_marker) == _comparable(
            alone, singles, one_marker
        ), position
        assert _comparable(
            await _state(doc_app, document_id), batched, batch_marker
        ) == _comparable(await _state(doc_app, singles[position]), singles, one_marker)
    assert outcomes[batched[4]]["error"] == f"same content as document {batched[0]}"
    assert outcomes[batched[3]]["error"] == "no extractable text"
    store = UploadStore(doc_settings.upload_dir)
    assert batched[4] not in store.stored_keys()
    assert batched[0] in store.stored_keys()


async def test_a_rerun_replaces_chunk_sets_and_never_duplicates_them(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    maker = SESSIONMAKER.of(doc_app)
    ids = await _store_all(doc_app, doc_settings, uuid.uuid4().hex)
    first = await process_documents(maker, embedder, doc_settings, ids)
    before = {i: await _state(doc_app, i) for i in ids}

    again = await process_documents(maker, embedder, doc_settings, ids)
    assert all(o.get("skipped") for o in again.values()), again
    assert {i: await _state(doc_app, i) for i in ids} == before

    async with session_scope(maker) as session:
        for document_id in ids[:3]:
            row = await session.get(Document, document_id)
            assert row is not None
            row.status = "pending"
    redone = await process_documents(maker, embedder, doc_settings, ids)
    for document_id in ids[:3]:
        assert redone[document_id]["status"] == "indexed"
        assert redone[document_id]["embedded"] == 0
        assert redone[document_id]["reused"] == first[document_id]["chunk_count"]
        assert await chunk_count(doc_app, document_id) == first[document_id]["chunk_count"]
    assert {i: await _state(doc_app, i) for i in ids} == before


async def test_one_encode_call_per_group_and_progress_per_group(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    marker = uuid.uuid4().hex
    ids = [
        await stored_document(
            doc_app,
            doc_settings,
            f"Note {n}\n\nEmergency funds cover months of expenses ({marker}).\n".encode(),
            "text/plain",
            f"note-{n}.txt",
        )
        for n in range(7)
    ]
    counting = CountingEmbedder(embedder)
    reports: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        reports.append((done, total))

    outcomes = await process_documents(
        SESSIONMAKER.of(doc_app),
        counting,
        doc_settings,
        ids,
        progress,
        group_documents=3,
    )
    assert {o["status"] for o in outcomes.values()} == {"indexed"}
    chunks = sum(o["chunk_count"] for o in outcomes.values())
    embedded = sum(o["embedded"] for o in outcomes.values())
    assert len(counting.calls) == 3, counting.calls
    assert sum(counting.calls) == embedded
    assert reports == [(3, 7), (6, 7), (7, 7)]
    assert embedded == chunks == 7


async def test_a_text_repeated_within_a_group_is_embedded_once(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    body = f"Sinking funds\n\nSave monthly for yearly bills ({uuid.uuid4().hex}).\n".encode()
    one = await stored_document(doc_app, doc_settings, body, "text/plain", "a.txt")
    two = await stored_document(doc_app, doc_settings, body + b"\n", "text/plain", "a.txt")
    counting = CountingEmbedder(embedder)
    outcomes = await process_documents(SESSIONMAKER.of(doc_app), counting, doc_settings, [one, two])
    assert [(o["status"], o["embedded"], o["reused"]) for o in outcomes.values()] == [
        ("indexed", 1, 0),
        ("indexed", 0, 1),
    ]
    assert counting.calls == [1]


async def test_a_document_deleted_mid_batch_stays_deleted(
    doc_app: FastAPI,
    doc_client: httpx.AsyncClient,
    admin: dict[str, str],
    doc_settings: Settings,
    embedder: SentenceTransformerEmbedder,
) -> None:
    ids = await _store_all(doc_app, doc_settings, uuid.uuid4().hex)
    pausing = CountingEmbedder(embedder, pause=True)
    running = asyncio.create_task(
        process_documents(SESSIONMAKER.of(doc_app), pausing, doc_settings, ids)
    )
    try:
        assert await asyncio.to_thread(pausing.entered.wait, 60)
        deleted = await doc_client.delete(f"/api/v1/documents/{ids[1]}", headers=admin)
        assert deleted.status_code == 204
    finally:
        pausing.release.set()
    outcomes = await running
    assert outcomes[ids[1]]["status"] == "missing"
    assert outcomes[ids[0]]["status"] == "indexed"
    assert await document_row(doc_app, ids[1]) is None
    assert await chunk_count(doc_app, ids[1]) == 0


async def test_documents_claimed_by_an_unfinished_run_go_back_to_pending(
    doc_app: FastAPI, doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    """A run stopped after its first group (a revoked job: progress raises) leaves the
    next group, already claimed, pending rather than looking busy."""
    marker = uuid.uuid4().hex
    ids = [
        await stored_document(
            doc_app,
            doc_settings,
            f"Part {n}\n\nSavings {marker}.\n".encode(),
            "text/plain",
            f"{n}.txt",
        )
        for n in range(4)
    ]

    async def stop(done: int, total: int) -> None:
        raise RuntimeError("revoked")

    with pytest.raises(RuntimeError, match="revoked"):
        await process_documents(
            SESSIONMAKER.of(doc_app), embedder, doc_settings, ids, stop, group_documents=2
        )
    statuses = [(await _state(doc_app, i))["status"] for i in ids]
    assert statuses == ["indexed", "indexed", "pending", "pending"]
    finished = await process_documents(SESSIONMAKER.of(doc_app), embedder, doc_settings, ids)
    assert [o["status"] for o in finished.values()] == ["indexed"] * 4


async def _job_row(app: FastAPI, job_id: str, within: float = 120) -> BackgroundTask:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        async with session_scope(SESSIONMAKER.of(app)) as session:
            row = await session.get(BackgroundTask, job_id, populate_existing=True)
        assert row is not None
        if row.state in {"succeeded", "failed", "revoked"}:
            return row
        assert asyncio.get_running_loop().time() < deadline, f"job still {row.state}"
        await asyncio.sleep(0.05)


async def test_a_batch_with_a_failed_document_fails_loudly_and_builds_the_rest(
    doc_app: FastAPI, doc_settings: Settings
) -> None:
    marker = uuid.uuid4().hex
    good = await stored_document(
        doc_app, doc_settings, f"# Good {marker}\n\nSavings bonds {marker}.\n".encode(),
        "text/markdown", "good.md",
    )  # fmt: skip
    broken = await stored_document(
        doc_app, doc_settings, f"# Broken {marker}\n\nText.\n".encode(), "text/markdown", "b.md"
    )
    # The kept file no longer matches its hash: an error, not a refusal of its content.
    UploadStore(doc_settings.upload_dir).path_for(broken).write_bytes(b"# changed on disk\n")
    runtime = TASK_SYSTEM.of(doc_app).runtime
    async with session_scope(SESSIONMAKER.of(doc_app)) as session:
        job = await runtime.submit(session, EMBED_BATCH, {"document_ids": [good, broken]})
    row = await _job_row(doc_app, job.id)
    assert row.state == "failed"
    assert row.error is not None
    assert row.error.startswith("1 of 2 documents failed")
    assert row.result is not None
    assert row.result["counts"] == {"failed": 1, "indexed": 1}
    assert set(row.result["failed"]) == {broken}
    assert "content hash" in row.result["failed"][broken]
    build = await _job_row(doc_app, row.result["build_job_id"])
    assert build.state == "succeeded", build.error
    assert (await document_row(doc_app, good)).status == "indexed"  # type: ignore[union-attr]
