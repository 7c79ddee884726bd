"""Connecting to /ws/socket.io over a real server: tokens, roles, rooms, origins, limits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import socketio
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.auth.tokens import TOKENS, TokenService
from apfa.core.config import SETTINGS
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.secrets import jwt_keyring
from apfa.events.sink import INDEX_ROOM, METRICS_ROOM, TASKS_ROOM
from apfa.realtime.server import MSGPACK_PATH, REALTIME
from apfa.users.service import create_user
from realtime_support import Client, eventually, serving
from support import PASSWORD, login


@pytest.fixture(scope="module")
async def url(app: FastAPI) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.close()


def new_client(clients: list[Client], serializer: str = "default") -> Client:
    client = Client(serializer)
    clients.append(client)
    return client


async def refused(client: Client, url: str, token: str | None) -> str:
    """Connects, expecting a refusal; returns the server's message."""
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(url, token)
    assert client.connect_errors, "the server gave no reason"
    error = client.connect_errors[-1]
    return str(error["message"] if isinstance(error, dict) else error)


async def test_missing_token_is_refused(url: str, clients: list[Client]) -> None:
    message = await refused(new_client(clients), url, None)
    assert "authentication required" in message


async def test_garbage_token_is_refused(url: str, clients: list[Client]) -> None:
    message = await refused(new_client(clients), url, "not-a-jwt")
    assert message == "invalid or expired access token"


async def test_expired_token_is_refused(
    app: FastAPI, url: str, tokens: dict[Role, str], clients: list[Client]
) -> None:
    settings = SETTINGS.of(app)
    keys, kid = jwt_keyring(settings)
    expired = TokenService(
        keys,
        kid,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=timedelta(minutes=-5),
    )
    claims = TOKENS.of(app).decode_access(tokens[Role.ADMIN])
    token = expired.issue_access(
        subject=claims.subject, role="admin", session_id=claims.session_id
    ).token
    message = await refused(new_client(clients), url, token)
    assert message == "invalid or expired access token"


async def test_user_role_sees_no_room_and_is_refused(
    url: str, tokens: dict[Role, str], clients: list[Client]
) -> None:
    message = await refused(new_client(clients), url, tokens[Role.USER])
    assert message.startswith("forbidden")


async def test_rooms_follow_permissions(
    url: str, tokens: dict[Role, str], clients: list[Client]
) -> None:
    advisor = new_client(clients)
    await advisor.connect(url, tokens[Role.FINANCIAL_ADVISOR])
    assert await advisor.subscribe(METRICS_ROOM) == {"ok": True}
    denied = await advisor.subscribe(TASKS_ROOM)
    assert denied["ok"] is False
    assert "admin:celery:view" in denied["error"]
    assert (await advisor.subscribe(INDEX_ROOM))["ok"] is False

    admin = new_client(clients)
    await admin.connect(url, tokens[Role.ADMIN])
    for room in (TASKS_ROOM, INDEX_ROOM, METRICS_ROOM):
        assert await admin.subscribe(room) == {"ok": True}
    unknown = await admin.subscribe("secrets")
    assert unknown["ok"] is False
    assert "unknown room" in unknown["error"]
    bad_since = await admin.sio.call("subscribe", {"room": TASKS_ROOM, "since": "x"}, timeout=5)
    assert bad_since["ok"] is False
    assert await admin.unsubscribe(TASKS_ROOM) == {"ok": True}


async def test_foreign_origin_is_refused_own_and_configured_accepted(
    url: str, tokens: dict[Role, str], clients: list[Client]
) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await new_client(clients).connect(
            url, tokens[Role.ADMIN], headers={"Origin": "https://evil.example"}
        )
    same = new_client(clients)
    await same.connect(url, tokens[Role.ADMIN], headers={"Origin": url})
    assert same.sio.connected


async def test_sixth_connection_of_a_user_is_refused(
    app: FastAPI, url: str, client: httpx.AsyncClient, clients: list[Client]
) -> None:
    name = f"ws-limit-{uuid.uuid4().hex[:10]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, name, PASSWORD, Role.ADMIN)
    token = await login(client, name)
    limit = SETTINGS.of(app).ws_max_connections_per_user
    assert limit == 5
    held = [new_client(clients) for _ in range(limit)]
    for each in held:
        await each.connect(url, token)
    message = await refused(new_client(clients), url, token)
    assert "too many connections" in message
    gone = held[0].sio.get_sid()
    await held[0].close()
    registry = REALTIME.of(app).gateway.registry
    await eventually(lambda: gone not in registry.connections, 2)
    again = new_client(clients)
    await again.connect(url, token)
    assert again.sio.connected


async def test_messagepack_path_and_polling_transport(
    url: str, tokens: dict[Role, str], clients: list[Client]
) -> None:
    packed = new_client(clients, serializer="msgpack")
    await packed.connect(url, tokens[Role.ADMIN], path=MSGPACK_PATH)
    assert await packed.subscribe(TASKS_ROOM) == {"ok": True}
    polling = new_client(clients)
    await polling.connect(url, tokens[Role.ADMIN], transports=["polling"])
    assert await polling.subscribe(METRICS_ROOM) == {"ok": True}
