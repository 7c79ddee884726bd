"""Async database engine and the per-request session.

The request owns the transaction (commit on success, rollback on error); services only
``flush()``. SQLite gets WAL mode and a busy timeout so the embedded default tolerates
concurrent readers and a background writer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from apfa.core.config import Settings
from apfa.core.resources import Resource

ENGINE = Resource[AsyncEngine]("database engine")
SESSIONMAKER = Resource[async_sessionmaker[AsyncSession]]("database session maker")


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        return _create_sqlite_engine(url, echo=settings.database_echo)
    return create_async_engine(
        url, echo=settings.database_echo, pool_size=10, max_overflow=20, pool_pre_ping=True
    )


def _create_sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


_AFTER_COMMIT = "apfa_after_commit"


def conflict_insert(session: AsyncSession, entity: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT in the session's dialect, which can say what to do ``ON CONFLICT`` (the two
    backends APFA runs on both can)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once this session's work is committed (never if it rolls back).

    For in-process caches: dropping a cached entry before the change is durable would let
    a concurrent request cache the old state again.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@asynccontextmanager
async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits when the block succeeds, rolls back when it raises."""
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        for callback in session.info.pop(_AFTER_COMMIT, []):
            callback()
