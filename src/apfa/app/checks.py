"""Readiness checks, one per component.

Each returns ``{"ok": bool | None, "required": bool, ...}``. ``ok`` is None when the
component cannot be checked yet. The service is ready while no *required* component is
down; a component that is down but not required makes it ``degraded``, still serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import structlog
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apfa.jobs.heartbeat import live_workers
from apfa.jobs.local import LocalEngine
from apfa.knowledge.index.holder import IndexHolder
from apfa.market.current import staleness
from apfa.market.figures import MarketFigures, today_utc
from apfa.providers.breaker import CircuitBreaker

log = structlog.get_logger(__name__)

Component = dict[str, Any]

DATABASE_TIMEOUT_SECONDS = 3.0
REDIS_TIMEOUT_SECONDS = 2.0


def _down(exc: BaseException, *, required: bool = True) -> Component:
    error = "Timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
    return {"ok": False, "required": required, "error": error}


async def database(engine: AsyncEngine) -> Component:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("readiness_database_down", error=str(exc))
        return _down(exc)
    return {"ok": True, "required": True}


def index(holder: IndexHolder, embedder_model: str | None = None) -> Component:
    """The served version; a warning (not a failure) when its vectors come from another
    model than the one this process embeds questions with: a fleet whose hosts resolved
    different embedding backends, or the window between changing the backend and the next
    build, which embeds the corpus again. Failing readiness then would take every host out
    at once."""
    current = holder.current
    if current is None:
        return {"ok": False, "required": True, "error": "no index version loaded"}
    component: Component = {
        "ok": True,
        "required": True,
        "version": current.version,
        "vectors": len(current),
        "model": current.manifest.model,
    }
    if embedder_model is not None and embedder_model != current.manifest.model:
        component["warning"] = (
            f"index version {current.version} holds {current.manifest.model} vectors but "
            f"questions are embedded with {embedder_model}: set the same "
            "APFA_EMBEDDING_BACKEND on every host, then build a new version"
        )
        log.warning(
            "index_model_mismatch",
            version=current.version,
            index_model=current.manifest.model,
            embedder_model=embedder_model,
        )
    return component


async def redis(url: str) -> Component:
    """PING on a connection of its own, opened for the probe: readiness says whether Redis
    answers now, whatever the state of the process's pool (stale connections after a
    restart, retries and their backoff)."""
    client = Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            await client.ping()
    except Exception as exc:
        log.warning("readiness_redis_down", error=str(exc))
        return _down(exc)
    finally:
        await client.aclose()
    return {"ok": True, "required": True}


async def workers(client: Redis) -> Component:
    """Celery workers that beat within the last 30 s (their Redis heartbeat keys)."""
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            found = await live_workers(client)
    except Exception as exc:
        log.warning("readiness_workers_unknown", error=str(exc))
        return _down(exc)
    queues = sorted({q for w in found for q in w.get("queues", [])})
    return {"ok": bool(found), "required": True, "count": len(found), "queues": queues}


def local_workers(engine: LocalEngine | None) -> Component:
    """The embedded engine: its worker coroutines run inside this process."""
    if engine is None or not engine.alive:
        return {"ok": False, "required": True, "count": 0}
    return {"ok": True, "required": True, "count": engine.concurrency}


def _state_name(breaker: CircuitBreaker) -> str:
    state = breaker.state
    return str(getattr(state, "value", state)).lower().replace("-", "_")


def breakers(registry: Mapping[str, CircuitBreaker], *, fallback: bool) -> Component:
    """Open breakers are reported; they make the service unready only when no grounded
    fallback can answer in their place."""
    states = {name: _state_name(breaker) for name, breaker in sorted(registry.items())}
    opened = [name for name, state in states.items() if state == "open"]
    return {"ok": not opened, "required": not fallback, "states": states, "open": opened}


async def market_data(figures: MarketFigures) -> Component:
    """Stored market figures and which are stale. Never required and never down: stale
    figures only mean answers say how old their figures are, or fall back to the bundled
    rate table."""
    snapshot = await figures.snapshot()
    rows = staleness(snapshot.latest, figures.settings, today_utc())
    configured = figures.settings.fred_api_key is not None or (
        figures.settings.fred_api_key_file is not None
    )
    return {
        "ok": True,
        "required": False,
        "configured": configured,
        "series": len(snapshot.latest),
        "stale": [row.info.id for row in rows if row.stale],
        "missing": [row.info.id for row in rows if row.bundled],
    }


def verdict(components: Mapping[str, Component]) -> str:
    if any(c["ok"] is False and c["required"] for c in components.values()):
        return "unavailable"
    if any(c["ok"] is False for c in components.values()):
        return "degraded"
    return "ready"
