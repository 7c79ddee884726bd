"""A short-lived, in-process cache of who a user id is (role, active) for request auth.

Every authenticated request needs the caller's current role and active flag; reading the
users table each time would dominate the latency of cached answers. Entries live
``auth_cache_seconds`` (default 2 s; 0 disables). The process that changes a user calls
``forget``, so there the change applies to the very next request; other processes see it
within the TTL.
"""

from __future__ import annotations

from typing import cast

from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.auth.permissions import Role
from apfa.auth.service import Principal, get_by_id
from apfa.core.resources import Resource

_INACTIVE = None


_MISSING = object()


class PrincipalCache:
    def __init__(self, ttl_seconds: float, maxsize: int = 50_000) -> None:
        self._cache: TTLCache[int, Principal | None] | None = (
            TTLCache(maxsize=maxsize, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )

    async def resolve(
        self, maker: async_sessionmaker[AsyncSession], user_id: int
    ) -> Principal | None:
        """The active principal for ``user_id``, or None when unknown or inactive.

        A session is opened only on a miss, so a cached caller costs no database work.
        """
        if self._cache is not None:
            # One lookup: between a membership test and a read the entry can expire.
            cached = self._cache.get(user_id, _MISSING)
            if cached is not _MISSING:
                return cast(Principal | None, cached)
        async with maker() as session:
            user = await get_by_id(session, user_id)
        principal = (
            Principal.of(user)
            if user is not None and user.is_active and user.role in set(Role)
            else _INACTIVE
        )
        if self._cache is not None:
            self._cache[user_id] = principal
        return principal

    def forget(self, user_id: int) -> None:
        if self._cache is not None:
            self._cache.pop(user_id, None)


PRINCIPALS = Resource[PrincipalCache]("principal cache")
