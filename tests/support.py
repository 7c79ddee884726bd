"""Helpers shared by tests (imported as ``support``; ``tests/`` is on the path)."""

from __future__ import annotations

import httpx

PASSWORD = "correct horse battery staple"


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    response = await client.post("/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
