"""Routers registered flat behave as included ones: same paths, OpenAPI, dependencies,
dependency overrides and order; routers with mounts are included as FastAPI does."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from apfa.core.routing import DIRECT_ATTRIBUTE, direct, register_routers
from apfa.main import create_app


async def caller(x_caller: Annotated[str, Header()]) -> str:
    return x_caller


def _routers(tmp: str) -> tuple[APIRouter, APIRouter, APIRouter]:
    items = APIRouter(tags=["items"], dependencies=[Depends(caller)])

    @items.get("/items/{item_id}", summary="One item")
    async def item(item_id: int, who: Annotated[str, Depends(caller)]) -> dict[str, object]:
        return {"id": item_id, "who": who}

    @items.post("/items", status_code=201, include_in_schema=False)
    async def create() -> dict[str, str]:
        return {"created": "yes"}

    catch_all = APIRouter()

    @catch_all.get("/{anything}")
    async def anything(anything: str) -> dict[str, str]:
        return {"fallback": anything}

    static = APIRouter()
    static.mount("/static", StaticFiles(directory=tmp), name="static")
    return items, catch_all, static


async def _get(app: FastAPI, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.get(path, headers=headers)


async def test_flat_routes_match_included_ones(tmp_path: object) -> None:
    included, flat = FastAPI(), FastAPI()
    for router in _routers(str(tmp_path)):
        included.include_router(router)
    register_routers(flat, _routers(str(tmp_path)))
    assert included.openapi()["paths"] == flat.openapi()["paths"]
    # items x2, then the catch-all (which steps aside for the literal /items)
    assert all(isinstance(r, APIRoute) for r in flat.router.routes[-4:-1])
    for app in (included, flat):
        assert (await _get(app, "/items/3", **{"X-Caller": "ann"})).json() == {
            "id": 3,
            "who": "ann",
        }
        assert (await _get(app, "/items/3")).status_code == 422  # router dependency kept
        assert (await _get(app, "/elsewhere")).json() == {"fallback": "elsewhere"}
        assert (await _get(app, "/static/missing.txt")).status_code == 404

    async def overridden() -> str:
        return "override"

    flat.dependency_overrides[caller] = overridden
    assert (await _get(flat, "/items/1")).json()["who"] == "override"


def test_the_app_serves_its_plain_routers_flat() -> None:
    app = create_app()
    flat = [r for r in app.router.routes if isinstance(r, APIRoute)]
    paths = [r.path for r in flat]
    # The busiest routes are matched first.
    assert set(paths[:3]) == {"/api/v1/advice", "/generate-advice", "/api/v1/advice/stream"}
    assert "/api/v1/users/me" in paths
    security = app.openapi()["paths"]["/api/v1/advice"]["post"]["security"]
    assert security == [{"OAuth2PasswordBearer": []}, {"APIKeyHeader": []}]
    stream = app.openapi()["paths"]["/api/v1/advice/stream"]["post"]
    assert stream["security"] == security
    assert "text/event-stream" in stream["responses"]["200"]["content"]


async def test_direct_endpoints_answer_and_fail_as_handled_ones() -> None:
    """A ``direct`` endpoint gets the request and its errors go through the app's own
    exception handlers, as through FastAPI's request handling."""
    seen: list[str] = []

    async def echo(request: Request) -> Response:
        if request.headers.get("x-fail") == "http":
            raise HTTPException(409, "taken")
        if request.headers.get("x-fail") == "custom":
            raise Refused("no")
        seen.append(request.url.path)
        return JSONResponse({"body": (await request.body()).decode()}, status_code=201)

    class Refused(Exception):
        pass

    def app_with(endpoint: object) -> FastAPI:
        router = APIRouter()
        router.add_api_route("/echo", endpoint, methods=["POST"])  # type: ignore[arg-type]
        app = FastAPI()

        @app.exception_handler(Refused)
        async def refused(_request: Request, exc: Refused) -> JSONResponse:
            return JSONResponse({"refused": str(exc)}, status_code=418)

        register_routers(app, [router])
        return app

    handled, direct_app = app_with(echo), app_with(direct(echo))
    [route] = [r for r in direct_app.router.routes if isinstance(r, APIRoute)]
    assert getattr(route.endpoint, DIRECT_ATTRIBUTE) is True
    for app in (direct_app, handled):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            ok = await http.post("/echo", content=b"hi")
            assert (ok.status_code, ok.json()) == (201, {"body": "hi"})
            conflict = await http.post("/echo", headers={"X-Fail": "http"})
            assert (conflict.status_code, conflict.json()) == (409, {"detail": "taken"})
            custom = await http.post("/echo", headers={"X-Fail": "custom"})
            assert (custom.status_code, custom.json()) == (418, {"refused": "no"})
    assert seen == ["/echo", "/echo"]


def test_direct_refuses_endpoints_it_cannot_call() -> None:
    async def two(request: Request, extra: int) -> Response:
        return Response()

    def blocking(request: Request) -> Response:
        return Response()

    for endpoint in (two, blocking):
        with pytest.raises(TypeError, match="takes one Request"):
            direct(endpoint)  # type: ignore[type-var]


def test_the_advice_route_is_direct() -> None:
    app = create_app()
    advice = [
        r for r in app.router.routes if isinstance(r, APIRoute) and r.path == "/api/v1/advice"
    ]
    assert [getattr(r.endpoint, DIRECT_ATTRIBUTE, False) for r in advice] == [True]


async def _call(app: FastAPI, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.request(method, path, json={})


def _users_like() -> APIRouter:
    users = APIRouter()

    @users.get("/users/me")
    async def me() -> dict[str, str]:
        return {"me": "yes"}

    @users.get("/users")
    async def listing() -> list[int]:
        return []

    @users.post("/users")
    async def create() -> dict[str, str]:
        return {}

    @users.patch("/users/{user_id}")
    async def update(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    return users


async def test_a_literal_path_is_not_captured_by_a_parameter() -> None:
    app = FastAPI()
    register_routers(app, [_users_like()])
    refused = await _call(app, "PATCH", "/users/me")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET"
    assert (await _call(app, "PATCH", "/users/7")).json() == {"id": 7}
    assert (await _call(app, "GET", "/users/me")).json() == {"me": "yes"}


async def test_allow_lists_the_methods_of_every_route_on_the_path() -> None:
    app = create_app()
    refused = await _call(app, "PUT", "/api/v1/users")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, POST"
    assert refused.json()["error"] == "method_not_allowed"
    me = await _call(app, "PATCH", "/api/v1/users/me")
    assert (me.status_code, me.headers["allow"]) == (405, "GET")
