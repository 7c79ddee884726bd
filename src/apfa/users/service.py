"""Users: create, list, change passwords, and the invariants around them. Services
flush; the caller commits. (Who a caller is and whether credentials are right is
``auth``'s business.)"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.auth.password_policy import check_password
from apfa.auth.passwords import hash_password_async
from apfa.auth.permissions import Role
from apfa.auth.service import get_by_username
from apfa.core.errors import Conflict, InvalidInput
from apfa.models import User
from apfa.models.base import utcnow

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")


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
