from __future__ import annotations

import datetime as dt

import httpx
import pytest

from apfa.auth.permissions import Role
from apfa.knowledge import endpoints
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
    # its document's date and kind, and the freshness weight (1: evergreen, not decayed)
    assert top["updated"] == "2026-01-15"
    assert top["time_sensitive"] is False
    assert top["freshness"] == 1.0


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


async def test_review_lists_documents_past_their_review_date(
    client: httpx.AsyncClient, tokens: dict[Role, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(tokens[Role.ADMIN])
    now = await client.get("/api/v1/kb/review", params={"all": "true"}, headers=headers)
    assert now.status_code == 200
    body = now.json()
    assert body["documents"] == 4
    assert body["undated"] == 1  # budgeting.txt has no front matter
    assert body["overdue"] == 0
    dated = [item for item in body["items"] if item["review_by"]]
    pmi = next(item for item in dated if item["title"] == "Private Mortgage Insurance")
    assert pmi["freshness"] == "evergreen"
    assert pmi["review_by"] == "2029-01-14"  # updated 2026-01-15 + three years
    assert [item["review_by"] for item in dated] == sorted(item["review_by"] for item in dated)
    assert (await client.get("/api/v1/kb/review", headers=headers)).json()["items"] == []

    monkeypatch.setattr(endpoints, "today", lambda: dt.date(2029, 6, 1))
    later = (await client.get("/api/v1/kb/review", headers=headers)).json()
    assert later["as_of"] == "2029-06-01"
    assert later["overdue"] == 3
    assert len(later["items"]) == 3
    assert later["items"][0]["title"] == "Private Mortgage Insurance"  # the most overdue
    assert later["items"][0]["days_overdue"] == (dt.date(2029, 6, 1) - dt.date(2029, 1, 14)).days


@pytest.mark.parametrize(("role", "status"), [(Role.USER, 403), (Role.FINANCIAL_ADVISOR, 403)])
async def test_review_needs_index_permission(
    client: httpx.AsyncClient, tokens: dict[Role, str], role: Role, status: int
) -> None:
    response = await client.get("/api/v1/kb/review", headers=bearer(tokens[role]))
    assert response.status_code == status
