"""Uploaded originals kept in an S3-compatible bucket: written there before the upload is
answered, read from there by a worker on a host that never saw the upload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.audit.service import Actor
from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.documents.exceptions import StorageUnavailable
from apfa.documents.flows import Uploader
from apfa.documents.processing import process_document
from apfa.documents.storage import upload_store
from apfa.main import create_app
from apfa.models import Document
from apfa.providers.embeddings import SentenceTransformerEmbedder
from documents_support import chunks_of, closing, incoming_files, multipart_headers, part
from storage_support import object_keys, s3_client, s3_settings
from support import client_as

TEXT = b"A 529 plan grows tax free when the money pays for qualified education costs.\n"


@dataclass
class Hosts:
    a: Settings
    b: Settings
    endpoint: str
    bucket: str
    maker: async_sessionmaker[AsyncSession]

    def original(self, document_id: str) -> bytes:
        key = f"apfa/uploads/{document_id}"
        return s3_client(self.endpoint).get_object(Bucket=self.bucket, Key=key)["Body"].read()


@pytest.fixture
async def hosts(
    isolated_settings: Settings, s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> AsyncIterator[Hosts]:
    a = s3_settings(isolated_settings, s3_endpoint, s3_bucket)
    engine = create_engine(a)
    yield Hosts(
        a,
        a.model_copy(update={"var_dir": tmp_path / "host-b"}),
        s3_endpoint,
        s3_bucket,
        create_sessionmaker(engine),
    )
    await engine.dispose()


async def upload_without_processing(hosts: Hosts, filename: str, data: bytes) -> str:
    """Host A takes the upload; no job runs here, as when workers run elsewhere."""
    uploader = Uploader(hosts.a, hosts.maker, None, Actor(None, "s3-test"))
    headers = multipart_headers({})
    outcome = await uploader.upload(
        headers["Content-Type"], chunks_of(part(filename, data), closing())
    )
    [result] = outcome.results
    assert result.document_id is not None
    return result.document_id


async def test_an_upload_through_the_api_keeps_its_original_in_the_bucket(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    app = create_app(hosts.a, embedder=embedder)
    async with app.router.lifespan_context(app):
        client, headers = await client_as(app, "s3-uploader", Role.ADMIN)
        try:
            response = await client.post(
                "/api/v1/documents",
                headers=headers,
                files=[("files", ("plans.txt", TEXT, "text/plain"))],
            )
        finally:
            await client.aclose()
    assert response.status_code == 202, response.text
    [result] = response.json()["documents"]
    assert hosts.original(result["document_id"]) == TEXT
    assert upload_store(hosts.a).stored_keys() == [result["document_id"]]


async def test_a_worker_on_another_host_reads_the_original_from_the_bucket(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    document_id = await upload_without_processing(hosts, "plans.txt", TEXT)
    assert not hosts.b.upload_dir.exists()

    done = await process_document(hosts.maker, embedder, hosts.b, document_id)

    assert done["status"] == "indexed", done
    assert done["chunk_count"] >= 1
    assert (hosts.b.upload_dir / document_id).read_bytes() == TEXT  # cached for the next read


async def test_an_original_missing_everywhere_fails_the_document_with_its_reason(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    document_id = await upload_without_processing(hosts, "plans.txt", TEXT)
    s3_client(hosts.endpoint).delete_object(Bucket=hosts.bucket, Key=f"apfa/uploads/{document_id}")

    done = await process_document(hosts.maker, embedder, hosts.b, document_id)

    assert done["status"] == "failed"
    async with session_scope(hosts.maker) as session:
        row = await session.get(Document, document_id)
        assert row is not None
        assert row.error is not None
        assert f"apfa/uploads/{document_id} does not exist" in row.error


async def test_deleting_an_original_removes_it_from_the_bucket(hosts: Hosts) -> None:
    document_id = await upload_without_processing(hosts, "plans.txt", TEXT)
    store = upload_store(hosts.a)

    store.delete(document_id)

    for _ in range(600):  # the store deletes in the background: up to 30 s
        if not object_keys(hosts.endpoint, hosts.bucket, "apfa/uploads/"):
            break
        await asyncio.sleep(0.05)
    assert object_keys(hosts.endpoint, hosts.bucket, "apfa/uploads/") == []
    assert not store.path_for(document_id).exists()


async def test_an_upload_the_bucket_cannot_take_is_refused_and_nothing_is_kept(
    hosts: Hosts,
) -> None:
    s3_client(hosts.endpoint).delete_bucket(Bucket=hosts.bucket)

    with pytest.raises(StorageUnavailable, match="the document store is unavailable"):
        await upload_without_processing(hosts, "plans.txt", TEXT)

    store = upload_store(hosts.a)
    assert [p.name for p in store.root.iterdir() if p.is_file()] == []
    assert incoming_files(store) == []
    async with session_scope(hosts.maker) as session:
        assert (await session.execute(select(Document.id))).scalars().all() == []
