"""The password policy: the pure check, its blocklist, and where the app applies it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from apfa.auth.password_policy import check_password, common_passwords, digest, is_common
from apfa.auth.permissions import Role
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.errors import InvalidInput
from apfa.users.service import create_user
from support import PASSWORD, bearer, login


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pass", "at least 12 characters"),
        ("", "at least 12 characters"),
        ("x" * 1025 + "abcd", "at most 1024 characters"),
        ("abababababababab", "at least 5 different characters"),
        ("aaaabbbbccccdddd", "at least 5 different characters"),
        ("my name is Carol-Danvers ok", "must not contain the username"),
        ("CAROL-DANVERS1!", "must not contain the username"),
        ("password1234", "too common"),
        ("PassWord1234", "too common"),
        ("qwertyuiop123", "too common"),
        ("123456789012", "too common"),
        ("iloveyou1234", "too common"),
        ("passwordpassword", "too common"),
        ("letmein12345", "too common"),
        ("Administrator", "too common"),
        ("changemechangeme", "too common"),
        ("Sunshine2024!!", "too common"),
        ("football!!!!1234", "too common"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        check_password(password, username="carol-danvers")


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "a long enough password", "Tr0ub4dor&3-horse", "x" * 1000 + "abcd", "918273645012"],
)
def test_reasonable_passwords_pass(password: str) -> None:
    check_password(password, username="carol-danvers")
    check_password(password, username=None)


def test_username_check_is_skipped_without_a_username() -> None:
    check_password("carol-danvers-rules", username=None)
    with pytest.raises(InvalidInput, match="username"):
        check_password("carol-danvers-rules", username="Carol-Danvers")


def test_blocklist_ships_with_the_package_and_loads_once() -> None:
    listed = common_passwords()
    assert listed is common_passwords()
    assert len(listed) >= 300
    assert all(len(entry) == 64 and set(entry) <= set("0123456789abcdef") for entry in listed)
    required = {"password1234", "qwertyuiop123", "123456789012", "iloveyou1234", "letmein12345"}
    assert {digest(p) for p in required} <= listed
    also = {"passwordpassword", "administrator", "changemechangeme", "123456"}
    assert {digest(p) for p in also} <= listed


def test_common_check_strips_decoration_but_not_substance() -> None:
    assert is_common("DRAGON")
    assert is_common("dragon1234567!?")
    assert not is_common("dragon fruit smoothie")
    assert not is_common(PASSWORD)


async def test_create_user_applies_the_policy(app: FastAPI) -> None:
    name = f"policy-{uuid.uuid4().hex[:8]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        with pytest.raises(InvalidInput, match="too common"):
            await create_user(session, name, "password1234", Role.USER)
        with pytest.raises(InvalidInput, match="username"):
            await create_user(session, name, f"my {name} secret", Role.USER)
        user = await create_user(session, name, PASSWORD, Role.USER)
        assert user.id is not None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("tiny", "at least 12 characters"),
        ("letmein12345", "too common"),
        ("{name}-is-me-again", "username"),
        ("zzzzzzzzzzzzzzzz", "5 different characters"),
    ],
)
async def test_api_create_refuses_weak_passwords(
    client: httpx.AsyncClient, users: dict[Role, str], password: str, reason: str
) -> None:
    admin = await login(client, users[Role.SUPER_ADMIN])
    name = f"weak-{uuid.uuid4().hex[:8]}"
    response = await client.post(
        "/api/v1/users",
        json={"username": name, "password": password.format(name=name), "role": "user"},
        headers=bearer(admin),
    )
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]
    failed = await client.post("/token", json={"username": name, "password": PASSWORD})
    assert failed.status_code == 401


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [
        ("too short", "at least 12 characters"),
        ("qwertyuiop123", "too common"),
        ("Passwordpassword", "too common"),
        ("{name}{name}", "username"),
        (PASSWORD, "differ"),
    ],
)
async def test_password_change_applies_the_policy(
    client: httpx.AsyncClient, users: dict[Role, str], new_password: str, reason: str
) -> None:
    admin = await login(client, users[Role.SUPER_ADMIN])
    name = f"changer-{uuid.uuid4().hex[:8]}"
    created = await client.post(
        "/api/v1/users",
        json={"username": name, "password": PASSWORD, "role": "user"},
        headers=bearer(admin),
    )
    assert created.status_code == 201, created.text
    token = await login(client, name)
    response = await client.put(
        "/api/v1/users/me/password",
        json={"old_password": PASSWORD, "new_password": new_password.format(name=name)},
        headers=bearer(token),
    )
    assert response.status_code == 422, response.text
    assert "new_password" in response.json()["detail"]
    assert reason in response.json()["detail"]
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200
    await login(client, name)  # the old password still works


async def test_password_change_refuses_wrong_old_password_and_extra_fields(
    client: httpx.AsyncClient, users: dict[Role, str]
) -> None:
    admin = bearer(await login(client, users[Role.SUPER_ADMIN]))
    name = f"forgetful-{uuid.uuid4().hex[:8]}"
    body = {"username": name, "password": PASSWORD, "role": "user"}
    assert (await client.post("/api/v1/users", json=body, headers=admin)).status_code == 201
    own = bearer(await login(client, name))
    new = "a brand new passphrase 42"
    for _ in range(6):  # more than the login lockout threshold: these are not login failures
        wrong = {"old_password": "not my password at all", "new_password": new}
        response = await client.put("/api/v1/users/me/password", json=wrong, headers=own)
        assert response.status_code == 422
        assert "old_password" in response.json()["detail"]
    sneaky = {"old_password": PASSWORD, "new_password": new, "role": "super_admin"}
    response = await client.put("/api/v1/users/me/password", json=sneaky, headers=own)
    assert response.status_code == 422
    assert (await client.get("/api/v1/users/me", headers=own)).json()["role"] == "user"
    await login(client, name)  # the password is unchanged and nothing got locked
