"""The activation after a build, for ``bench/ingest_swap.py --flow hot-swap``: the real
``hot_swap_index`` job run in the benchmark's process as a Celery worker runs it (no
index of its own, the API processes' staging reports read from Redis), and the activation
time the database records."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import apfa.jobs  # noqa: F401 - registers the job bodies
from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.events.sink import NullSink
from apfa.models import BackgroundTask, IndexVersion
from apfa.providers.embeddings import Embedder
from apfa.tasks import records
from apfa.tasks.registry import get_spec
from apfa.tasks.runtime import TaskRuntime

JOB = "hot_swap_index"


def _no_embedder() -> Embedder:
    raise RuntimeError("the hot swap embeds nothing")


class HotSwapWorker:
    def __init__(self, settings: Settings, maker: async_sessionmaker[AsyncSession]) -> None:
        self._maker = maker
        self._runtime = TaskRuntime(
            settings, maker, NullSink(), engine="celery", embedder=_no_embedder
        )

    async def run(self, version: int) -> dict[str, Any]:
        """Record and execute ``hot_swap_index`` for ``version``; its result."""
        spec = get_spec(JOB)
        async with session_scope(self._maker) as session:
            row = records.new_record(
                spec, {"version": version}, max_retries=0, engine="celery", created_by="bench"
            )
            session.add(row)
        state = await self._runtime.execute(row.id)
        async with session_scope(self._maker) as session:
            done = await session.get(BackgroundTask, row.id)
            assert done is not None
            if state != "succeeded":
                raise RuntimeError(f"{JOB} for version {version} ended {state}: {done.error}")
            return dict(done.result or {})

    async def activated_at(self, version: int) -> float:
        """When ``version`` was activated (epoch seconds, as the database records it)."""
        async with session_scope(self._maker) as session:
            row = await session.get(IndexVersion, version)
            if row is None or row.activated_at is None:
                raise RuntimeError(f"version {version} was never activated")
            return row.activated_at.timestamp()
