"""/metrics is not for anyone on the public listener: a bearer token when one is configured,
else loopback clients only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from apfa.core.config import Settings
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder

TOKEN = "scrape-token-" + "t" * 24
REMOTE = "203.0.113.9"


@asynccontextmanager
async def _from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 4242))
    async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
        yield http


async def test_without_a_token_a_remote_client_is_refused(app: FastAPI) -> None:
    async with _from(app, REMOTE) as remote:
        response = await remote.get("/metrics")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "APFA_METRICS_TOKEN" in response.json()["detail"]
    assert "apfa_requests" not in response.text


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
async def test_without_a_token_loopback_is_answered(app: FastAPI, address: str) -> None:
    async with _from(app, address) as local:
        response = await local.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"])
async def test_without_a_token_a_local_proxy_relaying_someone_is_refused(
    app: FastAPI, header: str
) -> None:
    async with _from(app, "127.0.0.1") as local:
        response = await local.get("/metrics", headers={header: REMOTE})
    assert response.status_code == 403


@pytest.fixture
async def guarded(
    settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[FastAPI]:
    configured = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    application = create_app(configured, embedder=embedder)
    async with application.router.lifespan_context(application):
        yield application


@pytest.mark.parametrize("address", [REMOTE, "127.0.0.1"])
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-of-the-same-length!!!", f"Basic {TOKEN}", "Bearer "],
)
async def test_with_a_token_other_credentials_get_401(
    guarded: FastAPI, address: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with _from(guarded, address) as http:
        response = await http.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "not_authenticated"


async def test_with_a_token_the_scraper_is_answered_from_anywhere(guarded: FastAPI) -> None:
    async with _from(guarded, REMOTE) as remote:
        response = await remote.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "apfa_requests" in response.text


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_token_means_none(value: str) -> None:
    assert Settings(metrics_token=value).metrics_token is None  # type: ignore[arg-type]


def test_a_short_token_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        Settings(metrics_token="short")  # type: ignore[arg-type]
