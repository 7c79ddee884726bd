"""User queries and the invariants around them. Services flush; the caller commits."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.auth.password_policy import check_password
from apfa.auth.passwords import hash_password_async, verify_password_async
from apfa.auth.permissions import Permission, Role, permissions_for
from apfa.core.errors import Conflict, InvalidInput
from apfa.models import User
from apfa.models.base import utcnow

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, as every route sees it.

    ``session_id``/``jti`` are set when the caller used an access token, ``api_key_id``
    when they used an API key (whose role may be below the user's own).
    """

    user_id: int
    username: str
    role: Role
    permissions: frozenset[Permission]
    tokens_valid_after: datetime | None = None
    session_id: str | None = None
    jti: str | None = None
    api_key_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Principal:
        role = Role(user.role)
        return cls(user.id, user.username, role, permissions_for(role), user.tokens_valid_after)

    def with_role(self, role: Role) -> Principal:
        return replace(self, role=role, permissions=permissions_for(role))


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username))
    return result.scalar_one_or_none()


async def get_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def create_user(session: AsyncSession, username: str, password: str, role: Role) -> User:
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInput("username must be 3-64 characters of letters, digits, _ . @ -")
    check_password(password, username=username)
    if await get_by_username(session, username) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(
        username=username,
        password_hash=await hash_password_async(password),
        role=role.value,
        is_active=True,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create of the same name won the race
        raise Conflict(f"user {username!r} already exists") from exc
    return user


async def list_users(
    session: AsyncSession,
    *,
    limit: int,
    after_id: int | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> list[User]:
    """Users in id order, ``limit`` at most, starting after ``after_id``."""
    stmt = select(User).order_by(User.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(User.id > after_id)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    return list((await session.execute(stmt)).scalars())


async def ensure_super_admin_remains(session: AsyncSession, losing: int) -> None:
    """Refuse a change by which user ``losing`` stops being an active super_admin when no
    other active super_admin would be left.

    The active super_admin rows are locked in id order (PostgreSQL), so two concurrent
    demotions of the last two cannot both pass, and cannot deadlock.
    """
    stmt = (
        select(User.id)
        .where(User.role == Role.SUPER_ADMIN.value, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    )
    remaining = [
        user_id for user_id in (await session.execute(stmt)).scalars() if user_id != losing
    ]
    if not remaining:
        raise Conflict("this would leave no active super_admin")


async def set_password(session: AsyncSession, user: User, password: str) -> None:
    check_password(password, username=user.username)
    user.password_hash = await hash_password_async(password)
    user.password_changed_at = utcnow()
    await session.flush()


async def authenticate(session: AsyncSession, username: str, password: str) -> User | None:
    """The user when the credentials are right and the account active, else None.

    An unknown username still costs one Argon2 verification, so timing does not reveal
    which usernames exist.
    """
    user = await get_by_username(session, username)
    ok = await verify_password_async(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        return None
    return user
