"""A stub LLM HTTP server on 127.0.0.1, run for real in the test's event loop.

It speaks just enough HTTP/1.1 (one request per connection) to play an OpenAI-compatible,
Anthropic or Bedrock Converse endpoint (answers or tool calls), and each request gets the
next scripted behaviour, or the default once the script is used up: an answer, a hang, an
error status, a dropped connection, malformed JSON or a Server-Sent Events stream. Every
request it receives is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from apfa.core.config import Settings

API_KEY = "sk-test-" + "k" * 24


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        return "\n".join(str(m["content"]) for m in self.body.get("messages", []))


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass(frozen=True)
class Hang:
    """Accept the request and answer nothing until released (or ``seconds`` pass)."""

    seconds: float = 30.0


@dataclass(frozen=True)
class Drop:
    """Close the connection without a response."""


@dataclass(frozen=True)
class Stream:
    events: list[str]
    delay: float = 0.0


Behaviour = Reply | Hang | Drop | Stream


def json_reply(payload: Any, status: int = 200, **headers: str) -> Reply:
    return Reply(status, json.dumps(payload).encode(), headers)


def openai_answer(text: str, prompt_tokens: int = 120, completion_tokens: int = 30) -> Reply:
    return json_reply(
        {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
        }
    )


def openai_stream(pieces: list[str]) -> Stream:
    chunks: list[dict[str, Any]] = [
        {"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces
    ]
    chunks.append({"choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 9}})
    return Stream([f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"])


def anthropic_answer(text: str) -> Reply:
    return json_reply(
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": text}],
            "usage": {"input_tokens": 80, "output_tokens": 20},
        }
    )


def anthropic_stream(pieces: list[str]) -> Stream:
    def event(name: str, payload: dict[str, Any]) -> str:
        return f"event: {name}\ndata: {json.dumps(payload)}\n\n"

    return Stream(
        [
            event("message_start", {"message": {"usage": {"input_tokens": 40}}}),
            *(
                event("content_block_delta", {"delta": {"type": "text_delta", "text": p}})
                for p in pieces
            ),
            event("message_delta", {"usage": {"output_tokens": 6}}),
            event("message_stop", {}),
        ]
    )


# A tool call as a test scripts it: (name, arguments); arguments as a string are sent as
# they are (OpenAI's arguments are a JSON string, which a model may get wrong).
Call = tuple[str, dict[str, Any] | str]


def openai_tool_calls(*calls: Call, text: str | None = None, delay: float = 0.0) -> Reply:
    wire = [
        {
            "id": f"call_{i}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": args if isinstance(args, str) else json.dumps(args),
            },
        }
        for i, (name, args) in enumerate(calls)
    ]
    message = {"role": "assistant", "content": text, "tool_calls": wire}
    payload = {
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": 200, "completion_tokens": 20},
    }
    return Reply(200, json.dumps(payload).encode(), delay=delay)


def anthropic_tool_use(*calls: Call, text: str = "") -> Reply:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    blocks += [
        {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": args}
        for i, (name, args) in enumerate(calls)
    ]
    return json_reply(
        {
            "type": "message",
            "role": "assistant",
            "content": blocks,
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 150, "output_tokens": 25},
        }
    )


def _converse(content: list[dict[str, Any]], stop: str) -> Reply:
    return json_reply(
        {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {"inputTokens": 90, "outputTokens": 12, "totalTokens": 102},
            "metrics": {"latencyMs": 5},
        }
    )


def bedrock_answer(text: str) -> Reply:
    return _converse([{"text": text}], "end_turn")


def bedrock_tool_use(*calls: Call) -> Reply:
    return _converse(
        [
            {"toolUse": {"toolUseId": f"tooluse_{i}", "name": name, "input": args}}
            for i, (name, args) in enumerate(calls)
        ],
        "tool_use",
    )


SERVER_ERROR = Reply(500, b'{"error": "boom"}')
MALFORMED = Reply(200, b'{"choices": [{"message": ')


class StubLLM:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.default: Behaviour = openai_answer("The stub has nothing to say.")
        self._script: deque[Behaviour] = deque()
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, *behaviours: Behaviour) -> None:
        self._script.extend(behaviours)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in header_lines if line)
            }
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            method, path, _ = request_line.split(" ", 2)
            self.seen.append(Seen(method, path, headers, json.loads(raw) if raw else {}))
            behaviour = self._script.popleft() if self._script else self.default
            await self._act(behaviour, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _act(self, behaviour: Behaviour, writer: asyncio.StreamWriter) -> None:
        if isinstance(behaviour, Hang):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), behaviour.seconds)
        elif isinstance(behaviour, Drop):
            writer.transport.abort()
        elif isinstance(behaviour, Stream):
            writer.write(_head(200, "text/event-stream", {}, None))
            for event in behaviour.events:
                await asyncio.sleep(behaviour.delay)
                writer.write(event.encode())
                await writer.drain()
        else:
            await asyncio.sleep(behaviour.delay)
            head = _head(
                behaviour.status, behaviour.content_type, behaviour.headers, behaviour.body
            )
            writer.write(head + behaviour.body)
            await writer.drain()


def _head(status: int, content_type: str, headers: dict[str, str], body: bytes | None) -> bytes:
    lines = [f"HTTP/1.1 {status} STUB", f"Content-Type: {content_type}", "Connection: close"]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def llm_overrides(stub: StubLLM, **overrides: Any) -> dict[str, Any]:
    """Settings for an OpenAI-compatible chain pointed at the stub, with test-sized timings."""
    return {
        "llm_providers": "openai,grounded",
        "openai_base_url": stub.base_url,
        "openai_model": "stub-model",
        "openai_api_key": SecretStr(API_KEY),
        "llm_read_timeout_seconds": 0.3,
        "llm_connect_timeout_seconds": 1.0,
        "llm_max_attempts": 1,
        "llm_retry_initial_seconds": 0.01,
        "llm_retry_max_seconds": 2.0,
        "breaker_open_seconds": 0.5,
        **overrides,
    }


def llm_settings(stub: StubLLM, **overrides: Any) -> Settings:
    return Settings(_env_file=None, **llm_overrides(stub, **overrides))
