from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from apfa.auth.dependencies import CurrentPrincipal, TokenServiceDep
from apfa.auth.schemas import LoginRequest, TokenResponse, UserOut
from apfa.auth.service import authenticate
from apfa.core.dependencies import SessionDep
from apfa.core.errors import InvalidInput, NotAuthenticated, UnsupportedMediaType

router = APIRouter(tags=["auth"])

_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string"},
                        "password": {"type": "string", "format": "password"},
                    },
                }
            },
            "application/json": {"schema": LoginRequest.model_json_schema()},
        },
    }
}


async def _read_credentials(request: Request) -> LoginRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json":
            payload = json.loads(await request.body())
            if not isinstance(payload, dict):
                raise InvalidInput("body must be a JSON object with username and password")
            return LoginRequest.model_validate(payload)
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            fields = {k: form.get(k) for k in ("username", "password") if k in form}
            return LoginRequest.model_validate(fields)
    except json.JSONDecodeError as exc:
        raise InvalidInput("body is not valid JSON") from exc
    except ValidationError as exc:
        missing = ", ".join(".".join(map(str, e["loc"])) or "body" for e in exc.errors())
        raise InvalidInput(f"invalid login fields: {missing}") from exc
    raise UnsupportedMediaType("send application/json or application/x-www-form-urlencoded")


@router.post("/token", response_model=TokenResponse, openapi_extra=_LOGIN_BODY)
async def login(request: Request, session: SessionDep, tokens: TokenServiceDep) -> TokenResponse:
    """Exchange a username and password for a bearer access token."""
    credentials = await _read_credentials(request)
    user = await authenticate(session, credentials.username, credentials.password)
    if user is None:
        raise NotAuthenticated("Incorrect username or password")
    issued = tokens.issue_access(subject=str(user.id), role=user.role)
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/api/v1/users/me", response_model=UserOut)
async def me(principal: CurrentPrincipal) -> UserOut:
    return UserOut(
        id=principal.user_id,
        username=principal.username,
        role=principal.role,
        is_active=True,
        permissions=sorted(principal.permissions),
    )
