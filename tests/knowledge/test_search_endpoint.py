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
    assert response.json()["mode"] == "hybrid"
    fused = [i["fused_score"] for i in items]
    assert fused == sorted(fused, reverse=True)
    top = items[0]
    assert top["dense_score"] == top["score"]
    assert top["lexical_score"] > 0
    assert top["dense_rank"] >= 1
    assert top["lexical_rank"] >= 1


async def test_dense_mode_ranks_by_cosine_without_lexical_scores(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    response = await client.get(
        "/api/v1/kb/search",
        params={"q": "cancel private mortgage insurance", "k": 3, "mode": "dense"},
        headers=bearer(tokens[Role.ADMIN]),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "dense"
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert all(i["lexical_score"] is None for i in body["items"])
    assert all(i["fused_score"] is None for i in body["items"])


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


@pytest.mark.parametrize(
    "params",
    [{"q": ""}, {"q": "pmi", "k": 0}, {"q": "pmi", "k": 51}, {}, {"q": "pmi", "mode": "fuzzy"}],
)
async def test_bad_search_parameters_are_422(
    client: httpx.AsyncClient, tokens: dict[Role, str], params: dict[str, object]
) -> None:
    response = await client.get(
        "/api/v1/kb/search", params=params, headers=bearer(tokens[Role.ADMIN])
    )
    assert response.status_code == 422
