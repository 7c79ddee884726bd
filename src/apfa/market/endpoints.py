"""The console's view of market data: every series with its latest value, date, source
and staleness (``GET /api/admin/market``), and starting a fetch now
(``POST /api/admin/market/fetch``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from apfa.audit import service as audit
from apfa.auth.context import actor_of
from apfa.auth.dependencies import RequirePermission
from apfa.auth.permissions import Permission
from apfa.auth.service import Principal
from apfa.core.config import SETTINGS
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.dependencies import SessionDep
from apfa.core.errors import InvalidInput
from apfa.finance.rates import AS_OF
from apfa.jobs.system import TASK_SYSTEM
from apfa.market.current import Current, rate_table, staleness
from apfa.market.current import max_age_days as max_age
from apfa.market.figures import today_utc
from apfa.market.schemas import MarketFetchAccepted, MarketStatus, SeriesStatus
from apfa.market.series import catalogue
from apfa.market.service import Latest, latest
from apfa.market.tasks import FETCH

router = APIRouter(tags=["admin: market data"])

# The same permissions as the job endpoints: operators who watch jobs see the data they
# fetch; those who may start jobs may start this one.
MarketViewer = Annotated[Principal, Depends(RequirePermission(Permission.CELERY_VIEW))]
MarketManager = Annotated[Principal, Depends(RequirePermission(Permission.CELERY_MANAGE))]
SeriesQuery = Annotated[
    str | None,
    Query(
        max_length=400,
        description="comma-separated series ids (e.g. MORTGAGE30US,DFF); all when omitted",
    ),
]


def _fallback(row: Current) -> str | None:
    if not row.bundled or row.low is None or row.high is None:
        return None
    return f"{row.low:.2f}% to {row.high:.2f}% by credit tier ({row.source})"


def _status(row: Current, found: Latest | None, limit: int) -> SeriesStatus:
    info = row.info
    return SeriesStatus(
        series_id=info.id,
        title=info.title,
        publisher=info.publisher,
        frequency=info.frequency,
        unit=info.unit,
        value=float(found.value) if found else None,
        observation_date=found.observation_date.isoformat() if found else None,
        source=found.source if found else None,
        fetched_at=found.fetched_at.isoformat() if found else None,
        age_days=row.age_days,
        max_age_days=limit,
        stale=row.stale,
        bundled_fallback=_fallback(row),
    )


def _wanted(series: str | None) -> list[str] | None:
    if series is None:
        return None
    names = [name.strip().upper() for name in series.split(",") if name.strip()]
    unknown = [name for name in names if name not in catalogue()]
    if unknown or not names:
        known = ", ".join(catalogue())
        raise InvalidInput(f"unknown series {', '.join(unknown) or '(none)'}; known: {known}")
    return names


@router.get("/api/admin/market", response_model=MarketStatus)
async def market_status(
    _: MarketViewer, session: SessionDep, request: Request, series: SeriesQuery = None
) -> MarketStatus:
    """Every market series: its latest stored value, observation date, source and age, and
    whether it is stale; what answers fall back to where nothing is stored."""
    wanted = _wanted(series)
    settings = SETTINGS.of(request)
    found = await latest(session)
    rows = [
        row
        for row in staleness(found, settings, today_utc())
        if wanted is None or row.info.id in wanted
    ]
    return MarketStatus(
        configured=settings.fred_api_key is not None or settings.fred_api_key_file is not None,
        bundled_table_as_of=AS_OF,
        rate_table=rate_table(found).label,
        stale=[row.info.id for row in rows if row.stale],
        items=[_status(row, found.get(row.info.id), max_age(row.info, settings)) for row in rows],
    )


@router.post(
    "/api/admin/market/fetch",
    response_model=MarketFetchAccepted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def fetch_now(principal: MarketManager, request: Request) -> MarketFetchAccepted:
    """Fetch every series now (the job ``market.fetch`` on the maintenance queue)."""
    system = TASK_SYSTEM.of(request)
    async with session_scope(SESSIONMAKER.of(request)) as session:
        row = await system.runtime.submit(session, FETCH, {}, created_by=principal.username)
        await audit.record(
            session,
            actor_of(request, principal),
            "market_fetch_started",
            target_type="task",
            target_id=row.id,
        )
    return MarketFetchAccepted(job_id=row.id, state=row.state)
