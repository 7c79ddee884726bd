"""Request-side helpers shared by every domain that changes who may do what: the caller's
address and audit identity, and ending a user's sessions everywhere this process knows."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.audit import service as audit
from apfa.auth import sessions
from apfa.auth.principals import PRINCIPALS
from apfa.auth.revocation import REVOCATIONS
from apfa.auth.service import Principal, get_by_id
from apfa.core.db import after_commit
from apfa.models.base import utcnow


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def actor_of(request: Request, principal: Principal | None = None) -> audit.Actor:
    if principal is None:
        return audit.Actor(None, None, client_ip(request))
    return audit.Actor(principal.user_id, principal.username, client_ip(request))


async def end_all_sessions(
    request: Request, session: AsyncSession, user_id: int, *, reason: str, keep: str | None = None
) -> None:
    """Revoke a user's sessions (but ``keep``) here and in this process's caches."""
    ended = await sessions.revoke_user_sessions(session, user_id, reason=reason, keep=keep)
    if keep is None:
        user = await get_by_id(session, user_id)
        if user is not None:
            user.tokens_valid_after = utcnow()
            await session.flush()
    REVOCATIONS.of(request).revoke_sessions(ended)
    forget_principal(request, session, user_id)


def forget_principal(request: Request, session: AsyncSession, user_id: int) -> None:
    """Drop the cached identity of ``user_id`` once this request's changes are committed."""
    principals = PRINCIPALS.of(request)
    after_commit(session, lambda: principals.forget(user_id))
