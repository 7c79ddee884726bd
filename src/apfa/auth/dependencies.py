"""Who is calling, and may they: one ``Annotated`` alias per permission."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from apfa.audit import service as audit
from apfa.auth.api_keys import API_KEYS
from apfa.auth.context import actor_of
from apfa.auth.permissions import Permission
from apfa.auth.principals import PRINCIPALS
from apfa.auth.revocation import REVOCATIONS
from apfa.auth.service import Principal
from apfa.auth.tokens import TOKENS, InvalidToken, TokenService
from apfa.core.db import SESSIONMAKER
from apfa.core.errors import NotAuthenticated, PermissionDenied
from apfa.core.ratelimit import RATE_LIMITER
from apfa.core.resources import Resources, resources_of

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_token_service(request: Request) -> TokenService:
    return TOKENS.of(request)


TokenServiceDep = Annotated[TokenService, Depends(get_token_service)]
_INVALID = "Invalid or expired credentials"


async def _from_api_key(request: Request, presented: str) -> Principal:
    principal = await API_KEYS.of(request).authenticate(SESSIONMAKER.of(request), presented)
    if principal is None:
        raise NotAuthenticated(_INVALID)
    return principal


async def _from_access_token(request: Request, tokens: TokenService, token: str) -> Principal:
    return await principal_from_access_token(resources_of(request.app), tokens, token)


async def principal_from_access_token(
    resources: Resources, tokens: TokenService, token: str
) -> Principal:
    """Who an access token stands for, checked as on every request (signature, expiry,
    revocation, user still active, ``tokens_valid_after``); else ``NotAuthenticated``.
    Also used by the real-time channel at connect and while a connection lives."""
    try:
        claims = tokens.decode_access(token)
        user_id = int(claims.subject)
    except (InvalidToken, ValueError) as exc:
        raise NotAuthenticated(_INVALID) from exc
    if resources.get(REVOCATIONS).is_revoked(claims.jti, claims.session_id):
        raise NotAuthenticated(_INVALID)
    principal = await resources.get(PRINCIPALS).resolve(resources.get(SESSIONMAKER), user_id)
    if principal is None:
        raise NotAuthenticated(_INVALID)
    cutoff = principal.tokens_valid_after
    # iat has whole seconds; tokens minted in the cutoff's own second are caught by sid.
    if cutoff is not None and claims.issued_at < cutoff.replace(microsecond=0):
        raise NotAuthenticated(_INVALID)
    return replace(principal, session_id=claims.session_id, jti=claims.jti)


async def authenticate(request: Request, token: str | None, api_key: str | None) -> Principal:
    """The caller presenting ``api_key``, else the bearer ``token``; ``NotAuthenticated``
    when neither is presented or valid. Records the caller's id for the access log."""
    if api_key:
        principal = await _from_api_key(request, api_key)
    elif token:
        principal = await _from_access_token(request, await get_token_service(request), token)
    else:
        raise NotAuthenticated()
    request.state.user_id = principal.user_id
    return principal


async def authenticate_request(request: Request) -> Principal:
    """``authenticate`` reading the credentials the way the two security schemes do, for a
    guard that must not pay for them as separate dependencies."""
    return await authenticate(request, await oauth2_scheme(request), await api_key_scheme(request))


async def get_principal(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    return await authenticate(request, token, api_key)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


class RequirePermission:
    """A dependency that admits callers holding ``permission``; introspectable by route."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request, principal: CurrentPrincipal) -> Principal:
        return await self.admit_or_record(request, principal)

    def admit(self, principal: Principal) -> Principal:
        if self.permission not in principal.permissions:
            raise PermissionDenied(f"requires permission {self.permission.value}")
        return principal

    async def admit_or_record(self, request: Request, principal: Principal) -> Principal:
        """``admit``, recording a refusal in the audit log (``access_denied``): at most
        one event per user and route a minute, so probing every route is seen without a
        flood of rows."""
        try:
            return self.admit(principal)
        except PermissionDenied:
            await _record_denial(request, principal, self.permission)
            raise


# At most this many audit events per user and route for refused requests.
DENIALS_AUDITED = "1/minute"


async def _record_denial(request: Request, principal: Principal, permission: Permission) -> None:
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    verdict = await RATE_LIMITER.of(request).hit(
        DENIALS_AUDITED, "denied", str(principal.user_id), request.method, path
    )
    if not verdict.allowed:
        return
    await audit.record_now(
        SESSIONMAKER.of(request),
        actor_of(request, principal),
        "access_denied",
        outcome=audit.DENIED,
        target_type="route",
        target_id=f"{request.method} {path}",
        details={"permission": permission.value, "role": principal.role.value},
    )


# What the two credential schemes add to an operation in the OpenAPI document, for routes
# whose guard reads the credentials itself (``authenticate_request``).
GUARD_ATTRIBUTE = "apfa_guard"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def guarded_by(guard: RequirePermission) -> Callable[[Endpoint], Endpoint]:
    """Marks an endpoint that calls ``guard`` itself rather than declaring it as a
    dependency, so the route table (``auth/routes.py``) still reads its permission."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, GUARD_ATTRIBUTE, guard)
        return endpoint

    return mark


CREDENTIALS_OPENAPI: dict[str, Any] = {
    "security": [{scheme.scheme_name: []} for scheme in (oauth2_scheme, api_key_scheme)]
}


AdviceGenerator = Annotated[Principal, Depends(RequirePermission(Permission.ADVICE_GENERATE))]
AdviceHistoryViewer = Annotated[
    Principal, Depends(RequirePermission(Permission.ADVICE_VIEW_HISTORY))
]
IndexManager = Annotated[Principal, Depends(RequirePermission(Permission.INDEX_MANAGE))]
UsersManager = Annotated[Principal, Depends(RequirePermission(Permission.USERS_MANAGE))]
AuditViewer = Annotated[Principal, Depends(RequirePermission(Permission.AUDIT_VIEW))]
