"""The metrics are updated by the code that does the work, and /metrics shows them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine
from apfa.knowledge.index.holder import INDEX_HOLDER, IndexHolder
from apfa.observability import exposition
from support import bearer


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_advice_updates_retrieval_and_cache_metrics(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    before = {
        "search": sample("apfa_faiss_search_seconds_count"),
        "embed": sample("apfa_embedding_seconds_count", kind="query"),
        "miss": sample("apfa_cache_misses_total", tier="l1"),
        "hit": sample("apfa_cache_hits_total", tier="l1"),
    }
    body = {"query": f"What is a good debt-to-income ratio? ({uuid.uuid4().hex})"}
    for _ in range(2):
        response = await client.post(
            "/api/v1/advice", json=body, headers=bearer(tokens[Role.FINANCIAL_ADVISOR])
        )
        assert response.status_code == 200, response.text
    assert sample("apfa_faiss_search_seconds_count") == before["search"] + 1
    assert sample("apfa_embedding_seconds_count", kind="query") == before["embed"] + 1
    assert sample("apfa_cache_misses_total", tier="l1") == before["miss"] + 1
    assert sample("apfa_cache_hits_total", tier="l1") == before["hit"] + 1
    assert sample("apfa_embedding_seconds_sum", kind="query") > 0


async def test_ingestion_observes_document_embedding() -> None:
    # The session's corpus was ingested through the real pipeline before the app started.
    assert sample("apfa_embedding_seconds_count", kind="document") >= 1


async def test_index_gauges_follow_the_served_version(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    holder: IndexHolder = INDEX_HOLDER.of(app)
    current = holder.current
    assert current is not None
    values = scraped((await client.get("/metrics")).text)
    assert values[("apfa_index_version", frozenset())] == current.version
    assert values[("apfa_index_vectors", frozenset())] == len(current)
    built = datetime.fromisoformat(current.manifest.created_at).timestamp()
    assert values[("apfa_index_built_timestamp_seconds", frozenset())] == built
    # A swap this process did not publish (as an activation through the API does) shows
    # at the next scrape.
    holder.swap(None)
    try:
        values = scraped((await client.get("/metrics")).text)
    finally:
        holder.swap(current)
    assert values[("apfa_index_version", frozenset())] == 0


def test_db_pool_gauges_follow_the_pool(settings: Settings) -> None:
    # A sync test on its own event loop: the session's apps and their background tasks,
    # which share the gauge, are frozen meanwhile, so only this engine moves it.
    async def scenario() -> None:
        engine = create_engine(settings)
        try:
            exposition.start_process_metrics(engine)
            pool = engine.sync_engine.pool
            assert sample("apfa_db_pool_connections", state="size") == pool.size()
            assert sample("apfa_db_pool_connections", state="capacity") > pool.size()
            before = sample("apfa_db_pool_connections", state="checked_out")
            async with engine.connect() as one, engine.connect():
                assert sample("apfa_db_pool_connections", state="checked_out") == before + 2
                await one.execute(text("SELECT 1"))
            assert sample("apfa_db_pool_connections", state="checked_out") == before
            # A scrape sets it from the pool itself.
            exposition.publish_pool(engine)
            assert sample("apfa_db_pool_connections", state="checked_out") == 0
        finally:
            await engine.dispose()

    asyncio.run(scenario())


async def test_task_metrics_are_declared(client: httpx.AsyncClient) -> None:
    families = {
        f.name: f.type for f in text_string_to_metric_families((await client.get("/metrics")).text)
    }
    assert families["apfa_task_duration_seconds"] == "histogram"
    assert families["apfa_tasks"] == "counter"
    assert families["apfa_queue_depth"] == "gauge"
    assert families["apfa_db_pool_connections"] == "gauge"
