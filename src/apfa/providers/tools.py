"""Tool use, provider-neutral: the tools offered, the conversation so far, and a model's
turn (text, tool calls or both).

An adapter that supports tools implements ``ToolAdapter.converse``: one request in its own
wire format (OpenAI-compatible ``tools``/``tool_calls``, Anthropic ``tool_use`` blocks,
Bedrock Converse ``toolUse``), one attempt, raising ``ProviderError`` on any failure. What
runs the tools and bounds the loop lives with the advice pipeline (``advice.agent``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from apfa.providers.llm import Usage

JsonObject = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool as a model sees it: ``parameters`` is a JSON Schema object."""

    name: str
    description: str
    parameters: JsonObject


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the model asked for. ``arguments`` is None when they were not a JSON object
    (the raw text is kept to tell the model what was wrong)."""

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw: str = ""


@dataclass(frozen=True, slots=True)
class ToolResult:
    call_id: str
    name: str
    content: str  # JSON text
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class UserText:
    text: str


@dataclass(frozen=True, slots=True)
class AssistantTurn:
    """What the model said: its text and the calls it made, echoed back on the next turn."""

    text: str = ""
    calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True, slots=True)
class ToolResults:
    results: tuple[ToolResult, ...] = ()


Message = UserText | AssistantTurn | ToolResults


@dataclass(frozen=True, slots=True)
class Conversation:
    system: str
    messages: Sequence[Message] = ()
    tools: Sequence[ToolSpec] = field(default_factory=tuple)


@runtime_checkable
class ToolAdapter(Protocol):
    """An adapter that can hold a conversation with tools (one attempt per call)."""

    @property
    def name(self) -> str: ...

    async def converse(self, conversation: Conversation) -> AssistantTurn: ...


@runtime_checkable
class ToolUser(Protocol):
    """What the agent loop calls: ``converse`` behind the provider's breaker and retries."""

    @property
    def name(self) -> str: ...

    @property
    def uses_tools(self) -> bool: ...

    async def converse(self, conversation: Conversation) -> AssistantTurn: ...
