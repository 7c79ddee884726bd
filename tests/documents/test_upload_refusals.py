"""Bad uploads through the real app, each refused with a clear status and nothing
half-stored: no kept file, no incoming part, no chunks. A refused file leaves only a
``rejected`` record with its reason; a refused request (not multipart, too many files,
body over the limit, truncated) leaves no record at all, only its audit event."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.documents.storage import UploadStore
from apfa.models import AuditLog
from apfa.providers.embeddings import SentenceTransformerEmbedder
from documents_support import (
    BOUNDARY,
    ELF,
    PNG,
    all_documents,
    chunk_count,
    chunks_of,
    closing,
    document_row,
    incoming_files,
    multipart_headers,
    part,
    settle,
)
from pdf_samples import flate_bomb_pdf, lying_page_count_pdf

URL = "/api/v1/documents"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.md", "# inside a zip\n")
    return buffer.getvalue()


BAD_UPLOADS = [
    pytest.param("big.txt", b"a" * (64 * 1024 + 1), 413, "too_large", id="oversized"),
    pytest.param("notes.pdf", ELF, 415, "unsupported_type", id="elf-named-pdf"),
    pytest.param("notes.md", ELF, 415, "unsupported_type", id="elf-named-md"),
    pytest.param("photo.md", PNG, 415, "unsupported_type", id="png-named-md"),
    pytest.param("archive.pdf", _zip(), 415, "unsupported_type", id="zip-named-pdf"),
    pytest.param("archive.zip", _zip(), 415, "unsupported_type", id="zip"),
    pytest.param("noise.txt", bytes(range(256)) * 4, 415, "unsupported_type", id="binary"),
    pytest.param("latin1.txt", "caf\u00e9 cr\u00e8me".encode("latin-1"), 415,
                 "unsupported_type", id="not-utf8"),
    pytest.param("../../etc/passwd.md", b"# root\n", 422, "invalid_filename", id="traversal"),
    pytest.param("..\\..\\boot.ini.md", b"# x\n", 422, "invalid_filename", id="backslash"),
    pytest.param("empty.md", b"", 422, "empty", id="empty"),
    pytest.param("pages.pdf", lying_page_count_pdf(), 422, "limit_exceeded", id="page-count"),
    pytest.param("broken.pdf", b"%PDF-1.7\n" + bytes(200), 422, "malformed", id="bad-pdf"),
]  # fmt: skip


@pytest.mark.parametrize(("filename", "data", "status", "code"), BAD_UPLOADS)
async def test_bad_upload_is_rejected_and_nothing_is_stored(
    doc_app: FastAPI,
    doc_client: httpx.AsyncClient,
    admin: dict[str, str],
    store: UploadStore,
    doc_settings: Settings,
    filename: str,
    data: bytes,
    status: int,
    code: str,
) -> None:
    keys = store.stored_keys()
    response = await doc_client.post(URL, headers=admin, files=[("files", (filename, data))])
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] in {"payload_too_large", "unsupported_media_type", "validation_error"}
    assert body["job_id"] is None
    [result] = body["documents"]
    assert result["status"] == "rejected"
    assert result["reason_code"] == code
    assert result["reason"]
    assert result["reason"] in body["detail"]
    assert "/" not in result["filename"]
    assert "\\" not in result["filename"]

    assert store.stored_keys() == keys
    assert incoming_files(store) == []
    row = await document_row(doc_app, result["document_id"])
    assert row is not None
    assert (row.status, row.error, row.storage_key) == ("rejected", result["reason"], None)
    assert await chunk_count(doc_app, row.id) == 0
    assert not (doc_settings.var_dir / "etc").exists()
    assert not (doc_settings.upload_dir.parent.parent / "etc" / "passwd.md").exists()


async def test_one_bad_file_does_not_sink_the_batch(
    doc_client: httpx.AsyncClient, admin: dict[str, str], store: UploadStore
) -> None:
    files = [
        ("files", ("good.txt", b"Mixed batch: the good one, about annuities.\n")),
        ("files", ("evil.pdf", ELF)),
    ]
    response = await doc_client.post(URL, headers=admin, files=files)
    assert response.status_code == 202, response.text
    good, evil = response.json()["documents"]
    assert good["status"] == "pending"
    assert (evil["status"], evil["reason_code"]) == ("rejected", "unsupported_type")
    assert good["document_id"] in store.stored_keys()
    assert evil["document_id"] not in store.stored_keys()


async def test_pdf_bomb_is_accepted_then_rejected_without_inflating(
    doc_app: FastAPI,
    doc_client: httpx.AsyncClient,
    admin: dict[str, str],
    store: UploadStore,
    embedder: SentenceTransformerEmbedder,
    doc_settings: Settings,
) -> None:
    bomb = flate_bomb_pdf()
    assert len(bomb) < 16 * 1024
    response = await doc_client.post(URL, headers=admin, files=[("files", ("bomb.pdf", bomb))])
    assert response.status_code == 202, response.text
    body = response.json()
    document_id = body["documents"][0]["document_id"]
    done = await settle(doc_app, doc_client, admin, body, document_id, embedder, doc_settings)
    assert done["status"] == "rejected"
    assert "limit" in done["error"]
    assert done["metadata"]["reason_code"] == "limit_exceeded"
    assert document_id not in store.stored_keys()
    assert await chunk_count(doc_app, document_id) == 0


# -- whole-request refusals: nothing recorded but the audit event --------------------


async def _unchanged(app: FastAPI, store: UploadStore, rows: int, keys: list[str]) -> None:
    assert len(await all_documents(app)) == rows
    assert store.stored_keys() == keys
    assert incoming_files(store) == []


async def test_not_multipart_is_415(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str], store: UploadStore
) -> None:
    rows, keys = len(await all_documents(doc_app)), store.stored_keys()
    response = await doc_client.post(URL, headers=admin, json={"file": "x"})
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    await _unchanged(doc_app, store, rows, keys)


async def test_too_many_files_is_413_and_stores_none(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str], store: UploadStore
) -> None:
    rows, keys = len(await all_documents(doc_app)), store.stored_keys()
    files = [("files", (f"f{i}.txt", f"file number {i} of five\n".encode())) for i in range(5)]
    response = await doc_client.post(URL, headers=admin, files=files)
    assert response.status_code == 413, response.text
    assert "at most 4 files" in response.json()["detail"]
    await _unchanged(doc_app, store, rows, keys)


async def _request_failures(app: FastAPI) -> int:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "document_upload", AuditLog.outcome == "failure")
            .where(AuditLog.target_id.is_(None))
        )
    return int(count or 0)


async def test_body_over_the_request_limit_is_413_and_stores_none(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str], store: UploadStore
) -> None:
    rows, keys = len(await all_documents(doc_app)), store.stored_keys()
    audited = await _request_failures(doc_app)
    small = [part(f"s{i}.txt", f"small file {i} under every limit\n".encode()) for i in range(3)]
    filler = part("filler.txt", b"z" * (600 * 1024))
    response = await doc_client.post(
        URL, headers=multipart_headers(admin), content=chunks_of(*small, filler, closing())
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"
    await _unchanged(doc_app, store, rows, keys)
    assert await _request_failures(doc_app) == audited + 1


async def test_truncated_body_is_400_and_stores_none(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str], store: UploadStore
) -> None:
    rows, keys = len(await all_documents(doc_app)), store.stored_keys()
    response = await doc_client.post(
        URL,
        headers=multipart_headers(admin),
        content=part("cut.txt", b"the closing boundary never comes\n"),
    )
    assert response.status_code == 400, response.text
    await _unchanged(doc_app, store, rows, keys)


async def test_form_without_files_is_422(
    doc_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    form = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'
    response = await doc_client.post(
        URL, headers=multipart_headers(admin), content=form.encode() + closing()
    )
    assert response.status_code == 422, response.text
    assert "no files" in response.json()["detail"]


async def test_an_oversized_part_is_dropped_mid_stream_and_the_next_part_kept(
    doc_client: httpx.AsyncClient, admin: dict[str, str], store: UploadStore
) -> None:
    """The per-file limit acts while the body streams: a 400 KiB part (limit 64 KiB) is
    refused and skipped, and the part after it is still read and accepted."""
    big = part("huge.md", b"# big\n" + b"x" * (400 * 1024))
    after = part("after.txt", b"The part after an oversized one is still accepted.\n")
    response = await doc_client.post(
        URL, headers=multipart_headers(admin), content=chunks_of(big, after, closing())
    )
    assert response.status_code == 202, response.text
    huge, kept = response.json()["documents"]
    assert (huge["status"], huge["reason_code"]) == ("rejected", "too_large")
    assert huge["size_bytes"] == 6 + 400 * 1024
    assert kept["status"] == "pending"
    assert kept["document_id"] in store.stored_keys()
    assert incoming_files(store) == []


async def test_uploads_need_index_manage(
    doc_app: FastAPI,
    doc_client: httpx.AsyncClient,
    plain_user: dict[str, str],
    store: UploadStore,
) -> None:
    rows, keys = len(await all_documents(doc_app)), store.stored_keys()
    files = [("files", ("x.txt", b"not allowed\n"))]
    assert (await doc_client.post(URL, headers=plain_user, files=files)).status_code == 403
    assert (await doc_client.post(URL, files=files)).status_code == 401
    await _unchanged(doc_app, store, rows, keys)
