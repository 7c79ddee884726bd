"""The ASGI application: ``create_app()`` wires settings, engines, the served index and the
routers. Everything stateful is built in ``lifespan`` and held on ``app.state``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio.to_thread
import structlog
from fastapi import FastAPI

from apfa import __version__
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
from apfa.core.cache import LocalCache
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.core.errors import install_error_handlers
from apfa.core.middleware import install_edge
from apfa.core.ratelimit import RateLimiter
from apfa.core.secrets import jwt_keyring
from apfa.health.endpoints import router as health_router
from apfa.knowledge.endpoints import router as knowledge_router
from apfa.knowledge.holder import IndexHolder
from apfa.knowledge.indexing import load_active
from apfa.knowledge.retrieval import Retriever
from apfa.knowledge.watcher import publish_gauges, watch
from apfa.observability import metrics
from apfa.observability.exposition import start_process_metrics
from apfa.observability.logging import configure_logging
from apfa.observability.middleware import RequestContextMiddleware
from apfa.observability.tracing import setup_tracing
from apfa.providers.embeddings import Embedder, SentenceTransformerEmbedder
from apfa.providers.registry import build_providers
from apfa.users.endpoints import router as users_router

log = structlog.get_logger(__name__)

INDEX_POLL_SECONDS = 5.0
REVOCATION_POLL_SECONDS = 2.0


async def _load_embedder(settings: Settings) -> Embedder:
    embedder = await anyio.to_thread.run_sync(
        lambda: SentenceTransformerEmbedder(device=settings.embedding_device)
    )
    await anyio.to_thread.run_sync(embedder.encode, ["warm up"])
    return embedder


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
        holder.swap(await load_active(maker, settings.index_dir))
        publish_gauges(holder)
        retriever = Retriever(holder, model)
        cache = LocalCache(
            "apfa",
            maxsize=settings.advice_cache_size,
            ttls={"advice": settings.advice_cache_ttl_seconds},
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
        state.breakers = state.providers.breakers
        state.advice_pipeline = AdvicePipeline(
            retriever,
            cache,
            PipelineOptions(settings.retrieval_top_k, settings.retrieval_min_score),
            GenerationChain(state.providers.generators),
        )
        state.history_writer = HistoryWriter(maker)
        state.history_writer.start()
        # Everything loaded so far (model, index, tables) lives until shutdown; freezing it
        # keeps full garbage collections from walking it, which otherwise shows up as
        # tens-of-milliseconds pauses in tail latency.
        gc.collect()
        gc.freeze()
        current = holder.current
        log.info("started", version=__version__, index_version=current and current.version)
        background = [
            asyncio.create_task(
                watch(maker, settings.index_dir, holder, INDEX_POLL_SECONDS), name="index-watcher"
            ),
            asyncio.create_task(
                state.revocations.watch(maker, REVOCATION_POLL_SECONDS), name="revocation-sync"
            ),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await state.history_writer.aclose()
            await state.providers.aclose()
            await state.api_keys.drain()
            await engine.dispose()

    app = FastAPI(
        title="APFA",
        summary="Agentic Personalized Financial Advisor",
        version=__version__,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    setup_tracing(app, settings)
    routers = (
        health_router,
        auth_router,
        users_router,
        api_keys_router,
        audit_router,
        advice_router,
        knowledge_router,
        routes_router,
    )
    for router in routers:
        app.include_router(router)
    app.add_middleware(QueryCredentialsGuard)
    install_edge(app, settings, request_context=RequestContextMiddleware)
    return app
