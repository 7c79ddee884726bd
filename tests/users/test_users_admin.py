"""User administration and password change through the real app. Tests that change a user
create their own; the shared role accounts only act."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.main import create_app
from apfa.models import AuditLog
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from support import PASSWORD, bearer, login

NEW_PASSWORD = "a brand new passphrase 42"
USERS = "/api/v1/users"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def admin(client: httpx.AsyncClient, users: dict[Role, str]) -> dict[str, str]:
    """Headers of a fresh super_admin login (other tests may end the shared tokens)."""
    return bearer(await login(client, users[Role.SUPER_ADMIN]))


async def make_user(
    client: httpx.AsyncClient, admin: dict[str, str], role: str = "user"
) -> dict[str, Any]:
    body = {"username": unique("u"), "password": PASSWORD, "role": role}
    response = await client.post(USERS, json=body, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def pair(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/token", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def me_status(client: httpx.AsyncClient, access_token: str) -> int:
    return (await client.get("/api/v1/users/me", headers=bearer(access_token))).status_code


async def refresh_status(client: httpx.AsyncClient, refresh_token: str) -> int:
    return (await client.post("/token/refresh", json={"refresh_token": refresh_token})).status_code


async def patch(
    client: httpx.AsyncClient, headers: dict[str, str], user_id: int, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(f"{USERS}/{user_id}", json=body, headers=headers)


async def test_create_returns_the_user_without_secrets(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user = await make_user(client, admin, role="financial_advisor")
    assert set(user) == {"id", "username", "role", "is_active", "created_at"}
    assert user["role"] == "financial_advisor"
    assert user["is_active"] is True
    assert (await client.get(f"{USERS}/{user['id']}", headers=admin)).json() == user
    assert await me_status(client, await login(client, user["username"])) == 200


async def test_duplicate_and_malformed_creates(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user = await make_user(client, admin)
    again = {"username": user["username"], "password": NEW_PASSWORD, "role": "user"}
    duplicate = await client.post(USERS, json=again, headers=admin)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "conflict"
    extra = {"username": unique("x"), "password": PASSWORD, "role": "user", "is_active": False}
    assert (await client.post(USERS, json=extra, headers=admin)).status_code == 422
    bad_role = {"username": unique("x"), "password": PASSWORD, "role": "god"}
    assert (await client.post(USERS, json=bad_role, headers=admin)).status_code == 422


async def listed(
    client: httpx.AsyncClient, admin: dict[str, str], **params: str | int
) -> dict[str, Any]:
    response = await client.get(USERS, params=params, headers=admin)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_list_pages_through_every_user_once(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    mine = {(await make_user(client, admin))["id"] for _ in range(3)}
    seen: list[int] = []
    page = await listed(client, admin, limit=2)
    while True:
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        page = await listed(client, admin, limit=2, cursor=page["next_cursor"])
    assert seen == sorted(set(seen))
    assert mine <= set(seen)
    assert len((await listed(client, admin))["items"]) == min(50, len(seen))
    bad: list[dict[str, str | int]] = [
        {"limit": 501},
        {"limit": 0},
        {"cursor": "x!"},
        {"role": "god"},
    ]
    for params in bad:
        assert (await client.get(USERS, params=params, headers=admin)).status_code == 422


async def test_list_filters_by_role_and_active(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    advisor = await make_user(client, admin, role="financial_advisor")
    leaver = await make_user(client, admin)
    assert (await patch(client, admin, leaver["id"], {"is_active": False})).status_code == 200
    advisors = (await listed(client, admin, role="financial_advisor", limit=500))["items"]
    assert advisor["id"] in {u["id"] for u in advisors}
    assert {u["role"] for u in advisors} == {"financial_advisor"}
    inactive = (await listed(client, admin, is_active="false", limit=500))["items"]
    assert leaver["id"] in {u["id"] for u in inactive}
    assert advisor["id"] not in {u["id"] for u in inactive}
    assert all(u["is_active"] is False for u in inactive)
    active = (await listed(client, admin, is_active="true", role="user", limit=500))["items"]
    assert leaver["id"] not in {u["id"] for u in active}
    assert all(u["is_active"] and u["role"] == "user" for u in active)


ROUTES = [
    ("POST", USERS, {"username": "nobody-new", "password": PASSWORD, "role": "super_admin"}),
    ("GET", USERS, None),
    ("GET", f"{USERS}/1", None),
    ("PATCH", f"{USERS}/1", {"role": "super_admin"}),
]


@pytest.mark.parametrize("route", ROUTES)
async def test_only_super_admin_may_manage_users(
    client: httpx.AsyncClient, users: dict[Role, str], route: tuple[str, str, Any]
) -> None:
    method, path, body = route
    anonymous = await client.request(method, path, json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    for role in (Role.USER, Role.FINANCIAL_ADVISOR, Role.ADMIN):
        token = await login(client, users[role])
        response = await client.request(method, path, json=body, headers=bearer(token))
        assert response.status_code == 403, (role, response.text)
        assert (await client.get("/api/v1/users/me", headers=bearer(token))).json()["role"] == role
    change = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert (await client.put(f"{USERS}/me/password", json=change)).status_code == 401


async def test_role_change_applies_to_the_next_request(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user = await make_user(client, admin)
    own = bearer(await login(client, user["username"]))
    search = "/api/v1/kb/search?q=mortgage"
    assert (await client.get(search, headers=own)).status_code == 403
    assert (await patch(client, admin, user["id"], {"role": "admin"})).json()["role"] == "admin"
    assert (await client.get(search, headers=own)).status_code == 200
    assert (await patch(client, admin, user["id"], {"role": "user"})).status_code == 200
    assert (await client.get(search, headers=own)).status_code == 403
    assert (await patch(client, own, user["id"], {"role": "super_admin"})).status_code == 403
    assert (await client.get(f"{USERS}/{user['id']}", headers=admin)).json()["role"] == "user"


async def test_patch_rejects_everything_but_role_and_active(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user = await make_user(client, admin)
    sneaky = ({"password": NEW_PASSWORD}, {"username": "renamed"}, {"password_hash": "x"})
    invalid = ({"role": "admin", "username": "renamed"}, {"role": "owner"}, {"is_active": "?"})
    for body in sneaky + invalid:
        assert (await patch(client, admin, user["id"], body)).status_code == 422, body
    assert (await client.get(f"{USERS}/{user['id']}", headers=admin)).json() == user
    await login(client, user["username"])


async def test_patch_unknown_user_is_404(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await patch(client, admin, 10**9, {"is_active": False})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_deactivation_ends_tokens_and_login(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user = await make_user(client, admin)
    tokens = await pair(client, user["username"])
    assert await me_status(client, tokens["access_token"]) == 200
    assert (await patch(client, admin, user["id"], {"is_active": False})).json()[
        "is_active"
    ] is False
    assert await me_status(client, tokens["access_token"]) == 401
    assert await refresh_status(client, tokens["refresh_token"]) == 401
    relogin = {"username": user["username"], "password": PASSWORD}
    assert (await client.post("/token", json=relogin)).status_code == 401
    assert (await patch(client, admin, user["id"], {"is_active": True})).status_code == 200
    assert await me_status(client, (await pair(client, user["username"]))["access_token"]) == 200
    assert await me_status(client, tokens["access_token"]) == 401
    assert await refresh_status(client, tokens["refresh_token"]) == 401


async def test_password_change_ends_other_sessions_only(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user = await make_user(client, admin)
    current, other = await pair(client, user["username"]), await pair(client, user["username"])
    body = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    own = bearer(current["access_token"])
    assert (await client.put(f"{USERS}/me/password", json=body, headers=own)).status_code == 204
    assert await me_status(client, other["access_token"]) == 401
    assert await refresh_status(client, other["refresh_token"]) == 401
    assert await me_status(client, current["access_token"]) == 200
    assert await refresh_status(client, current["refresh_token"]) == 200
    old = {"username": user["username"], "password": PASSWORD}
    assert (await client.post("/token", json=old)).status_code == 401
    fresh = await pair(client, user["username"], NEW_PASSWORD)
    assert await me_status(client, fresh["access_token"]) == 200


async def test_audit_records_changes_without_passwords(
    app: FastAPI, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    user = await make_user(client, admin)
    own = bearer(await login(client, user["username"]))
    body = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert (await client.put(f"{USERS}/me/password", json=body, headers=own)).status_code == 204
    assert (await patch(client, admin, user["id"], {"role": "admin"})).status_code == 200
    assert (await patch(client, admin, user["id"], {"is_active": False})).status_code == 200
    query = select(AuditLog).where(AuditLog.target_id == str(user["id"]))
    async with SESSIONMAKER.of(app)() as session:
        rows = (await session.scalars(query)).all()
    by_action = {r.action: r for r in rows if r.outcome == "success" and r.target_type == "user"}
    assert {"user_create", "password_change", "role_change", "deactivate"} <= set(by_action)
    assert by_action["role_change"].details["old_role"] == "user"
    assert by_action["role_change"].details["new_role"] == "admin"
    assert by_action["password_change"].actor == user["username"]
    assert by_action["deactivate"].actor_id != user["id"]
    for row in by_action.values():
        dumped = json.dumps([row.details, row.actor, row.target_id])
        assert PASSWORD not in dumped
        assert NEW_PASSWORD not in dumped


@pytest.fixture
async def lone_admin(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    """A fresh database whose only user is one super_admin."""
    application = create_app(isolated_settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        async with session_scope(SESSIONMAKER.of(application)) as session:
            root = await create_user(session, "root-admin", PASSWORD, Role.SUPER_ADMIN)
            info = {"id": root.id, "username": root.username}
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield http, info


async def test_last_super_admin_cannot_be_removed(
    lone_admin: tuple[httpx.AsyncClient, dict[str, Any]],
) -> None:
    client, root = lone_admin
    headers = bearer(await login(client, root["username"]))
    for body in ({"role": "admin"}, {"is_active": False}, {"role": "user", "is_active": False}):
        refused = await patch(client, headers, root["id"], body)
        assert refused.status_code == 409, body
        assert refused.json()["error"] == "conflict"
    assert (await client.get(USERS, headers=headers)).status_code == 200
    assert (await patch(client, headers, root["id"], {"role": "super_admin"})).status_code == 200
    second = await make_user(client, headers, role="super_admin")
    assert (await patch(client, headers, root["id"], {"role": "admin"})).status_code == 200
    assert (await client.get(USERS, headers=headers)).status_code == 403
    other = bearer(await login(client, second["username"]))
    assert (await patch(client, other, second["id"], {"is_active": False})).status_code == 409
    assert (await patch(client, other, second["id"], {"role": "admin"})).status_code == 409
    assert (await patch(client, other, root["id"], {"role": "super_admin"})).status_code == 200
    assert (await patch(client, other, second["id"], {"is_active": False})).status_code == 200
