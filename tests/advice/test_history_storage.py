"""History rows share their answer: stored once as a JSON document, read back as sent,
pruned only when unused and unreferenced; older rows are carried through the migrations
both ways."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import column, func, select, table, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.advice import service
from apfa.advice.answers import members_digest
from apfa.advice.history import HistoryWriter
from apfa.advice.service import HistoryEntry
from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import alembic_config
from apfa.models import AdviceAnswer, AdviceRequest, User
from apfa.models.base import utcnow
from conftest import fresh_database, make_settings
from support import client_as

QUESTION = {"query": "How does my debt-to-income ratio affect a mortgage application?"}


async def _answers(maker: async_sessionmaker[AsyncSession], digest: str) -> int:
    async with maker() as session:
        stmt = select(func.count()).select_from(AdviceAnswer).where(AdviceAnswer.digest == digest)
        return int(await session.scalar(stmt) or 0)


async def test_a_cached_answer_is_stored_once_and_read_back_as_sent(app: FastAPI) -> None:
    client, headers = await client_as(app, f"stored-{uuid.uuid4().hex[:8]}", Role.USER)
    try:
        sent = [
            await client.post("/api/v1/advice", json=QUESTION, headers=headers) for _ in range(3)
        ]
        assert [r.status_code for r in sent] == [200, 200, 200]
        assert [r.json()["cached"] for r in sent][1:] == [True, True]
        history = await client.get("/api/v1/advice/history", headers=headers)
    finally:
        await client.aclose()
    items = history.json()["items"]
    assert [item["request_id"] for item in items] == [
        r.headers["x-request-id"] for r in reversed(sent)
    ]
    for item, response in zip(items, reversed(sent), strict=True):
        assert item["response"] == response.json()
    async with SESSIONMAKER.of(app)() as session:
        digests = set(
            await session.scalars(
                select(AdviceRequest.answer_digest).where(
                    AdviceRequest.request_id.in_([r.headers["x-request-id"] for r in sent])
                )
            )
        )
    assert len(digests) == 1  # the first answer and the two cache hits share their members
    (digest,) = digests
    assert digest is not None
    assert await _answers(SESSIONMAKER.of(app), digest) == 1
    body = sent[1].json()
    members = {
        k: v for k, v in body.items() if k not in {"user", "request_id", "cached", "latency_ms"}
    }
    assert members_digest(json.dumps(members, separators=(",", ":")).encode()[1:-1]) == digest


async def _entry(maker: async_sessionmaker[AsyncSession], marker: str, advice: str) -> HistoryEntry:
    async with maker() as session:
        user_id = await session.scalar(select(User.id).limit(1))
    body_json = json.dumps({"advice": advice}).encode()
    digest = members_digest(body_json[1:-1])
    row = {
        "user_id": user_id,
        "request_id": marker,
        "query": marker,
        "profile": {},
        "answer_digest": digest,
        "provider": "grounded",
        "cached": False,
        "index_version": None,
        "latency_ms": 1.0,
    }
    return HistoryEntry(row, digest, body_json)


def _sent(advice: str, user: str, request_id: str) -> dict[str, object]:
    """What ``_entry``'s row reads back as."""
    return {
        "advice": advice,
        "user": user,
        "request_id": request_id,
        "cached": False,
        "latency_ms": 1.0,
    }


async def test_pruning_keeps_referenced_and_recently_used_answers(
    isolated_settings: Settings,
) -> None:
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    async with session_scope(maker) as session:
        session.add(User(username="pruned", password_hash="x", role="user"))
    try:
        writer = HistoryWriter(maker)
        kept, orphan, recent = (
            await _entry(maker, "kept", "a"),
            await _entry(maker, "orphan", "b"),
            await _entry(maker, "recent", "c"),
        )
        for entry in (kept, orphan, recent):
            await writer.submit(entry)
        await writer.flush()
        long_ago = utcnow() - timedelta(days=2)
        async with session_scope(maker) as session:
            await session.execute(
                AdviceRequest.__table__.delete().where(
                    AdviceRequest.query.in_(["orphan", "recent"])
                )
            )
            await session.execute(
                update(AdviceAnswer)
                .where(AdviceAnswer.digest.in_([kept.digest, orphan.digest]))
                .values(last_used_at=long_ago)
            )
        async with session_scope(maker) as session:
            assert await service.prune_answers(session) == 1
        assert await _answers(maker, orphan.digest) == 0
        assert await _answers(maker, kept.digest) == 1  # referenced by a row
        assert await _answers(maker, recent.digest) == 1  # used within the grace period
        # A pruned answer served again (from a cache) is stored again with its row.
        await writer.submit(orphan)
        await writer.flush()
        async with maker() as session:
            rows = await service.history(
                session, int(orphan.row["user_id"]), limit=10, before_id=None
            )
        responses = {
            row.query: service.stored_response(row, body, name) for row, body, name in rows
        }
        assert responses["orphan"] == _sent("b", "pruned", "orphan")
        assert responses["kept"] == _sent("a", "pruned", "kept")
    finally:
        await engine.dispose()


@pytest.fixture
def fresh_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database on the session's backend, migrated by the test itself."""
    yield from fresh_database(database_url, tmp_path_factory.mktemp("migrate"))


def test_migration_keeps_whole_responses_and_downgrade_rebuilds_them(
    fresh_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import asyncio

    settings = make_settings(tmp_path_factory.mktemp("var"), fresh_url)
    config = alembic_config(settings.resolved_database_url)
    command.upgrade(config, "0003")
    legacy = {"advice": "legacy", "user": "old", "cached": False}

    async def seed() -> None:
        # The table as revision 0003 has it (users is unchanged since).
        engine = create_engine(settings)
        maker = create_sessionmaker(engine)
        async with session_scope(maker) as session:
            user = User(username="old", password_hash="x", role="user")
            session.add(user)
            await session.flush()
            at_0003 = table(
                "advice_requests",
                *(
                    column(name)
                    for name in (
                        "user_id", "request_id", "query", "profile", "response_json",
                        "provider", "cached", "latency_ms", "created_at",
                    )
                ),
            )  # fmt: skip
            await session.execute(
                at_0003.insert().values(
                    user_id=user.id,
                    request_id="r1",
                    query="q",
                    profile="{}",
                    response_json=json.dumps(legacy),
                    provider="grounded",
                    cached=False,
                    latency_ms=1.0,
                    created_at=utcnow(),
                )
            )
        await engine.dispose()

    async def read() -> list[dict[str, object]]:
        engine = create_engine(settings)
        maker = create_sessionmaker(engine)
        async with maker() as session:
            user_id = await session.scalar(select(User.id).where(User.username == "old"))
            assert user_id is not None
            rows = await service.history(session, user_id, limit=10, before_id=None)
            if not rows:
                return []
            writer = HistoryWriter(maker)
            entry = await _entry(maker, "new", "shared")
            await writer.submit(
                HistoryEntry({**entry.row, "user_id": user_id}, entry.digest, entry.body_json)
            )
            await writer.flush()
            rows = await service.history(session, user_id, limit=10, before_id=None)
        await engine.dispose()
        return [service.stored_response(row, body, name) for row, body, name in rows]

    asyncio.run(seed())
    command.upgrade(config, "head")
    # The legacy row's per-request fields now come from its columns.
    legacy_read = _sent("legacy", "old", "r1")
    assert asyncio.run(read()) == [_sent("shared", "old", "new"), legacy_read]
    command.downgrade(config, "0003")

    async def whole() -> list[dict[str, object]]:
        engine = create_engine(settings)
        async with engine.connect() as conn:
            result = await conn.execute(
                text("SELECT response_json FROM advice_requests ORDER BY id")
            )
            bodies = [json.loads(body) for (body,) in result]
        await engine.dispose()
        return bodies

    assert asyncio.run(whole()) == [legacy_read, _sent("shared", "old", "new")]
