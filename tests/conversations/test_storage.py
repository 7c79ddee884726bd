"""What a thread stores: its facts come back exactly (``Decimal`` amounts with their
digits, lists of them, records of debts), on SQLite and PostgreSQL; and migration 0006
creates the tables as the models declare them, removes a thread's messages with it and a
user's threads with the user, and downgrades cleanly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import alembic_config
from apfa.models import Base, Conversation, ConversationMessage, User
from apfa.models.base import DECIMAL_TAG, from_json, to_json
from conftest import fresh_database, make_settings

FACTS: dict[str, object] = {
    "annual_income": Decimal("95000.10"),
    "interest_rate": Decimal("6.50"),
    "tiny": Decimal("0.000000000000000000000001"),
    "huge": Decimal("123456789012345678901234567890.123456789"),
    "negative": Decimal("-0.00"),
    "rates": [Decimal("6.125"), Decimal("7")],
    "terms_months": [180, 360],
    "debts": [
        {"balance": Decimal("5000.00"), "apr": Decimal("24.99"), "min_payment": Decimal("150")},
        {"balance": Decimal("1200"), "apr": Decimal("0"), "min_payment": Decimal("35.5")},
    ],
    "loan_type": "mortgage",
    "age": 41,
    "nested": {"levels": [[Decimal("1.10")], {"deep": Decimal("2.000")}]},
}
TABLES = ("conversations", "conversation_messages")


def exactly(value: object) -> object:
    """``value`` with every Decimal as its text: equal only if the digits are equal."""
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, list):
        return [exactly(item) for item in value]
    if isinstance(value, dict):
        return {key: exactly(item) for key, item in value.items()}
    return (type(value).__name__, value)


def test_facts_survive_the_json_encoding() -> None:
    encoded = to_json(FACTS)
    assert encoded["interest_rate"] == {DECIMAL_TAG: "6.50"}
    assert encoded["terms_months"] == [180, 360]
    assert exactly(from_json(encoded)) == exactly(FACTS)


decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None)
leaves = st.one_of(decimals, st.integers(), st.text(max_size=8), st.booleans(), st.none())
names = st.text(min_size=1, max_size=10).filter(lambda name: not name.startswith("$"))
values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(names, inner, max_size=4)),
    max_leaves=12,
)


@given(st.dictionaries(names, values, max_size=6))
def test_any_facts_round_trip_exactly(facts: dict[str, Any]) -> None:
    assert exactly(from_json(to_json(facts))) == exactly(facts)


@pytest.mark.parametrize("bad", [{"$decimal": "1"}, {"x": object()}, {"x": {1: "a"}}])
def test_what_cannot_be_kept_exactly_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        to_json(bad)


async def test_facts_come_back_from_the_database_exactly(settings: Settings) -> None:
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    try:
        async with session_scope(maker) as session:
            user = User(username=f"facts-{uuid.uuid4().hex[:10]}", password_hash="x", role="user")
            session.add(user)
            await session.flush()
            conversation = Conversation(user_id=user.id, facts=FACTS, intents=["payment"])
            session.add(conversation)
            await session.flush()
            conversation_id = conversation.id
        async with maker() as session:
            stored = await session.get_one(Conversation, conversation_id)
            assert exactly(stored.facts) == exactly(FACTS)
            assert stored.intents == ["payment"]
            raw = await session.scalar(
                text("SELECT facts FROM conversations WHERE id = :id"), {"id": conversation_id}
            )
            assert "95000.10" in str(raw)
    finally:
        await engine.dispose()


@pytest.fixture
def fresh_settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    var_dir = tmp_path_factory.mktemp("migrate-0006")
    for url in fresh_database(database_url, var_dir):
        yield make_settings(var_dir, url)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _run(engine: AsyncEngine, work: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.run_sync(work)


def test_migration_0006_upgrades_and_downgrades(fresh_settings: Settings) -> None:
    config = alembic_config(fresh_settings.resolved_database_url)
    command.upgrade(config, "0005")

    async def seed() -> None:
        engine = create_engine(fresh_settings)
        async with session_scope(create_sessionmaker(engine)) as session:
            session.add(User(username="before", password_hash="x", role="user"))
        await engine.dispose()

    async def use() -> tuple[set[str], list[Any], int, int]:
        engine = create_engine(fresh_settings)
        maker = create_sessionmaker(engine)
        try:
            tables = await _run(engine, _tables)
            differences = await _run(engine, _differences)
            async with session_scope(maker) as session:
                user = await session.scalar(select(User).where(User.username == "before"))
                assert user is not None
                kept = Conversation(user_id=user.id, facts=FACTS)
                dropped = Conversation(user_id=user.id, facts={})
                session.add_all([kept, dropped])
                await session.flush()
                for conversation in (kept, dropped):
                    session.add(
                        ConversationMessage(
                            conversation_id=conversation.id, role="user", content="hi"
                        )
                    )
                await session.flush()
                await session.delete(dropped)
            async with maker() as session:
                messages = await session.scalar(
                    select(func.count()).select_from(ConversationMessage)
                )
            async with session_scope(maker) as session:
                await session.execute(text("DELETE FROM users WHERE username = 'before'"))
            async with maker() as session:
                left = await session.scalar(select(func.count()).select_from(Conversation))
            return tables, differences, int(messages or 0), int(left or 0)
        finally:
            await engine.dispose()

    async def tables_now() -> set[str]:
        engine = create_engine(fresh_settings)
        try:
            found: set[str] = await _run(engine, _tables)
            return found
        finally:
            await engine.dispose()

    asyncio.run(seed())
    command.upgrade(config, "head")
    tables, differences, messages, left = asyncio.run(use())
    assert set(TABLES) <= tables
    assert differences == [], "the migrated schema is the models' schema"
    assert messages == 1, "a thread's messages go with it"
    assert left == 0, "a user's threads go with the user"
    command.downgrade(config, "0005")
    assert not set(TABLES) & asyncio.run(tables_now())
    command.upgrade(config, "head")
    assert set(TABLES) <= asyncio.run(tables_now())
