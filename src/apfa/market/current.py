"""Current figures: the latest stored observation of each series with its date and source,
else what the bundled rate table says and its date; and the rate table that default
assumptions use (moved to the latest mortgage averages when they are stored)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from apfa.core.config import Settings
from apfa.finance.rates import (
    AS_OF,
    BUNDLED_TABLE,
    MARKET_ANCHORS,
    PRODUCT_DESCRIPTIONS,
    RATE_TABLE,
    RateProduct,
    RateTable,
    market_table,
)
from apfa.market import service
from apfa.market.series import SOURCE_NAMES, SeriesInfo, catalogue
from apfa.market.service import Latest

BUNDLED_SOURCE = f"the bundled APFA rate table ({AS_OF})"
# Series whose own figure the bundled table carries: the rate-table row sitting at it.
BUNDLED_ROWS: dict[str, RateProduct] = {
    series: product for product, (series, anchor) in MARKET_ANCHORS.items() if product == anchor
}


@dataclass(frozen=True, slots=True)
class Current:
    """One series now: the stored figure (``value``, ``as_of`` its observation date,
    ``source``), or, with ``bundled``, the bundled table's range for it (``low``..``high``,
    None where the table has no such figure) dated ``as_of`` = the table's date."""

    info: SeriesInfo
    as_of: str
    source: str
    bundled: bool
    value: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    age_days: int | None = None
    stale: bool = False
    covers: str = ""  # with ``bundled``: what the table's range is for ("a 30-year mortgage")


def max_age_days(info: SeriesInfo, settings: Settings) -> int:
    return {
        "daily": settings.market_max_age_days_daily,
        "weekly": settings.market_max_age_days_weekly,
        "monthly": settings.market_max_age_days_monthly,
    }[info.frequency]


def current(
    series_id: str, latest: Mapping[str, Latest], settings: Settings, today: date
) -> Current:
    """The latest stored figure of ``series_id`` with its date and source, else the bundled
    table's figure for it with the table's date."""
    info = catalogue()[series_id]
    found = latest.get(series_id)
    if found is not None:
        age = (today - found.observation_date).days
        return Current(
            info,
            found.observation_date.isoformat(),
            SOURCE_NAMES.get(found.source, found.source),
            bundled=False,
            value=found.value,
            age_days=age,
            stale=age > max_age_days(info, settings),
        )
    product = BUNDLED_ROWS.get(series_id)
    if product is None:
        return Current(info, AS_OF, BUNDLED_SOURCE, bundled=True)
    row = RATE_TABLE[product].values()
    return Current(
        info,
        AS_OF,
        BUNDLED_SOURCE,
        bundled=True,
        low=min(row),
        high=max(row),
        covers=PRODUCT_DESCRIPTIONS[product],
    )


def staleness(latest: Mapping[str, Latest], settings: Settings, today: date) -> list[Current]:
    """Every series now, in catalogue order: stored (with its age and whether it is stale)
    or bundled."""
    return [current(series_id, latest, settings, today) for series_id in catalogue()]


def rate_table(latest: Mapping[str, Latest]) -> RateTable:
    """The table default rates come from: the bundled one moved to the stored mortgage
    averages when there are any, else the bundled one."""
    anchors = {series for series, _ in MARKET_ANCHORS.values()}
    averages = {s: latest[s] for s in sorted(anchors) if s in latest}
    if not averages:
        return BUNDLED_TABLE
    described = "; ".join(
        f"{catalogue()[s].title} {a.value.normalize():f}% on {a.observation_date.isoformat()}"
        for s, a in averages.items()
    )
    label = (
        f"the APFA rate table ({AS_OF}) moved to the latest Freddie Mac averages "
        f"({described}, via {SOURCE_NAMES['fred']})"
    )
    return market_table({s: a.value for s, a in averages.items()}, label)


@dataclass(frozen=True, slots=True)
class Snapshot:
    latest: dict[str, Latest] = field(default_factory=dict)
    table: RateTable = BUNDLED_TABLE

    @property
    def stamp(self) -> str:
        """Changes whenever a stored figure does (part of the answer cache's key)."""
        if not self.latest:
            return "bundled"
        newest = max(a.fetched_at for a in self.latest.values())
        return f"{len(self.latest)}@{newest.isoformat()}"


async def read_snapshot(session: AsyncSession) -> Snapshot:
    latest = await service.latest(session)
    return Snapshot(latest, rate_table(latest))
