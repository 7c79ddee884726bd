"""The OpenAI provider's breaker against a misbehaving stub server: it opens after five
failures of any kind, fails fast while open without touching the network, and recovers
through exactly one half-open trial."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from apfa.providers.breaker import BreakerState
from apfa.providers.llm import GenerationRequest, ProviderError
from apfa.providers.registry import ProviderSet, build_providers
from apfa.providers.resilience import ResilientGenerator
from llm_stub import (
    MALFORMED,
    SERVER_ERROR,
    Drop,
    Hang,
    Reply,
    StubLLM,
    json_reply,
    llm_settings,
    openai_answer,
)

REQUEST = GenerationRequest(question="What is PMI?")
OPEN_SECONDS = 0.4


@pytest.fixture
async def openai(stub: StubLLM) -> AsyncIterator[ResilientGenerator]:
    providers: ProviderSet = await build_providers(
        llm_settings(stub, breaker_open_seconds=OPEN_SECONDS, llm_read_timeout_seconds=0.2)
    )
    [generator] = providers.generators
    yield generator
    await providers.aclose()


async def reason_of(generator: ResilientGenerator) -> str:
    try:
        await generator.generate(REQUEST)
    except ProviderError as exc:
        return exc.reason
    return "ok"


async def trip(stub: StubLLM, openai: ResilientGenerator) -> None:
    stub.script(
        SERVER_ERROR,
        Hang(),
        json_reply({"error": "slow down"}, 429, **{"Retry-After": "1"}),
        Drop(),
        MALFORMED,
    )
    reasons = [await reason_of(openai) for _ in range(4)]
    assert openai.breaker.state is BreakerState.CLOSED
    reasons.append(await reason_of(openai))
    assert reasons == [
        "http 500",
        "timeout",
        "rate limited (http 429)",
        "connection error",
        "malformed response",
    ]
    assert openai.breaker.state is BreakerState.OPEN


def breaker_gauge() -> float | None:
    return REGISTRY.get_sample_value("apfa_circuit_breaker_state", {"name": "openai"})


async def test_opens_after_five_failures(stub: StubLLM, openai: ResilientGenerator) -> None:
    await trip(stub, openai)
    assert len(stub.seen) == 5
    assert breaker_gauge() == 2


async def test_open_breaker_fails_fast_without_network(
    stub: StubLLM, openai: ResilientGenerator
) -> None:
    await trip(stub, openai)
    seen = len(stub.seen)
    durations = []
    for _ in range(50):
        started = time.perf_counter()
        assert await reason_of(openai) == "circuit open"
        durations.append(time.perf_counter() - started)
    p99 = statistics.quantiles(durations, n=100)[98]
    assert p99 < 0.05, f"p99 {p99 * 1000:.1f} ms"
    assert len(stub.seen) == seen


async def test_one_half_open_trial_and_success_closes(
    stub: StubLLM, openai: ResilientGenerator
) -> None:
    await trip(stub, openai)
    seen = len(stub.seen)
    await asyncio.sleep(OPEN_SECONDS + 0.05)
    assert openai.breaker.state is BreakerState.HALF_OPEN
    assert breaker_gauge() == 1
    stub.default = Reply(200, openai_answer("recovered").body, delay=0.1)
    reasons = await asyncio.gather(*(reason_of(openai) for _ in range(10)))
    assert sorted(reasons) == ["circuit open"] * 9 + ["ok"]
    assert len(stub.seen) == seen + 1
    assert openai.breaker.state is BreakerState.CLOSED
    assert breaker_gauge() == 0
    assert await asyncio.gather(*(reason_of(openai) for _ in range(3))) == ["ok"] * 3


async def test_failed_trial_reopens(stub: StubLLM, openai: ResilientGenerator) -> None:
    await trip(stub, openai)
    await asyncio.sleep(OPEN_SECONDS + 0.05)
    seen = len(stub.seen)
    stub.default = Reply(500, b"{}", delay=0.1)
    reasons = await asyncio.gather(*(reason_of(openai) for _ in range(5)))
    assert sorted(reasons) == ["circuit open"] * 4 + ["http 500"]
    assert len(stub.seen) == seen + 1
    assert openai.breaker.state is BreakerState.OPEN
    assert await reason_of(openai) == "circuit open"
    assert len(stub.seen) == seen + 1
