"""Every route x every kind of caller, parametrised from the live route table.

A route added without a declared permission (``RequirePermission``), without
``get_principal`` and outside ``PUBLIC_ROUTES`` is ``undeclared`` and fails here; so does a
route whose dependencies let the wrong caller through. Expectations come from
``ROLE_PERMISSIONS``, not from the app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from apfa.auth import routes
from apfa.auth.dependencies import CurrentPrincipal, RequirePermission
from apfa.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from apfa.auth.principals import PRINCIPALS
from apfa.auth.service import get_by_username
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.main import create_app
from apfa.users.service import create_user
from support import PASSWORD, SHARED_MODELS, bearer, login

ANONYMOUS = "anonymous"
DEACTIVATED = "deactivated"
CALLERS: tuple[str, ...] = (ANONYMOUS, DEACTIVATED, *(role.value for role in Role))
MISSING_INT = "999999"
MISSING_STR = "does-not-exist"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Shape:
    """How to address a route harmlessly: its path params and required query params."""

    path_params: dict[str, str]
    query: dict[str, str]


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _placeholder(annotation: Any, name: str) -> str:
    if name == "q":
        return "pmi"
    return MISSING_INT if annotation is int else MISSING_STR


def _shapes(app: FastAPI) -> dict[tuple[str, str], Shape]:
    shapes: dict[tuple[str, str], Shape] = {}
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        path_params: dict[str, str] = {}
        query: dict[str, str] = {}
        for node in _walk(context.dependant):
            for param in node.path_params:
                path_params[param.alias] = _placeholder(param.field_info.annotation, "")
            for param in node.query_params:
                if param.field_info.is_required():
                    query[param.alias] = _placeholder(param.field_info.annotation, param.alias)
        for method in context.methods or ():
            shapes[(method, str(context.path_format))] = Shape(path_params, query)
    return shapes


# A throwaway app: creating it does no I/O, and its route table is the one served.
_LIVE = create_app()
ROUTES = routes.route_access(_LIVE)
SHAPES = _shapes(_LIVE)
CASES = [
    pytest.param(row, caller, id=f"{row.method} {row.path} as {caller}")
    for row in ROUTES
    for caller in CALLERS
]


def test_every_route_declares_its_access() -> None:
    undeclared = [f"{r.method} {r.path}" for r in ROUTES if r.access == routes.UNDECLARED]
    assert undeclared == [], "add RequirePermission, CurrentPrincipal or PUBLIC_ROUTES"


def test_route_table_reads_known_routes() -> None:
    table = {(r.method, r.path): r.access for r in ROUTES}
    assert table[("GET", "/health")] == routes.PUBLIC
    assert table[("GET", "/openapi.json")] == routes.PUBLIC
    assert table[("GET", "/api/v1/users/me")] == routes.AUTHENTICATED
    assert table[("POST", "/token/revoke-all")] == routes.AUTHENTICATED
    assert table[("GET", "/api/v1/kb/search")] == Permission.INDEX_MANAGE.value
    assert table[("POST", "/api/v1/advice")] == Permission.ADVICE_GENERATE.value
    assert table[("GET", "/api/v1/admin/routes")] == Permission.USERS_MANAGE.value
    assert table[("GET", "/api/admin/market")] == Permission.CELERY_VIEW.value
    assert table[("POST", "/api/admin/market/fetch")] == Permission.CELERY_MANAGE.value
    thread = "/api/v1/conversations/{conversation_id}"
    generate, view = Permission.ADVICE_GENERATE.value, Permission.ADVICE_VIEW_HISTORY.value
    assert table[("POST", "/api/v1/conversations")] == generate
    assert table[("GET", "/api/v1/conversations")] == view
    assert table[("GET", thread)] == view
    assert table[("DELETE", thread)] == generate
    assert table[("POST", f"{thread}/messages")] == generate
    assert len(table) == len(ROUTES)
    assert all(row.method != "HEAD" for row in ROUTES)


def test_classifier_walks_nested_and_router_dependencies() -> None:
    async def needs_index(
        _: Annotated[object, Depends(RequirePermission(Permission.INDEX_MANAGE))],
    ) -> None:
        return None

    probe = FastAPI()

    @probe.get("/bare")
    async def bare() -> None: ...

    @probe.get("/signed-in")
    async def signed_in(_: CurrentPrincipal) -> None: ...

    @probe.get("/nested", dependencies=[Depends(needs_index)])
    async def nested() -> None: ...

    @probe.post("/both", dependencies=[Depends(RequirePermission(Permission.AUDIT_VIEW))])
    async def both(
        _: Annotated[object, Depends(RequirePermission(Permission.USERS_MANAGE))],
    ) -> None: ...

    @probe.get("/health")
    async def health() -> None: ...

    table = {(r.method, r.path): r.access for r in routes.route_access(probe)}
    assert table[("GET", "/bare")] == routes.UNDECLARED
    assert table[("GET", "/signed-in")] == routes.AUTHENTICATED
    assert table[("GET", "/nested")] == Permission.INDEX_MANAGE.value
    assert table[("POST", "/both")] == "admin:audit:view+admin:users:manage"
    assert table[("GET", "/health")] == routes.PUBLIC
    assert routes.roles_for(table[("POST", "/both")]) == (Role.SUPER_ADMIN,)
    assert routes.roles_for(routes.UNDECLARED) == ()


def test_roles_come_from_role_permissions() -> None:
    for permission in Permission:
        holders = tuple(r for r in Role if permission in ROLE_PERMISSIONS[r])
        assert routes.roles_for(permission.value) == holders
    assert routes.roles_for(Permission.METRICS_VIEW.value) == (
        Role.FINANCIAL_ADVISOR,
        Role.ADMIN,
        Role.SUPER_ADMIN,
    )
    assert routes.roles_for(routes.AUTHENTICATED) == tuple(Role)
    mapping = routes.route_roles(_LIVE)
    assert mapping[("GET", "/api/v1/admin/routes")] == (Role.SUPER_ADMIN,)


@dataclass
class Callers:
    """This module's own users: one per role, plus a deactivated super_admin."""

    usernames: dict[Role, str]
    deactivated_token: str
    tokens: dict[Role, str] = field(default_factory=dict)
    suspect: set[Role] = field(default_factory=set)


@pytest.fixture(scope="module")
async def callers(app: FastAPI, client: httpx.AsyncClient) -> Callers:
    suffix = uuid.uuid4().hex[:12]
    names = {role: f"rbac-{role.value}-{suffix}" for role in Role}
    leaver = f"rbac-deactivated-{suffix}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        for role, name in names.items():
            await create_user(session, name, PASSWORD, role)
        await create_user(session, leaver, PASSWORD, Role.SUPER_ADMIN)
    token = await login(client, leaver)
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200
    async with session_scope(SESSIONMAKER.of(app)) as session:
        user = await get_by_username(session, leaver)
        assert user is not None
        user.is_active = False
        leaver_id = user.id
    PRINCIPALS.of(app).forget(leaver_id)
    return Callers(names, token)


async def _headers(
    client: httpx.AsyncClient, callers: Callers, caller: str, method: str
) -> dict[str, str]:
    """A working token for ``caller``. Anything but a GET may have ended the caller's
    sessions (logout, revoke-all, password change), so after one the token is checked and
    replaced by a fresh login if it died."""
    if caller == ANONYMOUS:
        return {}
    if caller == DEACTIVATED:
        return bearer(callers.deactivated_token)
    role = Role(caller)
    token = callers.tokens.get(role)
    if token is not None and role in callers.suspect:
        me = await client.get("/api/v1/users/me", headers=bearer(token))
        token = token if me.status_code == 200 else None
    if token is None:
        token = await login(client, callers.usernames[role])
        callers.tokens[role] = token
    if method == "GET":
        callers.suspect.discard(role)
    else:
        callers.suspect.add(role)
    return bearer(token)


def _expected(access: str, caller: str) -> int | None:
    """401 or 403 when the caller must be refused, None when it must be let through."""
    if access == routes.PUBLIC:
        return None
    if caller in (ANONYMOUS, DEACTIVATED):
        return 401
    if access == routes.AUTHENTICATED:
        return None
    needed = {Permission(p) for p in access.split(routes.PERMISSION_SEPARATOR)}
    return None if needed <= ROLE_PERMISSIONS[Role(caller)] else 403


@pytest.mark.parametrize(("row", "caller"), CASES)
async def test_access_matrix(
    client: httpx.AsyncClient, callers: Callers, row: routes.RouteAccess, caller: str
) -> None:
    shape = SHAPES.get((row.method, row.path), Shape({}, {}))
    response = await client.request(
        row.method,
        row.path.format(**shape.path_params),
        params=shape.query,
        headers=await _headers(client, callers, caller, row.method),
        json={} if row.method in BODY_METHODS else None,
    )
    status = response.status_code
    assert status < 500, response.text
    expected = _expected(row.access, caller)
    if expected is None:
        assert status not in (401, 403), response.text
    else:
        assert status == expected, response.text
    if status == 401:
        assert response.headers.get("www-authenticate") == "Bearer"


async def test_route_map_endpoint_serves_the_live_table(
    app: FastAPI, client: httpx.AsyncClient, callers: Callers
) -> None:
    token = await login(client, callers.usernames[Role.SUPER_ADMIN])
    response = await client.get("/api/v1/admin/routes", headers=bearer(token))
    assert response.status_code == 200
    served = response.json()["routes"]
    assert served == [
        {
            "method": row.method,
            "path": row.path,
            "access": row.access,
            "roles": [role.value for role in routes.roles_for(row.access)],
        }
        for row in routes.route_access(app)
    ]
    by_route = {(r["method"], r["path"]): r for r in served}
    assert by_route[("GET", "/api/v1/kb/search")]["roles"] == ["admin", "super_admin"]
    assert by_route[("GET", "/health")]["access"] == "public"


def test_cli_prints_the_route_table(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS}
    env.update({"APFA_VAR_DIR": str(tmp_path), "COLUMNS": "200"})
    done = subprocess.run(
        [str(Path(sys.executable).parent / "apfa"), "auth", "routes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for row in ROUTES:
        assert any(row.method in line and f" {row.path} " in line for line in lines), row
    admin_routes = next(line for line in lines if " /api/v1/admin/routes " in line)
    assert "admin:users:manage" in admin_routes
    assert "super_admin" in admin_routes
    assert not (tmp_path / "apfa.db").exists(), "listing routes must not touch the database"
