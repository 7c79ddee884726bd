"""Registering domain routers on the app without FastAPI's per-request include layer.

``app.include_router`` keeps each router as a nested branch that every request walks: a
request for the last router is matched against every router before it, and the chosen
branch matches it a second time before handling it. That costs more per request than
the rest of routing together. A router whose routes are all plain ``APIRoute`` s (the
common case) is registered instead by adding each route to the app's own router, as
``include_router`` did in FastAPI before 0.130: same paths, dependencies, OpenAPI and
dependency overrides, one flat match per request. A router holding anything else
(mounts, websockets, static frontends) is included the ordinary way.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

# Every APIRoute constructor argument is kept on the route under the same name.
_ROUTE_FIELDS = tuple(
    name
    for name in inspect.signature(APIRoute.__init__).parameters
    if name not in ("self", "dependency_overrides_provider")
)


def _flat(router: APIRouter) -> bool:
    return bool(router.routes) and all(type(r) is APIRoute for r in router.routes)


def register_routers(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add each router's routes to ``app``, in order."""
    for router in routers:
        if not _flat(router):
            app.include_router(router)
            continue
        for route in router.routes:
            assert isinstance(route, APIRoute)
            fields = {name: getattr(route, name) for name in _ROUTE_FIELDS}
            app.router.add_api_route(**fields)
