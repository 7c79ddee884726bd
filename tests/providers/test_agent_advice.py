"""POST /api/v1/advice with agent mode on (``APFA_LLM_AGENT``), the LLM played by the stub
server in each wire format: OpenAI-compatible ``tool_calls``, Anthropic ``tool_use``
blocks and Bedrock Converse ``toolUse`` (boto3 pointed at the stub). The model calls a
calculator for a what-if and answers with its figure: the answer is served, verified;
a figure no tool computed falls back to the grounded answer with the reason."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.knowledge.flows import ingest_and_publish
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from llm_stub import (
    API_KEY,
    Reply,
    StubLLM,
    anthropic_answer,
    anthropic_tool_use,
    bedrock_answer,
    bedrock_tool_use,
    llm_overrides,
    openai_answer,
    openai_tool_calls,
)
from support import PASSWORD, bearer, login

CORPUS = Path(__file__).parents[1] / "data" / "corpus"
QUESTION = "Do I need PMI with less than 20% down, and when can I cancel it?"
PROFILE = {
    "annual_income": 85000,
    "credit_score": 720,
    "loan_type": "mortgage",
    "home_price": 375000,
    "down_payment": 75000,
    "interest_rate": 6.5,
    "term_years": 30,
}
WHAT_IF = ("loan_payment", {"loan_amount": 300000, "interest_rate": 5.5, "term_months": 360})
ANSWER = "At 5.5% the payment on $300,000 over 360 months would be $1,703.37 [1]."
BEDROCK_MODEL = "anthropic.claude-stub-v1:0"


def provider_settings(stub: StubLLM, wire: str) -> dict[str, Any]:
    if wire == "anthropic":
        return {
            "llm_providers": "anthropic,grounded",
            "anthropic_base_url": stub.root_url,
            "anthropic_model": "stub-claude",
            "anthropic_api_key": SecretStr(API_KEY),
        }
    if wire == "bedrock":
        return {
            "llm_providers": "bedrock,grounded",
            "bedrock_model_id": BEDROCK_MODEL,
            "bedrock_region": "us-east-1",
            "bedrock_endpoint_url": stub.root_url,
        }
    return {}


def tool_call(wire: str) -> Reply:
    if wire == "anthropic":
        return anthropic_tool_use(WHAT_IF)
    if wire == "bedrock":
        return bedrock_tool_use(WHAT_IF)
    return openai_tool_calls(WHAT_IF)


def answer(wire: str, text: str) -> Reply:
    if wire == "anthropic":
        return anthropic_answer(text)
    if wire == "bedrock":
        return bedrock_answer(text)
    return openai_answer(text)


def tool_result(wire: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The call id and the decoded result the second request sends back to the model."""
    last = body["messages"][-1]
    if wire == "anthropic":
        block = last["content"][0]
        assert (last["role"], block["type"]) == ("user", "tool_result")
        return block["tool_use_id"], json.loads(block["content"])
    if wire == "bedrock":
        result = last["content"][0]["toolResult"]
        assert result["status"] == "success"
        return result["toolUseId"], json.loads(result["content"][0]["text"])
    assert last["role"] == "tool"
    return last["tool_call_id"], json.loads(last["content"])


def offered(wire: str, body: dict[str, Any]) -> set[str]:
    if wire == "anthropic":
        return {t["name"] for t in body["tools"]}
    if wire == "bedrock":
        return {t["toolSpec"]["name"] for t in body["toolConfig"]["tools"]}
    return {t["function"]["name"] for t in body["tools"]}


@dataclass
class AgentApp:
    http: httpx.AsyncClient
    token: str

    async def ask(self) -> dict[str, Any]:
        response = await self.http.post(
            "/api/v1/advice",
            json={"query": QUESTION, "profile": PROFILE},
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
            await create_user(session, "agent-user", PASSWORD, Role.USER)
    finally:
        await engine.dispose()


@pytest.fixture(params=["openai", "anthropic", "bedrock"])
def wire(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSTUB")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "stub-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    return str(request.param)


@pytest.fixture
async def agent_app(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder, stub: StubLLM, wire: str
) -> AsyncIterator[AgentApp]:
    overrides = llm_overrides(stub, llm_agent=True, llm_read_timeout_seconds=2.0)
    settings = isolated_settings.model_copy(
        update={**overrides, **provider_settings(stub, wire), "rate_limit_advice": "1000/minute"}
    )
    await _prepare(settings, embedder)
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield AgentApp(http, await login(http, "agent-user"))


async def test_a_model_calls_a_calculator_and_its_figure_is_served(
    agent_app: AgentApp, stub: StubLLM, wire: str
) -> None:
    stub.script(tool_call(wire), answer(wire, ANSWER))
    body = await agent_app.ask()
    assert (body["provider"], body["fallback_reason"]) == (wire, None)
    assert body["advice"] == ANSWER
    assert [c["n"] for c in body["citations"]] == [1]
    first, second = (seen.body for seen in stub.seen)
    assert {"loan_payment", "pmi", "search_knowledge"} <= offered(wire, first)
    assert "Plan:" in str(first["messages"])
    call_id, result = tool_result(wire, second)
    assert call_id.endswith("_0")
    assert result["figures"]["monthly_payment"] == "1703.37"


async def test_a_figure_no_tool_computed_falls_back_to_the_grounded_answer(
    agent_app: AgentApp, stub: StubLLM, wire: str
) -> None:
    stub.script(tool_call(wire), answer(wire, "It would be $1,650.00 a month [1]."))
    body = await agent_app.ask()
    assert body["provider"] == "grounded"
    assert body["fallback_reason"] == f"{wire}: invented figure $1,650.00"
    assert "$1,650.00" not in body["advice"]
    assert len(stub.seen) == 2


@pytest.mark.parametrize("wire", ["openai"], indirect=True)
async def test_search_knowledge_searches_the_served_index(
    agent_app: AgentApp, stub: StubLLM
) -> None:
    search = ("search_knowledge", {"query": "When can private mortgage insurance end?", "k": 3})
    text = "You can ask to cancel PMI once you reach 20% equity [1]."
    stub.script(openai_tool_calls(search), openai_answer(text))
    body = await agent_app.ask()
    assert (body["provider"], body["fallback_reason"], body["advice"]) == ("openai", None, text)
    _, result = tool_result("openai", stub.seen[1].body)
    found = result["passages"]
    assert 1 <= len(found) <= 3
    assert all(p["n"] >= 1 and p["text"] for p in found)
    assert any("mortgage insurance" in p["text"].lower() for p in found)
