"""Who the caller is: the principal every route sees, and checking credentials."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.auth.passwords import verify_password_async
from apfa.auth.permissions import Permission, Role, permissions_for
from apfa.models import User


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
