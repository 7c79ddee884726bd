"""The advice pipeline on the two-tier cache: two pipelines sharing a throwaway Redis (as two
processes would) serve each other's answers byte for byte, and an answer cached for one
index version is never served for another."""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from apfa.advice.flows import ADVICE_PIPELINE, AdvicePipeline, PipelineOptions
from apfa.advice.schemas import LoanQuery
from apfa.core.cache import LocalCache, TieredCache, cache_types
from apfa.core.cache_redis import RedisTier, connect
from apfa.core.config import SETTINGS, Settings
from apfa.knowledge.index.holder import INDEX_HOLDER, IndexHolder
from apfa.knowledge.index.store import LoadedIndex
from apfa.knowledge.retrieval import Retriever
from apfa.providers.breaker import CircuitBreaker
from apfa.providers.embeddings import EMBEDDER
from services import RedisServer, running_redis

QUESTION = LoanQuery.model_validate(
    {"query": "How much house can I afford on $95k a year?", "profile": {"credit_score": 740}}
)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    yield from running_redis(tmp_path)


class Process:
    """What one ``apfa serve`` process holds: its own served index and L1, a shared L2."""

    def __init__(self, app: FastAPI, url: str, namespace: str) -> None:
        settings: Settings = SETTINGS.of(app)
        self.holder = IndexHolder()
        self.holder.swap(INDEX_HOLDER.of(app).current)
        self.cache = TieredCache(
            LocalCache(namespace, cache_types(settings)),
            RedisTier(connect(url, 0.25), CircuitBreaker("redis-pipeline-test"), timeout=0.25),
        )
        self.pipeline = AdvicePipeline(
            Retriever(self.holder, EMBEDDER.of(app)),
            self.cache,
            ADVICE_PIPELINE.of(app).advisor,
            PipelineOptions(settings.retrieval_top_k, settings.retrieval_min_score),
        )

    async def settle(self) -> None:
        assert self.cache.remote is not None
        await self.cache.remote.drain()


@pytest.fixture
async def processes(
    app: FastAPI, redis_server: RedisServer
) -> AsyncIterator[tuple[Process, Process]]:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    pair = Process(app, redis_server.url, namespace), Process(app, redis_server.url, namespace)
    yield pair
    for process in pair:
        await process.cache.aclose()


def hits(tier: str) -> float:
    return REGISTRY.get_sample_value("apfa_cache_hits_total", {"tier": tier}) or 0.0


def next_version(index: LoadedIndex) -> LoadedIndex:
    clone = copy.copy(index)
    clone.manifest = dataclasses.replace(index.manifest, version=index.version + 1000)
    return clone


async def test_an_answer_from_another_process_renders_identically(
    processes: tuple[Process, Process],
) -> None:
    first, second = processes
    computed = await first.pipeline.answer(QUESTION)
    assert computed.cached is False
    await first.settle()

    l2_before = hits("l2")
    shared = await second.pipeline.answer(QUESTION)
    assert shared.cached is True
    assert hits("l2") == l2_before + 1
    assert shared.members_json == computed.members_json
    assert shared.body == computed.body
    one = json.loads(computed.render("alice", "req-1"))
    other = json.loads(shared.render("alice", "req-1"))
    assert one.pop("cached") is False
    assert other.pop("cached") is True
    one.pop("latency_ms")
    other.pop("latency_ms")
    assert one == other

    l1_before = hits("l1")
    assert (await second.pipeline.answer(QUESTION)).cached is True
    assert hits("l1") == l1_before + 1
    assert hits("l2") == l2_before + 1


async def test_a_new_index_version_never_serves_an_old_answer(
    processes: tuple[Process, Process], redis_server: RedisServer
) -> None:
    first, second = processes
    old = first.holder.current
    assert old is not None
    assert (await first.pipeline.answer(QUESTION)).cached is False
    await first.settle()

    newer = next_version(old)
    second.holder.swap(newer)
    fresh = await second.pipeline.answer(QUESTION)
    assert fresh.cached is False
    assert fresh.body.index_version == newer.version
    await second.settle()
    first.holder.swap(newer)
    assert (await first.pipeline.answer(QUESTION)).body.index_version == newer.version

    first.holder.swap(old)
    back = await first.pipeline.answer(QUESTION)
    assert back.cached is True
    assert back.body.index_version == old.version

    client = Redis.from_url(redis_server.url)
    try:
        keys = await client.keys(f"{first.cache.local.namespace}:advice:*")
    finally:
        await client.aclose()
    assert len(keys) == 2
