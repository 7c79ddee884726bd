"""Liveness, readiness and the Prometheus exposition."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from apfa.core.config import Settings
from apfa.health import checks
from apfa.knowledge.watcher import publish_gauges
from apfa.observability import exposition

router = APIRouter(tags=["operations"])


@router.get("/health")
@router.get("/api/v1/health", include_in_schema=False)
async def health() -> dict[str, str]:
    """Liveness: the process is up. Touches no dependency."""
    return {"status": "ok"}


async def _components(state: Any) -> dict[str, checks.Component]:
    settings: Settings = state.settings
    probes: dict[str, Any] = {"database": checks.database(state.engine)}
    if settings.redis_url:
        probes["redis"] = checks.redis(settings.redis_url)
    results = await asyncio.gather(*probes.values())
    components = dict(zip(probes, results, strict=True))
    components["index"] = checks.index(state.index_holder)
    if settings.task_backend == "celery" and settings.redis_url:
        components["workers"] = await checks.workers(settings.redis_url)
    else:
        system = getattr(state, "task_system", None)
        components["workers"] = checks.local_workers(system.local if system else None)
    registry = getattr(state, "breakers", None)
    if registry:
        # The grounded generator ends every provider chain unless the app says otherwise.
        fallback = bool(getattr(state, "grounded_fallback", True))
        components["breakers"] = checks.breakers(registry, fallback=fallback)
    return components


@router.get("/ready")
@router.get("/api/v1/readiness", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    """Readiness: 503 while a required component (database, index, Redis when configured,
    job workers) is down; breakers with a grounded fallback only mark it degraded."""
    components = await _components(request.app.state)
    status = checks.verdict(components)
    return JSONResponse(
        {"status": status, "components": components},
        status_code=503 if status == "unavailable" else 200,
    )


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    state = request.app.state
    # Refreshed at scrape time: the pool and the served index can change without an event
    # this process saw (an activation through the API swaps the index directly).
    exposition.publish_pool(state.engine)
    publish_gauges(state.index_holder)
    return Response(exposition.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
