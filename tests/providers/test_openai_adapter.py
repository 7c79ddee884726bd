"""The OpenAI-compatible adapter, with retries and accounting, against the stub server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from apfa.providers.llm import GenerationRequest, ProviderError, SourcePassage
from apfa.providers.registry import ProviderSet, build_providers
from apfa.providers.resilience import ResilientGenerator
from llm_stub import (
    API_KEY,
    MALFORMED,
    SERVER_ERROR,
    Drop,
    Hang,
    Reply,
    StubLLM,
    json_reply,
    llm_settings,
    openai_answer,
    openai_stream,
)

REQUEST = GenerationRequest(
    question="When can I cancel PMI?",
    passages=(SourcePassage(1, "PMI", "You can ask to cancel PMI at 80% of the original value."),),
    metrics={"monthly_payment": 1896.2, "ltv": 0.8},
    figure_lines=("Monthly principal and interest: $1,896.20.",),
    assumptions=("interest rate assumed 6.9%",),
)


@pytest.fixture
async def providers(stub: StubLLM, request: pytest.FixtureRequest) -> AsyncIterator[ProviderSet]:
    overrides: dict[str, Any] = getattr(request, "param", {})
    built = await build_providers(llm_settings(stub, **overrides))
    yield built
    await built.aclose()


def openai(providers: ProviderSet) -> ResilientGenerator:
    [generator] = providers.generators
    return generator


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    "providers", [{"llm_prices_per_1k": {"openai": (1.0, 2.0)}}], indirect=True
)
async def test_answer_prompt_headers_tokens_and_cost(stub: StubLLM, providers: ProviderSet) -> None:
    stub.default = openai_answer("Cancel at 80% [1].", prompt_tokens=1000, completion_tokens=500)
    tokens_before = sample("apfa_llm_tokens_total", {"provider": "openai", "kind": "prompt"})
    cost_before = sample("apfa_llm_cost_usd_total", {"provider": "openai"})
    ok_before = sample("apfa_llm_requests_total", {"provider": "openai", "outcome": "success"})
    generation = await openai(providers).generate(REQUEST)
    assert generation.text == "Cancel at 80% [1]."
    assert (generation.usage.prompt_tokens, generation.usage.completion_tokens) == (1000, 500)
    [seen] = stub.seen
    assert (seen.method, seen.path) == ("POST", "/v1/chat/completions")
    assert seen.headers["authorization"] == f"Bearer {API_KEY}"
    assert seen.body["model"] == "stub-model"
    assert [m["role"] for m in seen.body["messages"]] == ["system", "user"]
    for fragment in ("When can I cancel PMI?", "[1] PMI", "$1,896.20", "monthly_payment = 1896.2"):
        assert fragment in seen.prompt
    assert "interest rate assumed 6.9%" in seen.prompt
    after = sample("apfa_llm_tokens_total", {"provider": "openai", "kind": "prompt"})
    assert after - tokens_before == 1000
    cost = sample("apfa_llm_cost_usd_total", {"provider": "openai"}) - cost_before
    assert cost == pytest.approx(1.0 + 1.0)
    ok = sample("apfa_llm_requests_total", {"provider": "openai", "outcome": "success"})
    assert ok - ok_before == 1


@pytest.mark.parametrize("providers", [{"llm_max_attempts": 3}], indirect=True)
async def test_server_errors_are_retried(stub: StubLLM, providers: ProviderSet) -> None:
    stub.script(SERVER_ERROR, Reply(503))
    stub.default = openai_answer("fine")
    assert (await openai(providers).generate(REQUEST)).text == "fine"
    assert len(stub.seen) == 3


@pytest.mark.parametrize("providers", [{"llm_max_attempts": 3}], indirect=True)
async def test_429_waits_exactly_retry_after(stub: StubLLM, providers: ProviderSet) -> None:
    stub.script(json_reply({"error": "slow down"}, 429, **{"Retry-After": "1"}))
    stub.default = openai_answer("after the wait")
    started = time.perf_counter()
    assert (await openai(providers).generate(REQUEST)).text == "after the wait"
    elapsed = time.perf_counter() - started
    assert len(stub.seen) == 2
    # Backoff alone would wait about 0.01-0.02 s: the second try waited for Retry-After.
    assert 1.0 <= elapsed < 1.8


@pytest.mark.parametrize(
    "providers", [{"llm_max_attempts": 3, "llm_retry_max_seconds": 2.0}], indirect=True
)
async def test_retry_after_beyond_the_cap_is_not_waited_for(
    stub: StubLLM, providers: ProviderSet
) -> None:
    stub.default = json_reply({"error": "later"}, 429, **{"Retry-After": "120"})
    started = time.perf_counter()
    with pytest.raises(ProviderError) as caught:
        await openai(providers).generate(REQUEST)
    assert caught.value.reason == "rate limited (http 429)"
    assert caught.value.retry_after == pytest.approx(120)
    assert len(stub.seen) == 1
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("behaviour", "reason", "requests"),
    [
        (Hang(), "timeout", 3),
        (Drop(), "connection error", 3),
        (SERVER_ERROR, "http 500", 3),
        (MALFORMED, "malformed response", 1),
        (json_reply({"choices": []}), "malformed response", 1),
        (json_reply({"error": "bad model"}, 400), "http 400", 1),
        (json_reply({"error": "no key"}, 401), "http 401", 1),
    ],
)
@pytest.mark.parametrize("providers", [{"llm_max_attempts": 3}], indirect=True)
async def test_failures_are_classified_and_only_transient_ones_retried(
    stub: StubLLM,
    providers: ProviderSet,
    behaviour: Hang | Drop | Reply,
    reason: str,
    requests: int,
) -> None:
    stub.default = behaviour
    started = time.perf_counter()
    with pytest.raises(ProviderError) as caught:
        await openai(providers).generate(REQUEST)
    assert caught.value.reason == reason
    assert API_KEY not in str(caught.value)
    assert len(stub.seen) == requests
    # Three 0.3 s read timeouts plus short backoffs, not the 110 s production default.
    assert time.perf_counter() - started < 3.0


async def test_streaming_yields_pieces_and_records_tokens(
    stub: StubLLM, providers: ProviderSet
) -> None:
    stub.default = openai_stream(["Cancel ", "at 80% ", "[1]."])
    before = sample("apfa_llm_tokens_total", {"provider": "openai", "kind": "completion"})
    pieces = [p async for p in openai(providers).stream(REQUEST)]
    assert pieces == ["Cancel ", "at 80% ", "[1]."]
    assert stub.seen[0].body["stream"] is True
    after = sample("apfa_llm_tokens_total", {"provider": "openai", "kind": "completion"})
    assert after - before == 9


@pytest.mark.parametrize("providers", [{"llm_max_attempts": 2}], indirect=True)
async def test_stream_is_retried_before_its_first_piece(
    stub: StubLLM, providers: ProviderSet
) -> None:
    stub.script(SERVER_ERROR)
    stub.default = openai_stream(["ok"])
    assert [p async for p in openai(providers).stream(REQUEST)] == ["ok"]
    assert len(stub.seen) == 2


async def test_stream_failure_is_a_provider_error(stub: StubLLM, providers: ProviderSet) -> None:
    stub.default = Drop()
    with pytest.raises(ProviderError, match="connection error"):
        [p async for p in openai(providers).stream(REQUEST)]
