"""Which live access tokens are revoked: by ``jti`` (logout) or by session (``sid``).

Checked on every request, so it is held in memory. The process that revokes updates its
own list at once; every process also re-reads revocations recorded since its last look
every ``interval`` seconds, so another process's revocation applies within that time.
Entries are dropped once no access token they could match is still valid.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.resources import Resource
from apfa.models import AuthSession, RevokedAccessToken
from apfa.models.base import utcnow

log = structlog.get_logger(__name__)


class RevocationList:
    def __init__(self, access_ttl: timedelta) -> None:
        self._access_ttl = access_ttl
        self._jtis: dict[str, datetime] = {}
        self._sessions: dict[str, datetime] = {}
        self._synced_until: datetime | None = None

    def is_revoked(self, jti: str, session_id: str) -> bool:
        return jti in self._jtis or session_id in self._sessions

    def revoke_jti(self, jti: str, expires_at: datetime) -> None:
        self._jtis[jti] = expires_at

    def revoke_sessions(self, session_ids: list[str]) -> None:
        forget_after = utcnow() + self._access_ttl
        for session_id in session_ids:
            self._sessions[session_id] = forget_after

    async def sync(self, maker: async_sessionmaker[AsyncSession]) -> None:
        now = utcnow()
        since = self._synced_until or now - self._access_ttl - timedelta(minutes=1)
        async with maker() as session:
            jtis = await session.execute(
                select(RevokedAccessToken.jti, RevokedAccessToken.expires_at).where(
                    RevokedAccessToken.revoked_at >= since - timedelta(seconds=5)
                )
            )
            sessions = await session.execute(
                select(AuthSession.id).where(AuthSession.revoked_at >= since - timedelta(seconds=5))
            )
            for jti, expires_at in jtis.all():
                self._jtis[jti] = expires_at
            self.revoke_sessions(list(sessions.scalars()))
        self._synced_until = now
        self._prune(now)

    def _prune(self, now: datetime) -> None:
        self._jtis = {k: v for k, v in self._jtis.items() if v > now}
        self._sessions = {k: v for k, v in self._sessions.items() if v > now}

    async def watch(self, maker: async_sessionmaker[AsyncSession], interval: float) -> None:
        while True:
            try:
                await self.sync(maker)
            except Exception as exc:
                log.warning("revocation_sync_failed", error=str(exc))
            await asyncio.sleep(interval)


REVOCATIONS = Resource[RevocationList]("revocation list")
