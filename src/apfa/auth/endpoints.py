"""Login, refresh rotation, logout and revocation."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.audit import service as audit
from apfa.auth import sessions
from apfa.auth.context import actor_of, client_ip, end_all_sessions
from apfa.auth.dependencies import (
    CurrentPrincipal,
    TokenServiceDep,
    oauth2_scheme,
    principal_from_access_token,
)
from apfa.auth.revocation import REVOCATIONS
from apfa.auth.schemas import LoginRequest, RefreshRequest, TokenResponse, UserOut
from apfa.auth.service import authenticate, get_by_id, get_by_username
from apfa.auth.throttle import LockoutPolicy, locked_until, record_failure, record_success
from apfa.auth.tokens import TOKENS, AccessClaims, TokenService
from apfa.core.bodies import parse_json
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.dependencies import SessionDep, SettingsDep
from apfa.core.errors import (
    InvalidInput,
    NotAuthenticated,
    TooManyRequests,
    UnsupportedMediaType,
)
from apfa.core.ratelimit import RATE_LIMITER, enforce
from apfa.core.resources import resources_of
from apfa.models import User
from apfa.models.base import utcnow

router = APIRouter(tags=["auth"])

_BAD_LOGIN = "Incorrect username or password"
_BAD_REFRESH = "Invalid or expired refresh token"
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


async def limit_logins(request: Request, settings: SettingsDep, response: Response) -> None:
    limiter = RATE_LIMITER.of(request)
    verdict = await limiter.hit(settings.rate_limit_token, "token", client_ip(request) or "-")
    request.state.response_headers = verdict.headers()
    response.headers.update(verdict.headers())
    if not verdict.allowed:
        raise TooManyRequests(
            f"rate limit of {settings.rate_limit_token} exceeded; retry in {verdict.reset_after} s",
            headers=verdict.headers(),
        )


async def _read_credentials(request: Request) -> LoginRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json":
            payload = parse_json(await request.body())
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


def _policy(settings: Settings) -> LockoutPolicy:
    return LockoutPolicy(
        max_failures=settings.login_max_failures,
        window=timedelta(minutes=settings.login_window_minutes),
        lockout=timedelta(minutes=settings.login_lockout_minutes),
        account_max_failures=settings.login_account_max_failures,
        account_backoff_max=timedelta(seconds=settings.login_account_backoff_max_seconds),
    )


def _locked(until_seconds: float) -> TooManyRequests:
    retry = max(1, int(until_seconds) + 1)
    return TooManyRequests(
        "Too many failed logins; try again later", headers={"Retry-After": str(retry)}
    )


async def _pair(
    session: SessionDep,
    tokens: TokenService,
    settings: Settings,
    user: User,
    request: Request,
) -> TokenResponse:
    session_id, refresh = await sessions.open_session(
        session,
        user,
        lifetime=timedelta(days=settings.refresh_token_days),
        client_ip=client_ip(request),
    )
    issued = tokens.issue_access(subject=str(user.id), role=user.role, session_id=session_id)
    return TokenResponse(
        access_token=issued.token, refresh_token=refresh, expires_in=issued.expires_in
    )


@router.post(
    "/token",
    response_model=TokenResponse,
    openapi_extra=_LOGIN_BODY,
    dependencies=[Depends(limit_logins)],
    responses={401: {"description": "wrong credentials"}, 429: {"description": "locked"}},
)
async def login(
    request: Request, session: SessionDep, tokens: TokenServiceDep, settings: SettingsDep
) -> TokenResponse:
    """Exchange a username and password for an access token and a refresh token."""
    credentials = await _read_credentials(request)
    maker = SESSIONMAKER.of(request)
    name = credentials.username
    client = client_ip(request)
    until = await locked_until(session, name, client)
    if until is not None:
        await audit.record_now(
            maker,
            await _claimed_actor(session, request, name),
            "login",
            outcome=audit.DENIED,
            details={"username": name, "reason": "locked"},
        )
        raise _locked((until - utcnow()).total_seconds())
    user = await authenticate(session, name, credentials.password)
    if user is None:
        async with session_scope(maker) as own:
            failure = await record_failure(own, name, client, _policy(settings))
            actor = await _claimed_actor(own, request, name)
            await audit.record(
                own, actor, "login", outcome=audit.FAILURE, details={"username": name}
            )
            if failure.client_locked_until is not None:
                await audit.record(
                    own,
                    actor,
                    "lockout",
                    outcome=audit.DENIED,
                    details={"username": name, "scope": "client"},
                )
            if failure.account_backoff_until is not None:
                await audit.record(
                    own,
                    actor,
                    "lockout",
                    outcome=audit.DENIED,
                    details={"username": name, "scope": "account"},
                )
        raise NotAuthenticated(_BAD_LOGIN)
    await record_success(session, name, client)
    await audit.record(session, audit.Actor(user.id, user.username, client_ip(request)), "login")
    return await _pair(session, tokens, settings, user, request)


async def limit_refreshes(request: Request, settings: SettingsDep) -> None:
    await enforce(request, settings.rate_limit_refresh, "refresh", client_ip(request) or "-")


@router.post(
    "/token/refresh",
    response_model=TokenResponse,
    responses={
        401: {"description": "invalid, expired or reused refresh token"},
        429: {"description": "too many refreshes from this address"},
    },
    dependencies=[Depends(limit_refreshes)],
)
async def refresh(
    body: RefreshRequest,
    request: Request,
    session: SessionDep,
    tokens: TokenServiceDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Rotate: the presented refresh token dies and a new pair is issued. Presenting a dead
    token revokes its whole session."""
    maker = SESSIONMAKER.of(request)
    async with session_scope(maker) as own:
        result = await sessions.rotate(
            own, body.refresh_token, lifetime=timedelta(days=settings.refresh_token_days)
        )
        if result.outcome is sessions.RefreshOutcome.REUSED and result.user_id is not None:
            await audit.record(
                own,
                await _user_actor(own, request, result.user_id),
                "refresh_reuse",
                outcome=audit.DENIED,
                target_type="session",
                target_id=result.session_id,
            )
    revocations = REVOCATIONS.of(request)
    if result.outcome is sessions.RefreshOutcome.REUSED and result.session_id:
        revocations.revoke_sessions([result.session_id])
    if result.outcome is not sessions.RefreshOutcome.ROTATED:
        raise NotAuthenticated(_BAD_REFRESH)
    if result.user_id is None or not result.session_id or not result.refresh_token:
        raise NotAuthenticated(_BAD_REFRESH)
    user = await get_by_id(session, result.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated(_BAD_REFRESH)
    issued = tokens.issue_access(subject=str(user.id), role=user.role, session_id=result.session_id)
    return TokenResponse(
        access_token=issued.token,
        refresh_token=result.refresh_token,
        expires_in=issued.expires_in,
    )


async def _valid_access(request: Request, token: str | None) -> AccessClaims | None:
    """The claims of a presented access token that passes every check a request's does
    (signature, expiry, revocation, user active); None when it does not."""
    if not token:
        return None
    tokens = TOKENS.of(request)
    try:
        await principal_from_access_token(resources_of(request.app), tokens, token)
    except NotAuthenticated:
        return None
    return tokens.decode_access(token)


async def _user_actor(session: AsyncSession, request: Request, user_id: int) -> audit.Actor:
    user = await get_by_id(session, user_id)
    return audit.Actor(user_id, user.username if user else None, client_ip(request))


async def _claimed_actor(session: AsyncSession, request: Request, username: str) -> audit.Actor:
    """The account a login attempt named, when it exists; arbitrary text stays out of the
    actor column (it is kept in the event's details)."""
    user = await get_by_username(session, username)
    return audit.Actor(user.id, user.username, client_ip(request)) if user else actor_of(request)


@router.post("/token/revoke", status_code=204)
@router.post("/logout", status_code=204)
async def logout(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    body: RefreshRequest | None = None,
) -> Response:
    """End the session the refresh token belongs to and the one the access token was
    issued in (its ``sid``): their refresh tokens die, and the access token with them.
    401 when neither names a live session (an expired access token beside a valid refresh
    token still ends the refresh token's session)."""
    claims = await _valid_access(request, token)
    login_session = await sessions.session_of(session, body.refresh_token) if body else None
    if login_session is not None and login_session.revoked_at is not None:
        login_session = None
    if claims is None and login_session is None:
        raise NotAuthenticated()
    ended = {login_session.id} if login_session is not None else set()
    user_id = login_session.user_id if login_session is not None else None
    if claims is not None:
        ended.add(claims.session_id)
        user_id = int(claims.subject)
        await sessions.revoke_access_token(session, claims.jti, claims.expires_at)
        REVOCATIONS.of(request).revoke_jti(claims.jti, claims.expires_at)
    for session_id in sorted(ended):
        await sessions.revoke_session(session, session_id, reason="logout")
    REVOCATIONS.of(request).revoke_sessions(sorted(ended))
    actor = await _user_actor(session, request, user_id) if user_id else actor_of(request)
    target = login_session.id if login_session is not None else min(ended)
    await audit.record(session, actor, "logout", target_type="session", target_id=target)
    return Response(status_code=204)


@router.post("/token/revoke-all", status_code=204)
async def revoke_all(
    request: Request, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """End every session of the caller, this one included."""
    await end_all_sessions(request, session, principal.user_id, reason="revoke_all")
    await audit.record(
        session,
        actor_of(request, principal),
        "revoke_all",
        target_type="user",
        target_id=principal.user_id,
    )
    return Response(status_code=204)


@router.get("/api/v1/users/me", response_model=UserOut, tags=["users"])
async def me(principal: CurrentPrincipal) -> UserOut:
    return UserOut(
        id=principal.user_id,
        username=principal.username,
        role=principal.role,
        is_active=True,
        permissions=sorted(principal.permissions),
    )
