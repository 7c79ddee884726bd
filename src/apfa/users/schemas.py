"""Request and response bodies of user administration. Inputs forbid unknown fields, so a
client cannot slip ``role`` or ``password_hash`` into a body that does not take it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from apfa.auth.permissions import Role

# Longer than the policy's maximum, so an over-long password gets the policy's reason.
_PASSWORD_FIELD_MAX = 4096


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=1, max_length=_PASSWORD_FIELD_MAX)
    role: Role


class UserUpdate(BaseModel):
    """Only what an administrator may change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    # Strict: lax validation would take "no", 0 or "false" for False.
    is_active: Annotated[bool, Strict()] | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(min_length=1, max_length=_PASSWORD_FIELD_MAX)
    new_password: str = Field(min_length=1, max_length=_PASSWORD_FIELD_MAX)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    is_active: bool
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserRead]
    next_cursor: str | None
