"""The ASGI application: ``create_app()`` wires settings, engines, the served index and the
routers. Everything stateful is built in ``lifespan`` and held on ``app.state``.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import anyio.to_thread
import structlog
from fastapi import FastAPI

from apfa import __version__
from apfa.admin.index_endpoints import router as admin_index_router
from apfa.admin.task_endpoints import router as admin_tasks_router
from apfa.advice.endpoints import SELF_ENCODING
from apfa.advice.endpoints import router as advice_router
from apfa.advice.flows import AdvicePipeline, PipelineOptions
from apfa.advice.generation import GenerationChain
from apfa.advice.history import HistoryWriter
from apfa.api_keys.endpoints import router as api_keys_router
from apfa.audit.endpoints import router as audit_router
from apfa.auth.api_keys import ApiKeyAuthenticator
from apfa.auth.endpoints import router as auth_router
from apfa.auth.middleware import QueryCredentialsGuard
from apfa.auth.principals import PrincipalCache
from apfa.auth.revocation import RevocationList
from apfa.auth.routes_endpoints import router as routes_router
from apfa.auth.tokens import TokenService
from apfa.core.cache import build_cache
from apfa.core.cache_redis import is_redis_failure
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.core.errors import install_error_handlers
from apfa.core.middleware import install_edge
from apfa.core.ratelimit import RateLimiter
from apfa.core.routing import register_routers
from apfa.core.secrets import jwt_keyring
from apfa.documents.endpoints import router as documents_router
from apfa.health.endpoints import router as health_router
from apfa.jobs.engine import start_task_system
from apfa.knowledge.endpoints import router as knowledge_router
from apfa.knowledge.holder import IndexHolder
from apfa.knowledge.indexing import load_active
from apfa.knowledge.preload import Preloader
from apfa.knowledge.retrieval import Retriever
from apfa.knowledge.staging import StagingBoard, report_ttl
from apfa.knowledge.watcher import listen, publish_gauges, sync_once, watch
from apfa.observability import metrics
from apfa.observability.exposition import start_process_metrics
from apfa.observability.logging import configure_logging
from apfa.observability.middleware import RequestContextMiddleware
from apfa.observability.tracing import setup_tracing
from apfa.providers.breaker import CircuitBreaker
from apfa.providers.embeddings import (
    Embedder,
    SentenceTransformerEmbedder,
    share_the_interpreter,
)
from apfa.providers.registry import build_providers
from apfa.realtime.server import install_realtime, start_realtime, stop_realtime
from apfa.users.endpoints import router as users_router
from apfa.web.endpoints import router as web_router

log = structlog.get_logger(__name__)

REVOCATION_POLL_SECONDS = 2.0
SHUTDOWN_STEP_SECONDS = 10.0


async def _load_embedder(settings: Settings) -> Embedder:
    share_the_interpreter(settings.gil_switch_interval_ms)
    embedder = await anyio.to_thread.run_sync(
        lambda: SentenceTransformerEmbedder(device=settings.embedding_device)
    )
    await anyio.to_thread.run_sync(embedder.encode, ["warm up"])
    return embedder


async def _bounded(name: str, step: Awaitable[Any]) -> None:
    """One shutdown step; a step that hangs is logged and abandoned so shutdown finishes."""
    try:
        await asyncio.wait_for(step, SHUTDOWN_STEP_SECONDS)
    except TimeoutError:
        log.error("shutdown_step_timed_out", step=name, seconds=SHUTDOWN_STEP_SECONDS)
    except Exception as exc:
        log.error("shutdown_step_failed", step=name, error=str(exc))


def create_app(settings: Settings | None = None, *, embedder: Embedder | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        maker = create_sessionmaker(engine)
        start_process_metrics(engine)
        model = embedder or await _load_embedder(settings)
        holder = IndexHolder()
        served, stamp = await load_active(maker, settings.index_dir)
        holder.swap(served, stamp)
        publish_gauges(holder)
        retriever = Retriever(holder, model)
        # Finished builds are loaded before their activation (one more version in memory);
        # with Redis, what this process holds is reported for the hot swap to wait on.
        preloader = (
            Preloader(
                maker,
                settings.index_dir,
                holder,
                StagingBoard(settings.redis_url, report_ttl(settings.index_poll_seconds))
                if settings.redis_url
                else None,
            )
            if settings.index_preload
            else None
        )
        # L2 (Redis) sits behind its own breaker; an open one only costs hit rate.
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
        cache = build_cache(
            settings,
            cache_breakers.get("redis"),
            on_error=lambda operation: metrics.CACHE_ERRORS.labels("l2", operation).inc(),
        )
        state = app.state
        state.settings, state.engine, state.sessionmaker = settings, engine, maker
        keys, active_kid = jwt_keyring(settings)
        state.tokens = TokenService(
            keys,
            active_kid,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=timedelta(minutes=settings.access_token_minutes),
        )
        state.principals = PrincipalCache(settings.auth_cache_seconds)
        state.api_keys = ApiKeyAuthenticator(state.principals, settings.auth_cache_seconds)
        state.revocations = RevocationList(timedelta(minutes=settings.access_token_minutes))
        await state.revocations.sync(maker)
        state.rate_limiter = RateLimiter(
            settings.redis_url, on_storage_error=metrics.RATE_LIMIT_STORAGE_ERRORS.inc
        )
        state.embedder, state.index_holder, state.retriever = model, holder, retriever
        # One HTTP client and one circuit breaker per LLM provider; readiness reads the
        # breakers by name (0 closed, 1 half-open, 2 open also as a gauge).
        state.providers = await build_providers(settings)
        state.breakers = {**state.providers.breakers, **cache_breakers}
        state.cache = cache
        state.advice_pipeline = AdvicePipeline(
            retriever,
            cache,
            PipelineOptions(settings.retrieval_top_k, settings.retrieval_min_score),
            GenerationChain(state.providers.generators),
        )
        state.history_writer = HistoryWriter(maker)
        state.history_writer.start()
        # Socket.IO on /ws/socket.io; what this process publishes reaches every API process.
        state.events = await start_realtime(app)
        # Background jobs: the embedded engine runs them here; under Celery this process
        # only records and sends them.
        state.task_system = await start_task_system(
            settings, maker, model, state.events, holder, preloader
        )
        state.tasks = state.task_system.runtime
        # Everything loaded so far (model, index, tables) lives until shutdown; freezing it
        # keeps full garbage collections from walking it, which otherwise shows up as
        # tens-of-milliseconds pauses in tail latency.
        gc.collect()
        gc.freeze()
        current = holder.current
        log.info("started", version=__version__, index_version=current and current.version)
        background = [
            asyncio.create_task(
                watch(
                    maker,
                    settings.index_dir,
                    holder,
                    settings.index_poll_seconds,
                    preloader=preloader,
                ),
                name="index-watcher",
            ),
            asyncio.create_task(
                state.revocations.watch(maker, REVOCATION_POLL_SECONDS), name="revocation-sync"
            ),
        ]
        if settings.redis_url:
            redis_url = settings.redis_url

            async def resync() -> bool:
                return await sync_once(maker, settings.index_dir, holder)

            on_built = preloader.request if preloader is not None else None
            background.append(
                asyncio.create_task(listen(redis_url, resync, on_built), name="index-listen")
            )
        if preloader is not None:
            await preloader.report()
            preloader.request()  # a version built while this process was down
            background.append(asyncio.create_task(preloader.run(), name="index-preload"))
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            steps: list[tuple[str, Awaitable[Any]]] = [
                ("task system", state.task_system.aclose()),
                ("real-time channel", stop_realtime(app)),
                ("background tasks", asyncio.gather(*background, return_exceptions=True)),
                *([("index report", preloader.aclose())] if preloader is not None else []),
                ("history writer", state.history_writer.aclose()),
                ("providers", state.providers.aclose()),
                ("cache", cache.aclose()),
                ("api keys", state.api_keys.drain()),
                ("database", engine.dispose()),
            ]
            for name, step in steps:
                await _bounded(name, step)

    app = FastAPI(
        title="APFA",
        summary="Agentic Personalized Financial Advisor",
        version=__version__,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    setup_tracing(app, settings)
    # Routes are matched in this order; advice, the busiest, goes first. Add a router here
    # (see core/routing.py for how it is registered).
    routers = (
        advice_router,
        health_router,
        auth_router,
        users_router,
        api_keys_router,
        audit_router,
        knowledge_router,
        documents_router,
        routes_router,
        admin_tasks_router,
        admin_index_router,
        web_router,
    )
    register_routers(app, routers)
    install_realtime(app, settings)
    app.add_middleware(QueryCredentialsGuard)
    install_edge(
        app, settings, request_context=RequestContextMiddleware, self_encoding=SELF_ENCODING
    )
    return app
