"""The agent loop (``advice.agent``) against the stub server playing an OpenAI-compatible
model that calls tools: a computed figure is accepted, an invented one is not, and the
step limit, the time limit, bad tool calls and provider errors all end in a reason for
the fallback."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from prometheus_client import REGISTRY

from apfa.advice.agent import Agent, AgentLimits
from apfa.advice.generation import Grounded, Inputs, request_for
from apfa.advice.tools import SEARCH, ToolRegistry
from apfa.knowledge.index.store import Hit, Passage
from apfa.providers.http import HttpOptions
from apfa.providers.openai_compat import OpenAICompatibleAdapter
from apfa.providers.registry import guard
from apfa.providers.resilience import ResilientGenerator
from llm_stub import (
    API_KEY,
    SERVER_ERROR,
    StubLLM,
    llm_settings,
    openai_answer,
    openai_tool_calls,
)

PMI = Hit(Passage(1, "pmi", "PMI", ("PMI",), "Ask to cancel PMI at 80% of the value."), 0.9)
RATES = Hit(Passage(2, "rates", "Rates", (), "A lower rate lowers the monthly payment."), 0.8)
WHAT_IF = ("loan_payment", {"loan_amount": 300000, "interest_rate": 5.5, "term_months": 360})
WHAT_IF_ANSWER = "At 5.5% the payment on $300,000 over 360 months is $1,703.37 [1]."


def inputs() -> Inputs:
    return Inputs(
        question="What would my payment be at 5.5%?",
        hits=[PMI],
        metrics={"monthly_payment": 1896.2},
        profile={"loan_amount": 300000, "interest_rate": 6.5, "term_months": 360},
        assumptions=[],
        risk_reasons=[],
        grounded=Grounded("The grounded answer.", []),
        plan=["intents: payment", "calculators run: loan_payment"],
    )


def llm(stub: StubLLM) -> ResilientGenerator:
    adapter = OpenAICompatibleAdapter.create(
        stub.base_url, "stub-model", API_KEY, HttpOptions(1.0, 2.0)
    )
    return guard(adapter, llm_settings(stub))


async def search(query: str, k: int) -> Sequence[Hit]:
    return [PMI, RATES][:k]


async def run(stub: StubLLM, steps: int = 4, seconds: float = 10.0) -> tuple[Any, list[str]]:
    agent = Agent(ToolRegistry.shared(), AgentLimits(steps, seconds), search)
    reasons: list[str] = []
    given = inputs()
    answer = await agent.answer(llm(stub), given, request_for(given), reasons)
    return answer, reasons


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


async def test_a_figure_a_tool_computed_is_verified(stub: StubLLM) -> None:
    stub.script(openai_tool_calls(WHAT_IF), openai_answer(WHAT_IF_ANSWER))
    answer, reasons = await run(stub)
    assert reasons == []
    assert answer is not None
    assert (answer.text, answer.provider) == (WHAT_IF_ANSWER, "openai")
    first, second = (s.body for s in stub.seen)
    names = {t["function"]["name"] for t in first["tools"]}
    assert {"loan_payment", "affordability", SEARCH} <= names
    assert "Plan:\n- intents: payment" in first["messages"][1]["content"]
    [result] = tool_messages(second)
    assert result["tool_call_id"] == "call_0"
    assert json.loads(result["content"])["figures"]["monthly_payment"] == "1703.37"
    assert second["messages"][2]["tool_calls"][0]["function"]["name"] == "loan_payment"


async def test_an_invented_figure_falls_back(stub: StubLLM) -> None:
    stub.script(openai_answer("Your payment would be $1,650.00 a month [1]."))
    answer, reasons = await run(stub)
    assert answer is None
    assert reasons == ["openai: invented figure $1,650.00"]


async def test_a_figure_is_verified_only_if_a_tool_computed_it(stub: StubLLM) -> None:
    stub.script(openai_answer(WHAT_IF_ANSWER))
    answer, reasons = await run(stub)
    assert answer is None
    assert reasons == ["openai: invented figure 5.5%"]


async def test_calling_tools_past_the_step_limit_falls_back(stub: StubLLM) -> None:
    before = REGISTRY.get_sample_value(
        "apfa_llm_agent_runs_total", {"provider": "openai", "outcome": "step_limit"}
    )
    stub.default = openai_tool_calls(WHAT_IF)
    answer, reasons = await run(stub, steps=2)
    assert answer is None
    assert reasons == ["openai: agent step limit (2)"]
    assert len(stub.seen) == 3
    after = REGISTRY.get_sample_value(
        "apfa_llm_agent_runs_total", {"provider": "openai", "outcome": "step_limit"}
    )
    assert after == (before or 0) + 1


async def test_a_slow_model_past_the_time_limit_falls_back(stub: StubLLM) -> None:
    stub.default = openai_tool_calls(WHAT_IF, delay=0.15)
    answer, reasons = await run(stub, seconds=0.4)
    assert answer is None
    assert reasons == ["openai: agent timeout (0.4s)"]
    assert 2 <= len(stub.seen) <= 3


async def test_bad_arguments_go_back_to_the_model_which_recovers(stub: StubLLM) -> None:
    stub.script(
        openai_tool_calls(("loan_payment", {"loan_amount": "lots", "interest_rate": 5.5})),
        openai_tool_calls(("loan_payment", "{not json"), ("no_such_tool", {})),
        openai_tool_calls(WHAT_IF),
        openai_answer(WHAT_IF_ANSWER),
    )
    answer, reasons = await run(stub)
    assert answer is not None
    assert reasons == []
    [first] = tool_messages(stub.seen[1].body)
    assert json.loads(first["content"]) == {"error": "loan_amount must be a number"}
    errors = [json.loads(m["content"])["error"] for m in tool_messages(stub.seen[2].body)[1:]]
    assert errors[0].startswith("arguments must be a JSON object")
    assert errors[1] == "no tool named 'no_such_tool'"


async def test_repeated_bad_tool_calls_fall_back(stub: StubLLM) -> None:
    stub.default = openai_tool_calls(("loan_payment", {"loan_amount": -5}))
    answer, reasons = await run(stub, steps=10)
    assert answer is None
    assert reasons == ["openai: agent repeated bad tool calls"]
    assert len(stub.seen) == 4


async def test_a_provider_error_mid_exchange_falls_back(stub: StubLLM) -> None:
    stub.script(openai_tool_calls(WHAT_IF), SERVER_ERROR)
    answer, reasons = await run(stub)
    assert answer is None
    assert reasons == ["openai: http 500"]


async def test_passages_a_search_found_may_be_cited(stub: StubLLM) -> None:
    text = "A lower rate lowers the monthly payment [2]; PMI can be cancelled at 80% [1]."
    stub.script(openai_tool_calls((SEARCH, {"query": "rate and payment", "k": 2})))
    stub.script(openai_answer(text))
    answer, reasons = await run(stub)
    assert reasons == []
    assert answer is not None
    assert [(c.n, c.hit.passage.title) for c in answer.cited] == [(1, "PMI"), (2, "Rates")]
    [result] = tool_messages(stub.seen[1].body)
    found = json.loads(result["content"])["passages"]
    assert [(p["n"], p["title"]) for p in found] == [(1, "PMI"), (2, "Rates")]


async def test_too_many_calls_in_one_step_are_not_run(stub: StubLLM) -> None:
    stub.script(openai_tool_calls(*[WHAT_IF] * 10), openai_answer(WHAT_IF_ANSWER))
    answer, _ = await run(stub)
    assert answer is not None
    results = [json.loads(m["content"]) for m in tool_messages(stub.seen[1].body)]
    assert [("error" in r) for r in results] == [False] * 8 + [True] * 2
    stub.script(openai_tool_calls(*[WHAT_IF] * 12))
    answer, reasons = await run(stub)
    assert answer is None
    assert reasons == ["openai: agent repeated bad tool calls"]
