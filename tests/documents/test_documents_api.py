"""GET and DELETE /api/v1/documents: pages newest first with a status filter, one
document's record, and delete removing record, chunks and file (and so the document
from the next index version), audited."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.documents.processing import process_document
from apfa.documents.storage import UploadStore
from apfa.knowledge import service as knowledge
from apfa.models import AuditLog, Document
from apfa.models.base import utcnow
from apfa.providers.embeddings import SentenceTransformerEmbedder
from documents_support import chunk_count, document_row

URL = "/api/v1/documents"


async def _insert(app: FastAPI, status: str, count: int) -> list[str]:
    """Records only (no files), with distinct creation times, oldest first."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    base = utcnow() - timedelta(days=1)
    async with session_scope(SESSIONMAKER.of(app)) as session:
        for offset, document_id in enumerate(ids):
            session.add(
                Document(
                    id=document_id,
                    source_key=f"upload:{document_id}",
                    title=f"listed {offset}",
                    filename=f"listed-{offset}.txt",
                    content_hash=uuid.uuid4().hex,
                    size_bytes=10,
                    status=status,
                    chunk_count=0,
                    meta={},
                    media_type="text/plain",
                    created_at=base + timedelta(seconds=offset),
                )
            )
    return ids


async def test_pages_walk_every_document_newest_first(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _insert(doc_app, "failed", 5)
    seen: list[dict[str, object]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await doc_client.get(URL, headers=admin, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    async with session_scope(SESSIONMAKER.of(doc_app)) as session:
        rows = list((await session.execute(select(Document))).scalars())
    assert len(seen) == len(rows)
    assert len({item["id"] for item in seen}) == len(rows)
    stamps = [(item["created_at"], item["id"]) for item in seen]
    assert stamps == sorted(stamps, reverse=True)


async def test_status_filter(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    ids = await _insert(doc_app, "processing", 3)
    response = await doc_client.get(URL, headers=admin, params={"status": "processing"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert {item["status"] for item in items} == {"processing"}
    assert {item["id"] for item in items} >= set(ids)
    assert [item["id"] for item in items][:3] == list(reversed(ids))


@pytest.mark.parametrize(
    "params",
    [{"status": "deleted"}, {"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 501}],
)
async def test_bad_list_parameters_are_422(
    doc_client: httpx.AsyncClient, admin: dict[str, str], params: dict[str, object]
) -> None:
    response = await doc_client.get(URL, headers=admin, params=params)
    assert response.status_code == 422, response.text


async def test_one_document_and_a_missing_one(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    [document_id] = await _insert(doc_app, "pending", 1)
    response = await doc_client.get(f"{URL}/{document_id}", headers=admin)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == document_id
    assert body["status"] == "pending"
    assert body["filename"] == "listed-0.txt"
    assert body["source"] == "upload"
    assert {"error", "chunk_count", "media_type", "size_bytes", "metadata"} <= set(body)
    missing = await doc_client.get(f"{URL}/{uuid.uuid4()}", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


async def test_reading_and_deleting_need_index_manage(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, plain_user: dict[str, str]
) -> None:
    [document_id] = await _insert(doc_app, "pending", 1)
    for method in ("GET", "DELETE"):
        response = await doc_client.request(method, f"{URL}/{document_id}", headers=plain_user)
        assert response.status_code == 403
    assert (await doc_client.get(URL, headers=plain_user)).status_code == 403
    assert await document_row(doc_app, document_id) is not None


async def test_delete_removes_record_chunks_file_and_next_index_version(
    doc_app: FastAPI,
    doc_client: httpx.AsyncClient,
    admin: dict[str, str],
    doc_settings: Settings,
    embedder: SentenceTransformerEmbedder,
) -> None:
    text = f"Deletable guide\n\nHSA funds roll over every year. {uuid.uuid4().hex}\n".encode()
    uploaded = await doc_client.post(URL, headers=admin, files=[("files", ("hsa.txt", text))])
    document_id = uploaded.json()["documents"][0]["document_id"]
    maker = SESSIONMAKER.of(doc_app)
    await process_document(maker, embedder, doc_settings, document_id)
    async with session_scope(maker) as session:
        before = {p.document_id for p, _ in await knowledge.indexed_passages(session)}
    assert document_id in before
    assert await chunk_count(doc_app, document_id) > 0

    response = await doc_client.delete(f"{URL}/{document_id}", headers=admin)
    assert response.status_code == 204
    assert await document_row(doc_app, document_id) is None
    assert await chunk_count(doc_app, document_id) == 0
    assert document_id not in UploadStore(doc_settings.upload_dir).stored_keys()
    async with session_scope(maker) as session:
        after = {p.document_id for p, _ in await knowledge.indexed_passages(session)}
        event = (
            await session.execute(
                select(AuditLog).where(
                    AuditLog.action == "document_delete", AuditLog.target_id == document_id
                )
            )
        ).scalar_one()
    assert document_id not in after
    assert (event.actor, event.details["filename"]) == ("doc-admin", "hsa.txt")
    again = await doc_client.delete(f"{URL}/{document_id}", headers=admin)
    assert again.status_code == 404
