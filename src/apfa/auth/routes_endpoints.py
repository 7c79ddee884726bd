"""The route map, served: every route, what it requires, and which roles may call it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from apfa.auth.dependencies import UsersManager
from apfa.auth.permissions import Role
from apfa.auth.routes import roles_for, route_access

router = APIRouter(tags=["admin"])


class RouteOut(BaseModel):
    method: str
    path: str
    access: str
    roles: list[Role]


class RouteMap(BaseModel):
    routes: list[RouteOut]


@router.get("/api/v1/admin/routes", response_model=RouteMap)
async def list_routes(request: Request, _: UsersManager) -> RouteMap:
    """Every HTTP route of this app with its access (``public``, ``authenticated`` or a
    permission) and the roles that hold it, derived from the live route table."""
    return RouteMap(
        routes=[
            RouteOut(
                method=row.method,
                path=row.path,
                access=row.access,
                roles=list(roles_for(row.access)),
            )
            for row in route_access(request.app)
        ]
    )
