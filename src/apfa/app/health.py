"""Liveness, readiness and the Prometheus exposition.

Readiness inspects the whole process (database, Redis, the served index, job workers,
circuit breakers), so it lives with the front door that composed them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPBearer
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4
from pydantic import BaseModel, ConfigDict

from apfa.app import checks
from apfa.core.config import SETTINGS
from apfa.core.db import ENGINE
from apfa.core.redis import REDIS
from apfa.core.resources import Resource, Resources, resources_of
from apfa.jobs.system import TASK_SYSTEM
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.knowledge.index.sync import publish_gauges
from apfa.market.figures import MARKET_FIGURES
from apfa.observability import exposition
from apfa.observability.access import require_metrics_access
from apfa.providers.breaker import BREAKERS
from apfa.providers.embeddings import EMBEDDER

# Whether a grounded answer ends the provider chain (it does unless a deployment says
# otherwise): then an open breaker only degrades the service.
GROUNDED_FALLBACK = Resource[bool]("grounded fallback")

router = APIRouter(tags=["operations"])


class Liveness(BaseModel):
    status: Literal["ok"]


class ComponentStatus(BaseModel):
    """One component's probe; ``ok`` is null while it cannot be checked yet. Components add
    their own facts (the index its ``version`` and ``vectors``)."""

    model_config = ConfigDict(extra="allow")

    ok: bool | None
    required: bool
    error: str | None = None


class Readiness(BaseModel):
    status: Literal["ready", "degraded", "unavailable"]
    components: dict[str, ComponentStatus]


READINESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Readiness, "description": "Ready, or degraded but serving"},
    503: {"model": Readiness, "description": "A required component is down"},
}

# Documents the scrape credential (APFA_METRICS_TOKEN); require_metrics_access checks it.
METRICS_TOKEN = HTTPBearer(
    scheme_name="MetricsToken",
    description="APFA_METRICS_TOKEN; without it only loopback clients are answered",
    auto_error=False,
)
METRICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Prometheus text exposition format 0.0.4"},
    401: {"description": "APFA_METRICS_TOKEN is set and the bearer token is missing or wrong"},
    403: {"description": "APFA_METRICS_TOKEN is unset and the client is not on loopback"},
}


@router.get("/health", response_model=Liveness)
@router.get("/api/v1/health", response_model=Liveness)
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
    embedder = resources.find(EMBEDDER)
    components["index"] = checks.index(
        resources.get(INDEX_HOLDER), embedder.model_name if embedder else None
    )
    if settings.task_backend == "celery" and redis is not None:
        components["workers"] = await checks.workers(redis)
    else:
        system = resources.find(TASK_SYSTEM)
        components["workers"] = checks.local_workers(system.local if system else None)
    figures = resources.find(MARKET_FIGURES)
    if figures is not None:
        components["market_data"] = await checks.market_data(figures)
    registry = resources.find(BREAKERS)
    if registry:
        fallback = resources.find(GROUNDED_FALLBACK)
        components["breakers"] = checks.breakers(registry, fallback=fallback is not False)
    return components


@router.get("/ready", response_model=Readiness, responses=READINESS_RESPONSES)
@router.get("/api/v1/readiness", response_model=Readiness, responses=READINESS_RESPONSES)
async def ready(request: Request) -> JSONResponse:
    """Readiness: 503 while a required component (database, index, Redis when configured,
    job workers) is down; breakers with a grounded fallback only mark it degraded. Stale
    market figures are listed (``market_data.stale``) and never change the status."""
    components = await _components(resources_of(request.app))
    status = checks.verdict(components)
    return JSONResponse(
        {"status": status, "components": components},
        status_code=503 if status == "unavailable" else 200,
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses=METRICS_RESPONSES,
    dependencies=[Depends(METRICS_TOKEN), Depends(require_metrics_access)],
)
async def prometheus_metrics(request: Request) -> Response:
    # Refreshed at scrape time: the pool and the served index can change without an event
    # this process saw (an activation through the API swaps the index directly).
    exposition.publish_pool(ENGINE.of(request))
    publish_gauges(INDEX_HOLDER.of(request))
    return Response(exposition.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
