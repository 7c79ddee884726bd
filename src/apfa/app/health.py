"""Liveness, readiness and the Prometheus exposition.

Readiness inspects the whole process (database, Redis, the served index, job workers,
circuit breakers), so it lives with the front door that composed them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from apfa.app import checks
from apfa.core.config import SETTINGS
from apfa.core.db import ENGINE
from apfa.core.redis import REDIS
from apfa.core.resources import Resource, Resources, resources_of
from apfa.jobs.system import TASK_SYSTEM
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.knowledge.index.sync import publish_gauges
from apfa.observability import exposition
from apfa.observability.access import require_metrics_access
from apfa.providers.breaker import BREAKERS

# Whether a grounded answer ends the provider chain (it does unless a deployment says
# otherwise): then an open breaker only degrades the service.
GROUNDED_FALLBACK = Resource[bool]("grounded fallback")

router = APIRouter(tags=["operations"])


@router.get("/health")
@router.get("/api/v1/health", include_in_schema=False)
async def health() -> dict[str, str]:
    """Liveness: the process is up. Touches no dependency."""
    return {"status": "ok"}


async def _components(resources: Resources) -> dict[str, checks.Component]:
    settings = resources.get(SETTINGS)
    redis = resources.find(REDIS)
    probes: dict[str, Awaitable[checks.Component]] = {
        "database": checks.database(resources.get(ENGINE))
    }
    if settings.redis_url:
        probes["redis"] = checks.redis(settings.redis_url)
    results = await asyncio.gather(*probes.values())
    components = dict(zip(probes, results, strict=True))
    components["index"] = checks.index(resources.get(INDEX_HOLDER))
    if settings.task_backend == "celery" and redis is not None:
        components["workers"] = await checks.workers(redis)
    else:
        system = resources.find(TASK_SYSTEM)
        components["workers"] = checks.local_workers(system.local if system else None)
    registry = resources.find(BREAKERS)
    if registry:
        fallback = resources.find(GROUNDED_FALLBACK)
        components["breakers"] = checks.breakers(registry, fallback=fallback is not False)
    return components


@router.get("/ready")
@router.get("/api/v1/readiness", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    """Readiness: 503 while a required component (database, index, Redis when configured,
    job workers) is down; breakers with a grounded fallback only mark it degraded."""
    components = await _components(resources_of(request.app))
    status = checks.verdict(components)
    return JSONResponse(
        {"status": status, "components": components},
        status_code=503 if status == "unavailable" else 200,
    )


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_metrics_access)])
async def prometheus_metrics(request: Request) -> Response:
    # Refreshed at scrape time: the pool and the served index can change without an event
    # this process saw (an activation through the API swaps the index directly).
    exposition.publish_pool(ENGINE.of(request))
    publish_gauges(INDEX_HOLDER.of(request))
    return Response(exposition.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
