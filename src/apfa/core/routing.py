"""Registering domain routers on the app without FastAPI's per-request include layer.

``app.include_router`` keeps each router as a nested branch that every request walks: a
request for the last router is matched against every router before it, and the chosen
branch matches it a second time before handling it. That costs more per request than
the rest of routing together. A router whose routes are all plain ``APIRoute`` s (the
common case) is registered instead by adding each route to the app's own router, as
``include_router`` did in FastAPI before 0.130: same paths, dependencies, OpenAPI and
dependency overrides, one flat match per request. A router holding anything else
(mounts, websockets, static frontends) is included the ordinary way.

A literal path wins over a parameter that would also match it: ``PATCH /api/v1/users/me``
is 405 (``/me`` has no PATCH), not ``PATCH /api/v1/users/{user_id}`` with ``user_id="me"``.
A 405 lists in ``Allow`` every method any route serves on that path (``allowed_methods``),
not only those of the first route that matched it.

An endpoint marked ``direct`` (it takes the ``Request`` alone and returns a ``Response``)
is called without FastAPI's request handling: there is nothing to solve, yet solving the
empty dependency list, two exit stacks and the route's own exception layer cost about as
much as a cached advice answer. Its exceptions reach the app's exception middleware,
which renders them with the same handlers the route's layer would have used.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

# Every APIRoute constructor argument is kept on the route under the same name.
_ROUTE_FIELDS = tuple(
    name
    for name in inspect.signature(APIRoute.__init__).parameters
    if name not in ("self", "dependency_overrides_provider")
)


DIRECT_ATTRIBUTE = "apfa_direct"
Handler = Callable[[Request], Awaitable[Response]]
DirectEndpoint = TypeVar("DirectEndpoint", bound=Handler)


def direct(endpoint: DirectEndpoint) -> DirectEndpoint:
    """Marks ``endpoint`` (``async def f(request: Request) -> Response``) to be called
    directly by its route; see the module's docstring."""
    single = len(inspect.signature(endpoint).parameters) == 1
    is_async = inspect.iscoroutinefunction(endpoint)  # kept apart: it would narrow the type
    if not (is_async and single):
        raise TypeError(f"{endpoint.__name__}: a direct endpoint is async and takes one Request")
    setattr(endpoint, DIRECT_ATTRIBUTE, True)
    return endpoint


def _direct_app(endpoint: Handler) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)

    return app


class LiteralAwareRoute(APIRoute):
    """A route with a path parameter that steps aside for the literal paths it would
    otherwise capture (``shadowed``), so their own routes answer, with 405 if need be."""

    shadowed: frozenset[str] = frozenset()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and get_route_path(scope) in self.shadowed:
            return Match.NONE, {}
        return super().matches(scope)


def _route_fields(route: APIRoute) -> dict[str, Any]:
    return {name: getattr(route, name) for name in _ROUTE_FIELDS}


def _literal_paths(routes: Iterable[BaseRoute]) -> frozenset[str]:
    return frozenset(r.path for r in routes if isinstance(r, Route) and not r.param_convertors)


def _step_aside(app: FastAPI) -> None:
    literals = _literal_paths(app.router.routes)
    for index, route in enumerate(app.router.routes):
        if type(route) is not APIRoute or not route.param_convertors:
            continue
        shadowed = frozenset(p for p in literals if route.path_regex.match(p))
        if shadowed:
            replacement = LiteralAwareRoute(**_route_fields(route))
            replacement.shadowed = shadowed
            app.router.routes[index] = replacement


def allowed_methods(app: ASGIApp, path: str) -> list[str]:
    """Every method some route of ``app`` serves on ``path``, sorted."""
    router = getattr(app, "router", None)
    methods: set[str] = set()
    for route in getattr(router, "routes", ()):
        if not isinstance(route, Route) or not route.path_regex.match(path):
            continue
        if isinstance(route, LiteralAwareRoute) and path in route.shadowed:
            continue
        methods.update(route.methods or ())
    return sorted(methods)


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
            app.router.add_api_route(**_route_fields(route))
    _step_aside(app)
    for registered in app.router.routes:
        if isinstance(registered, APIRoute) and getattr(
            registered.endpoint, DIRECT_ATTRIBUTE, False
        ):
            registered.app = _direct_app(registered.endpoint)
