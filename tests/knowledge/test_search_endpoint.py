from __future__ import annotations

import httpx
import pytest

from apfa.auth.permissions import Role
from support import bearer


async def test_admin_gets_ranked_passages(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    response = await client.get(
        "/api/v1/kb/search",
        params={"q": "cancel private mortgage insurance", "k": 3},
        headers=bearer(tokens[Role.ADMIN]),
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert 1 <= len(items) <= 3
    assert items[0]["title"] == "Private Mortgage Insurance"
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("role", "status"), [(Role.USER, 403), (Role.FINANCIAL_ADVISOR, 403), (Role.SUPER_ADMIN, 200)]
)
async def test_search_needs_index_permission(
    client: httpx.AsyncClient, tokens: dict[Role, str], role: Role, status: int
) -> None:
    response = await client.get(
        "/api/v1/kb/search", params={"q": "pmi"}, headers=bearer(tokens[role])
    )
    assert response.status_code == status


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "pmi", "k": 0}, {"q": "pmi", "k": 51}, {}])
async def test_bad_search_parameters_are_422(
    client: httpx.AsyncClient, tokens: dict[Role, str], params: dict[str, object]
) -> None:
    response = await client.get(
        "/api/v1/kb/search", params=params, headers=bearer(tokens[Role.ADMIN])
    )
    assert response.status_code == 422
