"""Who is calling, and may they: one ``Annotated`` alias per permission."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from apfa.auth.permissions import Permission
from apfa.auth.principals import PrincipalCache
from apfa.auth.service import Principal
from apfa.auth.tokens import InvalidToken, TokenService
from apfa.core.errors import NotAuthenticated, PermissionDenied

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)


async def get_token_service(request: Request) -> TokenService:
    return cast(TokenService, request.app.state.tokens)


async def get_principal_cache(request: Request) -> PrincipalCache:
    return cast(PrincipalCache, request.app.state.principals)


TokenServiceDep = Annotated[TokenService, Depends(get_token_service)]
PrincipalCacheDep = Annotated[PrincipalCache, Depends(get_principal_cache)]


async def get_principal(
    request: Request,
    tokens: TokenServiceDep,
    principals: PrincipalCacheDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    if not token:
        raise NotAuthenticated()
    try:
        claims = tokens.decode_access(token)
        user_id = int(claims.subject)
    except (InvalidToken, ValueError) as exc:
        raise NotAuthenticated("Invalid or expired token") from exc
    principal = await principals.resolve(request.app.state.sessionmaker, user_id)
    if principal is None:
        raise NotAuthenticated("Invalid or expired token")
    request.state.user_id = principal.user_id
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


class RequirePermission:
    """A dependency that admits callers holding ``permission``; introspectable by route."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if self.permission not in principal.permissions:
            raise PermissionDenied(f"requires permission {self.permission.value}")
        return principal


AdviceGenerator = Annotated[Principal, Depends(RequirePermission(Permission.ADVICE_GENERATE))]
AdviceHistoryViewer = Annotated[
    Principal, Depends(RequirePermission(Permission.ADVICE_VIEW_HISTORY))
]
IndexManager = Annotated[Principal, Depends(RequirePermission(Permission.INDEX_MANAGE))]
CeleryViewer = Annotated[Principal, Depends(RequirePermission(Permission.CELERY_VIEW))]
MetricsViewer = Annotated[Principal, Depends(RequirePermission(Permission.METRICS_VIEW))]
