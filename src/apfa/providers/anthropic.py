"""Anthropic Messages API over httpx (``POST {base_url}/v1/messages``)."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from apfa.providers.http import (
    HttpAdapter,
    HttpOptions,
    build_client,
    check_status,
    decode_json,
    require_text,
    sse_data,
    translating_errors,
)
from apfa.providers.llm import Generation, GenerationRequest, ProviderError, Usage
from apfa.providers.prompt import SYSTEM_PROMPT, user_prompt
from apfa.providers.tools import AssistantTurn, Conversation, Message, ToolCall, UserText

PATH = "/v1/messages"
API_VERSION = "2023-06-01"


class AnthropicAdapter(HttpAdapter):
    default_name = "anthropic"

    @classmethod
    def create(
        cls,
        base_url: str,
        model: str,
        api_key: str,
        options: HttpOptions,
        *,
        max_tokens: int = 1024,
        temperature: float = 0.2,
    ) -> AnthropicAdapter:
        headers = {"x-api-key": api_key, "anthropic-version": API_VERSION}
        client = build_client(base_url, headers, options)
        return cls(client, model, max_tokens=max_tokens, temperature=temperature)

    def _body(self, request: GenerationRequest, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._model,
            "system": SYSTEM_PROMPT,
            "messages": [{"role": "user", "content": user_prompt(request)}],
            "max_tokens": self._max_tokens,
            "temperature": self._temperature,
        }
        if stream:
            body["stream"] = True
        return body

    async def complete(self, request: GenerationRequest) -> Generation:
        with translating_errors():
            response = await self._client.post(PATH, json=self._body(request, stream=False))
            check_status(response)
            payload = decode_json(response)
            text = "".join(
                block["text"] for block in payload["content"] if block.get("type") == "text"
            )
            usage = payload.get("usage") or {}
            return Generation(
                require_text(text),
                Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)),
            )

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str | Usage, None]:
        prompt_tokens = 0
        with translating_errors():
            body = self._body(request, stream=True)
            async with self._client.stream("POST", PATH, json=body) as response:
                if response.status_code >= 400:
                    await response.aread()
                check_status(response)
                async for event, data in sse_data(response):
                    payload = json.loads(data)
                    if event == "error":
                        raise ProviderError("stream error", outcome="server_error", retryable=True)
                    if event == "message_start":
                        usage = payload["message"].get("usage") or {}
                        prompt_tokens = int(usage.get("input_tokens") or 0)
                    elif event == "content_block_delta":
                        delta = payload.get("delta") or {}
                        if delta.get("type") == "text_delta" and delta.get("text"):
                            yield str(delta["text"])
                    elif event == "message_delta":
                        usage = payload.get("usage") or {}
                        yield Usage(prompt_tokens, int(usage.get("output_tokens") or 0))
                    elif event == "message_stop":
                        break

    async def converse(self, conversation: Conversation) -> AssistantTurn:
        """One turn with tools: ``tools`` offered, ``tool_use`` blocks read back."""
        body: dict[str, Any] = {
            "model": self._model,
            "system": conversation.system,
            "messages": [_wire(m) for m in conversation.messages],
            "max_tokens": self._max_tokens,
            "temperature": self._temperature,
        }
        if conversation.tools:
            body["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": dict(t.parameters)}
                for t in conversation.tools
            ]
        with translating_errors():
            response = await self._client.post(PATH, json=body)
            check_status(response)
            payload = decode_json(response)
            blocks = payload["content"]
            text = "".join(b["text"] for b in blocks if b.get("type") == "text")
            calls = tuple(
                ToolCall(
                    str(b["id"]),
                    str(b["name"]),
                    b["input"] if isinstance(b.get("input"), dict) else None,
                    json.dumps(b.get("input")),
                )
                for b in blocks
                if b.get("type") == "tool_use"
            )
            if not calls:
                text = require_text(text)
            usage = payload.get("usage") or {}
            return AssistantTurn(
                text,
                calls,
                Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)),
            )

    async def aclose(self) -> None:
        await self._client.aclose()


def _wire(message: Message) -> dict[str, Any]:
    if isinstance(message, UserText):
        return {"role": "user", "content": message.text}
    if isinstance(message, AssistantTurn):
        content: list[dict[str, Any]] = [{"type": "text", "text": message.text}]
        if not message.text:
            content = []
        content += [
            {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments or {}}
            for c in message.calls
        ]
        return {"role": "assistant", "content": content}
    return {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": r.call_id,
                "content": r.content,
                "is_error": r.is_error,
            }
            for r in message.results
        ],
    }
