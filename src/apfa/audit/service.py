"""Recording security-relevant events. Details never hold a password or a token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.context import current_request_id
from apfa.core.db import session_scope
from apfa.models import AuditLog

SUCCESS, FAILURE, DENIED = "success", "failure", "denied"


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int | None
    username: str | None
    client_ip: str | None = None


def _row(
    actor: Actor,
    action: str,
    outcome: str,
    target_type: str | None,
    target_id: str | int | None,
    details: dict[str, Any] | None,
) -> AuditLog:
    return AuditLog(
        actor_id=actor.user_id,
        actor=actor.username,
        action=action,
        outcome=outcome,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        client_ip=actor.client_ip,
        request_id=current_request_id(),
        details=details or {},
    )


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    outcome: str = SUCCESS,
    target_type: str | None = None,
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record inside the caller's transaction: the event commits with the change it describes."""
    session.add(_row(actor, action, outcome, target_type, target_id, details))
    await session.flush()


async def record_now(
    maker: async_sessionmaker[AsyncSession],
    actor: Actor,
    action: str,
    *,
    outcome: str = SUCCESS,
    target_type: str | None = None,
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record in a transaction of its own, for events whose request then fails."""
    async with session_scope(maker) as session:
        session.add(_row(actor, action, outcome, target_type, target_id, details))
