"""Issuing, listing and revoking API keys. Services flush; the caller commits.

A key is ``apfa_<prefix>_<secret>``: the prefix is public and unique, the secret is
stored as its SHA-256 only (``auth.api_keys.secret_digest``) and shown once.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.auth.api_keys import secret_digest
from apfa.auth.permissions import ROLE_RANK, Role
from apfa.auth.service import Principal
from apfa.core.errors import NotFound, PermissionDenied
from apfa.models import ApiKey
from apfa.models.base import utcnow


def generate() -> tuple[str, str, str]:
    """(plain key, prefix, secret hash). The plain key is shown once and never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"apfa_{prefix}_{secret}", prefix, secret_digest(secret)


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
