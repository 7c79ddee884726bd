"""API keys through the real app: lifecycle, storage, role caps and refusals."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select, text

from apfa.api_keys.service import create_key
from apfa.auth.api_keys import API_KEYS, ApiKeyAuthenticator
from apfa.auth.permissions import Role
from apfa.auth.principals import PRINCIPALS, PrincipalCache
from apfa.auth.service import Principal, get_by_id
from apfa.core.db import ENGINE, SESSIONMAKER, session_scope
from apfa.models import AuditLog
from apfa.users.service import create_user
from support import PASSWORD, bearer, login

KEYS = "/api/v1/api-keys"
ME = "/api/v1/users/me"
SEARCH = "/api/v1/kb/search?q=pmi"
KEY_FORMAT = re.compile(r"^apfa_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


async def _user(app: FastAPI, client: httpx.AsyncClient, role: Role) -> tuple[int, str]:
    """A fresh user of ``role``: (id, access token)."""
    name = f"keys-{uuid.uuid4().hex[:12]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        user_id = (await create_user(session, name, PASSWORD, role)).id
    return user_id, await login(client, name)


async def _key(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    response = await client.post(KEYS, json={"name": "ci", **body}, headers=bearer(token))
    assert response.status_code == 201, response.text
    return dict(response.json())


def _as_key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


async def _status(client: httpx.AsyncClient, headers: dict[str, str], path: str = ME) -> int:
    return (await client.get(path, headers=headers)).status_code


async def _update_user(app: FastAPI, user_id: int, **values: Any) -> None:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        user = await get_by_id(session, user_id)
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)
    PRINCIPALS.of(app).forget(user_id)


async def _dump(app: FastAPI, table: str) -> str:
    async with session_scope(SESSIONMAKER.of(app)) as session:
        rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
    return repr([tuple(row) for row in rows])


async def test_lifecycle(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, token = await _user(app, client, Role.USER)
    response = await client.post(KEYS, json={"name": "laptop"}, headers=bearer(token))
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    created = response.json()
    assert set(created) == {"id", "name", "prefix", "role", "created_at", "key"}
    match = KEY_FORMAT.fullmatch(created["key"])
    assert match is not None
    assert match[1] == created["prefix"]
    assert (created["name"], created["role"]) == ("laptop", "user")
    key = created["key"]

    me = await client.get(ME, headers=_as_key(key))
    assert me.status_code == 200
    assert me.json()["role"] == "user"
    advice = await client.post(
        "/api/v1/advice", json={"query": "What is PMI?"}, headers=_as_key(key)
    )
    assert advice.status_code == 200, advice.text

    listed = await client.get(KEYS, headers=bearer(token))
    assert listed.status_code == 200
    assert key not in listed.text
    assert match[2] not in listed.text
    (item,) = listed.json()["items"]
    assert set(item) == {"id", "name", "prefix", "role", "created_at", "last_used_at", "revoked_at"}
    assert (item["id"], item["revoked_at"]) == (created["id"], None)
    assert listed.json()["next_cursor"] is None

    revoked = await client.delete(f"{KEYS}/{created['id']}", headers=bearer(token))
    assert revoked.status_code == 204
    refused = await client.get(ME, headers=_as_key(key))
    assert refused.status_code == 401
    assert refused.json()["error"] == "not_authenticated"
    assert (await client.get(KEYS, headers=bearer(token))).json()["items"][0]["revoked_at"]
    again = await client.delete(f"{KEYS}/{created['id']}", headers=bearer(token))
    assert again.status_code == 204


async def test_secret_is_never_stored(app: FastAPI, client: httpx.AsyncClient) -> None:
    user_id, token = await _user(app, client, Role.USER)
    created = await _key(client, token)
    await client.delete(f"{KEYS}/{created['id']}", headers=bearer(token))
    match = KEY_FORMAT.fullmatch(created["key"])
    assert match is not None
    secret = match[2]  # may itself contain "_"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        row = (
            await session.execute(
                text("SELECT prefix, secret_hash FROM api_keys WHERE id = :id"),
                {"id": created["id"]},
            )
        ).one()
        audits = (
            await session.execute(select(AuditLog).where(AuditLog.target_id == str(created["id"])))
        ).scalars()
        actions = {(a.action, a.actor_id) for a in audits if a.target_type == "api_key"}
    assert tuple(row) == (created["prefix"], hashlib.sha256(secret.encode()).hexdigest())
    assert actions == {("api_key_create", user_id), ("api_key_revoke", user_id)}
    for table in ("api_keys", "audit_logs"):
        dump = await _dump(app, table)
        assert created["key"] not in dump
        assert secret not in dump


async def test_key_role_is_capped(
    app: FastAPI, client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    denied = await client.post(
        KEYS, json={"name": "x", "role": "admin"}, headers=bearer(tokens[Role.USER])
    )
    assert denied.status_code == 403
    assert denied.json()["error"] == "forbidden"

    _, admin = await _user(app, client, Role.ADMIN)
    weak = (await _key(client, admin, role="user"))["key"]
    assert (await _key(client, admin))["role"] == "admin"
    assert await _status(client, _as_key(weak), SEARCH) == 403
    assert await _status(client, bearer(admin), SEARCH) == 200
    # A key cannot mint a key above its own role, even for an admin owner.
    escalate = await client.post(KEYS, json={"name": "y", "role": "admin"}, headers=_as_key(weak))
    assert escalate.status_code == 403


async def test_demoted_creator_demotes_the_key(app: FastAPI, client: httpx.AsyncClient) -> None:
    user_id, admin = await _user(app, client, Role.ADMIN)
    key = (await _key(client, admin))["key"]
    assert await _status(client, _as_key(key), SEARCH) == 200
    await _update_user(app, user_id, role=Role.USER.value)
    assert await _status(client, _as_key(key), SEARCH) == 403
    assert (await client.get(ME, headers=_as_key(key))).json()["role"] == "user"


async def test_deactivated_creator_disables_the_key(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user_id, token = await _user(app, client, Role.USER)
    key = (await _key(client, token))["key"]
    assert await _status(client, _as_key(key)) == 200
    await _update_user(app, user_id, is_active=False)
    assert await _status(client, _as_key(key)) == 401


async def test_bad_keys_are_refused_alike(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    prefix = (await _key(client, tokens[Role.USER]))["prefix"]
    presented = [
        "not-a-key",
        f"apfa_{uuid.uuid4().hex[:12]}_{'A' * 43}",
        f"apfa_{prefix}_{'A' * 43}",
        f"apfa_{prefix.upper()}_{'A' * 43}",
    ]
    bodies = []
    for key in presented:
        response = await client.get(ME, headers=_as_key(key))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        bodies.append({k: v for k, v in response.json().items() if k != "request_id"})
    assert all(body == bodies[0] for body in bodies)


async def test_credentials_in_the_wrong_place(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    key = (await _key(client, tokens[Role.USER]))["key"]
    assert await _status(client, bearer(key)) == 401
    assert await _status(client, _as_key(tokens[Role.USER])) == 401
    in_query = await client.get(ME, params={"api_key": key})
    assert in_query.status_code == 400
    assert in_query.json()["error"] == "credentials_in_query"
    assert await _status(client, {}, KEYS) == 401


async def test_other_users_keys_are_invisible(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, alice = await _user(app, client, Role.USER)
    _, mallory = await _user(app, client, Role.USER)
    created = await _key(client, alice)
    theirs = await client.delete(f"{KEYS}/{created['id']}", headers=bearer(mallory))
    unknown = await client.delete(f"{KEYS}/{2**31 - 1}", headers=bearer(mallory))
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["detail"] == unknown.json()["detail"]
    assert (await client.get(KEYS, headers=bearer(mallory))).json()["items"] == []
    assert await _status(client, _as_key(created["key"])) == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "   "},
        {"name": "x", "role": "root"},
        {"name": "x", "extra": 1},
    ],
)
async def test_bad_create_body_is_422(
    client: httpx.AsyncClient, tokens: dict[Role, str], body: dict[str, Any]
) -> None:
    response = await client.post(KEYS, json=body, headers=bearer(tokens[Role.USER]))
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_list_is_paginated_newest_first(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, token = await _user(app, client, Role.USER)
    ids = [(await _key(client, token, name=f"k{n}"))["id"] for n in range(3)]
    first = (await client.get(KEYS, params={"limit": 2}, headers=bearer(token))).json()
    assert [i["id"] for i in first["items"]] == ids[:0:-1]
    second = await client.get(
        KEYS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=bearer(token)
    )
    assert [i["id"] for i in second.json()["items"]] == [ids[0]]
    assert second.json()["next_cursor"] is None
    for params in (
        {"limit": 501},
        {"limit": 0},
        {"cursor": "!!"},
        {"cursor": "aWQ6OTk5OTk5OTk5OTk5"},
    ):
        assert (await client.get(KEYS, params=params, headers=bearer(token))).status_code == 422


async def test_lookup_is_one_select_by_prefix(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, token = await _user(app, client, Role.USER)
    created = await _key(client, token)
    authenticator: ApiKeyAuthenticator = API_KEYS.of(app)
    authenticator.forget(created["prefix"])
    seen: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # Only reads count: the once-a-minute last_used_at write runs in the background.
        if "api_keys" in statement.lower() and statement.lstrip().upper().startswith("SELECT"):
            seen.append(" ".join(statement.split()))

    engine = ENGINE.of(app).sync_engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        response = await client.get(ME, headers=_as_key(created["key"]))
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert response.status_code == 200
    assert len(seen) == 1, seen
    assert seen[0].upper().startswith("SELECT")
    where = seen[0].split(" WHERE ", 1)[1]
    assert "api_keys.prefix" in where


async def test_secret_is_compared_in_constant_time(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, _ = await _user(app, client, Role.USER)
    maker = SESSIONMAKER.of(app)
    async with session_scope(maker) as session:
        user = await get_by_id(session, user_id)
        assert user is not None
        _, plain = await create_key(session, Principal.of(user), "unit", None)
    real, calls = hmac.compare_digest, list[tuple[str, str]]()

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("apfa.auth.api_keys.hmac.compare_digest", spy)
    authenticator = ApiKeyAuthenticator(PrincipalCache(0), 0)
    assert await authenticator.authenticate(maker, plain) is not None
    wrong = plain[:-1] + ("A" if plain[-1] != "A" else "B")
    assert await authenticator.authenticate(maker, wrong) is None
    assert len(calls) == 2
    assert calls[0][0] == calls[0][1]
    assert calls[1][0] != calls[1][1]


async def test_last_use_is_recorded(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, token = await _user(app, client, Role.USER)
    created = (await client.post(KEYS, json={"name": "usage"}, headers=bearer(token))).json()
    assert (await client.get(ME, headers=_as_key(created["key"]))).status_code == 200
    await API_KEYS.of(app).drain()
    listing = (await client.get(KEYS, headers=bearer(token))).json()["items"]
    used = next(k for k in listing if k["id"] == created["id"])
    assert used["last_used_at"] is not None


async def test_an_api_key_cannot_create_keys(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, token = await _user(app, client, Role.USER)
    created = (await client.post(KEYS, json={"name": "parent"}, headers=bearer(token))).json()
    response = await client.post(KEYS, json={"name": "child"}, headers=_as_key(created["key"]))
    assert response.status_code == 403
