"""The fetch job against a stub FRED and Treasury on loopback, on SQLite and PostgreSQL:
what it stores, that a second run leaves the same rows, retries and then the breaker,
a refused key, and doing nothing without a key."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.resources import Resources
from apfa.events.sink import EventSink, NullSink
from apfa.jobs import records
from apfa.jobs.spec import JobFailed, TaskContext, TaskSpec
from apfa.market import service
from apfa.market.client import MARKET_BREAKERS, source_breakers
from apfa.market.parsing import Point
from apfa.market.series import fred_series
from apfa.market.tasks import FETCH, fetch
from apfa.models import MarketObservation
from apfa.providers.breaker import BreakerState
from apfa.providers.embeddings import Embedder
from market_samples import CPI_STEP, DAILY, TREASURY, upstream
from market_upstream import Upstream, running

KEY = "fred-key-" + "0" * 23
OBSERVATIONS = "/fred/series/observations"


@dataclass
class Host:
    """What runs a job, as the job sees it: settings, the database, this process's
    resources; progress reports are kept."""

    settings: Settings
    maker: async_sessionmaker[AsyncSession]
    resources: Resources = field(default_factory=Resources)
    events: EventSink = field(default_factory=NullSink)
    reports: list[dict[str, Any]] = field(default_factory=list)

    def embedder(self) -> Embedder:
        raise AssertionError("the market job needs no embedder")

    async def report_progress(self, ctx: TaskContext, report: dict[str, Any], event: str) -> None:
        self.reports.append(report)

    async def submit_child(self, ctx: TaskContext, spec: TaskSpec, params: dict[str, Any]) -> str:
        raise AssertionError("the market job starts no other job")


@pytest.fixture
async def maker(isolated_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(isolated_settings)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


def settings_for(base: Settings, up: Upstream | None, **overrides: Any) -> Settings:
    values = base.model_dump()
    values.update(
        fred_api_key=SecretStr(KEY),
        fred_base_url=up.fred_url if up else "http://127.0.0.1:9/fred",
        treasury_base_url=up.treasury_url if up else "http://127.0.0.1:9/treasury",
        market_retry_initial_seconds=0.0,
        market_timeout_seconds=5.0,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def run_job(host: Host) -> dict[str, Any]:
    row = records.new_record(FETCH, {}, max_retries=0, engine="local")
    result = await fetch(TaskContext(host, row), {})
    assert result is not None
    return result


async def stored(maker: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, date, Decimal]]:
    async with session_scope(maker) as session:
        rows = (await session.scalars(select(MarketObservation))).all()
    return sorted((r.series_id, r.source, r.observation_date, r.value) for r in rows)


def today() -> date:
    return datetime.now(UTC).date()


async def test_fetch_stores_every_series_and_a_second_run_changes_nothing(
    isolated_settings: Settings, maker: async_sessionmaker[AsyncSession]
) -> None:
    async with running(upstream(today())) as up:
        host = Host(settings_for(isolated_settings, up), maker)
        first = await run_job(host)
        rows = await stored(maker)
        second = await run_job(host)
        assert await stored(maker) == rows
    assert first["status"] == second["status"] == "fetched"
    assert first["failed"] == []
    # Every FRED series was asked for once per run, with the key, as JSON, oldest first.
    asked = [s.query for s in up.requests_to(OBSERVATIONS)]
    assert sorted(q["series_id"] for q in asked) == sorted(fred_series() * 2)
    assert all(q["api_key"] == KEY and q["file_type"] == "json" for q in asked)
    # Ten weekdays each, less the "." one, from FRED; five days of 2y and 10y from the Treasury.
    dff = [r for r in rows if r[0] == "DFF"]
    assert len(dff) == 9
    assert {r[3] for r in dff} == {Decimal(DAILY["DFF"])}
    treasury = [r for r in rows if r[1] == "treasury"]
    assert {r[0] for r in treasury} == {"DGS2", "DGS10"}
    assert len(treasury) == 10
    assert {r[3] for r in treasury if r[0] == "DGS10"} == {Decimal(TREASURY[1])}
    # Two CPI months have the month twelve before them; the rise is 0.25% a month.
    inflation = [r for r in rows if r[0] == "CPI_INFLATION_12M"]
    expected = ((CPI_STEP**12 - 1) * 100).quantize(Decimal("0.01"))
    assert [r[3] for r in inflation] == [expected, expected]
    assert first["series"]["fred:DFF"] == {"stored": 9, "latest": dff[-1][2].isoformat()}
    assert host.reports[-1]["done"] == host.reports[-1]["total"] == len(fred_series())


async def test_a_revised_figure_replaces_the_stored_one(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    when, now = date(2026, 11, 26), datetime.now(UTC)
    first = [Point("MORTGAGE30US", when, Decimal("6.12"))]
    async with session_scope(maker) as session:
        assert await service.upsert(session, first, "fred", now) == 1
        assert await service.upsert(session, first, "treasury", now) == 1
    async with session_scope(maker) as session:
        revised = [Point("MORTGAGE30US", when, Decimal("6.13"))]
        assert await service.upsert(session, revised, "fred", now) == 1
        latest = await service.latest(session)
    assert latest["MORTGAGE30US"].value == Decimal("6.13")
    assert latest["MORTGAGE30US"].source == "fred"
    assert [(r[1], r[3]) for r in await stored(maker)] == [
        ("fred", Decimal("6.13")),
        ("treasury", Decimal("6.12")),
    ]


async def test_without_a_key_the_job_only_says_it_is_not_configured(
    isolated_settings: Settings, maker: async_sessionmaker[AsyncSession]
) -> None:
    async with running(upstream(today())) as up:
        settings = settings_for(isolated_settings, up, fred_api_key=None)
        result = await run_job(Host(settings, maker))
    assert result["status"] == "not configured"
    assert result["configured"] is False
    assert "APFA_FRED_API_KEY" in result["message"]
    assert up.seen == []
    assert await stored(maker) == []


async def test_a_key_file_that_cannot_be_read_is_reported_not_raised(
    isolated_settings: Settings, maker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    settings = settings_for(
        isolated_settings, None, fred_api_key=None, fred_api_key_file=tmp_path / "missing"
    )
    result = await run_job(Host(settings, maker))
    assert result["status"] == "not configured"
    assert "APFA_FRED_API_KEY_FILE" in result["message"]


async def test_failures_are_retried_then_the_breaker_opens_and_the_rest_fail_fast(
    isolated_settings: Settings, maker: async_sessionmaker[AsyncSession]
) -> None:
    failing = Upstream(fail={"/fred/": (503, b'{"error_code": 503}')})
    async with running(failing) as up:
        settings = settings_for(
            isolated_settings,
            up,
            market_treasury=False,
            market_max_attempts=3,
            breaker_failure_threshold=2,
        )
        host = Host(settings, maker)
        breakers = host.resources.provide(MARKET_BREAKERS, source_breakers(2, 60.0))
        with pytest.raises(JobFailed) as failed:
            await run_job(host)
    # Two series were each tried three times; then the breaker was open for the others.
    assert len(up.requests_to(OBSERVATIONS)) == 2 * 3
    assert breakers["fred"].state is BreakerState.OPEN
    result = failed.value.result
    assert result["status"] == "failed"
    errors = [entry["error"] for entry in result["series"].values()]
    assert errors[:2] == ["fred: HTTP 503", "fred: HTTP 503"]
    assert all("circuit 'market:fred' is open" in e for e in errors[2:])
    assert len(errors) == len(fred_series())
    assert host.reports[-1]["done"] == len(fred_series()), "progress counts failed series too"
    assert await stored(maker) == []


async def test_a_refused_key_is_not_retried_and_never_echoed(
    isolated_settings: Settings, maker: async_sessionmaker[AsyncSession]
) -> None:
    message = f"Bad Request. The value for variable api_key is not registered: {KEY}"
    body = f'{{"error_code": 400, "error_message": "{message}"}}'.encode()
    async with running(Upstream(fail={"/fred/": (400, body)})) as up:
        settings = settings_for(isolated_settings, up, market_treasury=False)
        with pytest.raises(JobFailed) as failed:
            await run_job(Host(settings, maker))
    first = failed.value.result["series"]["fred:MORTGAGE30US"]["error"]
    assert first.startswith("fred: HTTP 400: Bad Request. The value for variable api_key")
    assert KEY not in str(failed.value.result)
    # One request per series until the breaker (5 failures by default) opened.
    assert len(up.requests_to(OBSERVATIONS)) == settings.breaker_failure_threshold


async def test_one_source_failing_leaves_the_other_stored(
    isolated_settings: Settings, maker: async_sessionmaker[AsyncSession]
) -> None:
    up = upstream(today())
    up.fail["/treasury/"] = (500, b"")
    async with running(up):
        settings = settings_for(isolated_settings, up, market_max_attempts=2)
        result = await run_job(Host(settings, maker))
    assert result["status"] == "partial"
    assert result["failed"] == ["treasury:DGS2+DGS10"]
    assert {r[1] for r in await stored(maker)} == {"fred", "computed"}


async def test_the_treasury_csv_download_is_read_too(
    isolated_settings: Settings, maker: async_sessionmaker[AsyncSession]
) -> None:
    async with running(upstream(today(), csv=True)) as up:
        settings = settings_for(isolated_settings, up, treasury_format="csv")
        result = await run_job(Host(settings, maker))
    csv_requests = [s for s in up.seen if s.path.startswith("/treasury/daily-treasury-rates.csv")]
    assert len(csv_requests) == 2
    assert all(s.query["_format"] == "csv" for s in csv_requests)
    assert result["series"]["treasury:DGS2+DGS10"]["stored"] == 10


async def test_the_key_never_reaches_the_http_log(
    isolated_settings: Settings,
    maker: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running(upstream(today())) as up:
        settings = settings_for(isolated_settings, up, market_treasury=False)
        with caplog.at_level(logging.INFO, logger="httpx"):
            await run_job(Host(settings, maker))
    logged = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("series/observations" in line and "api_key=***" in line for line in logged)
    assert not any(KEY in line for line in logged)
