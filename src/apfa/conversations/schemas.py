"""Conversations in and out. A thread's facts are shown as plain JSON (``profile``) and
labelled from the advisor's catalogue (``facts``), so a client can display them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from apfa.advice.facts import FACTS
from apfa.advice.schemas import (
    QUESTION_MAX_CHARS,
    TEXT_SCHEMA,
    AdviceResponse,
    LoanQuery,
    ProfileIn,
    check_text,
)
from apfa.models.conversation import TITLE_MAX_CHARS

Role = Literal["user", "assistant"]


class ConversationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(
        default=None, min_length=1, max_length=TITLE_MAX_CHARS, json_schema_extra=TEXT_SCHEMA
    )
    profile: ProfileIn | None = None

    @field_validator("title")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return None if value is None else check_text(value, "title").strip()


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=QUESTION_MAX_CHARS, json_schema_extra=TEXT_SCHEMA)
    profile: ProfileIn | None = None

    @field_validator("content")
    @classmethod
    def _printable(cls, value: str) -> str:
        return check_text(value, "content")

    def as_query(self) -> LoanQuery:
        return LoanQuery(query=self.content, profile=self.profile)


class ConversationSummary(BaseModel):
    id: int
    title: str | None
    turns: int
    created_at: datetime
    updated_at: datetime


class ConversationPage(BaseModel):
    items: list[ConversationSummary]
    next_cursor: str | None


class FactOut(BaseModel):
    name: str
    label: str
    kind: str
    value: JsonValue


class MessageOut(BaseModel):
    id: int
    role: Role
    content: str
    created_at: datetime
    profile: dict[str, Any] | None = Field(
        default=None, description="user messages: the profile sent with the message"
    )
    response: dict[str, Any] | None = Field(
        default=None, description="assistant messages: the answer as it was sent"
    )


class ConversationOut(ConversationSummary):
    profile: dict[str, JsonValue] = Field(description="everything the thread knows, by name")
    facts: list[FactOut] = Field(description="the same, labelled for display")
    intents: list[str] = Field(description="what the last turn was about")
    messages: list[MessageOut]


class MessageResponse(AdviceResponse):
    message_id: int


def plain(value: object) -> JsonValue:
    """A fact's value as plain JSON: whole ``Decimal`` amounts as integers, others as
    numbers, lists and records walked."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def labelled(facts: Mapping[str, object]) -> list[FactOut]:
    out: list[FactOut] = []
    for name, value in facts.items():
        spec = FACTS.get(name)
        label = spec.label if spec else name.replace("_", " ")
        out.append(
            FactOut(name=name, label=label, kind=spec.kind if spec else "text", value=plain(value))
        )
    return out
