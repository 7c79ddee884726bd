"""API key requests and responses. Only the creation response ever holds the secret."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from apfa.auth.permissions import Role
from apfa.core.text import readable


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Role | None = Field(default=None, description="defaults to the caller's role")

    @field_validator("name")
    @classmethod
    def _readable(cls, value: str) -> str:
        return readable(value, "name")


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(BaseModel):
    id: int
    name: str
    prefix: str
    role: Role
    created_at: datetime
    key: str = Field(description="the full key; shown only in this response, never again")


class ApiKeyPage(BaseModel):
    items: list[ApiKeyOut]
    next_cursor: str | None
