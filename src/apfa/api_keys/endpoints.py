"""The caller's own API keys: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from apfa.api_keys import service as api_keys
from apfa.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, ApiKeyPage
from apfa.audit import service as audit
from apfa.auth.api_keys import API_KEYS
from apfa.auth.context import actor_of
from apfa.auth.dependencies import CurrentPrincipal
from apfa.auth.permissions import Role
from apfa.core.db import SESSIONMAKER, after_commit
from apfa.core.dependencies import SessionDep
from apfa.core.errors import PermissionDenied
from apfa.core.pagination import Cursor, Limit, RowId, decode_cursor, encode_cursor
from apfa.models import ApiKey

router = APIRouter(tags=["api_keys"])


def _out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        role=Role(key.role),
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


@router.post("/api/v1/api-keys", status_code=201, response_model=ApiKeyCreated)
async def create_api_key(
    body: ApiKeyCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> ApiKeyCreated:
    """A new key acting as the caller, at most with the caller's role. Store it now:
    only its prefix and a hash are kept, so it cannot be shown again."""
    actor = actor_of(request, principal)
    if principal.api_key_id is not None:
        # A leaked key must not be able to mint replacements that outlive its revocation.
        raise PermissionDenied("API keys are created with a login session, not another key")
    try:
        key, plain = await api_keys.create_key(session, principal, body.name, body.role)
    except PermissionDenied:
        await audit.record_now(
            SESSIONMAKER.of(request),
            actor,
            "api_key_create",
            outcome=audit.DENIED,
            target_type="api_key",
            details={"name": body.name, "role": body.role},
        )
        raise
    await audit.record(
        session,
        actor,
        "api_key_create",
        target_type="api_key",
        target_id=key.id,
        details={"name": key.name, "role": key.role, "prefix": key.prefix},
    )
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        role=Role(key.role),
        created_at=key.created_at,
        key=plain,
    )


@router.get("/api/v1/api-keys", response_model=ApiKeyPage)
async def list_api_keys(
    principal: CurrentPrincipal, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> ApiKeyPage:
    """The caller's keys, newest first, revoked ones included; never a secret."""
    rows = await api_keys.list_keys(
        session, principal.user_id, limit=limit + 1, before_id=decode_cursor(cursor)
    )
    page = rows[:limit]
    return ApiKeyPage(
        items=[_out(key) for key in page],
        next_cursor=encode_cursor(page[-1].id) if len(rows) > limit else None,
    )


@router.delete("/api/v1/api-keys/{key_id}", status_code=204)
async def revoke_api_key(
    key_id: RowId, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> Response:
    """Revoke one of the caller's keys; someone else's is reported as not found."""
    key = await api_keys.revoke_key(session, principal.user_id, key_id)
    await audit.record(
        session,
        actor_of(request, principal),
        "api_key_revoke",
        target_type="api_key",
        target_id=key.id,
        details={"prefix": key.prefix},
    )
    authenticator = API_KEYS.of(request)
    after_commit(session, lambda: authenticator.forget(key.prefix))
    return Response(status_code=204)
