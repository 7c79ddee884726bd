"""The HTTP edge, pure ASGI: trusted proxies, security headers, CORS, body size limits,
gzip, and headers that dependencies attach to ``request.state``.

``install_edge`` adds them around the request-context middleware (request id, access log,
metrics), so every response, a 413 or a CORS preflight included, carries ``X-Request-ID``,
and the security headers cover even the last-resort 500. From the outside in:

    TrustedProxyMiddleware -> SecurityHeadersMiddleware -> request context -> CORSMiddleware
    -> BodySizeLimitMiddleware -> GZipMiddleware -> StateHeadersMiddleware -> the app
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apfa.core.config import Settings, check_cors
from apfa.core.errors import send_error
from apfa.core.proxies import TrustedProxyMiddleware

GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 6
UPLOAD_PREFIXES = ("/api/v1/documents",)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
HSTS_VALUE = b"max-age=31536000; includeSubDomains"
# Same-origin console with no inline scripts or styles.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's Swagger UI and ReDoc pages load from a CDN and start with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_CONSOLE_CSP, _DOCS_CSP = CONSOLE_CSP.encode(), DOCS_CSP.encode()
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
CORS_HEADERS = ("Authorization", "Content-Type", "X-API-Key", "X-Request-ID")
CORS_EXPOSED = (
    "X-Request-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
)
CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _names(headers: Sequence[tuple[bytes, bytes]]) -> set[bytes]:
    return {key.lower() for key, _ in headers}


def _content_type(headers: Sequence[tuple[bytes, bytes]]) -> bytes:
    for key, value in headers:
        if key.lower() == b"content-type":
            return value.lower()
    return b""


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hsts = self.hsts or scope.get("scheme") == "https"
        csp = _DOCS_CSP if scope.get("path") in DOCS_PATHS else _CONSOLE_CSP

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = _names(headers)
                headers.extend(item for item in ALWAYS if item[0] not in present)
                if hsts and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", HSTS_VALUE))
                html = _content_type(headers).startswith(b"text/html")
                if html and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_secured)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once the body passes its limit. An ``HTTPException`` so that
    FastAPI's body parsing re-raises it (anything else becomes a 400) and the app's error
    handler renders it; the middleware renders it when nothing else did."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the limit of {limit} bytes")
        self.limit = limit


async def send_payload_too_large(send: Send, limit: int) -> None:
    await send_error(
        send,
        413,
        "payload_too_large",
        f"request body is larger than the limit of {limit} bytes",
        headers=[(b"connection", b"close")],
    )


class BodySizeLimitMiddleware:
    """Refuses a body over the limit: from ``Content-Length`` before the app runs, and by
    counting the bytes actually received (chunked bodies, or a lying length)."""

    def __init__(
        self, app: ASGIApp, *, limit: int, overrides: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.overrides = tuple((overrides or {}).items())

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.overrides:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        for key, value in scope.get("headers", []):
            if key == b"content-length" and value.isdigit() and int(value) > limit:
                await send_payload_too_large(send, limit)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await send_payload_too_large(send, limit)


class StateHeadersMiddleware:
    """Adds ``request.state.response_headers`` (set by dependencies such as rate limits) to
    the response, whatever produced it: an endpoint's own ``Response`` or an error handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_state(message: Message) -> None:
            extra: Mapping[str, str] | None = state.get("response_headers")
            if extra and message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = _names(headers)
                for name, value in extra.items():
                    key = name.lower().encode("latin-1")
                    if key not in present:
                        headers.append((key, value.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_state)


class GZipUnlessEncoded:
    """Starlette's ``GZipMiddleware``, except on paths whose endpoints encode their own
    responses: for those it would only pass the encoded response through, and setting up
    its responder costs more (about 20 µs a request) than the cached answers those
    endpoints serve. Such an endpoint applies the same threshold, ``Accept-Encoding`` test
    and level itself (``answer_response`` in advice/endpoints.py)."""

    def __init__(self, app: ASGIApp, *, self_encoding: frozenset[str]) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
        self.self_encoding = self_encoding

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path") in self.self_encoding:
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)


def install_edge(
    app: FastAPI,
    settings: Settings,
    *,
    request_context: Callable[[ASGIApp], ASGIApp],
    self_encoding: frozenset[str] = frozenset(),
) -> None:
    """Add the edge middleware around ``request_context``; call once, after any middleware
    that must run inside the request context. Responses on ``self_encoding`` paths are
    gzip-encoded by their endpoints (see ``GZipUnlessEncoded``)."""
    check_cors(settings.cors_origins, settings.cors_allow_credentials)
    app.add_middleware(StateHeadersMiddleware)
    app.add_middleware(GZipUnlessEncoded, self_encoding=self_encoding)
    app.add_middleware(
        BodySizeLimitMiddleware,
        limit=settings.max_body_bytes,
        overrides=dict.fromkeys(UPLOAD_PREFIXES, settings.max_upload_bytes),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            max_age=600,
        )
    app.add_middleware(request_context)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.hsts)
    if settings.trusted_proxies:
        app.add_middleware(TrustedProxyMiddleware, trusted=settings.trusted_proxies)
