"""Lockout, enumeration resistance and the per-IP limit on /token."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.main import create_app
from apfa.models import LoginThrottle
from apfa.models.base import utcnow
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from support import PASSWORD


async def _user(app: FastAPI) -> str:
    name = f"lock-{uuid.uuid4().hex[:10]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, name, PASSWORD, Role.USER)
    return name


async def _login(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await client.post("/token", json={"username": name, "password": password})


async def test_five_failures_lock_the_account(app: FastAPI, client: httpx.AsyncClient) -> None:
    name = await _user(app)
    for _ in range(5):
        assert (await _login(client, name, "wrong password!!")).status_code == 401
    locked = await _login(client, name, PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60 + 1
    assert locked.json()["error"] == "rate_limited"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await session.execute(update(LoginThrottle).values(locked_until=utcnow()))
    assert (await _login(client, name, PASSWORD)).status_code == 200


@asynccontextmanager
async def _from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 4242))
    async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
        yield http


async def test_a_flood_from_one_client_does_not_lock_out_another(app: FastAPI) -> None:
    name = await _user(app)
    async with _from(app, "198.51.100.20") as attacker, _from(app, "198.51.100.21") as owner:
        statuses = [
            (await _login(attacker, name, "wrong password!!")).status_code for _ in range(7)
        ]
        assert statuses == [401] * 5 + [429] * 2
        # The attacker's own pair stays locked, even with the right password...
        assert (await _login(attacker, name, PASSWORD)).status_code == 429
        # ...while the owner, elsewhere, is not locked out.
        assert (await _login(owner, name, PASSWORD)).status_code == 200


async def test_variants_of_a_name_count_against_the_same_user(app: FastAPI) -> None:
    name = await _user(app)
    variants = [name.upper(), f" {name} ", name.title(), f"{name}\t", name]
    async with _from(app, "198.51.100.30") as attacker, _from(app, "198.51.100.31") as owner:
        for variant in variants:
            assert (await _login(attacker, variant, "wrong password!!")).status_code == 401
        assert (await _login(attacker, name, PASSWORD)).status_code == 429
        assert (await _login(attacker, name.upper(), "wrong password!!")).status_code == 429
        assert (await _login(owner, name, PASSWORD)).status_code == 200


async def test_failures_spread_over_many_clients_back_off_the_account(app: FastAPI) -> None:
    name = await _user(app)
    for n in range(4):  # 4 clients x 5 failures: the account threshold of 20
        async with _from(app, f"198.51.100.{40 + n}") as guesser:
            for _ in range(5):
                assert (await _login(guesser, name, "wrong password!!")).status_code == 401
    async with _from(app, "198.51.100.50") as owner:
        refused = await _login(owner, name, PASSWORD)
        assert refused.status_code == 429
        # A backoff of seconds, not the 15-minute lock one client earns.
        assert 0 < int(refused.headers["retry-after"]) <= 61
        async with session_scope(SESSIONMAKER.of(app)) as session:
            await session.execute(update(LoginThrottle).values(locked_until=utcnow()))
        assert (await _login(owner, name, PASSWORD)).status_code == 200


async def test_success_resets_the_failure_count(app: FastAPI, client: httpx.AsyncClient) -> None:
    name = await _user(app)
    for _ in range(4):
        await _login(client, name, "wrong password!!")
    assert (await _login(client, name, PASSWORD)).status_code == 200
    for _ in range(4):
        assert (await _login(client, name, "wrong password!!")).status_code == 401
    assert (await _login(client, name, PASSWORD)).status_code == 200


async def test_unknown_usernames_lock_too(client: httpx.AsyncClient) -> None:
    ghost = f"ghost-{uuid.uuid4().hex[:10]}"
    statuses = [(await _login(client, ghost, "whatever pass")).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


async def test_unknown_user_and_wrong_password_are_indistinguishable(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    name = await _user(app)

    async def timed(username: str) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = await _login(client, username, "not the password")
        return time.perf_counter() - started, response

    known, unknown = [], []
    for _ in range(4):
        seconds, wrong = await timed(name)
        known.append(seconds)
        seconds, ghost = await timed(f"nobody-{uuid.uuid4().hex[:8]}")
        unknown.append(seconds)
        assert wrong.status_code == ghost.status_code == 401
        assert wrong.json()["detail"] == ghost.json()["detail"]
        assert wrong.json()["error"] == ghost.json()["error"]
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.5 < ratio < 2.0, (known, unknown)


@pytest.fixture
async def limited_client(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[httpx.AsyncClient]:
    settings = isolated_settings.model_copy(update={"rate_limit_token": "3/minute"})
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 4242))
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield http


async def test_token_is_rate_limited_per_client_ip(limited_client: httpx.AsyncClient) -> None:
    responses = [await _login(limited_client, "anyone", "whatever pass") for _ in range(4)]
    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    assert responses[0].headers["x-ratelimit-limit"] == "3"
    assert responses[2].headers["x-ratelimit-remaining"] == "0"
    assert int(responses[3].headers["retry-after"]) > 0
