"""An app on its own database with small upload limits, so the limits can be crossed with
small bodies; one admin (admin:index:manage) and one plain user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.documents.storage import UploadStore
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from conftest import make_settings, postgres_database
from support import PASSWORD, bearer, login

KIB = 1024
LIMITS: dict[str, Any] = {
    "upload_max_file_bytes": 64 * KIB,
    "max_upload_bytes": 512 * KIB,
    "upload_max_files": 4,
    "upload_max_pdf_pages": 5,
    "upload_max_extracted_chars": 20_000,
    "upload_max_decompressed_bytes": 4 * KIB * KIB,
    # Uploads here are embedded as by default: in a child process.
    "embedding_process": True,
}


@pytest.fixture(scope="module")
def doc_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    var_dir = tmp_path_factory.mktemp("documents")
    if database_url.startswith("sqlite"):
        urls: Iterator[str] = iter([f"sqlite+aiosqlite:///{var_dir / 'apfa.db'}"])
    else:
        urls = postgres_database()
    loaded = make_settings(var_dir, next(urls), **LIMITS)
    upgrade_to_head(loaded)
    yield loaded
    for _ in urls:
        pass


@pytest.fixture(scope="module")
async def doc_app(
    doc_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[FastAPI]:
    application = create_app(doc_settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        async with session_scope(SESSIONMAKER.of(application)) as session:
            await create_user(session, "doc-admin", PASSWORD, Role.ADMIN)
            await create_user(session, "doc-user", PASSWORD, Role.USER)
        yield application


@pytest.fixture(scope="module")
async def doc_client(doc_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=doc_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://apfa.test", timeout=60
    ) as http:
        yield http


@pytest.fixture(scope="module")
async def admin(doc_client: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await login(doc_client, "doc-admin"))


@pytest.fixture(scope="module")
async def plain_user(doc_client: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await login(doc_client, "doc-user"))


@pytest.fixture
def store(doc_settings: Settings) -> UploadStore:
    return UploadStore(doc_settings.upload_dir)
