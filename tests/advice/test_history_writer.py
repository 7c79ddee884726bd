"""The write-behind history recorder: batching, read-your-writes and draining on close."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import func, select

from apfa.advice.history import HistoryWriter
from apfa.advice.service import HistoryEntry
from apfa.core.db import SESSIONMAKER
from apfa.models import AdviceRequest, User


async def _count(app: FastAPI, marker: str) -> int:
    async with SESSIONMAKER.of(app)() as session:
        stmt = select(func.count()).select_from(AdviceRequest).where(AdviceRequest.query == marker)
        return int(await session.scalar(stmt) or 0)


async def _row(app: FastAPI, marker: str) -> HistoryEntry:
    async with SESSIONMAKER.of(app)() as session:
        user_id = await session.scalar(select(User.id).limit(1))
    body_json = b'{"advice":"x"}'
    row = {
        "user_id": user_id,
        "request_id": None,
        "query": marker,
        "profile": {},
        "answer_digest": "d" * 64,
        "provider": "grounded",
        "cached": False,
        "index_version": None,
        "latency_ms": 1.0,
    }
    return HistoryEntry(row, "d" * 64, body_json)


async def test_flush_makes_every_submitted_row_visible(app: FastAPI) -> None:
    writer = HistoryWriter(SESSIONMAKER.of(app))
    writer.start()
    row = await _row(app, "writer-flush")
    for _ in range(300):
        await writer.submit(row)
    await writer.flush()
    assert await _count(app, "writer-flush") == 300
    await writer.aclose()


async def test_background_task_writes_without_a_flush(app: FastAPI) -> None:
    writer = HistoryWriter(SESSIONMAKER.of(app))
    writer.start()
    await writer.submit(await _row(app, "writer-background"))
    for _ in range(50):
        if await _count(app, "writer-background") == 1:
            break
        await asyncio.sleep(0.05)
    assert await _count(app, "writer-background") == 1
    await writer.aclose()


async def test_close_drains_the_queue(app: FastAPI) -> None:
    writer = HistoryWriter(SESSIONMAKER.of(app))
    writer.start()
    row = await _row(app, "writer-close")
    for _ in range(10):
        await writer.submit(row)
    await writer.aclose()
    assert await _count(app, "writer-close") == 10
