"""Migration 0007 creates ``market_observations`` as the model declares it, one row per
series, source and date, and downgrades cleanly; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.exc import IntegrityError

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import alembic_config
from apfa.models import Base, MarketObservation
from conftest import fresh_database, make_settings

TABLE = "market_observations"


@pytest.fixture
def fresh_settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    var_dir = tmp_path_factory.mktemp("migrate-0007")
    for url in fresh_database(database_url, var_dir):
        yield make_settings(var_dir, url)


def _schema(connection: Connection) -> tuple[set[str], list[Any]]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return set(inspect(connection).get_table_names()), list(
        compare_metadata(context, Base.metadata)
    )


async def _inspect(settings: Settings) -> tuple[set[str], list[Any]]:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            found: tuple[set[str], list[Any]] = await connection.run_sync(_schema)
            return found
    finally:
        await engine.dispose()


async def _insert_twice(settings: Settings) -> bool:
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)

    def row() -> MarketObservation:
        return MarketObservation(
            series_id="DFF",
            source="fred",
            observation_date=date(2026, 12, 1),
            value=Decimal("4.33"),
            fetched_at=datetime.now(UTC),
        )

    try:
        async with session_scope(maker) as session:
            session.add(row())
        try:
            async with session_scope(maker) as session:
                session.add(row())
        except IntegrityError:
            return True
        return False
    finally:
        await engine.dispose()


def test_migration_0007_upgrades_and_downgrades(fresh_settings: Settings) -> None:
    config = alembic_config(fresh_settings.resolved_database_url)
    command.upgrade(config, "0006")
    assert TABLE not in asyncio.run(_inspect(fresh_settings))[0]
    command.upgrade(config, "0007")
    tables, differences = asyncio.run(_inspect(fresh_settings))
    assert TABLE in tables
    assert [d for d in differences if TABLE in repr(d)] == [], "the model's schema"
    assert asyncio.run(_insert_twice(fresh_settings)), "one row per series, source and date"
    command.downgrade(config, "0006")
    assert TABLE not in asyncio.run(_inspect(fresh_settings))[0]
    command.upgrade(config, "head")
    assert TABLE in asyncio.run(_inspect(fresh_settings))[0]
