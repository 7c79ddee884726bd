"""Login sessions and their rotating refresh tokens (RFC 9700 refresh token rotation).

A refresh token is 32 random bytes, stored only as its SHA-256, and good for one use.
Using it marks it used in a single conditional UPDATE, so of any number of concurrent
attempts exactly one wins. Presenting a token that was already used (or belongs to a
revoked session) is treated as theft: the whole session is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.models import AuthSession, RefreshToken, RevokedAccessToken, User
from apfa.models.base import utcnow


class RefreshOutcome(StrEnum):
    ROTATED = "rotated"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REUSED = "reused"


@dataclass(frozen=True, slots=True)
class RefreshResult:
    outcome: RefreshOutcome
    session_id: str | None = None
    user_id: int | None = None
    refresh_token: str | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


async def _issue_refresh(session: AsyncSession, session_id: str, expires_at: datetime) -> str:
    token = _new_secret()
    session.add(
        RefreshToken(session_id=session_id, token_hash=hash_token(token), expires_at=expires_at)
    )
    await session.flush()
    return token


async def open_session(
    session: AsyncSession, user: User, *, lifetime: timedelta, client_ip: str | None
) -> tuple[str, str]:
    """A new login. Returns (session id, refresh token)."""
    now = utcnow()
    row = AuthSession(
        id=secrets.token_hex(16), user_id=user.id, expires_at=now + lifetime, client_ip=client_ip
    )
    session.add(row)
    await session.flush()
    return row.id, await _issue_refresh(session, row.id, row.expires_at)


async def rotate(session: AsyncSession, presented: str, *, lifetime: timedelta) -> RefreshResult:
    now = utcnow()
    digest = hash_token(presented)
    claimed: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(RefreshToken)
        .where(
            RefreshToken.token_hash == digest,
            RefreshToken.used_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(used_at=now)
    )
    found = await session.execute(
        select(RefreshToken, AuthSession)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .where(RefreshToken.token_hash == digest)
    )
    pair = found.first()
    if pair is None:
        return RefreshResult(RefreshOutcome.UNKNOWN)
    token, login = pair
    if claimed.rowcount != 1 or login.revoked_at is not None:
        if token.used_at is not None or login.revoked_at is not None:
            await revoke_session(session, login.id, reason="refresh_token_reuse")
            return RefreshResult(RefreshOutcome.REUSED, login.id, login.user_id)
        return RefreshResult(RefreshOutcome.EXPIRED, login.id, login.user_id)
    new_token = await _issue_refresh(session, login.id, now + lifetime)
    return RefreshResult(RefreshOutcome.ROTATED, login.id, login.user_id, new_token)


async def session_of(session: AsyncSession, presented: str) -> AuthSession | None:
    result = await session.execute(
        select(AuthSession)
        .join(RefreshToken, RefreshToken.session_id == AuthSession.id)
        .where(RefreshToken.token_hash == hash_token(presented))
    )
    return result.scalar_one_or_none()


async def revoke_session(session: AsyncSession, session_id: str, *, reason: str) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    await session.flush()


async def revoke_user_sessions(
    session: AsyncSession, user_id: int, *, reason: str, keep: str | None = None
) -> list[str]:
    """Revoke every live session of a user (but ``keep``); returns the ids revoked."""
    stmt = select(AuthSession.id).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    ids = list((await session.execute(stmt)).scalars())
    if ids:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id.in_(ids))
            .values(revoked_at=utcnow(), revoked_reason=reason)
        )
    await session.flush()
    return ids


async def revoke_access_token(session: AsyncSession, jti: str, expires_at: datetime) -> None:
    if await session.get(RevokedAccessToken, jti) is None:
        session.add(RevokedAccessToken(jti=jti, expires_at=expires_at))
        await session.flush()
