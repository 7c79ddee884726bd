"""Login and access tokens through the real app."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.auth.principals import PRINCIPALS
from apfa.core.db import SESSIONMAKER
from support import PASSWORD, bearer

SECRET = "test-secret-" + "x" * 40


async def test_token_accepts_form_fields(client: httpx.AsyncClient, users: dict[Role, str]) -> None:
    response = await client.post(
        "/token", data={"username": users[Role.USER], "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], audience="apfa-api")
    assert set(claims) >= {"sub", "role", "jti", "iat", "nbf", "exp", "iss", "aud", "typ"}
    assert claims["role"] == "user"
    assert claims["typ"] == "access"
    assert claims["iss"] == "apfa"


async def test_token_accepts_json_body(client: httpx.AsyncClient, users: dict[Role, str]) -> None:
    response = await client.post(
        "/token", json={"username": users[Role.ADMIN], "password": PASSWORD}
    )
    assert response.status_code == 200
    me = await client.get("/api/v1/users/me", headers=bearer(response.json()["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == users[Role.ADMIN]
    assert me.json()["role"] == "admin"
    assert "admin:index:manage" in me.json()["permissions"]
    assert "admin:users:manage" not in me.json()["permissions"]


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, users: dict[Role, str]
) -> None:
    wrong = await client.post(
        "/token", json={"username": users[Role.USER], "password": "nope-nope-nope"}
    )
    unknown = await client.post(
        "/token", json={"username": "nobody-here", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"json": {"username": "a"}}, 422),
        ({"json": ["username", "password"]}, 422),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422),
        ({"data": {"username": "a"}}, 422),
        ({"content": b"username=a", "headers": {"content-type": "text/plain"}}, 415),
    ],
)
async def test_malformed_login_is_a_clear_4xx(
    client: httpx.AsyncClient, kwargs: dict[str, object], status: int
) -> None:
    response = await client.post("/token", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.json()["error"] in {"validation_error", "unsupported_media_type"}


def _forge(**overrides: object) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": "1",
        "role": "super_admin",
        "jti": "j",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "iss": "apfa",
        "aud": "apfa-api",
        "typ": "access",
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "token",
    [
        _forge(exp=datetime.now(UTC) - timedelta(minutes=1)),
        _forge(nbf=datetime.now(UTC) + timedelta(minutes=5)),
        _forge(aud="someone-else"),
        _forge(iss="someone-else"),
        _forge(typ="refresh"),
        _forge(jti=None),
        _forge(sub="not-a-number"),
        _forge(sub="999999"),
        jwt.encode({"sub": "1", "typ": "access"}, "another-secret-" + "y" * 40, algorithm="HS256"),
        jwt.encode({"sub": "1", "role": "super_admin", "typ": "access"}, None, algorithm="none"),
    ],
)
async def test_bad_tokens_are_401(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/api/v1/users/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


async def test_tampered_role_claim_is_rejected(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    header, _payload, signature = tokens[Role.USER].split(".")
    claims = jwt.decode(tokens[Role.USER], options={"verify_signature": False})
    claims["role"] = "super_admin"
    forged_payload = jwt.encode(claims, "irrelevant-" + "z" * 40, algorithm="HS256").split(".")[1]
    response = await client.get(
        "/api/v1/users/me", headers=bearer(f"{header}.{forged_payload}.{signature}")
    )
    assert response.status_code == 401


async def test_deactivated_user_is_refused(
    app: FastAPI, client: httpx.AsyncClient, users: dict[Role, str]
) -> None:
    from apfa.auth.service import get_by_username
    from apfa.core.db import session_scope
    from apfa.users.service import create_user

    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, f"leaver-{time.time_ns()}", PASSWORD, Role.USER)
    async with session_scope(SESSIONMAKER.of(app)) as session:
        from sqlalchemy import select

        from apfa.models import User

        user = (
            (await session.execute(select(User).where(User.username.like("leaver-%"))))
            .scalars()
            .first()
        )
        assert user is not None
        name = user.username
    token = (await client.post("/token", json={"username": name, "password": PASSWORD})).json()[
        "access_token"
    ]
    async with session_scope(SESSIONMAKER.of(app)) as session:
        found = await get_by_username(session, name)
        assert found is not None
        found.is_active = False
        user_id = found.id
    PRINCIPALS.of(app).forget(user_id)
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 401
    relogin = await client.post("/token", json={"username": name, "password": PASSWORD})
    assert relogin.status_code == 401
