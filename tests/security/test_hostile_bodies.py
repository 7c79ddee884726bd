"""Bodies no parser should choke on (issue #18): each is refused with a 4xx in the error
envelope, never a 500, on every route that reads JSON."""

from __future__ import annotations

import httpx
import pytest

from apfa.auth.permissions import Role
from support import bearer

JSON = {"content-type": "application/json"}
DEEP = b"[" * 1000 + b"]" * 1000
HOSTILE: dict[str, bytes] = {
    "invalid utf-8": b'{"username": "\xff\xfe", "password": "x"}',
    "nested 1000 deep": DEEP,
    "nested 1000 deep in a field": b'{"query": ' + DEEP + b', "username": ' + DEEP + b"}",
    "integer of 5000 digits": b'{"query": ' + b"9" * 5000 + b', "username": 1}',
    "integer of 5000 digits alone": b"9" * 5000,
    "lone surrogate": b'{"username": "\\ud800", "password": "x", "query": "\\ud800 rate?"}',
    "encoded surrogate": b'{"username": "\xed\xa0\x80", "password": "x", "query": "\xed\xa0\x80"}',
}


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code in {400, 422}, response.text
    body = response.json()
    assert set(body) >= {"error", "detail", "request_id"}
    assert body["error"] in {"bad_request", "validation_error"}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
async def test_login_refuses_hostile_json(client: httpx.AsyncClient, body: bytes) -> None:
    assert_refused(await client.post("/token", content=body, headers=JSON))


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(
    "path",
    ["/api/v1/advice", "/generate-advice", "/api/v1/advice/stream", "/api/v1/conversations"],
)
async def test_json_routes_refuse_hostile_json(
    client: httpx.AsyncClient, tokens: dict[Role, str], path: str, body: bytes
) -> None:
    headers = {**JSON, **bearer(tokens[Role.USER])}
    assert_refused(await client.post(path, content=body, headers=headers))


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
async def test_conversation_messages_refuse_hostile_json(
    client: httpx.AsyncClient, tokens: dict[Role, str], body: bytes
) -> None:
    headers = {**JSON, **bearer(tokens[Role.USER])}
    created = await client.post("/api/v1/conversations", json={}, headers=headers)
    assert created.status_code == 201, created.text
    path = f"/api/v1/conversations/{created.json()['id']}/messages"
    assert_refused(await client.post(path, content=body, headers=headers))


FORMS: dict[str, tuple[bytes, str]] = {
    "percent-encoded invalid utf-8": (
        b"username=%FF%FE&password=%ED%A0%80",
        "application/x-www-form-urlencoded",
    ),
    "raw invalid utf-8": (
        b"username=\xff\xfe&password=\xed\xa0\x80",
        "application/x-www-form-urlencoded",
    ),
    "broken multipart": (
        b"--x\r\nContent-Disposition: form-data\r\n\r\n\xff",
        "multipart/form-data; boundary=x",
    ),
    "multipart without boundary": (b"\xff" * 10, "multipart/form-data"),
}


@pytest.mark.parametrize(("body", "content_type"), FORMS.values(), ids=FORMS.keys())
async def test_login_refuses_hostile_forms(
    client: httpx.AsyncClient, body: bytes, content_type: str
) -> None:
    response = await client.post("/token", content=body, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) >= {"error", "detail", "request_id"}
