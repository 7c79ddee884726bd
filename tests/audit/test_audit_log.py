"""The audit log through the real app, on SQLite and PostgreSQL: who may read it, which
events land in it and with what, its filters and pages, that it refuses UPDATE and DELETE,
and that it never holds a password or a token."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from apfa.auth.permissions import Role
from apfa.core.db import ENGINE, SESSIONMAKER, session_scope
from apfa.models import AuditLog
from apfa.users.service import create_user
from support import PASSWORD, bearer, login

LOCAL_IP = "127.0.0.1"  # httpx's ASGI transport reports this client address
FIELDS = {column.name for column in AuditLog.__table__.columns}
LOGS = "/api/v1/audit-logs"
Client = httpx.AsyncClient
Tokens = dict[Role, str]


def request_id() -> str:
    return f"audit-test-{uuid.uuid4().hex}"


def traced(rid: str | None, token: str | None = None) -> dict[str, str]:
    return {**({"X-Request-ID": rid} if rid else {}), **(bearer(token) if token else {})}


async def new_user(app: FastAPI, password: str = PASSWORD) -> tuple[str, int]:
    name = f"audit-{uuid.uuid4().hex[:12]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        user = await create_user(session, name, password, Role.USER)
        return name, user.id


async def post_token(
    client: Client, name: str, password: str = PASSWORD, rid: str | None = None
) -> httpx.Response:
    body = {"username": name, "password": password}
    return await client.post("/token", json=body, headers=traced(rid))


async def token_pair(client: Client, name: str, password: str = PASSWORD) -> Any:
    response = await post_token(client, name, password)
    assert response.status_code == 200, response.text
    return response.json()


async def read_log(client: Client, tokens: Tokens, **params: Any) -> Any:
    response = await client.get(LOGS, params=params, headers=bearer(tokens[Role.SUPER_ADMIN]))
    assert response.status_code == 200, response.text
    return response.json()


async def items(client: Client, tokens: Tokens, **params: Any) -> Any:
    return (await read_log(client, tokens, **params))["items"]


async def assert_recorded(
    client: Client, tokens: Tokens, rid: str, action: str, **expected: Any
) -> dict[str, Any]:
    """Exactly one ``action`` event carries request id ``rid``, from this client, as expected."""
    found = await items(client, tokens, action=action, limit=500)
    rows = [r for r in found if r["request_id"] == rid]
    assert len(rows) == 1, rows
    row: dict[str, Any] = rows[0]
    assert set(row) == FIELDS
    expected.setdefault("client_ip", LOCAL_IP)
    assert {key: row[key] for key in expected} == expected
    return row


def sid_of(access_token: str) -> str:
    return str(jwt.decode(access_token, options={"verify_signature": False})["sid"])


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 403), (Role.FINANCIAL_ADVISOR, 403), (Role.USER, 403), (None, 401)],
)
async def test_only_super_admin_may_read(
    client: Client, tokens: Tokens, role: Role | None, status: int
) -> None:
    response = await client.get(LOGS, headers=bearer(tokens[role]) if role else {})
    assert response.status_code == status
    assert response.json()["error"] == {403: "forbidden", 401: "not_authenticated"}[status]
    body = await read_log(client, tokens)
    assert set(body) == {"items", "next_cursor"}
    assert body["items"], "the session's own logins are in the log"
    assert all(set(item) == FIELDS for item in body["items"])


async def test_login_success_is_recorded(app: FastAPI, client: Client, tokens: Tokens) -> None:
    name, user_id = await new_user(app)
    rid = request_id()
    assert (await post_token(client, name, rid=rid)).status_code == 200
    want = dict(actor=name, actor_id=user_id, outcome="success")
    row = await assert_recorded(client, tokens, rid, "login", **want)
    assert datetime.fromisoformat(row["created_at"]).tzinfo is not None


@pytest.mark.parametrize("known", [True, False], ids=["wrong-password", "unknown-user"])
async def test_login_failure_is_recorded(
    app: FastAPI, client: Client, tokens: Tokens, known: bool
) -> None:
    name, user_id = await new_user(app) if known else (f"ghost-{uuid.uuid4().hex[:12]}", None)
    rid = request_id()
    assert (await post_token(client, name, "wrong-" + PASSWORD, rid)).status_code == 401
    # An existing account is named as the actor; arbitrary text stays in details only.
    actor = name if known else None
    want = dict(outcome="failure", details={"username": name}, actor=actor, actor_id=user_id)
    await assert_recorded(client, tokens, rid, "login", **want)


async def test_lockout_is_recorded(app: FastAPI, client: Client, tokens: Tokens) -> None:
    name, _ = await new_user(app)
    statuses, locking = [], ""
    for attempt in range(6):
        rid = request_id()
        response = await post_token(client, name, f"bad-{attempt}", rid)
        statuses.append(response.status_code)
        locking = rid if response.status_code == 401 else locking
    assert (statuses[0], statuses[-1]) == (401, 429)
    details = {"username": name, "scope": "client"}
    await assert_recorded(client, tokens, locking, "lockout", outcome="denied", details=details)
    rid = request_id()
    response = await post_token(client, name, PASSWORD, rid)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    details = {"username": name, "reason": "locked"}
    await assert_recorded(client, tokens, rid, "login", outcome="denied", details=details)


async def test_refresh_reuse_is_recorded(app: FastAPI, client: Client, tokens: Tokens) -> None:
    name, user_id = await new_user(app)
    pair = await token_pair(client, name)
    body = {"refresh_token": pair["refresh_token"]}
    first = await client.post("/token/refresh", json=body)
    assert first.status_code == 200, first.text
    rid = request_id()
    assert (await client.post("/token/refresh", json=body, headers=traced(rid))).status_code == 401
    sid = sid_of(pair["access_token"])
    want = dict(
        outcome="denied", actor=name, actor_id=user_id, target_type="session", target_id=sid
    )
    await assert_recorded(client, tokens, rid, "refresh_reuse", **want)
    rotated = {"refresh_token": first.json()["refresh_token"]}
    again = await client.post("/token/refresh", json=rotated)
    assert again.status_code == 401, "reuse revokes the whole family"


async def test_logout_is_recorded(app: FastAPI, client: Client, tokens: Tokens) -> None:
    name, user_id = await new_user(app)
    pair = await token_pair(client, name)
    rid = request_id()
    body = {"refresh_token": pair["refresh_token"]}
    response = await client.post("/logout", json=body, headers=traced(rid, pair["access_token"]))
    assert response.status_code == 204, response.text
    sid = sid_of(pair["access_token"])
    want = dict(
        outcome="success", actor=name, actor_id=user_id, target_type="session", target_id=sid
    )
    await assert_recorded(client, tokens, rid, "logout", **want)
    me = await client.get("/api/v1/users/me", headers=bearer(pair["access_token"]))
    assert me.status_code == 401


async def test_revoke_all_is_recorded(app: FastAPI, client: Client, tokens: Tokens) -> None:
    name, user_id = await new_user(app)
    access = await login(client, name)
    rid = request_id()
    response = await client.post("/token/revoke-all", headers=traced(rid, access))
    assert response.status_code == 204, response.text
    want = dict(actor=name, actor_id=user_id, outcome="success", target_type="user")
    await assert_recorded(client, tokens, rid, "revoke_all", target_id=str(user_id), **want)


async def test_filters_narrow_the_log(app: FastAPI, client: Client, tokens: Tokens) -> None:
    name, _ = await new_user(app)
    access = await login(client, name)
    assert (await client.post("/token/revoke-all", headers=bearer(access))).status_code == 204
    mine = await items(client, tokens, actor=name)
    assert [(r["action"], r["actor"]) for r in mine] == [("revoke_all", name), ("login", name)]
    assert await items(client, tokens, actor=name.upper()) == []

    first, second = (datetime.fromisoformat(r["created_at"]) for r in reversed(mine))
    assert first < second
    naive = second.astimezone(UTC).replace(tzinfo=None).isoformat()
    shifted = second.astimezone(timezone(timedelta(hours=2))).isoformat()
    for since in (second.isoformat(), naive, shifted):
        later = await items(client, tokens, actor=name, since=since)
        assert [r["action"] for r in later] == ["revoke_all"], since
        earlier = await items(client, tokens, actor=name, until=since)
        assert [r["action"] for r in earlier] == ["login"], since
    window = {"since": first.isoformat(), "until": (second + timedelta(seconds=1)).isoformat()}
    assert len(await items(client, tokens, actor=name, **window)) == 2
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await items(client, tokens, actor=name, since=future) == []

    failed = request_id()
    assert (await post_token(client, name, "nope", failed)).status_code == 401
    logins = await items(client, tokens, actor=name, action="login")
    assert [r["outcome"] for r in logins] == ["failure", "success"]
    failed_rows = await items(client, tokens, actor=name, outcome="failure")
    assert [r["request_id"] for r in failed_rows] == [failed]
    failures = await items(client, tokens, action="login", outcome="failure")
    assert {(r["action"], r["outcome"]) for r in failures} == {("login", "failure")}
    assert failed in {r["request_id"] for r in failures}


async def test_pages_walk_newest_first(app: FastAPI, client: Client, tokens: Tokens) -> None:
    name, _ = await new_user(app)
    for _ in range(3):
        await login(client, name)
    everything = await items(client, tokens, actor=name)
    assert len(everything) == 3
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"actor": name, "limit": 1}
    for _ in range(10):
        page = await read_log(client, tokens, **params)
        assert len(page["items"]) == 1
        seen.extend(page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    ids = [r["id"] for r in seen]
    assert ids == [r["id"] for r in everything]
    assert ids == sorted(set(ids), reverse=True)
    stamps = [datetime.fromisoformat(r["created_at"]) for r in seen]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"since": "not-a-date"},
        {"until": "2024-13-45T99:00:00"},
        {"outcome": "maybe"},
        {"cursor": "!!!"},
        {"limit": 0},
        {"limit": 501},
        {"since": "2024-02-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"},
    ],
)
async def test_malformed_queries_are_422(client: Client, tokens: Tokens, params: Any) -> None:
    response = await client.get(LOGS, params=params, headers=bearer(tokens[Role.SUPER_ADMIN]))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"


async def test_the_log_refuses_update_and_delete(app: FastAPI, client: Client) -> None:
    name, _ = await new_user(app)
    await login(client, name)
    async with SESSIONMAKER.of(app)() as session:
        before = (await session.scalars(select(AuditLog).where(AuditLog.actor == name))).one()
        snapshot = {column: getattr(before, column) for column in FIELDS}
    changes = [
        update(AuditLog).where(AuditLog.id == before.id).values(action="tampered", actor=None),
        delete(AuditLog).where(AuditLog.id == before.id),
    ]
    for statement in changes:
        with pytest.raises(DBAPIError, match="append-only"):
            async with ENGINE.of(app).begin() as connection:
                await connection.execute(statement)
    async with SESSIONMAKER.of(app)() as session:
        after = await session.get(AuditLog, before.id)
        assert after is not None
        assert {column: getattr(after, column) for column in FIELDS} == snapshot


async def test_no_secret_reaches_the_log(app: FastAPI, client: Client, tokens: Tokens) -> None:
    password, wrong = f"Secret-{uuid.uuid4().hex}", f"Wrong-{uuid.uuid4().hex}"
    name, _ = await new_user(app, password)
    pairs = [await token_pair(client, name, password) for _ in range(3)]
    dead = {"refresh_token": pairs[0]["refresh_token"]}
    rotated = await client.post("/token/refresh", json=dead)
    reused = await client.post("/token/refresh", json=dead)
    assert (rotated.status_code, reused.status_code) == (200, 401)
    body, access = {"refresh_token": pairs[1]["refresh_token"]}, pairs[1]["access_token"]
    assert (await client.post("/logout", json=body, headers=bearer(access))).status_code == 204
    revoke = await client.post("/token/revoke-all", headers=bearer(pairs[2]["access_token"]))
    assert revoke.status_code == 204
    for _ in range(6):
        await post_token(client, name, wrong)
    assert (await post_token(client, name, password)).status_code == 429
    issued = [*pairs, rotated.json()]
    secrets = [password, wrong, PASSWORD, *tokens.values()]
    secrets += [pair[kind] for pair in issued for kind in ("access_token", "refresh_token")]
    async with SESSIONMAKER.of(app)() as session:
        rows = (await session.scalars(select(AuditLog))).all()
    mine = [row for row in rows if name in (row.actor, row.details.get("username"))]
    assert {"login", "revoke_all", "lockout"} <= {row.action for row in mine}
    for row in rows:
        text = " ".join(str(getattr(row, column)) for column in sorted(FIELDS))
        assert not [secret for secret in secrets if secret in text], (row.id, row.action)
    listed = await read_log(client, tokens, limit=500)
    assert not [secret for secret in secrets if secret in str(listed)]
