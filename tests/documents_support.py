"""Helpers for the document upload tests (imported as ``documents_support``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.documents.processing import process_document
from apfa.documents.storage import UploadStore
from apfa.models import Chunk, Document
from apfa.providers.embeddings import Embedder

TERMINAL = {"indexed", "failed", "rejected"}
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(120)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
BOUNDARY = "apfa-test-boundary-7d1c"


async def document_row(app: FastAPI, document_id: str) -> Document | None:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        return await session.get(Document, document_id, populate_existing=True)


async def chunk_count(app: FastAPI, document_id: str) -> int:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        count = await session.scalar(
            select(func.count()).select_from(Chunk).where(Chunk.document_id == document_id)
        )
    return int(count or 0)


async def wait_for_status(
    client: httpx.AsyncClient, headers: dict[str, str], document_id: str, within: float = 120
) -> dict[str, Any]:
    """Polls until the background job has finished with the document."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        response = await client.get(f"/api/v1/documents/{document_id}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in TERMINAL or loop.time() > deadline:
            return body
        await asyncio.sleep(0.2)


def incoming_files(store: UploadStore) -> list[str]:
    if not store.incoming_dir.is_dir():
        return []
    return sorted(p.name for p in store.incoming_dir.iterdir())


def part(filename: str, data: bytes, content_type: str = "application/octet-stream") -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    )
    return head.encode() + data + b"\r\n"


def closing() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


def multipart_headers(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def chunks_of(*pieces: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for piece in pieces:
        for start in range(0, len(piece), size):
            yield piece[start : start + size]


async def all_documents(app: FastAPI) -> list[Document]:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        return list((await session.execute(select(Document))).scalars())


async def settle(
    app: FastAPI,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    body: dict[str, Any],
    document_id: str,
    embedder: Embedder,
    settings: Settings,
) -> dict[str, Any]:
    """The document once processed: by the batch job when the app runs one, else here."""
    if body["job_id"] is None:
        await process_document(SESSIONMAKER.of(app), embedder, settings, document_id)
    return await wait_for_status(client, headers, document_id)
