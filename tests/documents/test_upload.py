"""POST /api/v1/documents through the real app: each accepted type stored under its id
and processed, batches as one job, duplicates recognised, the type judged by content,
uploads audited. Refusals are in test_upload_refusals."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.documents.storage import UploadStore
from apfa.models import AuditLog, BackgroundTask, Chunk
from apfa.providers.embeddings import SentenceTransformerEmbedder
from documents_support import (
    PNG,
    all_documents,
    chunk_count,
    incoming_files,
    settle,
)
from pdf_samples import text_pdf

URL = "/api/v1/documents"
MARKDOWN = (
    b"---\ntitle: Escrow accounts\ncategory: mortgages\n---\n"
    b"## What escrow pays\nYour lender collects property tax and homeowners insurance "
    b"with each payment and pays the bills from an escrow account.\n"
)
TEXT = b"Emergency funds\n\nKeep three to six months of expenses in a savings account.\n"
HTML = (
    b"<!DOCTYPE html><html><head><title>Credit utilisation</title>"
    b"<script>steal()</script><style>p{}</style></head><body>"
    b"<h1>Credit utilisation</h1><p>Keep card balances under 30% of the limit.</p>"
    b"<h2>Why it matters</h2><p>Utilisation drives a large part of the score.</p>"
    b"</body></html>"
)
PDF = text_pdf(
    [["Refinancing costs", "Closing costs run two to five percent of the loan."]],
    title="Refinancing guide",
)


@pytest.mark.parametrize(
    ("filename", "data", "media_type", "title"),
    [
        ("emergency.txt", TEXT, "text/plain", "Emergency funds"),
        ("escrow.md", MARKDOWN, "text/markdown", "Escrow accounts"),
        ("credit.html", HTML, "text/html", "Credit utilisation"),
        ("refinance.pdf", PDF, "application/pdf", "Refinancing guide"),
    ],
)
async def test_each_type_is_accepted_stored_by_id_and_indexed(
    doc_app: FastAPI,
    doc_client: httpx.AsyncClient,
    admin: dict[str, str],
    store: UploadStore,
    embedder: SentenceTransformerEmbedder,
    doc_settings: Settings,
    filename: str,
    data: bytes,
    media_type: str,
    title: str,
) -> None:
    response = await doc_client.post(
        URL, headers=admin, files=[("files", (filename, data, "application/octet-stream"))]
    )
    assert response.status_code == 202, response.text
    body = response.json()
    [result] = body["documents"]
    assert result["status"] == "pending"
    assert result["filename"] == filename
    assert result["media_type"] == media_type
    assert result["size_bytes"] == len(data)
    document_id = result["document_id"]
    assert store.path_for(document_id).read_bytes() == data
    assert incoming_files(store) == []

    done = await settle(doc_app, doc_client, admin, body, document_id, embedder, doc_settings)
    assert done["status"] == "indexed", done
    assert done["title"] == title
    assert done["media_type"] == media_type
    assert done["uploaded_by"] == "doc-admin"
    assert done["source"] == "upload"
    assert done["chunk_count"] == await chunk_count(doc_app, document_id) > 0


async def test_html_scripts_and_styles_never_reach_the_chunks(
    doc_app: FastAPI,
    doc_client: httpx.AsyncClient,
    admin: dict[str, str],
    embedder: SentenceTransformerEmbedder,
    doc_settings: Settings,
) -> None:
    page = HTML.replace(b"30%", b"25%")
    response = await doc_client.post(URL, headers=admin, files=[("files", ("p.html", page))])
    body = response.json()
    document_id = body["documents"][0]["document_id"]
    await settle(doc_app, doc_client, admin, body, document_id, embedder, doc_settings)
    async with session_scope(SESSIONMAKER.of(doc_app)) as session:
        texts = (
            await session.execute(select(Chunk.text).where(Chunk.document_id == document_id))
        ).scalars()
        joined = " ".join(texts)
    assert "25%" in joined
    assert "steal" not in joined
    assert "p{}" not in joined


async def test_batch_upload_is_one_job_with_a_result_per_file(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str], store: UploadStore
) -> None:
    files = [
        ("files", ("a.txt", b"Batch file one about savings rates.\n")),
        ("files", ("b.md", b"# Batch two\nAbout bond ladders.\n")),
        ("files", ("copy-of-a.txt", b"Batch file one about savings rates.\n")),
    ]
    response = await doc_client.post(URL, headers=admin, files=files)
    assert response.status_code == 202, response.text
    body = response.json()
    first, second, copy = body["documents"]
    assert [first["status"], second["status"]] == ["pending", "pending"]
    assert copy["status"] == "duplicate"
    assert copy["document_id"] is None
    assert copy["duplicate_of"] == first["document_id"]
    assert {first["document_id"], second["document_id"]} <= set(store.stored_keys())
    if body["job_id"] is not None:
        async with session_scope(SESSIONMAKER.of(doc_app)) as session:
            job = await session.get(BackgroundTask, body["job_id"])
        assert job is not None
        assert job.name == "documents.embed_batch"
        assert job.params == {"document_ids": [first["document_id"], second["document_id"]]}


async def test_same_content_again_is_recognised_as_a_duplicate(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str], store: UploadStore
) -> None:
    data = b"Duplicate detection: a 15-year term costs less interest than a 30-year one.\n"
    first = await doc_client.post(URL, headers=admin, files=[("files", ("one.txt", data))])
    original = first.json()["documents"][0]["document_id"]
    rows, keys = len(await all_documents(doc_app)), store.stored_keys()

    again = await doc_client.post(URL, headers=admin, files=[("files", ("renamed.md", data))])
    assert again.status_code == 202, again.text
    assert again.json()["job_id"] is None
    [result] = again.json()["documents"]
    assert result["status"] == "duplicate"
    assert result["duplicate_of"] == original
    assert len(await all_documents(doc_app)) == rows
    assert store.stored_keys() == keys


async def test_content_decides_the_type_not_the_name_or_content_type(
    doc_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    text = b"Plain words in a file that calls itself a PDF.\n"
    response = await doc_client.post(
        URL, headers=admin, files=[("files", ("report.pdf", text, "application/pdf"))]
    )
    assert response.status_code == 202, response.text
    assert response.json()["documents"][0]["media_type"] == "text/plain"


async def test_uploads_are_audited_per_file(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    files = [
        ("files", ("audited.txt", b"An audited upload about 529 plans.\n")),
        ("files", ("audited.pdf", PNG)),
    ]
    response = await doc_client.post(URL, headers=admin, files=files)
    good, bad = response.json()["documents"]
    async with session_scope(SESSIONMAKER.of(doc_app)) as session:
        events = {
            row.target_id: row
            for row in (
                await session.execute(
                    select(AuditLog).where(
                        AuditLog.action == "document_upload",
                        AuditLog.target_id.in_([good["document_id"], bad["document_id"]]),
                    )
                )
            ).scalars()
        }
    assert events[good["document_id"]].outcome == "success"
    assert events[good["document_id"]].actor == "doc-admin"
    assert events[bad["document_id"]].outcome == "failure"
    assert events[bad["document_id"]].details["reason_code"] == "unsupported_type"
