"""API keys: ``apfa_<prefix>_<secret>``.

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
import secrets
import time
from dataclasses import dataclass, replace

import structlog
from cachetools import TTLCache
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.auth.permissions import ROLE_RANK, Role, lower_role
from apfa.auth.principals import PrincipalCache
from apfa.auth.service import Principal
from apfa.core.db import session_scope
from apfa.core.errors import NotFound, PermissionDenied
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


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate() -> tuple[str, str, str]:
    """(plain key, prefix, secret hash). The plain key is shown once and never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"apfa_{prefix}_{secret}", prefix, _digest(secret)


async def create_key(
    session: AsyncSession, owner: Principal, name: str, role: Role | None
) -> tuple[ApiKey, str]:
    granted = role or owner.role
    if ROLE_RANK[granted] > ROLE_RANK[owner.role]:
        raise PermissionDenied("an API key cannot have a role above your own")
    plain, prefix, secret_hash = generate()
    key = ApiKey(
        user_id=owner.user_id, name=name, prefix=prefix, secret_hash=secret_hash, role=granted
    )
    session.add(key)
    await session.flush()
    return key, plain


async def list_keys(
    session: AsyncSession, user_id: int, *, limit: int, before_id: int | None
) -> list[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.user_id == user_id)
    if before_id is not None:
        stmt = stmt.where(ApiKey.id < before_id)
    return list((await session.execute(stmt.order_by(ApiKey.id.desc()).limit(limit))).scalars())


async def revoke_key(session: AsyncSession, user_id: int, key_id: int) -> ApiKey:
    key = await session.get(ApiKey, key_id)
    if key is None or key.user_id != user_id:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
    return key


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
        if not hmac.compare_digest(_digest(match["secret"]), record.secret_hash):
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
