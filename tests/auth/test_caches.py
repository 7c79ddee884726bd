"""The verified-token and principal caches must never outlive what they cache."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.auth.principals import PrincipalCache
from apfa.auth.service import get_by_username
from apfa.auth.tokens import InvalidToken, TokenService
from apfa.core.db import SESSIONMAKER, session_scope

SECRET = "unit-test-secret-" + "k" * 40


def test_cached_token_still_expires() -> None:
    service = TokenService(
        {"k1": SECRET}, "k1", issuer="apfa", audience="apfa-api", ttl=timedelta(seconds=1)
    )
    issued = service.issue_access(subject="7", role="user", session_id="s1")
    assert service.decode_access(issued.token).subject == "7"
    cached = service._verified[issued.token]
    service._verified[issued.token] = replace(
        cached, expires_at=cached.expires_at - timedelta(seconds=2)
    )
    with pytest.raises(InvalidToken):
        service.decode_access(issued.token)


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenService({"k": "short"}, "k", issuer="i", audience="a", ttl=timedelta(minutes=1))


async def _toggle_active(app: FastAPI, username: str, active: bool) -> int:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        user = await get_by_username(session, username)
        assert user is not None
        user.is_active = active
        return user.id


async def test_principal_cache_serves_until_forgotten(app: FastAPI, users: dict[Role, str]) -> None:
    cache = PrincipalCache(ttl_seconds=60)
    maker = SESSIONMAKER.of(app)
    user_id = await _toggle_active(app, users[Role.USER], True)
    assert (await cache.resolve(maker, user_id)) is not None
    await _toggle_active(app, users[Role.USER], False)
    try:
        assert (await cache.resolve(maker, user_id)) is not None
        cache.forget(user_id)
        assert (await cache.resolve(maker, user_id)) is None
    finally:
        await _toggle_active(app, users[Role.USER], True)


async def test_zero_ttl_reads_the_database_every_time(app: FastAPI, users: dict[Role, str]) -> None:
    cache = PrincipalCache(ttl_seconds=0)
    maker = SESSIONMAKER.of(app)
    user_id = await _toggle_active(app, users[Role.USER], True)
    assert (await cache.resolve(maker, user_id)) is not None
    await _toggle_active(app, users[Role.USER], False)
    try:
        assert (await cache.resolve(maker, user_id)) is None
    finally:
        await _toggle_active(app, users[Role.USER], True)
    assert (await cache.resolve(maker, 10**9)) is None
