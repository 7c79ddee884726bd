"""Recording and reading security-relevant events. Details never hold a password or a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
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


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Exact matches on actor, action and outcome; ``since <= created_at < until``."""

    actor: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def list_events(
    session: AsyncSession, where: AuditFilter, *, limit: int, before_id: int | None
) -> list[AuditLog]:
    """Events matching ``where``, newest first, older than ``before_id`` when given."""
    stmt = select(AuditLog)
    if where.actor is not None:
        stmt = stmt.where(AuditLog.actor == where.actor)
    if where.action is not None:
        stmt = stmt.where(AuditLog.action == where.action)
    if where.outcome is not None:
        stmt = stmt.where(AuditLog.outcome == where.outcome)
    if where.since is not None:
        stmt = stmt.where(AuditLog.created_at >= as_utc(where.since))
    if where.until is not None:
        stmt = stmt.where(AuditLog.created_at < as_utc(where.until))
    if before_id is not None:
        stmt = stmt.where(AuditLog.id < before_id)
    result = await session.execute(stmt.order_by(AuditLog.id.desc()).limit(limit))
    return list(result.scalars())
