"""Authentication at connect: the access token from ``auth={"token": ...}``, checked
exactly as the HTTP API checks a bearer token (``principal_from_access_token``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from socketio.exceptions import ConnectionRefusedError as Refused

from apfa.auth.dependencies import principal_from_access_token
from apfa.auth.service import Principal
from apfa.auth.tokens import TOKENS, InvalidToken
from apfa.core.errors import NotAuthenticated
from apfa.core.resources import Resources

MISSING_TOKEN = 'authentication required: connect with auth={"token": "<access token>"}'  # noqa: S105 - a message
INVALID_TOKEN = "invalid or expired access token"  # noqa: S105 - a message


@dataclass(frozen=True, slots=True)
class Authenticated:
    principal: Principal
    token: str
    expires_at: datetime


def refused(message: str, code: str) -> Refused:
    """The client's ``connect_error`` gets ``{"message": ..., "data": {"error": code}}``."""
    return Refused(message, {"error": code})


def token_of(auth: object) -> str | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token.strip():
        return None
    token = token.strip()
    return token[7:].strip() if token.lower().startswith("bearer ") else token


async def authenticate(resources: Resources, auth: object) -> Authenticated:
    token = token_of(auth)
    if token is None:
        raise refused(MISSING_TOKEN, "not_authenticated")
    tokens = resources.get(TOKENS)
    try:
        claims = tokens.decode_access(token)
        principal = await principal_from_access_token(resources, tokens, token)
    except (InvalidToken, NotAuthenticated) as exc:
        raise refused(INVALID_TOKEN, "not_authenticated") from exc
    return Authenticated(principal, token, claims.expires_at)
