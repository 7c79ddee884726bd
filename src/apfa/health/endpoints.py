"""Liveness, readiness and the Prometheus exposition."""

from __future__ import annotations

from typing import Any, cast

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apfa.knowledge.holder import IndexHolder

router = APIRouter(tags=["operations"])
log = structlog.get_logger(__name__)


@router.get("/health")
@router.get("/api/v1/health", include_in_schema=False)
async def health() -> dict[str, str]:
    """Liveness: the process is up. Touches no dependency."""
    return {"status": "ok"}


async def _database(engine: AsyncEngine) -> dict[str, Any]:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("readiness_database_down", error=str(exc))
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _index(holder: IndexHolder) -> dict[str, Any]:
    current = holder.current
    if current is None:
        return {"ok": False, "error": "no index version loaded"}
    return {"ok": True, "version": current.version, "vectors": len(current)}


@router.get("/ready")
@router.get("/api/v1/readiness", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    """Readiness: 200 only when the database answers and an index version is served."""
    state = request.app.state
    components = {
        "database": await _database(cast(AsyncEngine, state.engine)),
        "index": _index(cast(IndexHolder, state.index_holder)),
    }
    ok = all(c["ok"] for c in components.values())
    return JSONResponse(
        {"status": "ready" if ok else "unavailable", "components": components},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
