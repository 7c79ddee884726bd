"""Who may call what, read off the live route table rather than kept by hand.

Each route's access is derived from its dependency tree: a ``RequirePermission`` anywhere
in it makes the route need that permission; ``get_principal`` without one makes it need
any authenticated caller; otherwise the route must be named in ``PUBLIC_ROUTES`` or it is
``undeclared``, which the RBAC test suite refuses. Which roles hold a permission comes
from ``ROLE_PERMISSIONS`` alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from apfa.auth.dependencies import GUARD_ATTRIBUTE, RequirePermission, get_principal
from apfa.auth.permissions import ROLE_PERMISSIONS, Permission, Role

PUBLIC = "public"
AUTHENTICATED = "authenticated"
UNDECLARED = "undeclared"
# A route needing several permissions has them joined with this, sorted.
PERMISSION_SEPARATOR = "+"

PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/health"),
        ("GET", "/api/v1/health"),
        ("GET", "/ready"),
        ("GET", "/api/v1/readiness"),
        ("GET", "/metrics"),
        ("POST", "/token"),
        ("POST", "/token/refresh"),
        ("POST", "/token/revoke"),
        ("POST", "/logout"),
        ("GET", "/docs"),
        ("GET", "/docs/oauth2-redirect"),
        ("GET", "/redoc"),
        ("GET", "/openapi.json"),
        # The browser pages hold no data; they call the API with the user's token.
        ("GET", "/"),
        ("GET", "/admin"),
    }
)


@dataclass(frozen=True, slots=True)
class RouteAccess:
    method: str
    path: str
    access: str


def _calls(dependant: Dependant) -> Iterator[object]:
    guard = getattr(dependant.call, GUARD_ATTRIBUTE, None)
    if guard is not None:
        yield guard
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _access_of(dependant: Dependant | None, method: str, path: str) -> str:
    calls = list(_calls(dependant)) if dependant is not None else []
    permissions = {c.permission.value for c in calls if isinstance(c, RequirePermission)}
    if permissions:
        return PERMISSION_SEPARATOR.join(sorted(permissions))
    if any(c is get_principal for c in calls):
        return AUTHENTICATED
    return PUBLIC if (method, path) in PUBLIC_ROUTES else UNDECLARED


def route_access(app: FastAPI) -> list[RouteAccess]:
    """One row per (method, path) served over HTTP, sorted by path then method.

    ``HEAD`` is left out where ``GET`` is served: Starlette answers it with the GET
    handler, so it has the same access. Mounts and websocket routes have no methods and
    are not listed.
    """
    rows: dict[tuple[str, str], RouteAccess] = {}
    for context in iter_route_contexts(app.routes):
        path, methods = context.path_format or context.path, context.methods
        if not path or not methods:
            continue
        dependant: Dependant | None = None
        if isinstance(context.original_route, APIRoute):
            dependant = context.dependant
        for method in methods:
            if method == "HEAD" and "GET" in methods:
                continue
            key = (method, path)
            rows.setdefault(key, RouteAccess(method, path, _access_of(dependant, method, path)))
    return sorted(rows.values(), key=lambda row: (row.path, row.method))


def required_permissions(access: str) -> frozenset[Permission] | None:
    """The permissions an access value demands, or None for public/authenticated/undeclared."""
    if access in (PUBLIC, AUTHENTICATED, UNDECLARED):
        return None
    return frozenset(Permission(value) for value in access.split(PERMISSION_SEPARATOR))


def roles_for(access: str) -> tuple[Role, ...]:
    """The roles that may call a route with this access (anonymous callers aside)."""
    if access == UNDECLARED:
        return ()
    needed = required_permissions(access)
    if needed is None:
        return tuple(Role)
    return tuple(role for role in Role if needed <= ROLE_PERMISSIONS[role])


def route_roles(app: FastAPI) -> dict[tuple[str, str], tuple[Role, ...]]:
    """(method, path) -> the roles allowed to call it."""
    return {(row.method, row.path): roles_for(row.access) for row in route_access(app)}
