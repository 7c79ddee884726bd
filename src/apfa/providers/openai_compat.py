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

    async def aclose(self) -> None:
        await self._client.aclose()
