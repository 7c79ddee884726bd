"""Which browser origins may open a connection: the configured ones plus the server's own.

A WebSocket handshake is not subject to CORS, so without this check any web page could
connect with a token it got hold of. Clients that send no ``Origin`` (non-browser
clients) are not refused here; they still need a valid token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_HTTP_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}

OriginCheck = Callable[[str | None, dict[str, Any]], bool]


def same_origin(environ: dict[str, Any]) -> str | None:
    """``scheme://host`` the client addressed, from the ASGI scope (whose scheme the
    trusted-proxy middleware has already corrected), never from forwarded headers."""
    scope = environ.get("asgi.scope") or {}
    scheme = _HTTP_SCHEME.get(str(scope.get("scheme", "http")), "http")
    for name, value in scope.get("headers", []):
        if name == b"host":
            return f"{scheme}://{value.decode('latin-1')}"
    return None


def origin_check(allowed: Iterable[str]) -> OriginCheck:
    explicit = frozenset(origin.rstrip("/") for origin in allowed)

    def check(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return False
        if "*" in explicit or origin.rstrip("/") in explicit:
            return True
        return origin == same_origin(environ)

    return check
