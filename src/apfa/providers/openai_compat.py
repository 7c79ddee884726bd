"""OpenAI-compatible chat completions: OpenAI, vLLM, Ollama, llama.cpp server, LM Studio.

``base_url`` is the API root including its version, e.g. ``https://api.openai.com/v1`` or
``http://127.0.0.1:11434/v1``; requests go to ``{base_url}/chat/completions``.
"""

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
from apfa.providers.llm import Generation, GenerationRequest, Usage
from apfa.providers.prompt import SYSTEM_PROMPT, user_prompt
from apfa.providers.tools import AssistantTurn, Conversation, Message, ToolCall, UserText

PATH = "/chat/completions"


def _usage(payload: Any) -> Usage | None:
    if not isinstance(payload, dict):
        return None
    return Usage(int(payload.get("prompt_tokens") or 0), int(payload.get("completion_tokens") or 0))


class OpenAICompatibleAdapter(HttpAdapter):
    default_name = "openai"

    @classmethod
    def create(
        cls,
        base_url: str,
        model: str,
        api_key: str | None,
        options: HttpOptions,
        *,
        max_tokens: int = 1024,
        temperature: float = 0.2,
    ) -> OpenAICompatibleAdapter:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        client = build_client(base_url, headers, options)
        return cls(client, model, max_tokens=max_tokens, temperature=temperature)

    def _body(self, request: GenerationRequest, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user_prompt(request)},
            ],
            "max_tokens": self._max_tokens,
            "temperature": self._temperature,
        }
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(self, request: GenerationRequest) -> Generation:
        with translating_errors():
            response = await self._client.post(PATH, json=self._body(request, stream=False))
            check_status(response)
            payload = decode_json(response)
            text = require_text(payload["choices"][0]["message"]["content"])
            return Generation(text, _usage(payload.get("usage")) or Usage())

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str | Usage, None]:
        with translating_errors():
            body = self._body(request, stream=True)
            async with self._client.stream("POST", PATH, json=body) as response:
                if response.status_code >= 400:
                    await response.aread()
                check_status(response)
                async for _, data in sse_data(response):
                    if data.strip() == "[DONE]":
                        break
                    chunk = json.loads(data)
                    usage = _usage(chunk.get("usage"))
                    if usage is not None:
                        yield usage
                    for choice in chunk.get("choices") or []:
                        delta = (choice.get("delta") or {}).get("content")
                        if delta:
                            yield str(delta)

    async def converse(self, conversation: Conversation) -> AssistantTurn:
        """One turn with tools: ``tools`` offered, ``tool_calls`` read back."""
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [
                {"role": "system", "content": conversation.system},
                *(m for message in conversation.messages for m in _wire(message)),
            ],
            "max_tokens": self._max_tokens,
            "temperature": self._temperature,
        }
        if conversation.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": dict(t.parameters),
                    },
                }
                for t in conversation.tools
            ]
        with translating_errors():
            response = await self._client.post(PATH, json=body)
            check_status(response)
            payload = decode_json(response)
            message = payload["choices"][0]["message"]
            calls = tuple(_call(c) for c in message.get("tool_calls") or [])
            text = message.get("content") or ""
            if not calls:
                text = require_text(text)
            return AssistantTurn(str(text), calls, _usage(payload.get("usage")) or Usage())

    async def aclose(self) -> None:
        await self._client.aclose()


def _call(wire: dict[str, Any]) -> ToolCall:
    function = wire["function"]
    raw = function.get("arguments") or "{}"
    try:
        arguments = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        arguments = None
    if not isinstance(arguments, dict):
        arguments = None
    return ToolCall(str(wire["id"]), str(function["name"]), arguments, str(raw))


def _wire(message: Message) -> list[dict[str, Any]]:
    if isinstance(message, UserText):
        return [{"role": "user", "content": message.text}]
    if isinstance(message, AssistantTurn):
        out: dict[str, Any] = {"role": "assistant", "content": message.text or None}
        if message.calls:
            out["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.raw or json.dumps(c.arguments)},
                }
                for c in message.calls
            ]
        return [out]
    return [
        {"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in message.results
    ]
