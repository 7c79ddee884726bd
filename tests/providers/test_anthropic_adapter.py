"""The Anthropic Messages adapter against the stub server playing ``/v1/messages``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from apfa.core.config import Settings
from apfa.providers.llm import GenerationRequest, ProviderError, SourcePassage
from apfa.providers.registry import ProviderConfigError, ProviderSet, build_providers
from apfa.providers.resilience import ResilientGenerator
from llm_stub import (
    API_KEY,
    Reply,
    StubLLM,
    anthropic_answer,
    anthropic_stream,
    json_reply,
    llm_settings,
)

REQUEST = GenerationRequest(
    question="What is a good DTI?",
    passages=(SourcePassage(1, "DTI", "Many lenders cap back-end DTI at 43%."),),
)


def anthropic_settings(stub: StubLLM, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "llm_providers": "anthropic,grounded",
        "anthropic_base_url": stub.root_url,
        "anthropic_api_key": SecretStr(API_KEY),
        "anthropic_model": "claude-stub",
        "llm_max_attempts": 3,
        **overrides,
    }
    return llm_settings(stub, **values)


@pytest.fixture
async def anthropic(stub: StubLLM) -> AsyncIterator[ResilientGenerator]:
    providers: ProviderSet = await build_providers(anthropic_settings(stub))
    [generator] = providers.generators
    yield generator
    await providers.aclose()


async def test_answer_and_request_shape(stub: StubLLM, anthropic: ResilientGenerator) -> None:
    stub.default = anthropic_answer("Lenders cap it at 43% [1].")
    generation = await anthropic.generate(REQUEST)
    assert anthropic.name == "anthropic"
    assert generation.text == "Lenders cap it at 43% [1]."
    assert (generation.usage.prompt_tokens, generation.usage.completion_tokens) == (80, 20)
    [seen] = stub.seen
    assert seen.path == "/v1/messages"
    assert seen.headers["x-api-key"] == API_KEY
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert seen.body["model"] == "claude-stub"
    assert "Cite the sources" in seen.body["system"]
    assert [m["role"] for m in seen.body["messages"]] == ["user"]
    assert "[1] DTI" in seen.prompt


async def test_overloaded_529_is_retried(stub: StubLLM, anthropic: ResilientGenerator) -> None:
    stub.script(json_reply({"type": "error", "error": {"type": "overloaded_error"}}, 529))
    stub.default = anthropic_answer("ok")
    assert (await anthropic.generate(REQUEST)).text == "ok"
    assert len(stub.seen) == 2


async def test_streaming(stub: StubLLM, anthropic: ResilientGenerator) -> None:
    stub.default = anthropic_stream(["Lenders ", "cap it ", "[1]."])
    assert [p async for p in anthropic.stream(REQUEST)] == ["Lenders ", "cap it ", "[1]."]
    assert stub.seen[0].body["stream"] is True


async def test_no_text_is_a_bad_response(stub: StubLLM, anthropic: ResilientGenerator) -> None:
    stub.default = json_reply({"content": [{"type": "tool_use"}], "usage": {}})
    with pytest.raises(ProviderError, match="empty answer"):
        await anthropic.generate(REQUEST)
    stub.default = Reply(200, b"not json")
    with pytest.raises(ProviderError, match="malformed response"):
        await anthropic.generate(REQUEST)


async def test_missing_key_is_a_startup_error(stub: StubLLM) -> None:
    settings = anthropic_settings(stub, anthropic_api_key=None)
    with pytest.raises(ProviderConfigError, match="APFA_ANTHROPIC_API_KEY"):
        await build_providers(settings)


async def test_key_may_come_from_a_secret_file(stub: StubLLM, tmp_path: Path) -> None:
    path = tmp_path / "anthropic_api_key"
    path.write_text(API_KEY + "\n", encoding="utf-8")
    settings = anthropic_settings(stub, anthropic_api_key=None, anthropic_api_key_file=path)
    providers = await build_providers(settings)
    try:
        stub.default = anthropic_answer("ok [1].")
        await providers.generators[0].generate(REQUEST)
    finally:
        await providers.aclose()
    assert stub.seen[0].headers["x-api-key"] == API_KEY
