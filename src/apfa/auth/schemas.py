from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from apfa.auth.permissions import Permission, Role


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    is_active: bool
    permissions: list[Permission]
