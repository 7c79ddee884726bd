"""Periodic jobs: slots, and one run per slot however many processes fire it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from apfa.app.jobs import catalogue
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.jobs.celery_app import celery_config
from apfa.jobs.registry import Schedule
from apfa.jobs.schedules import current_slot, fire, next_slot
from apfa.jobs.system import TASK_SYSTEM
from apfa.knowledge.tasks import CLEANUP, STATS
from apfa.main import create_app
from apfa.models import BackgroundTask
from apfa.providers.embeddings import SentenceTransformerEmbedder

DAILY = Schedule(CLEANUP, daily_at=(2, 0))
EVERY_5_MIN = Schedule(STATS, every_seconds=300)


def test_daily_slot_is_the_last_02_00_utc() -> None:
    before = datetime(2026, 11, 22, 1, 59, tzinfo=UTC)
    after = datetime(2026, 11, 22, 2, 0, 30, tzinfo=UTC)
    assert current_slot(DAILY, before) == datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    assert current_slot(DAILY, after) == datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    assert next_slot(DAILY, after) == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_interval_slots_align_to_the_interval() -> None:
    now = datetime(2026, 11, 22, 10, 7, 12, tzinfo=UTC)
    assert current_slot(EVERY_5_MIN, now) == datetime(2026, 11, 22, 10, 5, tzinfo=UTC)
    assert next_slot(EVERY_5_MIN, now) == datetime(2026, 11, 22, 10, 10, tzinfo=UTC)


def test_celery_beat_runs_the_same_schedules() -> None:
    schedules = catalogue().schedules
    settings = Settings(_env_file=None, redis_url="redis://x/0")  # type: ignore[call-arg]
    beat = celery_config(settings, schedules)["beat_schedule"]
    assert set(beat) == {s.task.name for s in schedules}
    assert set(beat) >= {"knowledge.stats", "knowledge.cleanup", "advice.prune_answers"}
    assert beat["knowledge.stats"]["schedule"].total_seconds() == 300
    daily = beat["knowledge.cleanup"]["schedule"]
    assert daily.hour == {2}
    assert daily.minute == {0}
    market = beat["market.fetch"]["schedule"]
    assert (market.hour, market.minute) == ({6}, {30})


def test_the_market_fetch_schedule_is_configurable() -> None:
    def market(**values: object) -> Schedule:
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        return next(s for s in catalogue(settings).schedules if s.task.name == "market.fetch")

    assert market().daily_at == (6, 30)
    assert market(market_fetch_daily_at="21:05").daily_at == (21, 5)
    assert market(market_fetch_every_seconds=3600).every_seconds == 3600
    with pytest.raises(ValueError, match="expected HH:MM in UTC"):
        market(market_fetch_daily_at="25:00")


@pytest.fixture
async def app_running(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[FastAPI]:
    application = create_app(isolated_settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_slot_fired_by_two_processes_runs_once(app_running: FastAPI) -> None:
    runtime = TASK_SYSTEM.of(app_running).runtime
    slot = current_slot(EVERY_5_MIN, datetime.now(UTC))
    assert await fire(runtime, EVERY_5_MIN, slot) is True
    assert await fire(runtime, EVERY_5_MIN, slot) is False
    async with session_scope(SESSIONMAKER.of(app_running)) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(BackgroundTask)
            .where(BackgroundTask.name == "knowledge.stats")
        )
    assert count == 1
