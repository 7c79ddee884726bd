"""Advice through the real ASGI app, the real model and a small ingested corpus, on SQLite
and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from apfa.advice.history import HISTORY_WRITER
from apfa.auth.permissions import Role
from apfa.core.db import SESSIONMAKER
from apfa.finance import monthly_payment, total_interest
from apfa.knowledge.flows import IngestReport
from apfa.knowledge.index.holder import INDEX_HOLDER, IndexHolder
from apfa.models import AdviceRequest
from support import bearer, client_as

PMI_QUESTION = "Do I need PMI with less than 20% down, and when can I cancel it?"
PROFILE = {
    "annual_income": 85000,
    "monthly_debt_payments": 450,
    "credit_score": 720,
    "loan_type": "mortgage",
    "home_price": 375000,
    "down_payment": 75000,
    "interest_rate": 6.5,
    "term_years": 30,
}


async def ask(
    client: httpx.AsyncClient, token: str, body: dict[str, Any], path: str = "/api/v1/advice"
) -> httpx.Response:
    return await client.post(path, json=body, headers=bearer(token))


async def history_rows(app: FastAPI) -> int:
    await HISTORY_WRITER.of(app).flush()
    async with SESSIONMAKER.of(app)() as session:
        return int(await session.scalar(select(func.count()).select_from(AdviceRequest)) or 0)


async def test_advice_cites_sources_and_computes_numbers(
    client: httpx.AsyncClient, tokens: dict[Role, str], ingested: IngestReport
) -> None:
    response = await ask(client, tokens[Role.USER], {"query": PMI_QUESTION, "profile": PROFILE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "grounded"
    assert body["index_version"] == ingested.index_version
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["user"] == "user-1"
    assert body["citations"], "expected at least one citation"
    assert body["citations"][0]["title"] == "Private Mortgage Insurance"
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", body["advice"])}
    assert markers == {c["n"] for c in body["citations"]}
    metrics = body["metrics"]
    assert metrics["loan_amount"] == 300000
    assert metrics["monthly_payment"] == float(monthly_payment(300000, 6.5, 360)) == 1896.20
    assert metrics["total_interest"] == float(total_interest(300000, 6.5, 360))
    assert metrics["ltv"] == 0.8
    assert 0 < metrics["dti_front"] < metrics["dti_back"] < 1
    assert "$1,896.20" in body["advice"]
    assert body["disclaimer"]
    assert len(body["amortization"]) == 30
    assert body["amortization"][-1]["balance"] == 0


async def test_seed_path_matches_versioned_path(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    body = {"query": "How is the back-end debt-to-income ratio calculated?"}
    seed = await ask(client, tokens[Role.USER], body, path="/generate-advice")
    versioned = await ask(client, tokens[Role.USER], body)
    assert seed.status_code == versioned.status_code == 200
    assert seed.json()["advice"] == versioned.json()["advice"]
    assert any(c["title"] == "Debt-to-Income Ratio" for c in seed.json()["citations"])


async def test_numbers_in_free_text_fill_the_profile(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    query = (
        "I make $85k a year, my credit score is 720 and I want a $350,000 house with "
        "10% down on a 30-year loan at 6.5%. What's my payment?"
    )
    response = await ask(client, tokens[Role.USER], {"query": query})
    assert response.status_code == 200, response.text
    metrics = response.json()["metrics"]
    assert metrics["loan_amount"] == 315000
    assert metrics["monthly_payment"] == float(monthly_payment(315000, 6.5, 360))
    assumptions = " ".join(response.json()["assumptions"])
    assert "read from your question" in assumptions


async def test_client_profile_wins_over_free_text(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    body = {
        "query": "I want to borrow $25,000 for a car at 9% over 5 years",
        "profile": {"loan_amount": 20000},
    }
    response = await ask(client, tokens[Role.USER], body)
    assert response.status_code == 200
    assert response.json()["metrics"]["loan_amount"] == 20000


async def test_missing_rate_is_an_explicit_assumption(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    profile = {"loan_type": "mortgage", "loan_amount": 250000, "credit_score": 700}
    response = await ask(
        client, tokens[Role.USER], {"query": "What will my payment be?", "profile": profile}
    )
    assert response.status_code == 200
    body = response.json()
    assert "interest_rate" in body["metrics"]
    assert any("rate" in a.lower() and "assumed" in a.lower() for a in body["assumptions"])


async def test_repeat_question_is_served_from_cache(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    body = {"query": "When can PMI be cancelled on my loan?", "profile": {"credit_score": 700}}
    first = await ask(client, tokens[Role.USER], body)
    second = await ask(
        client, tokens[Role.USER], {**body, "query": "  when can PMI be cancelled on my LOAN? "}
    )
    assert first.json()["cached"] is False
    assert second.json()["cached"] is True
    assert second.json()["advice"] == first.json()["advice"]
    assert second.json()["request_id"] != first.json()["request_id"]


async def test_history_lists_own_requests_newest_first(
    app: FastAPI, client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    own, headers = await client_as(app, f"history-{uuid.uuid4().hex[:8]}", Role.USER)
    try:
        questions = ("first question about auto loan terms", "second question about budgeting")
        for q in questions:
            assert (await own.post("/api/v1/advice", json={"query": q}, headers=headers)).is_success
        page = await own.get("/api/v1/advice/history?limit=1", headers=headers)
        assert page.status_code == 200
        data = page.json()
        assert [i["query"] for i in data["items"]] == [questions[1]]
        assert data["next_cursor"]
        rest = await own.get(
            f"/api/v1/advice/history?limit=50&cursor={data['next_cursor']}", headers=headers
        )
        assert [i["query"] for i in rest.json()["items"]] == [questions[0]]
        assert rest.json()["next_cursor"] is None
    finally:
        await own.aclose()
    other = await client.get("/api/v1/advice/history", headers=bearer(tokens[Role.ADMIN]))
    assert all(i["query"] not in questions for i in other.json()["items"])


@pytest.mark.parametrize(
    "query",
    [
        "What's a good DTI? I'd like to know & compare 28/36 vs 43% / 50%.",
        "Préstamo hipotecario: ¿qué es PMI? 住宅ローン",
        "x",
        "a" * 2000,
    ],
)
async def test_any_printable_query_is_accepted(
    client: httpx.AsyncClient, tokens: dict[Role, str], query: str
) -> None:
    response = await ask(client, tokens[Role.USER], {"query": query})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": ""}, "body.query"),
        ({"query": "   "}, "body.query"),
        ({"query": "a" * 2001}, "body.query"),
        ({"query": "nul \x00 byte"}, "body.query"),
        ({}, "body.query"),
        ({"query": "q", "profile": {"annual_income": -1}}, "body.profile.annual_income"),
        ({"query": "q", "profile": {"credit_score": 900}}, "body.profile.credit_score"),
        ({"query": "q", "profile": {"credit_score": 299}}, "body.profile.credit_score"),
        ({"query": "q", "profile": {"interest_rate": 30.5}}, "body.profile.interest_rate"),
        ({"query": "q", "profile": {"term_years": 0}}, "body.profile.term_years"),
        ({"query": "q", "profile": {"term_years": 51}}, "body.profile.term_years"),
        ({"query": "q", "profile": {"loan_type": "yacht"}}, "body.profile.loan_type"),
        ({"query": "q", "profile": {"loan_amount": "lots"}}, "body.profile.loan_amount"),
        ({"query": "q", "profile": {"role": "admin"}}, "body.profile.role"),
        ({"query": "q", "profile": {"home_price": 100, "down_payment": 200}}, "body.profile"),
    ],
)
async def test_bad_input_is_422_with_field_path_and_writes_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: dict[Role, str],
    body: dict[str, Any],
    field: str,
) -> None:
    before = await history_rows(app)
    response = await ask(client, tokens[Role.USER], body)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"] == "validation_error"
    assert field in payload["detail"]
    assert payload["request_id"] == response.headers["x-request-id"]
    assert await history_rows(app) == before


async def test_non_json_body_is_422(client: httpx.AsyncClient, tokens: dict[Role, str]) -> None:
    response = await client.post(
        "/api/v1/advice",
        content=b"query=hello",
        headers={**bearer(tokens[Role.USER]), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}]
)
async def test_advice_needs_a_valid_token(
    app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    before = await history_rows(app)
    response = await client.post("/api/v1/advice", json={"query": "hello"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "not_authenticated"
    assert await history_rows(app) == before


async def test_without_an_index_the_answer_says_so(
    app: FastAPI, client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    holder: IndexHolder = INDEX_HOLDER.of(app)
    served = holder.swap(None)
    try:
        response = await ask(
            client, tokens[Role.USER], {"query": "What is PMI?", "profile": PROFILE}
        )
    finally:
        holder.swap(served)
    assert response.status_code == 200
    body = response.json()
    assert body["citations"] == []
    assert body["index_version"] is None
    assert "cites no sources" in body["advice"]
    assert body["metrics"]["monthly_payment"] == 1896.20


async def test_openapi_documents_the_advice_body_and_credentials(client: httpx.AsyncClient) -> None:
    # The route reads its body itself (core/bodies.py); OpenAPI must still show it as the
    # streamed route, which declares the same body, shows it.
    paths = (await client.get("/openapi.json")).json()["paths"]
    advice, stream = paths["/api/v1/advice"]["post"], paths["/api/v1/advice/stream"]["post"]
    assert advice["requestBody"] == stream["requestBody"]
    assert advice["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LoanQuery"
    }
    assert advice["security"] == stream["security"]
    assert advice["responses"]["422"] == stream["responses"]["422"]


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("does checking my own credit score lower it?", "Checking your own score"),
        ("can i call my credit card company and ask for a lower apr?", "Yes, call and ask"),
        ("what's a loan modification and how is it different from forbearance", "Forbearance"),
        ("what is an index fund", "An index fund holds"),
        (
            "Should I pay off my 6.8% student loans early or invest in my 401k? "
            "My employer matches 4%.",
            "Contribute at least 4% of your pay to get the full employer match first",
        ),
        ("want to save $6k for a trip in 10 months", "To have $6,000 in 10 months, set aside $600"),
    ],
)
async def test_a_question_about_one_thing_is_answered_first(
    client: httpx.AsyncClient, tokens: dict[Role, str], question: str, opening: str
) -> None:
    response = await ask(client, tokens[Role.USER], {"query": question})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"].startswith(opening), body["summary"]
    assert body["advice"].startswith(opening)
