"""Abuse limits beyond login and advice: token refresh per client address, uploads and
knowledge-base searches per user, Socket.IO connection attempts per address (all with
``Retry-After``), and refused requests (403) recorded in the audit log, one event per user
and route a minute. Conversation messages count against the advice limit
(tests/conversations/test_limits.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import socketio
from fastapi import FastAPI
from sqlalchemy import select

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.main import create_app
from apfa.models import AuditLog
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from realtime_support import Client, serving
from support import PASSWORD, bearer, login

ADDRESS = ("203.0.113.9", 4321)


@pytest.fixture
async def limited(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = isolated_settings.model_copy(
        update={
            "rate_limit_refresh": "2/minute",
            "rate_limit_upload": "1/minute",
            "rate_limit_search": "2/minute",
            "rate_limit_ws_connect": "2/minute",
        }
    )
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=ADDRESS)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield application, http


async def _token(app: FastAPI, http: httpx.AsyncClient, role: Role) -> tuple[int, str]:
    name = f"abuse-{uuid.uuid4().hex[:10]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        user_id = (await create_user(session, name, PASSWORD, role)).id
    return user_id, await login(http, name)


def _refused_with_retry_after(responses: list[httpx.Response]) -> None:
    assert responses[-1].status_code == 429, responses[-1].text
    assert int(responses[-1].headers["retry-after"]) > 0
    assert responses[-1].json()["error"] == "rate_limited"


async def test_token_refresh_is_limited_per_client_address(
    limited: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, http = limited
    body = {"refresh_token": "not-a-refresh-token"}
    responses = [await http.post("/token/refresh", json=body) for _ in range(3)]
    assert [r.status_code for r in responses[:2]] == [401, 401]
    _refused_with_retry_after(responses)


async def test_uploads_are_limited_per_user(limited: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = limited
    _, token = await _token(app, http, Role.ADMIN)
    _, other = await _token(app, http, Role.ADMIN)
    not_multipart = {**bearer(token), "Content-Type": "text/plain"}
    first = await http.post("/api/v1/documents", content=b"x", headers=not_multipart)
    assert first.status_code == 415  # counted although refused for its content
    second = await http.post("/api/v1/documents", content=b"x", headers=not_multipart)
    _refused_with_retry_after([second])
    # another user has a window of their own
    theirs = {**bearer(other), "Content-Type": "text/plain"}
    assert (await http.post("/api/v1/documents", content=b"x", headers=theirs)).status_code == 415


async def test_knowledge_base_searches_are_limited_per_user(
    limited: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = limited
    _, token = await _token(app, http, Role.ADMIN)
    responses = [
        await http.get("/api/v1/kb/search", params={"q": "pmi"}, headers=bearer(token))
        for _ in range(3)
    ]
    assert [r.status_code for r in responses[:2]] == [200, 200]
    assert responses[0].headers["x-ratelimit-limit"] == "2"
    _refused_with_retry_after(responses)


async def test_refused_requests_are_audited_once_per_user_and_route_a_minute(
    limited: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = limited
    user_id, token = await _token(app, http, Role.USER)
    for _ in range(3):
        response = await http.get("/api/v1/kb/search", params={"q": "x"}, headers=bearer(token))
        assert response.status_code == 403
    other = await http.get("/api/v1/documents", headers=bearer(token))
    assert other.status_code == 403
    async with SESSIONMAKER.of(app)() as session:
        rows = (
            await session.scalars(
                select(AuditLog).where(
                    AuditLog.action == "access_denied", AuditLog.actor_id == user_id
                )
            )
        ).all()
    assert sorted(row.target_id or "" for row in rows) == [
        "GET /api/v1/documents",
        "GET /api/v1/kb/search",
    ]
    search = next(row for row in rows if row.target_id == "GET /api/v1/kb/search")
    assert search.outcome == "denied"
    assert search.client_ip == ADDRESS[0]
    assert search.details == {"permission": "admin:index:manage", "role": "user"}


async def test_socket_connection_attempts_are_limited_per_address(
    limited: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, _ = limited
    async with serving(app) as url:
        messages = []
        for _ in range(3):
            client = Client()
            try:
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await client.connect(url, "not-a-jwt")
                error = client.connect_errors[-1]
                messages.append(str(error["message"] if isinstance(error, dict) else error))
            finally:
                await client.close()
    assert messages[:2] == ["invalid or expired access token"] * 2
    assert messages[2].startswith("too many connection attempts")
