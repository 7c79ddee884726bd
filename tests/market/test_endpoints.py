"""Market data through the app: the console's endpoint and who may call it, starting a
fetch, stale series in /ready, and answers about current figures (stored or the bundled
table's, with dates)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from apfa.advice.flows import ADVICE_PIPELINE, AdvicePipeline
from apfa.advice.schemas import LoanQuery
from apfa.auth.permissions import Role
from apfa.core.cache import CACHE
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.finance.rates import AS_OF, RATE_TABLE
from apfa.knowledge.retrieval import RETRIEVER
from apfa.market import service
from apfa.market.figures import MARKET_FIGURES, MarketFigures
from apfa.market.parsing import Point
from apfa.market.series import catalogue
from support import bearer, provided

MARKET = "/api/admin/market"


def today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture
async def figures(isolated_settings: Settings) -> AsyncIterator[MarketFigures]:
    """Figures over a database of their own: DFF stale, the 30-year average fresh."""
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    stale = today() - timedelta(days=isolated_settings.market_max_age_days_daily + 5)
    points = {
        "fred": [
            Point("DFF", stale, Decimal("4.33")),
            Point("MORTGAGE30US", today() - timedelta(days=2), Decimal("6.05")),
        ]
    }
    async with session_scope(maker) as session:
        for source, rows in points.items():
            await service.upsert(session, rows, source, datetime.now(UTC))
    try:
        yield MarketFigures(maker, isolated_settings)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 401),
        (Role.USER, 403),
        (Role.FINANCIAL_ADVISOR, 403),
        (Role.ADMIN, 200),
        (Role.SUPER_ADMIN, 200),
    ],
)
async def test_the_market_view_needs_the_job_viewing_permission(
    client: httpx.AsyncClient, tokens: dict[Role, str], role: Role | None, status: int
) -> None:
    headers = bearer(tokens[role]) if role is not None else {}
    assert (await client.get(MARKET, headers=headers)).status_code == status


async def test_the_market_view_lists_every_series_and_the_bundled_fallback(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    body = (await client.get(MARKET, headers=bearer(tokens[Role.ADMIN]))).json()
    assert body["configured"] is False
    assert body["bundled_table_as_of"] == AS_OF
    assert body["rate_table"] == f"the APFA rate table ({AS_OF})"
    assert [item["series_id"] for item in body["items"]] == list(catalogue())
    mortgage = body["items"][0]
    assert mortgage["value"] is None
    assert mortgage["stale"] is False
    low, high = min(RATE_TABLE["mortgage_30"].values()), max(RATE_TABLE["mortgage_30"].values())
    assert mortgage["bundled_fallback"] == (
        f"{low:.2f}% to {high:.2f}% by credit tier (the bundled APFA rate table ({AS_OF}))"
    )


async def test_the_market_view_filters_by_series_and_refuses_unknown_ones(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    headers = bearer(tokens[Role.ADMIN])
    some = await client.get(MARKET, params={"series": "dff, MORTGAGE30US"}, headers=headers)
    assert [i["series_id"] for i in some.json()["items"]] == ["MORTGAGE30US", "DFF"]
    for bad in ("NOPE", ",", "DFF,../etc"):
        refused = await client.get(MARKET, params={"series": bad}, headers=headers)
        assert refused.status_code == 422, bad
        assert "unknown series" in refused.text
    too_long = await client.get(MARKET, params={"series": "X" * 500}, headers=headers)
    assert too_long.status_code == 422


async def test_a_fetch_started_from_the_console_reports_it_is_not_configured(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    refused = await client.post(f"{MARKET}/fetch", headers=bearer(tokens[Role.USER]))
    assert refused.status_code == 403
    headers = bearer(tokens[Role.ADMIN])
    started = await client.post(f"{MARKET}/fetch", headers=headers)
    assert started.status_code == 202
    job_id = started.json()["job_id"]
    waited = await client.get(
        f"/api/admin/celery/jobs/{job_id}/wait", params={"timeout": 30}, headers=headers
    )
    job = waited.json()["job"]
    assert job["name"] == "market.fetch"
    assert job["queue"] == "maintenance"
    assert job["state"] == "succeeded"
    assert job["result"]["status"] == "not configured"


async def test_stale_series_are_reported_by_readiness_without_failing_it(
    app: FastAPI, client: httpx.AsyncClient, figures: MarketFigures
) -> None:
    before = await client.get("/ready")
    with provided(app, MARKET_FIGURES, figures):
        after = await client.get("/ready")
    market = after.json()["components"]["market_data"]
    assert market["ok"] is True
    assert market["required"] is False
    assert market["stale"] == ["DFF"]
    assert "MORTGAGE30US" not in market["missing"]
    assert "DGS10" in market["missing"]
    assert after.status_code == before.status_code
    assert after.json()["status"] == before.json()["status"]


async def test_an_answer_about_current_rates_says_it_falls_back_to_the_bundled_table(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    response = await client.post(
        "/api/v1/advice",
        json={"query": "what are mortgage rates now?"},
        headers=bearer(tokens[Role.USER]),
    )
    assert response.status_code == 200
    body = response.json()
    fallback = f"so this falls back to the bundled APFA rate table ({AS_OF})"
    assert fallback in body["advice"]
    assert body["sections"][0]["kind"] == "current"
    assert fallback in body["sections"][0]["text"]


async def test_an_answer_gives_the_stored_figure_and_default_rates_follow_it(
    app: FastAPI, figures: MarketFigures
) -> None:
    shared = ADVICE_PIPELINE.of(app)
    pipeline = AdvicePipeline(
        RETRIEVER.of(app), CACHE.of(app), shared.advisor, chain=shared.chain, figures=figures
    )
    answer = await pipeline.answer(LoanQuery(query="what are mortgage rates today"))
    on = (today() - timedelta(days=2)).isoformat()
    assert (
        f"The 30-year fixed mortgage average was 6.05% on {on} (Freddie Mac Primary Mortgage "
        "Market Survey; source: FRED (Federal Reserve Bank of St. Louis))."
    ) in answer.body.advice
    assert "No current figure for the 15-year fixed mortgage average is stored" in (
        answer.body.advice
    )
    payment = await pipeline.answer(
        LoanQuery(query="what would my monthly payment be on a $300,000 30 year mortgage")
    )
    moved = "moved to the latest Freddie Mac averages (30-year fixed mortgage average 6.05%"
    assert any(moved in line for line in payment.body.assumptions), payment.body.assumptions
