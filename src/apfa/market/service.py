"""Stored observations: idempotent upserts, and the latest value of each series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.core.db import conflict_insert
from apfa.market.parsing import Point
from apfa.models import MarketObservation

# Rows per INSERT: well under SQLite's bound-parameter limit (6 columns each).
UPSERT_BATCH = 500
# When two sources have the same latest date, this one is shown first.
SOURCE_ORDER = {"fred": 0, "computed": 1, "treasury": 2}


@dataclass(frozen=True, slots=True)
class Latest:
    series_id: str
    value: Decimal
    observation_date: date
    source: str
    fetched_at: datetime


async def upsert(
    session: AsyncSession, points: Sequence[Point], source: str, fetched_at: datetime
) -> int:
    """Insert the observations or update the stored ones (a source revises its figures);
    the same points upserted twice leave the same rows. Returns how many were written."""
    rows = [
        {
            "series_id": p.series_id,
            "source": source,
            "observation_date": p.observation_date,
            "value": p.value,
            "fetched_at": fetched_at,
        }
        for p in {(p.series_id, p.observation_date): p for p in points}.values()
    ]
    for start in range(0, len(rows), UPSERT_BATCH):
        statement = conflict_insert(session, MarketObservation)
        statement = statement.on_conflict_do_update(
            index_elements=["series_id", "source", "observation_date"],
            set_={"value": statement.excluded.value, "fetched_at": statement.excluded.fetched_at},
        )
        await session.execute(statement, rows[start : start + UPSERT_BATCH])
    return len(rows)


async def latest(session: AsyncSession) -> dict[str, Latest]:
    """Each series' most recent observation (of any source), by series id."""
    newest = (
        select(
            MarketObservation.series_id,
            func.max(MarketObservation.observation_date).label("newest"),
        )
        .group_by(MarketObservation.series_id)
        .subquery()
    )
    rows = (
        await session.scalars(
            select(MarketObservation).join(
                newest,
                (MarketObservation.series_id == newest.c.series_id)
                & (MarketObservation.observation_date == newest.c.newest),
            )
        )
    ).all()
    found: dict[str, Latest] = {}
    for row in sorted(rows, key=lambda r: SOURCE_ORDER.get(r.source, 9)):
        if row.series_id not in found:
            found[row.series_id] = Latest(
                row.series_id, row.value, row.observation_date, row.source, row.fetched_at
            )
    return found


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(MarketObservation)) or 0)
