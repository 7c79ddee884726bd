"""The market domain's job: fetch the series from FRED (and the 2- and 10-year yields
from the Treasury's par yield curve as a second source), store them, and report per
series what was stored. Without a FRED key it does nothing and says so.

A source that fails is reported and the others still run; the job fails (``JobFailed``,
its result kept) only when nothing could be fetched at all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import structlog

from apfa.core.config import Settings, parse_daily_at
from apfa.core.db import session_scope
from apfa.core.secrets import SecretsError, configured_secret
from apfa.jobs.registry import Schedule
from apfa.jobs.spec import JobFailed, TaskContext, TaskSpec
from apfa.market import service
from apfa.market.client import (
    MARKET_BREAKERS,
    MarketClient,
    RetryPolicy,
    UpstreamError,
    redact_key_in_http_logs,
    source_breakers,
)
from apfa.market.figures import MARKET_FIGURES
from apfa.market.parsing import FormatError, Point, inflation_12m, newest
from apfa.market.series import CPI, fred_series
from apfa.providers.breaker import CircuitOpenError

log = structlog.get_logger(__name__)
NOT_CONFIGURED = "not configured: set APFA_FRED_API_KEY or APFA_FRED_API_KEY_FILE"
FETCH_ERRORS = (UpstreamError, FormatError, CircuitOpenError)


def fred_key(settings: Settings) -> str | None:
    return configured_secret(settings.fred_api_key, settings.fred_api_key_file, "APFA_FRED_API_KEY")


def build_client(settings: Settings, http: httpx.AsyncClient, ctx: TaskContext) -> MarketClient:
    breakers = ctx.resources.find(MARKET_BREAKERS)
    if breakers is None:
        breakers = source_breakers(
            settings.breaker_failure_threshold, settings.breaker_open_seconds
        )
    return MarketClient(
        http,
        breakers,
        RetryPolicy(
            settings.market_max_attempts,
            settings.market_retry_initial_seconds,
            settings.market_retry_max_seconds,
        ),
        fred_url=settings.fred_base_url,
        fred_key=fred_key(settings) or "",
        treasury_url=settings.treasury_base_url,
        treasury_format=settings.treasury_format,
    )


def _months(today: date) -> list[tuple[int, int]]:
    """This month and the one before (early in a month, the newest days are last month's)."""
    last = today.replace(day=1) - timedelta(days=1)
    return [(last.year, last.month), (today.year, today.month)]


async def _store(ctx: TaskContext, points: list[Point], source: str) -> int:
    async with session_scope(ctx.maker) as session:
        return await service.upsert(session, points, source, datetime.now(UTC))


async def fetch(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Fetch every series, upsert the observations, and report each series' newest date."""
    settings = ctx.settings
    try:
        key = fred_key(settings)
    except SecretsError as exc:
        return {"configured": False, "status": "not configured", "message": str(exc)}
    if key is None:
        return {"configured": False, "status": "not configured", "message": NOT_CONFIGURED}
    redact_key_in_http_logs()
    today = datetime.now(UTC).date()
    timeout = httpx.Timeout(settings.market_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as http:
        client = build_client(settings, http, ctx)
        series = await _fred(ctx, client, today - timedelta(days=settings.market_lookback_days))
        if settings.market_treasury:
            series["treasury:DGS2+DGS10"] = await _treasury(ctx, client, today)
    figures = ctx.resources.find(MARKET_FIGURES)
    if figures is not None:
        figures.expire()
    failed = sorted(name for name, entry in series.items() if "error" in entry)
    result = {"configured": True, "status": "fetched", "series": series, "failed": failed}
    if failed and len(failed) == len(series):
        result["status"] = "failed"
        raise JobFailed(f"no market series could be fetched ({series[failed[0]]['error']})", result)
    if failed:
        result["status"] = "partial"
    return result


async def _fred(ctx: TaskContext, client: MarketClient, start: date) -> dict[str, dict[str, Any]]:
    """Each FRED series (and inflation from CPI): what was stored, or the error."""
    series: dict[str, dict[str, Any]] = {}
    wanted = fred_series()
    for done, series_id in enumerate(wanted, start=1):
        try:
            points = await client.fred(series_id, start)
        except FETCH_ERRORS as exc:
            series[f"fred:{series_id}"] = {"error": str(exc)}
        else:
            if series_id == CPI:
                inflation = inflation_12m(points)
                stored = await _store(ctx, inflation, "computed")
                series["computed:CPI_INFLATION_12M"] = _report(inflation, stored)
            series[f"fred:{series_id}"] = _report(points, await _store(ctx, points, "fred"))
        await ctx.progress(done, len(wanted), unit="series")
    return series


async def _treasury(ctx: TaskContext, client: MarketClient, today: date) -> dict[str, Any]:
    points: list[Point] = []
    try:
        for year, month in _months(today):
            points.extend(await client.treasury(year, month))
    except FETCH_ERRORS as exc:
        return {"error": str(exc)}
    return _report(points, await _store(ctx, points, "treasury"))


def _report(points: list[Point], stored: int) -> dict[str, Any]:
    latest = newest(points)
    return {"stored": stored, "latest": latest.isoformat() if latest else None}


FETCH = TaskSpec("market.fetch", "maintenance", fetch, max_retries=0)

TASKS = (FETCH,)


def schedules(settings: Settings) -> tuple[Schedule, ...]:
    """Daily at ``market_fetch_daily_at`` UTC, or every ``market_fetch_every_seconds``."""
    if settings.market_fetch_every_seconds:
        return (Schedule(FETCH, every_seconds=settings.market_fetch_every_seconds),)
    return (Schedule(FETCH, daily_at=parse_daily_at(settings.market_fetch_daily_at)),)
