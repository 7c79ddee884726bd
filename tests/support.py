"""Helpers shared by tests (imported as ``support``; ``tests/`` is on the path)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.resources import Resource, resources_of
from apfa.users.service import create_user

T = TypeVar("T")

PASSWORD = "correct horse battery staple"
# Kept in the environment of the processes tests start (which otherwise drop every APFA_
# variable): the session's exported ONNX models, so each process does not export its own.
SHARED_MODELS = "APFA_MODEL_CACHE_DIR"


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    response = await client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def client_as(
    app: FastAPI, username: str, role: Role
) -> tuple[httpx.AsyncClient, dict[str, str]]:
    """A new user of ``role`` in ``app``'s database, and an open client with its token
    (the caller closes the client)."""
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, username, PASSWORD, role)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://apfa.test")
    login = await client.post("/token", data={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return client, bearer(login.json()["access_token"])


@contextmanager
def provided(app: FastAPI, key: Resource[T], value: T) -> Iterator[T]:
    """``app``'s resource ``key`` replaced by ``value`` for the block, then restored."""
    resources = resources_of(app)
    previous = resources.find(key)
    resources.provide(key, value)
    try:
        yield value
    finally:
        if previous is None:
            resources.withdraw(key)
        else:
            resources.provide(key, previous)
