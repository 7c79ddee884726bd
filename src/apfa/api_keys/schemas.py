"""API key requests and responses. Only the creation response ever holds the secret."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from apfa.auth.permissions import Role
from apfa.core.text import readable


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Documents what ``_readable`` checks: some text that is not space, no control characters.
    name: str = Field(
        min_length=1,
        max_length=100,
        json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"},
    )
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
