"""Trusted proxies: ``X-Forwarded-For`` decides the client address (audit rows, rate-limit
keys) only when the direct peer is a configured proxy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER
from apfa.core.proxies import TrustedProxies
from apfa.main import create_app
from apfa.models import AuditLog
from apfa.providers.embeddings import SentenceTransformerEmbedder

PROXY = ("10.1.2.3", 41000)
STRANGER = ("203.0.113.7", 41000)


@pytest.fixture
async def edge(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[FastAPI]:
    settings = isolated_settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        yield application


def client_for(app: FastAPI, peer: tuple[str, int]) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=peer)
    return httpx.AsyncClient(transport=transport, base_url="http://apfa.test")


async def _login_audit_ip(app: FastAPI, http: httpx.AsyncClient, forwarded: str) -> str | None:
    name = f"ghost-{uuid.uuid4().hex[:10]}"
    response = await http.post(
        "/token",
        json={"username": name, "password": "not the password"},
        headers={"X-Forwarded-For": forwarded},
    )
    assert response.status_code == 401
    async with SESSIONMAKER.of(app)() as session:
        rows = (await session.scalars(select(AuditLog).where(AuditLog.action == "login"))).all()
    ips: list[str | None] = [r.client_ip for r in rows if r.details.get("username") == name]
    assert len(ips) == 1
    return ips[0]


async def test_forwarded_for_is_honoured_only_from_a_trusted_proxy(edge: FastAPI) -> None:
    async with client_for(edge, peer=PROXY) as proxied:
        assert await _login_audit_ip(edge, proxied, "198.51.100.9") == "198.51.100.9"
        # A client-supplied entry to the left of the real one is ignored.
        assert await _login_audit_ip(edge, proxied, "6.6.6.6, 198.51.100.9") == "198.51.100.9"
        assert await _login_audit_ip(edge, proxied, "198.51.100.9, 10.9.9.9") == "198.51.100.9"
    async with client_for(edge, peer=STRANGER) as direct:
        assert await _login_audit_ip(edge, direct, "198.51.100.9") == STRANGER[0]


async def test_rate_limit_key_is_the_forwarded_address(edge: FastAPI) -> None:
    async def remaining(http: httpx.AsyncClient, forwarded: str) -> int:
        response = await http.post(
            "/token",
            json={"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "not the pass"},
            headers={"X-Forwarded-For": forwarded},
        )
        return int(response.headers["x-ratelimit-remaining"])

    async with client_for(edge, peer=PROXY) as proxied, client_for(edge, STRANGER) as direct:
        first = await remaining(proxied, "198.51.100.20")
        assert await remaining(proxied, "198.51.100.21") == first
        assert await remaining(proxied, "198.51.100.20") == first - 1
        spoofing = await remaining(direct, "198.51.100.20")
        assert await remaining(direct, "198.51.100.21") == spoofing - 1


def test_forwarded_chain_parsing() -> None:
    proxies = TrustedProxies(["10.0.0.0/8", "2001:db8::/32"])
    assert proxies.trusts("10.0.0.1")
    assert not proxies.trusts("11.0.0.1")
    assert not proxies.trusts("garbage")
    assert proxies.client_from("10.0.0.1", "1.2.3.4") == "1.2.3.4"
    assert proxies.client_from("10.0.0.1", "1.2.3.4, 10.0.0.2") == "1.2.3.4"
    assert proxies.client_from("10.0.0.1", "10.0.0.3, 10.0.0.2") == "10.0.0.3"
    assert proxies.client_from("10.0.0.1", "1.2.3.4, not-an-ip, 10.0.0.2") == "10.0.0.2"
    assert proxies.client_from("10.0.0.1", "2001:db8::5, 2001:db9::1") == "2001:db9::1"
