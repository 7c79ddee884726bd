"""Ids and cursors beyond the 32-bit id columns are bad input (422 in the error
envelope), never a database error (SQLite overflows beyond 64 bits; issue #18)."""

from __future__ import annotations

import httpx
import pytest

from apfa.auth.permissions import Role
from apfa.core.pagination import MAX_ID, encode_cursor
from support import bearer

OUT_OF_RANGE = [0, -1, MAX_ID + 1, 2**63, 2**64, 10**30]
ROUTES = [
    ("GET", "/api/v1/users/{}"),
    ("PATCH", "/api/v1/users/{}"),
    ("GET", "/api/v1/conversations/{}"),
    ("DELETE", "/api/v1/conversations/{}"),
    ("POST", "/api/v1/conversations/{}/messages"),
    ("DELETE", "/api/v1/api-keys/{}"),
    ("POST", "/api/admin/index/{}/activate"),
]
LISTS = ["/api/v1/advice/history", "/api/v1/users", "/api/v1/audit-logs", "/api/v1/conversations"]
LISTS += ["/api/v1/api-keys"]


def assert_invalid(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_ids_out_of_range_are_refused(
    client: httpx.AsyncClient, tokens: dict[Role, str], method: str, path: str, value: int
) -> None:
    body = {"is_active": True} if method == "PATCH" else {"content": "What is PMI?"}
    response = await client.request(
        method,
        path.format(value),
        json=body if method in {"PATCH", "POST"} else None,
        headers=bearer(tokens[Role.SUPER_ADMIN]),
    )
    assert_invalid(response)


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("path", LISTS)
async def test_cursors_out_of_range_are_refused(
    client: httpx.AsyncClient, tokens: dict[Role, str], path: str, value: int
) -> None:
    params = {"cursor": encode_cursor(value)}
    response = await client.get(path, params=params, headers=bearer(tokens[Role.SUPER_ADMIN]))
    assert_invalid(response)
    assert "invalid cursor" in response.json()["detail"]
