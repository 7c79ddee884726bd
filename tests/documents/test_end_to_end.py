"""Upload -> the documents.embed_batch job -> a new active index version -> retrievable;
then delete -> the document leaves the corpus the next version is built from."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from fastapi import FastAPI

from apfa.jobs.system import TASK_SYSTEM
from documents_support import wait_for_status

URL = "/api/v1/documents"


async def _search(client: httpx.AsyncClient, headers: dict[str, str], q: str) -> list[str]:
    response = await client.get("/api/v1/kb/search", headers=headers, params={"q": q, "k": 10})
    assert response.status_code == 200, response.text
    return [hit["document_id"] for hit in response.json()["items"]]


async def test_uploaded_document_is_served_until_deleted_and_rebuilt(
    doc_app: FastAPI, doc_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    if TASK_SYSTEM.find_in(doc_app) is None:
        pytest.skip("this app runs no task system; processing is covered by test_processing")
    marker = uuid.uuid4().hex[:8]
    text = (
        f"# Zorblax credit scheme {marker}\n\nThe zorblax scheme {marker} lets savers "
        "defer mortgage payments for a quarter.\n"
    ).encode()
    response = await doc_client.post(URL, headers=admin, files=[("files", ("z.md", text))])
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["job_id"]
    document_id = body["documents"][0]["document_id"]
    done = await wait_for_status(doc_client, admin, document_id)
    assert done["status"] == "indexed", done

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    query = f"zorblax credit scheme {marker}"
    while document_id not in await _search(doc_client, admin, query):
        assert loop.time() < deadline, "the document never reached the served index"
        await asyncio.sleep(0.25)

    deleted = await doc_client.delete(f"{URL}/{document_id}", headers=admin)
    assert deleted.status_code == 204
    rebuild = await doc_client.post("/api/admin/index/rebuild", headers=admin)
    assert rebuild.status_code == 202, rebuild.text
    deadline = loop.time() + 120
    while document_id in await _search(doc_client, admin, query):
        assert loop.time() < deadline, "the rebuilt index still serves the deleted document"
        await asyncio.sleep(0.25)
