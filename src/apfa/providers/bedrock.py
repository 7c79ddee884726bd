"""AWS Bedrock through the Converse API (boto3 ``bedrock-runtime``).

boto3 is blocking, so each call runs in a worker thread. It is an optional extra
(``pip install apfa[bedrock]``) imported only when Bedrock is configured. botocore's own
retries are off: retries, backoff and the breaker are ours, as for every provider.
``stream`` yields the whole answer as one piece: the answer is checked as a whole before
anyone sees it, so token-by-token delivery would buy nothing here.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from apfa.providers.http import HttpOptions, require_text
from apfa.providers.llm import Generation, GenerationRequest, ProviderError, Usage
from apfa.providers.prompt import SYSTEM_PROMPT, user_prompt
from apfa.providers.tools import AssistantTurn, Conversation, Message, ToolCall, UserText

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ModelTimeoutException",
        "InternalServerException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
    }
)


def create_client(
    region: str | None, options: HttpOptions, endpoint_url: str | None = None
) -> BedrockRuntimeClient:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("Bedrock needs boto3: pip install 'apfa[bedrock]'") from exc
    config = Config(
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    return boto3.client(
        "bedrock-runtime", region_name=region, config=config, endpoint_url=endpoint_url
    )


def _translate(exc: Exception) -> ProviderError:
    from botocore.exceptions import (
        ClientError,
        ConnectionError,
        ConnectTimeoutError,
        ReadTimeoutError,
    )

    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return ProviderError("timeout", outcome="timeout", retryable=True)
    if isinstance(exc, ConnectionError):
        return ProviderError("connection error", outcome="connection_error", retryable=True)
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "error"))
        if code == "ThrottlingException":
            return ProviderError("rate limited (throttled)", outcome="rate_limited", retryable=True)
        retryable = code in RETRYABLE_CODES
        outcome = "server_error" if retryable else "client_error"
        return ProviderError(code, outcome=outcome, retryable=retryable)
    return ProviderError("malformed response", outcome="bad_response")


class BedrockAdapter:
    def __init__(
        self,
        client: BedrockRuntimeClient,
        model_id: str,
        *,
        max_tokens: int = 1024,
        temperature: float = 0.2,
        name: str = "bedrock",
    ) -> None:
        self._client = client
        self._model_id = model_id
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def _converse(self, request: GenerationRequest) -> dict[str, Any]:
        response = self._client.converse(
            modelId=self._model_id,
            system=[{"text": SYSTEM_PROMPT}],
            messages=[{"role": "user", "content": [{"text": user_prompt(request)}]}],
            inferenceConfig={"maxTokens": self._max_tokens, "temperature": self._temperature},
        )
        return dict(response)

    async def complete(self, request: GenerationRequest) -> Generation:
        try:
            response = await anyio.to_thread.run_sync(partial(self._converse, request))
            blocks = response["output"]["message"]["content"]
            text = "".join(str(b["text"]) for b in blocks if "text" in b)
            usage = response.get("usage") or {}
            return Generation(
                require_text(text),
                Usage(int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0))),
            )
        except ProviderError:
            raise
        except Exception as exc:
            raise _translate(exc) from exc

    def _converse_tools(self, conversation: Conversation) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if conversation.tools:
            specs = [
                {
                    "toolSpec": {
                        "name": t.name,
                        "description": t.description,
                        "inputSchema": {"json": dict(t.parameters)},
                    }
                }
                for t in conversation.tools
            ]
            extra["toolConfig"] = {"tools": specs}
        response = self._client.converse(
            modelId=self._model_id,
            system=[{"text": conversation.system}],
            messages=[_wire(m) for m in conversation.messages],  # type: ignore[misc]
            inferenceConfig={"maxTokens": self._max_tokens, "temperature": self._temperature},
            **extra,
        )
        return dict(response)

    async def converse(self, conversation: Conversation) -> AssistantTurn:
        """One turn with tools: ``toolConfig`` offered, ``toolUse`` blocks read back."""
        try:
            response = await anyio.to_thread.run_sync(partial(self._converse_tools, conversation))
            blocks = response["output"]["message"]["content"]
            text = "".join(str(b["text"]) for b in blocks if "text" in b)
            calls = tuple(
                ToolCall(
                    str(use["toolUseId"]),
                    str(use["name"]),
                    use["input"] if isinstance(use.get("input"), dict) else None,
                    str(use.get("input")),
                )
                for use in (b["toolUse"] for b in blocks if "toolUse" in b)
            )
            if not calls:
                text = require_text(text)
            usage = response.get("usage") or {}
            return AssistantTurn(
                text,
                calls,
                Usage(int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0))),
            )
        except ProviderError:
            raise
        except Exception as exc:
            raise _translate(exc) from exc

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str | Usage, None]:
        generation = await self.complete(request)
        yield generation.usage
        yield generation.text

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self._client.close)


def _wire(message: Message) -> dict[str, Any]:
    if isinstance(message, UserText):
        return {"role": "user", "content": [{"text": message.text}]}
    if isinstance(message, AssistantTurn):
        content: list[dict[str, Any]] = [{"text": message.text}] if message.text else []
        content += [
            {"toolUse": {"toolUseId": c.id, "name": c.name, "input": c.arguments or {}}}
            for c in message.calls
        ]
        return {"role": "assistant", "content": content}
    return {
        "role": "user",
        "content": [
            {
                "toolResult": {
                    "toolUseId": r.call_id,
                    "content": [{"text": r.content}],
                    "status": "error" if r.is_error else "success",
                }
            }
            for r in message.results
        ],
    }
