"""The Bedrock Converse adapter with botocore's Stubber: no network, no AWS account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from apfa.core.config import Settings
from apfa.providers.bedrock import BedrockAdapter, create_client
from apfa.providers.breaker import CircuitBreaker
from apfa.providers.http import HttpOptions
from apfa.providers.llm import GenerationRequest, ProviderError, SourcePassage
from apfa.providers.registry import build_providers
from apfa.providers.resilience import ResilientGenerator, RetryPolicy

MODEL = "anthropic.claude-stub-v1:0"
REQUEST = GenerationRequest(
    question="When can I cancel PMI?",
    passages=(SourcePassage(1, "PMI", "Ask to cancel PMI at 80% of the original value."),),
)


def converse_response(text: str) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 90, "outputTokens": 12, "totalTokens": 102},
        "metrics": {"latencyMs": 5},
    }


EXPECTED = {
    "modelId": MODEL,
    "system": ANY,
    "messages": ANY,
    "inferenceConfig": {"maxTokens": 1024, "temperature": 0.2},
}


@pytest.fixture
def client() -> Iterator[Any]:
    made = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="AKIDSTUB",
        aws_secret_access_key="stub-secret",
    )
    yield made
    made.close()


def resilient(client: Any, attempts: int = 3) -> ResilientGenerator:
    return ResilientGenerator(
        BedrockAdapter(client, MODEL),
        CircuitBreaker("bedrock-test", failure_threshold=5),
        RetryPolicy(max_attempts=attempts, initial_wait=0.01, max_wait=1.0),
    )


async def test_converse_answer_and_usage(client: Any) -> None:
    with Stubber(client) as stubber:
        stubber.add_response("converse", converse_response("Cancel at 80% [1]."), EXPECTED)
        generation = await resilient(client).generate(REQUEST)
        stubber.assert_no_pending_responses()
    assert generation.text == "Cancel at 80% [1]."
    assert (generation.usage.prompt_tokens, generation.usage.completion_tokens) == (90, 12)


async def test_request_carries_prompt_and_sources(client: Any) -> None:
    captured: dict[str, Any] = {}

    def capture(params: dict[str, Any], **_: Any) -> None:
        captured.update(params)

    client.meta.events.register("provide-client-params.bedrock-runtime.Converse", capture)
    with Stubber(client) as stubber:
        stubber.add_response("converse", converse_response("ok [1]"), EXPECTED)
        await resilient(client).generate(REQUEST)
    assert "Cite the sources" in captured["system"][0]["text"]
    assert "[1] PMI" in captured["messages"][0]["content"][0]["text"]


async def test_throttling_is_retried(client: Any) -> None:
    with Stubber(client) as stubber:
        stubber.add_client_error("converse", "ThrottlingException", http_status_code=429)
        stubber.add_client_error("converse", "ServiceUnavailableException", http_status_code=503)
        stubber.add_response("converse", converse_response("third time"), EXPECTED)
        assert (await resilient(client).generate(REQUEST)).text == "third time"
        stubber.assert_no_pending_responses()


async def test_validation_errors_are_not_retried(client: Any) -> None:
    with Stubber(client) as stubber:
        stubber.add_client_error("converse", "ValidationException", http_status_code=400)
        with pytest.raises(ProviderError) as caught:
            await resilient(client).generate(REQUEST)
        stubber.assert_no_pending_responses()
    assert (caught.value.reason, caught.value.outcome) == ("ValidationException", "client_error")


async def test_stream_yields_the_whole_answer(client: Any) -> None:
    with Stubber(client) as stubber:
        stubber.add_response("converse", converse_response("all at once [1]"), EXPECTED)
        assert [p async for p in resilient(client).stream(REQUEST)] == ["all at once [1]"]


async def test_registry_builds_it_without_network() -> None:
    settings = Settings(
        _env_file=None, llm_providers="bedrock", bedrock_model_id=MODEL, bedrock_region="eu-west-1"
    )
    providers = await build_providers(settings)
    assert [g.name for g in providers.generators] == ["bedrock"]
    assert set(providers.breakers) == {"bedrock"}
    await providers.aclose()
    no_retries = create_client("eu-west-1", HttpOptions(1.0, 2.0))
    assert no_retries.meta.config.retries["total_max_attempts"] == 1
    assert no_retries.meta.config.read_timeout == 2.0
    no_retries.close()
