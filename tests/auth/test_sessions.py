"""Refresh rotation, reuse detection, the concurrent-refresh race, logout and revoke-all,
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from apfa.auth.permissions import Role
from apfa.auth.sessions import hash_token
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.models import AuditLog, AuthSession, RefreshToken
from apfa.users.service import create_user
from support import PASSWORD, bearer


@pytest.fixture
async def account(app: FastAPI) -> str:
    name = f"sess-{uuid.uuid4().hex[:10]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, name, PASSWORD, Role.USER)
    return name


async def pair(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    response = await client.post("/token", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/token/refresh", json={"refresh_token": token})


async def me(client: httpx.AsyncClient, access: str) -> int:
    return (await client.get("/api/v1/users/me", headers=bearer(access))).status_code


async def test_login_returns_a_pair_and_stores_only_a_hash(
    app: FastAPI, client: httpx.AsyncClient, account: str
) -> None:
    tokens = await pair(client, account)
    assert len(tokens["refresh_token"]) >= 43
    async with SESSIONMAKER.of(app)() as session:
        rows = (await session.execute(select(RefreshToken.token_hash))).scalars().all()
    assert hash_token(tokens["refresh_token"]) in rows
    assert tokens["refresh_token"] not in rows


async def test_refresh_rotates_and_the_old_token_dies(
    client: httpx.AsyncClient, account: str
) -> None:
    first = await pair(client, account)
    rotated = await refresh(client, first["refresh_token"])
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert await me(client, second["access_token"]) == 200
    assert (await refresh(client, second["refresh_token"])).status_code == 200


async def test_reusing_a_dead_token_revokes_the_whole_session(
    client: httpx.AsyncClient, account: str
) -> None:
    first = await pair(client, account)
    second = (await refresh(client, first["refresh_token"])).json()
    reuse = await refresh(client, first["refresh_token"])
    assert reuse.status_code == 401
    assert reuse.json()["error"] == "not_authenticated"
    assert (await refresh(client, second["refresh_token"])).status_code == 401
    assert await me(client, second["access_token"]) == 401
    assert await me(client, first["access_token"]) == 401
    other_login = await pair(client, account)
    assert await me(client, other_login["access_token"]) == 200


async def test_twenty_concurrent_refreshes_exactly_one_succeeds(
    app: FastAPI, client: httpx.AsyncClient, account: str
) -> None:
    tokens = await pair(client, account)
    results = await asyncio.gather(*(refresh(client, tokens["refresh_token"]) for _ in range(20)))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) == 1
    assert statuses.count(401) == 19
    async with SESSIONMAKER.of(app)() as session:
        login = (
            await session.execute(
                select(AuthSession)
                .join(RefreshToken, RefreshToken.session_id == AuthSession.id)
                .where(RefreshToken.token_hash == hash_token(tokens["refresh_token"]))
            )
        ).scalar_one()
    assert login.revoked_reason == "refresh_token_reuse"


@pytest.mark.parametrize("garbage", ["", "x" * 513, "not-a-token"])
async def test_bad_refresh_tokens(client: httpx.AsyncClient, garbage: str) -> None:
    response = await refresh(client, garbage)
    assert response.status_code in {401, 422}


async def test_access_token_is_not_a_refresh_token(client: httpx.AsyncClient, account: str) -> None:
    tokens = await pair(client, account)
    assert (await refresh(client, tokens["access_token"])).status_code == 401


@pytest.mark.parametrize("path", ["/logout", "/token/revoke"])
async def test_logout_ends_the_session_and_the_access_token(
    client: httpx.AsyncClient, account: str, path: str
) -> None:
    tokens = await pair(client, account)
    other = await pair(client, account)
    response = await client.post(
        path,
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 204
    assert await me(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 401
    assert await me(client, other["access_token"]) == 200


async def test_logout_needs_some_credential(client: httpx.AsyncClient) -> None:
    assert (await client.post("/logout")).status_code == 401


@pytest.mark.parametrize("path", ["/logout", "/token/revoke"])
async def test_logout_with_the_access_token_alone_ends_its_session(
    client: httpx.AsyncClient, account: str, path: str
) -> None:
    tokens = await pair(client, account)
    other = await pair(client, account)
    assert (await client.post(path, headers=bearer(tokens["access_token"]))).status_code == 204
    assert await me(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 401
    assert await me(client, other["access_token"]) == 200
    assert (await refresh(client, other["refresh_token"])).status_code == 200


async def logout_rows(app: FastAPI) -> int:
    async with SESSIONMAKER.of(app)() as session:
        query = select(func.count()).where(AuditLog.action == "logout")
        return int((await session.execute(query)).scalar_one())


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"headers": bearer("garbage")},
        {"headers": bearer("a.b.c")},
        {"json": {"refresh_token": "unknown-refresh-token"}},
        {"json": {"refresh_token": "unknown"}, "headers": bearer("garbage")},
    ],
)
async def test_logout_with_invalid_credentials_is_401_and_records_no_logout(
    app: FastAPI, client: httpx.AsyncClient, request_kwargs: dict[str, Any]
) -> None:
    before = await logout_rows(app)
    response = await client.post("/logout", **request_kwargs)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert await logout_rows(app) == before


async def test_logout_with_a_dead_access_token_but_a_live_refresh_token_ends_the_session(
    client: httpx.AsyncClient, account: str
) -> None:
    tokens = await pair(client, account)
    response = await client.post(
        "/logout", json={"refresh_token": tokens["refresh_token"]}, headers=bearer("expired")
    )
    assert response.status_code == 204
    assert await me(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 401


async def test_logging_out_twice_is_refused_the_second_time(
    client: httpx.AsyncClient, account: str
) -> None:
    tokens = await pair(client, account)
    assert (await client.post("/logout", headers=bearer(tokens["access_token"]))).status_code == 204
    assert (await client.post("/logout", headers=bearer(tokens["access_token"]))).status_code == 401


async def test_revoke_all_ends_every_session(client: httpx.AsyncClient, account: str) -> None:
    logins = [await pair(client, account) for _ in range(3)]
    response = await client.post("/token/revoke-all", headers=bearer(logins[0]["access_token"]))
    assert response.status_code == 204
    for tokens in logins:
        assert await me(client, tokens["access_token"]) == 401
        assert (await refresh(client, tokens["refresh_token"])).status_code == 401
    fresh = await pair(client, account)
    assert await me(client, fresh["access_token"]) == 200
