"""Account lockout: after N failed logins for a username within a window, that username
is locked for a while, whether or not such a user exists (so a lockout reveals nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from apfa.models import LoginThrottle
from apfa.models.base import utcnow


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def _key(username: str) -> str:
    return username.strip().lower()[:64]


async def locked_until(session: AsyncSession, username: str) -> datetime | None:
    row = await session.get(LoginThrottle, _key(username))
    if row is None or row.locked_until is None or row.locked_until <= utcnow():
        return None
    return row.locked_until


async def record_failure(
    session: AsyncSession, username: str, policy: LockoutPolicy
) -> datetime | None:
    """Count a failure; returns the lock expiry when this failure locks the account."""
    now = utcnow()
    row = await session.get(LoginThrottle, _key(username), with_for_update=True)
    if row is None:
        row = LoginThrottle(username=_key(username), failures=0, window_started_at=now)
        session.add(row)
    if row.window_started_at + policy.window <= now or (
        row.locked_until is not None and row.locked_until <= now
    ):
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= policy.max_failures:
        row.locked_until = now + policy.lockout
    await session.flush()
    return row.locked_until


async def record_success(session: AsyncSession, username: str) -> None:
    row = await session.get(LoginThrottle, _key(username))
    if row is not None:
        await session.delete(row)
        await session.flush()
