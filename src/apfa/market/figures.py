"""This process's view of the stored market figures: one ``Snapshot`` re-read from the
database at most every ``refresh_seconds``, so an answer never waits on more than that
cheap read (and usually on nothing)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import anyio
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.core.resources import Resource
from apfa.market.answers import current_figures_note
from apfa.market.current import Snapshot, read_snapshot

log = structlog.get_logger(__name__)


class MarketFigures:
    """The stored figures as this process last read them (a failed read keeps the last
    view and is logged)."""

    def __init__(self, maker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._maker = maker
        self.settings = settings
        self._refresh_seconds = settings.market_figures_refresh_seconds
        self._snapshot = Snapshot()
        self._read_at: float | None = None
        self._lock = anyio.Lock()

    def _fresh(self) -> bool:
        return (
            self._read_at is not None and time.monotonic() - self._read_at < self._refresh_seconds
        )

    async def snapshot(self) -> Snapshot:
        if self._fresh():
            return self._snapshot
        async with self._lock:
            if not self._fresh():
                await self._read()
        return self._snapshot

    async def _read(self) -> None:
        try:
            async with session_scope(self._maker) as session:
                self._snapshot = await read_snapshot(session)
        except Exception as exc:
            log.warning("market_figures_read_failed", error=str(exc))
        self._read_at = time.monotonic()

    def expire(self) -> None:
        """Read again on the next call (after a fetch stored new figures)."""
        self._read_at = None

    async def note(self, question: str) -> str | None:
        """The "current figures" paragraph for ``question``, or None when it asks none."""
        latest = (await self.snapshot()).latest
        return current_figures_note(question, latest, self.settings, today_utc())


def today_utc() -> date:
    return datetime.now(UTC).date()


MARKET_FIGURES = Resource[MarketFigures]("market figures")
