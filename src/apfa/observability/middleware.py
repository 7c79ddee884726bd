"""Pure ASGI middleware: request id, access log, metrics, and a last-resort 500.

It binds ``X-Request-ID`` (a safe client value is echoed, otherwise one is generated)
into the log context and error bodies, and labels metrics with the route template rather
than the raw path, so cardinality stays bounded.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apfa.core.context import reset_request_id, set_request_id
from apfa.core.errors import send_error
from apfa.observability import metrics
from apfa.observability.tracing import REQUEST_ID_ATTRIBUTE

log = structlog.get_logger("apfa.access")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_QUIET_ROUTES = frozenset({"/health", "/metrics", "/ready"})


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = str(value.decode("latin-1"))
            if _SAFE_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = set_request_id(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        # When tracing is on, FastAPI's server span began before the id was known.
        trace.get_current_span().set_attribute(REQUEST_ID_ATTRIBUTE, request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled_error", path=scope.get("path"))
            if not response_started:
                await _send_internal_error(send_with_id, request_id)
        finally:
            self._observe(scope, status, time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("request_id")
            reset_request_id(token)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope.get("method", "GET")
        route = _route_template(scope)
        metrics.REQUESTS.labels(method, route, str(status)).inc()
        metrics.RESPONSE_TIME.labels(method, route).observe(seconds)
        state = scope.get("state") or {}
        emit = log.debug if route in _QUIET_ROUTES else log.info
        emit(
            "request",
            method=method,
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 2),
            user_id=state.get("user_id"),
        )


async def _send_internal_error(send: Send, request_id: str) -> None:
    await send_error(
        send, 500, "internal_error", "An internal error occurred", request_id=request_id
    )
