"""Authenticating API keys: ``apfa_<prefix>_<secret>`` (issuing them: ``apfa.api_keys``).

The prefix is public and unique, so a key is found with one indexed lookup (no scan over
all keys); the 256-bit secret is stored as SHA-256 (a slow hash adds nothing at that
entropy) and compared in constant time. A key acts with the role it was created with,
but never above its creator's current role, and not at all once its creator is inactive.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, replace

import structlog
from cachetools import TTLCache
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.auth.permissions import Role, lower_role
from apfa.auth.principals import PrincipalCache
from apfa.auth.service import Principal
from apfa.core.db import session_scope
from apfa.core.resources import Resource
from apfa.models import ApiKey
from apfa.models.base import utcnow

USAGE_WRITE_SECONDS = 60.0
log = structlog.get_logger(__name__)
_FORMAT = re.compile(r"^apfa_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class _KeyRecord:
    key_id: int
    user_id: int
    role: Role
    secret_hash: str
    revoked: bool


async def _write_use(maker: async_sessionmaker[AsyncSession], key_id: int) -> None:
    try:
        async with session_scope(maker) as session:
            await session.execute(
                update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow())
            )
    except Exception as exc:
        log.warning("api_key_usage_write_failed", key_id=key_id, error=str(exc))


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyAuthenticator:
    def __init__(self, principals: PrincipalCache, ttl_seconds: float) -> None:
        self._principals = principals
        self._records: TTLCache[str, _KeyRecord | None] | None = (
            TTLCache(maxsize=50_000, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )
        self._usage_written: dict[int, float] = {}
        self._writes: set[asyncio.Task[None]] = set()

    def _note_use(self, maker: async_sessionmaker[AsyncSession], key_id: int) -> None:
        """Record ``last_used_at`` at most once a minute per key, off the request path."""
        now = time.monotonic()
        if now - self._usage_written.get(key_id, -USAGE_WRITE_SECONDS) < USAGE_WRITE_SECONDS:
            return
        self._usage_written[key_id] = now
        task = asyncio.create_task(_write_use(maker, key_id))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def drain(self) -> None:
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def _record(
        self, maker: async_sessionmaker[AsyncSession], prefix: str
    ) -> _KeyRecord | None:
        if self._records is not None and prefix in self._records:
            return self._records[prefix]
        async with maker() as session:
            key = (
                await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
            ).scalar_one_or_none()
        record = (
            None
            if key is None
            else _KeyRecord(
                key.id, key.user_id, Role(key.role), key.secret_hash, key.revoked_at is not None
            )
        )
        if self._records is not None:
            self._records[prefix] = record
        return record

    async def authenticate(
        self, maker: async_sessionmaker[AsyncSession], presented: str
    ) -> Principal | None:
        match = _FORMAT.fullmatch(presented)
        if match is None:
            return None
        record = await self._record(maker, match["prefix"])
        if record is None or record.revoked:
            return None
        if not hmac.compare_digest(secret_digest(match["secret"]), record.secret_hash):
            return None
        owner = await self._principals.resolve(maker, record.user_id)
        if owner is None:
            return None
        acting = owner.with_role(lower_role(record.role, owner.role))
        self._note_use(maker, record.key_id)
        return replace(acting, api_key_id=record.key_id)

    def forget(self, prefix: str) -> None:
        if self._records is not None:
            self._records.pop(prefix, None)


API_KEYS = Resource[ApiKeyAuthenticator]("API key authenticator")
