"""Start-up and shutdown of an API process, as named steps in the order they run.

Each step builds what it owns, provides it as a typed resource (``core.resources``) and
registers how to close it; shutdown closes in the reverse order, each close bounded in
time so one that hangs is logged and abandoned and the process still stops.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import anyio.to_thread
import structlog
from fastapi import FastAPI

from apfa import __version__
from apfa.advice.advisor import Advisor
from apfa.advice.agent import build_agent
from apfa.advice.flows import ADVICE_PIPELINE, AdvicePipeline, PipelineOptions
from apfa.advice.generation import GenerationChain
from apfa.advice.history import HISTORY_WRITER, HistoryWriter
from apfa.app.jobs import catalogue
from apfa.auth.api_keys import API_KEYS, ApiKeyAuthenticator
from apfa.auth.principals import PRINCIPALS, PrincipalCache
from apfa.auth.revocation import REVOCATIONS, RevocationList
from apfa.auth.tokens import TOKENS, TokenService
from apfa.conversations.flows import CONVERSATION_TURNS, ConversationTurns
from apfa.core.cache import CACHE, build_cache
from apfa.core.cache_redis import is_redis_failure
from apfa.core.config import SETTINGS, Settings
from apfa.core.db import ENGINE, SESSIONMAKER, create_engine, create_sessionmaker
from apfa.core.objectstore import check_object_store, object_store
from apfa.core.ratelimit import RATE_LIMITER, RateLimiter
from apfa.core.redis import REDIS, connect_redis
from apfa.core.resources import Resources, resources_of
from apfa.core.secrets import jwt_keyring
from apfa.events.sink import EVENTS
from apfa.jobs.system import TASK_SYSTEM, start_task_system
from apfa.knowledge.freshness import policy_of
from apfa.knowledge.index.holder import INDEX_HOLDER, IndexHolder
from apfa.knowledge.index.preload import PRELOADER, Preloader
from apfa.knowledge.index.staging import StagingBoard, report_ttl
from apfa.knowledge.index.sync import listen, publish_gauges, sync_once, watch
from apfa.knowledge.index.versions import load_active
from apfa.knowledge.retrieval import RETRIEVER, Retriever
from apfa.market.client import MARKET_BREAKERS, source_breakers
from apfa.market.figures import MARKET_FIGURES, MarketFigures
from apfa.observability import metrics
from apfa.observability.exposition import start_process_metrics
from apfa.providers import embedding_backends
from apfa.providers.breaker import BREAKERS, CircuitBreaker
from apfa.providers.embeddings import (
    EMBEDDER,
    Embedder,
    share_the_interpreter,
)
from apfa.providers.registry import PROVIDERS, build_providers
from apfa.realtime.server import REALTIME

log = structlog.get_logger(__name__)

REVOCATION_POLL_SECONDS = 2.0
SHUTDOWN_STEP_SECONDS = 10.0

Close = Callable[[], Awaitable[Any]]


@dataclass
class Startup:
    """What the steps share: the settings, the resources they fill, and what to close."""

    settings: Settings
    resources: Resources
    embedder: Embedder | None = None
    closes: list[tuple[str, Close]] = field(default_factory=list)
    background: list[asyncio.Task[None]] = field(default_factory=list)

    def on_shutdown(self, name: str, close: Close) -> None:
        self.closes.append((name, close))

    def run(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background until shutdown."""
        self.background.append(asyncio.create_task(work, name=name))


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def lifespan_for(settings: Settings, embedder: Embedder | None = None) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        startup = Startup(settings, resources_of(app), embedder)
        try:
            await open_database(startup)
            open_redis(startup)
            await load_model(startup)
            await open_object_store(startup)
            await serve_index(startup)
            await open_auth(startup)
            await open_providers_and_cache(startup)
            open_market_data(startup)
            await build_advice(startup)
            build_conversations(startup)
            await start_realtime(startup)
            await start_jobs(startup)
            freeze_the_heap(startup)
            await watch_the_index(startup)
            yield
        finally:
            await shut_down(startup)

    return lifespan


async def open_database(startup: Startup) -> None:
    settings, resources = startup.settings, startup.resources
    engine = create_engine(settings)
    resources.provide(SETTINGS, settings)
    resources.provide(ENGINE, engine)
    resources.provide(SESSIONMAKER, create_sessionmaker(engine))
    start_process_metrics(engine)
    startup.on_shutdown("database", engine.dispose)


def open_redis(startup: Startup) -> None:
    """The process's async Redis client, when Redis is configured."""
    url = startup.settings.redis_url
    if url:
        client = startup.resources.provide(REDIS, connect_redis(url))
        startup.on_shutdown("redis", client.aclose)


async def load_model(startup: Startup) -> None:
    settings = startup.settings
    model = startup.embedder
    if model is None:
        share_the_interpreter(settings.gil_switch_interval_ms)
        model = await anyio.to_thread.run_sync(
            lambda: embedding_backends.load(embedding_backends.configured(settings))
        )
        await anyio.to_thread.run_sync(model.encode, ["warm up"])
    startup.resources.provide(EMBEDDER, model)


async def open_object_store(startup: Startup) -> None:
    """With APFA_STORAGE_BACKEND=s3, refuse to start unless the bucket can be read with
    these credentials (``ObjectStoreError``, one line)."""
    where = await anyio.to_thread.run_sync(check_object_store, startup.settings)
    if where is not None:
        log.info("object_store_ready", store=where)


async def serve_index(startup: Startup) -> None:
    """The active version, a retriever over it and (preloading on) the preloader, which
    loads finished builds before their activation (one more version in memory) and, with
    Redis, reports what this process holds for the hot swap to wait on."""
    settings, resources = startup.settings, startup.resources
    maker = resources.get(SESSIONMAKER)
    holder = resources.provide(INDEX_HOLDER, IndexHolder())
    store = object_store(settings)
    served, stamp = await load_active(maker, settings.index_dir, store)
    holder.swap(served, stamp)
    publish_gauges(holder)
    resources.provide(
        RETRIEVER,
        Retriever(
            holder,
            resources.get(EMBEDDER),
            mode=settings.retrieval_mode,
            batch_max=settings.query_batch_max,
            batch_window_ms=settings.query_batch_window_ms,
            freshness=policy_of(settings),
        ),
    )
    if not settings.index_preload:
        return
    redis = resources.find(REDIS)
    board = StagingBoard(redis, report_ttl(settings.index_poll_seconds)) if redis else None
    preloader = resources.provide(
        PRELOADER, Preloader(maker, settings.index_dir, holder, board, store)
    )
    startup.on_shutdown("index report", preloader.aclose)


async def open_auth(startup: Startup) -> None:
    settings, resources = startup.settings, startup.resources
    keys, active_kid = jwt_keyring(settings)
    ttl = timedelta(minutes=settings.access_token_minutes)
    resources.provide(
        TOKENS,
        TokenService(
            keys, active_kid, issuer=settings.jwt_issuer, audience=settings.jwt_audience, ttl=ttl
        ),
    )
    principals = resources.provide(PRINCIPALS, PrincipalCache(settings.auth_cache_seconds))
    api_keys = resources.provide(
        API_KEYS, ApiKeyAuthenticator(principals, settings.auth_cache_seconds)
    )
    startup.on_shutdown("api keys", api_keys.drain)
    revocations = resources.provide(REVOCATIONS, RevocationList(ttl))
    await revocations.sync(resources.get(SESSIONMAKER))
    resources.provide(
        RATE_LIMITER,
        RateLimiter(settings.redis_url, on_storage_error=metrics.RATE_LIMIT_STORAGE_ERRORS.inc),
    )


async def open_providers_and_cache(startup: Startup) -> None:
    """One HTTP client and one circuit breaker per LLM provider; the answer cache, whose
    Redis tier sits behind its own breaker (an open one only costs hit rate). Readiness
    reads the breakers by name."""
    settings, resources = startup.settings, startup.resources
    cache_breakers = (
        {
            "redis": CircuitBreaker(
                "redis",
                failure_threshold=settings.breaker_failure_threshold,
                open_seconds=settings.breaker_open_seconds,
                is_failure=is_redis_failure,
            )
        }
        if settings.redis_url
        else {}
    )
    cache = resources.provide(
        CACHE,
        build_cache(
            settings,
            cache_breakers.get("redis"),
            on_error=lambda operation: metrics.CACHE_ERRORS.labels("l2", operation).inc(),
        ),
    )
    startup.on_shutdown("cache", cache.aclose)
    providers = await build_providers(settings)
    startup.on_shutdown("providers", providers.aclose)
    resources.provide(PROVIDERS, providers)
    resources.provide(BREAKERS, {**providers.breakers, **cache_breakers})


def open_market_data(startup: Startup) -> None:
    """The stored market figures as this process sees them (answers, default rates,
    readiness) and the market sources' breakers, kept for the embedded engine's fetches."""
    settings, resources = startup.settings, startup.resources
    resources.provide(
        MARKET_FIGURES,
        MarketFigures(resources.get(SESSIONMAKER), settings),
    )
    resources.provide(
        MARKET_BREAKERS,
        source_breakers(settings.breaker_failure_threshold, settings.breaker_open_seconds),
    )


async def build_advice(startup: Startup) -> None:
    """The advice pipeline (the advisor with its intents and playbooks, retrieval, the
    cache, the provider chain ending with the grounded answer) and the history writer,
    which records answers behind requests."""
    settings, resources = startup.settings, startup.resources
    advisor = await anyio.to_thread.run_sync(Advisor.for_model, resources.get(EMBEDDER))
    agent = await anyio.to_thread.run_sync(build_agent, settings, resources.get(RETRIEVER))
    resources.provide(
        ADVICE_PIPELINE,
        AdvicePipeline(
            resources.get(RETRIEVER),
            resources.get(CACHE),
            advisor,
            PipelineOptions(settings.retrieval_top_k, settings.retrieval_min_score),
            GenerationChain(resources.get(PROVIDERS).generators, agent),
            figures=resources.get(MARKET_FIGURES),
        ),
    )
    writer = resources.provide(HISTORY_WRITER, HistoryWriter(resources.get(SESSIONMAKER)))
    writer.start()
    startup.on_shutdown("history writer", writer.aclose)


def build_conversations(startup: Startup) -> None:
    """Conversation turns, answered by the advice pipeline one at a time per thread."""
    resources = startup.resources
    turns = ConversationTurns(resources.get(SESSIONMAKER), resources.get(ADVICE_PIPELINE))
    resources.provide(CONVERSATION_TURNS, turns)
    startup.on_shutdown("conversation turns", turns.aclose)


async def start_realtime(startup: Startup) -> None:
    """Socket.IO on /ws/socket.io; what this process publishes reaches every API process."""
    realtime = startup.resources.get(REALTIME)
    startup.resources.provide(EVENTS, await realtime.start(startup.resources))
    startup.on_shutdown("real-time channel", realtime.stop)


async def start_jobs(startup: Startup) -> None:
    """Background jobs: the embedded engine runs them here; under Celery this process
    only records and sends them."""
    resources = startup.resources
    system = await start_task_system(
        startup.settings,
        resources.get(SESSIONMAKER),
        resources.get(EMBEDDER),
        resources.get(EVENTS),
        catalogue(startup.settings),
        resources,
    )
    resources.provide(TASK_SYSTEM, system)
    startup.on_shutdown("task system", system.aclose)


def freeze_the_heap(startup: Startup) -> None:
    """Everything loaded so far (model, index, tables) lives until shutdown; freezing it
    keeps full garbage collections from walking it, which otherwise shows up as
    tens-of-milliseconds pauses in tail latency."""
    gc.collect()
    gc.freeze()
    current = startup.resources.get(INDEX_HOLDER).current
    log.info("started", version=__version__, index_version=current and current.version)


async def watch_the_index(startup: Startup) -> None:
    """Stay on the active version (database poll; Redis messages when configured), stage
    finished builds, and keep the revocation list in step with the database."""
    settings, resources = startup.settings, startup.resources
    maker, holder = resources.get(SESSIONMAKER), resources.get(INDEX_HOLDER)
    preloader, redis = resources.find(PRELOADER), resources.find(REDIS)
    store = object_store(settings)
    startup.run(
        "index-watcher",
        watch(
            maker,
            settings.index_dir,
            holder,
            settings.index_poll_seconds,
            preloader=preloader,
            store=store,
        ),
    )
    startup.run("revocation-sync", resources.get(REVOCATIONS).watch(maker, REVOCATION_POLL_SECONDS))
    if redis is not None:

        async def resync() -> bool:
            return await sync_once(maker, settings.index_dir, holder, store=store)

        on_built = preloader.request if preloader is not None else None
        startup.run("index-listen", listen(redis, resync, on_built))
    if preloader is not None:
        await preloader.report()
        preloader.request()  # a version built while this process was down
        startup.run("index-preload", preloader.run())


async def shut_down(startup: Startup) -> None:
    for task in startup.background:
        task.cancel()
    await _bounded("background tasks", asyncio.gather(*startup.background, return_exceptions=True))
    for name, close in reversed(startup.closes):
        await _bounded(name, close())


async def _bounded(name: str, step: Awaitable[Any]) -> None:
    """One shutdown step; a step that hangs is logged and abandoned so shutdown finishes."""
    try:
        await asyncio.wait_for(step, SHUTDOWN_STEP_SECONDS)
    except TimeoutError:
        log.error("shutdown_step_timed_out", step=name, seconds=SHUTDOWN_STEP_SECONDS)
    except Exception as exc:
        log.error("shutdown_step_failed", step=name, error=str(exc))
