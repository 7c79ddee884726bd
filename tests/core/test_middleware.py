"""The HTTP edge through the real app: security headers, gzip, CORS, body size limits and
trusted proxies, each on and off as configured."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import ValidationError
from sqlalchemy import select

from apfa.advice.history import HISTORY_WRITER
from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.middleware import CONSOLE_CSP, BodySizeLimitMiddleware
from apfa.main import create_app
from apfa.models import AdviceRequest
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from support import PASSWORD, bearer, login

ORIGIN = "https://console.example"
PROXY = ("10.1.2.3", 41000)
STRANGER = ("203.0.113.7", 41000)
LIMIT = 2048
Serve = Callable[..., AbstractAsyncContextManager[FastAPI]]


def _add_probe_routes(app: FastAPI) -> None:
    async def page() -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>console</title>")

    async def events() -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            for i in range(40):
                yield f"event: delta\ndata: {'x' * 60} {i}\n\n".encode()

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def upload(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    app.add_api_route("/_probe/page", page, methods=["GET"])
    app.add_api_route("/_probe/events", events, methods=["GET"])
    app.add_api_route("/api/v1/documents/_probe", upload, methods=["POST"])


@pytest.fixture
def serve(isolated_settings: Settings, embedder: SentenceTransformerEmbedder) -> Serve:
    """Builds an app on a fresh database with some settings changed; yields it running."""

    @asynccontextmanager
    async def running(**updates: Any) -> AsyncIterator[FastAPI]:
        application = create_app(isolated_settings.model_copy(update=updates), embedder=embedder)
        _add_probe_routes(application)
        async with application.router.lifespan_context(application):
            yield application

    return running


@asynccontextmanager
async def client_for(
    app: FastAPI, peer: tuple[str, int] = ("127.0.0.1", 5000), base_url: str = "http://apfa.test"
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=peer)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        yield http


EDGE: dict[str, Any] = {
    "cors_origins": [ORIGIN],
    "cors_allow_credentials": True,
    "trusted_proxies": ["10.0.0.0/8"],
    "max_body_bytes": LIMIT,
    "max_upload_bytes": 10 * LIMIT,
}


@pytest.fixture
async def edge(serve: Serve) -> AsyncIterator[FastAPI]:
    async with serve(**EDGE) as app:
        yield app


async def test_security_headers_on_every_response(edge: FastAPI) -> None:
    async with client_for(edge) as http:
        responses = [
            await http.get("/health"),
            await http.get("/nowhere"),
            await http.get("/api/v1/users/me"),
        ]
        page = await http.get("/_probe/page")
        docs = await http.get("/docs")
    assert [r.status_code for r in responses] == [200, 404, 401]
    for response in [*responses, page, docs]:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in response.headers
        assert response.headers["x-request-id"]
    assert all("content-security-policy" not in r.headers for r in responses)
    assert page.headers["content-security-policy"] == CONSOLE_CSP
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]


async def test_hsts_only_over_tls_or_when_configured(edge: FastAPI, serve: Serve) -> None:
    async with client_for(edge, base_url="https://apfa.test") as https:
        assert "max-age=" in (await https.get("/health")).headers["strict-transport-security"]
    async with client_for(edge, peer=PROXY) as proxied:
        forwarded = await proxied.get("/health", headers={"X-Forwarded-Proto": "https"})
    async with client_for(edge, peer=STRANGER) as direct:
        spoofed = await direct.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" in forwarded.headers
    assert "strict-transport-security" not in spoofed.headers
    async with serve(hsts=True) as forced, client_for(forced) as http:
        assert "strict-transport-security" in (await http.get("/health")).headers


async def test_gzip_for_large_responses_only(edge: FastAPI) -> None:
    async with client_for(edge) as http:
        large = await http.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
        small = await http.get("/health", headers={"Accept-Encoding": "gzip"})
        stream = await http.get("/_probe/events", headers={"Accept-Encoding": "gzip"})
        plain = await http.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert large.headers["content-encoding"] == "gzip"
    assert int(large.headers["content-length"]) < len(large.content)
    assert large.json()["info"]["title"] == "APFA"
    assert "x-request-id" in large.headers
    assert "content-encoding" not in small.headers
    assert len(stream.content) > 1024
    assert "content-encoding" not in stream.headers
    assert "content-encoding" not in plain.headers


async def test_cors_preflight_allowed_for_configured_origin(edge: FastAPI) -> None:
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    async with client_for(edge) as http:
        allowed = await http.options("/api/v1/advice", headers=preflight)
        refused = await http.options(
            "/api/v1/advice", headers={**preflight, "Origin": "https://evil.example"}
        )
        simple = await http.get("/health", headers={"Origin": ORIGIN})
        foreign = await http.get("/health", headers={"Origin": "https://evil.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert allowed.headers["x-request-id"]
    assert allowed.headers["x-content-type-options"] == "nosniff"
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert refused.headers["x-request-id"]
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    assert "X-RateLimit-Remaining" in simple.headers["access-control-expose-headers"]
    assert "access-control-allow-origin" not in foreign.headers


async def test_no_cors_headers_unless_configured(serve: Serve) -> None:
    async with serve() as app, client_for(app) as http:
        simple = await http.get("/health", headers={"Origin": ORIGIN})
        preflight = await http.options(
            "/api/v1/advice",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        )
    assert "access-control-allow-origin" not in simple.headers
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code == 405


async def test_wildcard_origin_never_with_credentials(serve: Serve) -> None:
    async with serve(cors_origins=["*"]) as app, client_for(app) as http:
        response = await http.get("/health", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    with pytest.raises(ValidationError, match="may not contain"):
        Settings(_env_file=None, cors_origins="*", cors_allow_credentials=True)
    with pytest.raises(ValueError, match="may not contain"):
        async with serve(cors_origins=["*"], cors_allow_credentials=True):
            pass


def test_lists_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APFA_CORS_ORIGINS", "https://a.example/, https://b.example")
    monkeypatch.setenv("APFA_TRUSTED_PROXIES", '["10.0.0.0/8", "2001:db8::1"]')
    loaded = Settings(_env_file=None)
    assert loaded.cors_origins == ["https://a.example", "https://b.example"]
    assert loaded.trusted_proxies == ["10.0.0.0/8", "2001:db8::1"]
    monkeypatch.setenv("APFA_TRUSTED_PROXIES", "not-an-address")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


async def _advice_rows(app: FastAPI) -> int:
    await HISTORY_WRITER.of(app).flush()
    async with SESSIONMAKER.of(app)() as session:
        return len((await session.scalars(select(AdviceRequest.id))).all())


async def _token(app: FastAPI, http: httpx.AsyncClient, role: Role = Role.USER) -> str:
    name = f"edge-{uuid.uuid4().hex[:10]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, name, PASSWORD, role)
    return await login(http, name)


def _padded_advice(size: int) -> bytes:
    """A valid LoanQuery of ``size`` bytes: JSON allows any amount of whitespace."""
    body = json.dumps({"query": "How much house can I afford on $85k a year?"})
    return body[:-1].encode() + b" " * (size - len(body)) + b"}"


async def _chunks(data: bytes, size: int = 512) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_oversized_bodies_get_413_and_write_nothing(edge: FastAPI) -> None:
    async with client_for(edge) as http:
        token = await _token(edge, http)
        headers = {**bearer(token), "Content-Type": "application/json"}
        fits = await http.post("/api/v1/advice", content=_padded_advice(LIMIT), headers=headers)
        assert fits.status_code == 200, fits.text
        before = await _advice_rows(edge)
        big = _padded_advice(LIMIT + 500)
        honest = await http.post("/api/v1/advice", content=big, headers=headers)
        chunked = await http.post("/api/v1/advice", content=_chunks(big), headers=headers)
        lying = await http.post(
            "/api/v1/advice",
            content=_chunks(big),
            headers={**headers, "Content-Length": "100"},
        )
        assert await _advice_rows(edge) == before
    assert "content-length" not in chunked.request.headers
    for response in (honest, chunked, lying):
        assert response.status_code == 413, response.text
        body = response.json()
        assert body["error"] == "payload_too_large"
        assert str(LIMIT) in body["detail"]
        assert body["request_id"] == response.headers["x-request-id"]
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_upload_paths_have_their_own_limit(edge: FastAPI) -> None:
    big = b"x" * (LIMIT * 3)
    async with client_for(edge) as http:
        upload = await http.post("/api/v1/documents/_probe", content=_chunks(big))
        huge = await http.post("/api/v1/documents/_probe", content=b"x" * (LIMIT * 11))
    assert upload.status_code == 200
    assert upload.json() == {"received": len(big)}
    assert huge.status_code == 413
    limiter = BodySizeLimitMiddleware(edge, limit=1, overrides={"/api/v1/documents": 9})
    assert limiter.limit_for("/api/v1/documents") == 9
    assert limiter.limit_for("/api/v1/documents/abc") == 9
    assert limiter.limit_for("/api/v1/documentsX") == 1
