"""Pure ASGI middleware: request id, access log, metrics, and a last-resort 500.

It sets ``X-Request-ID`` (a safe client value is echoed, otherwise one is generated) as the
request's correlation id, which every log line of the request carries (see
``observability/logging.py``) and error bodies repeat, and labels metrics with the route
template rather than the raw path, so cardinality stays bounded. A client that disconnects
mid-response is logged as such, not as a server error.
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

import anyio
import structlog
from opentelemetry import trace
from prometheus_client.metrics import Counter, Histogram
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.utils import ClientDisconnected

from apfa.core.context import reset_request_id, set_request_id
from apfa.core.errors import send_error
from apfa.observability import metrics
from apfa.observability.tracing import REQUEST_ID_ATTRIBUTE

log = structlog.get_logger("apfa.access")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_QUIET_ROUTES = frozenset({"/health", "/metrics", "/ready"})
_REQUEST_ID = b"x-request-id"


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == _REQUEST_ID:
            candidate = str(value.decode("latin-1"))
            if _SAFE_ID.fullmatch(candidate):
                return candidate
    # 32 random hex digits. A correlation id, not a secret (clients may send their own),
    # so it comes from the process's PRNG (reseeded in forked workers): os.urandom is a
    # system call that releases the GIL, and on a busy server getting the GIL back can
    # cost more than the rest of the request's bookkeeping.
    return f"{random.getrandbits(128):032x}"


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


# What a write to, or a read from, a client that has gone away raises: Starlette's and
# uvicorn's own errors, anyio's when a stream's reader (FastAPI's SSE keep-alive inserter)
# is closed, and the socket's. Other OS errors (a refused database connection) are faults.
_DISCONNECTS: tuple[type[Exception], ...] = (
    ClientDisconnect,
    ClientDisconnected,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    BrokenPipeError,
    ConnectionResetError,
)


def _beyond_disconnects(exc: Exception) -> Exception | None:
    """What of ``exc`` is not the client having gone away: None when all of it is, alone
    or inside exception groups however nested; else the rest of the group."""
    if isinstance(exc, ExceptionGroup):
        return exc.split(_DISCONNECTS)[1]
    return None if isinstance(exc, _DISCONNECTS) else exc


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Label lookups cost more than the updates; route templates and statuses are few.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = set_request_id(request_id)
        # When tracing is on, FastAPI's server span began before the id was known.
        trace.get_current_span().set_attribute(REQUEST_ID_ATTRIBUTE, request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        disconnected = False
        id_header = (_REQUEST_ID, request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message = {**message, "headers": [*message.get("headers", ()), id_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            failure = _beyond_disconnects(exc) if response_started else exc
            if failure is None:
                disconnected = True
            else:
                log.error("unhandled_error", path=scope.get("path"), exc_info=failure)
                if not response_started:
                    await _send_internal_error(send_with_id, request_id)
        finally:
            self._observe(scope, status, time.perf_counter() - started, disconnected)
            reset_request_id(token)

    def _observe(self, scope: Scope, status: int, seconds: float, disconnected: bool) -> None:
        method = scope.get("method", "GET")
        route = _route_template(scope)
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                metrics.REQUESTS.labels(method, route, str(status)),
                metrics.RESPONSE_TIME.labels(method, route),
            )
        series[0].inc()
        series[1].observe(seconds)
        emit = log.debug if route in _QUIET_ROUTES else log.info
        state = scope.get("state") or {}
        fields: dict[str, Any] = {"client_disconnected": True} if disconnected else {}
        emit(
            "request",
            method=method,
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 2),
            user_id=state.get("user_id"),
            **fields,
        )


async def _send_internal_error(send: Send, request_id: str) -> None:
    await send_error(
        send, 500, "internal_error", "An internal error occurred", request_id=request_id
    )
