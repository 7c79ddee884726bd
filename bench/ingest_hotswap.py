"""The activation after a build, for ``bench/ingest_swap.py --flow hot-swap``: the real
``knowledge.hot_swap`` job run in the benchmark's process as a Celery worker runs it (no
index of its own, the API processes' staging reports read from Redis), and the activation
time the database records."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.app.jobs import catalogue
from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.core.redis import REDIS, connect_redis
from apfa.core.resources import Resources
from apfa.events.sink import NullSink
from apfa.jobs import records
from apfa.jobs.runtime import TaskRuntime
from apfa.knowledge.tasks import HOT_SWAP
from apfa.models import BackgroundTask, IndexVersion
from apfa.providers.embeddings import Embedder


def _no_embedder() -> Embedder:
    raise RuntimeError("the hot swap embeds nothing")


class HotSwapWorker:
    def __init__(self, settings: Settings, maker: async_sessionmaker[AsyncSession]) -> None:
        self._maker = maker
        resources = Resources()
        if settings.redis_url:
            resources.provide(REDIS, connect_redis(settings.redis_url))
        self._runtime = TaskRuntime(
            settings,
            maker,
            NullSink(),
            engine="celery",
            registry=catalogue().registry,
            embedder=_no_embedder,
            resources=resources,
        )

    async def run(self, version: int) -> dict[str, Any]:
        """Record and execute ``knowledge.hot_swap`` for ``version``; its result."""
        spec = HOT_SWAP
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
                raise RuntimeError(f"{spec.name} for version {version} ended {state}: {done.error}")
            return dict(done.result or {})

    async def activated_at(self, version: int) -> float:
        """When ``version`` was activated (epoch seconds, as the database records it)."""
        async with session_scope(self._maker) as session:
            row = await session.get(IndexVersion, version)
            if row is None or row.activated_at is None:
                raise RuntimeError(f"version {version} was never activated")
            return row.activated_at.timestamp()
