"""POST /api/v1/advice on an app configured with ``openai,grounded`` and pointed at the stub
server: a checked LLM answer is served as ``openai``; an invented figure, an outage or an
open breaker still gives the user a 200 grounded answer that says why it fell back. Runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.knowledge.flows import ingest_and_publish
from apfa.main import create_app
from apfa.providers.breaker import BREAKERS, BreakerState
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from llm_stub import (
    MALFORMED,
    SERVER_ERROR,
    Drop,
    Hang,
    StubLLM,
    json_reply,
    llm_overrides,
    openai_answer,
)
from support import PASSWORD, bearer, login

CORPUS = Path(__file__).parents[1] / "data" / "corpus"
OPEN_SECONDS = 120.0  # the fast-fail requests below all land while open, on any machine
QUESTION = "Do I need PMI with less than 20% down, and when can I cancel it?"
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
GOOD_ANSWER = (
    "With 20% down on a $375,000 home, your monthly principal and interest is $1,896.20 [1]. "
    "Private mortgage insurance is not needed at an 80% loan-to-value ratio [1]."
)


@dataclass
class LlmApp:
    app: FastAPI
    http: httpx.AsyncClient
    token: str

    async def ask(self, query: str = QUESTION) -> dict[str, Any]:
        response = await self.http.post(
            "/api/v1/advice",
            json={"query": query, "profile": PROFILE},
            headers=bearer(self.token),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def _prepare(settings: Settings, embedder: SentenceTransformerEmbedder) -> None:
    engine = create_engine(settings)
    try:
        maker = create_sessionmaker(engine)
        await ingest_and_publish(maker, embedder, settings.index_dir, [CORPUS])
        async with session_scope(maker) as session:
            await create_user(session, "llm-user", PASSWORD, Role.USER)
    finally:
        await engine.dispose()


@pytest.fixture
async def llm_app(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder, stub: StubLLM
) -> AsyncIterator[LlmApp]:
    settings = isolated_settings.model_copy(
        update=llm_overrides(
            stub, breaker_open_seconds=OPEN_SECONDS, rate_limit_advice="100000/minute"
        )
    )
    await _prepare(settings, embedder)
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield LlmApp(application, http, await login(http, "llm-user"))


def markers(advice: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", advice)}


async def test_a_checked_llm_answer_is_served_and_cached(llm_app: LlmApp, stub: StubLLM) -> None:
    stub.default = openai_answer(GOOD_ANSWER)
    body = await llm_app.ask()
    assert (body["provider"], body["fallback_reason"]) == ("openai", None)
    assert body["advice"] == GOOD_ANSWER
    assert [c["n"] for c in body["citations"]] == [1]
    assert body["citations"][0]["title"] == "Private Mortgage Insurance"
    assert body["metrics"]["monthly_payment"] == 1896.20
    [seen] = stub.seen
    assert "[1] Private Mortgage Insurance" in seen.prompt
    assert "monthly_payment = 1896.2" in seen.prompt
    again = await llm_app.ask()
    assert (again["provider"], again["cached"], again["advice"]) == ("openai", True, GOOD_ANSWER)
    assert len(stub.seen) == 1


async def test_an_invented_figure_falls_back_and_is_not_cached(
    llm_app: LlmApp, stub: StubLLM
) -> None:
    stub.default = openai_answer("Your rate would be 7.25% and PMI is required [1].")
    body = await llm_app.ask()
    assert body["provider"] == "grounded"
    assert body["fallback_reason"] == "openai: invented figure 7.25%"
    assert "7.25" not in body["advice"]
    assert "$1,896.20" in body["advice"]
    assert markers(body["advice"]) == {c["n"] for c in body["citations"]}
    stub.default = openai_answer(GOOD_ANSWER)
    recovered = await llm_app.ask()
    assert (recovered["provider"], recovered["cached"]) == ("openai", False)


async def test_outage_opens_the_breaker_and_users_still_get_answers(
    llm_app: LlmApp, stub: StubLLM
) -> None:
    breaker = BREAKERS.of(llm_app.app)["openai"]
    stub.script(
        Hang(), SERVER_ERROR, Drop(), MALFORMED, json_reply({}, 429, **{"Retry-After": "1"})
    )
    reasons = [(await llm_app.ask())["fallback_reason"] for _ in range(5)]
    assert reasons == [
        "openai: timeout",
        "openai: http 500",
        "openai: connection error",
        "openai: malformed response",
        "openai: rate limited (http 429)",
    ]
    assert breaker.state is BreakerState.OPEN
    assert REGISTRY.get_sample_value("apfa_circuit_breaker_state", {"name": "openai"}) == 2
    for _ in range(5):
        body = await llm_app.ask()
        assert (body["provider"], body["fallback_reason"]) == ("grounded", "openai: circuit open")
        assert body["citations"]
        assert "$1,896.20" in body["advice"]
    assert len(stub.seen) == 5
    # The open period passes: the breaker's clock moves past it instead of the test waiting.
    breaker._clock = lambda: time.monotonic() + OPEN_SECONDS + 1
    stub.default = openai_answer(GOOD_ANSWER)
    body = await llm_app.ask()
    assert (body["provider"], body["fallback_reason"]) == ("openai", None)
    assert breaker.state is BreakerState.CLOSED
    assert len(stub.seen) == 6
