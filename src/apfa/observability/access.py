"""Who may read ``/metrics``: per-route counts, error rates and latencies are not for anyone
on the public listener.

With ``APFA_METRICS_TOKEN`` set, a scrape needs ``Authorization: Bearer <token>`` (compared
in constant time), from any address. Unset, only a loopback client that did not come
through a proxy is answered, so the embedded single-host setup keeps working while a
public listener reveals nothing; other clients get 403 naming the setting.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from apfa.core.dependencies import SettingsDep
from apfa.core.errors import AppError, NotAuthenticated, PermissionDenied

# A loopback peer that sent one of these is a local proxy relaying someone else.
_PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")
_LOOPBACK_ONLY = (
    "/metrics answers only loopback clients unless APFA_METRICS_TOKEN is set; "
    "scrape with Authorization: Bearer <token>"
)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def refusal(request: Request, token: str | None) -> AppError | None:
    """Why this request may not read the metrics; None when it may."""
    if token is not None:
        presented = _bearer(request)
        if presented is None:
            return NotAuthenticated("/metrics needs Authorization: Bearer <APFA_METRICS_TOKEN>")
        if not hmac.compare_digest(presented.encode(), token.encode()):
            return NotAuthenticated("invalid metrics token")
        return None
    host = request.client.host if request.client else None
    if _is_loopback(host) and not any(h in request.headers for h in _PROXY_HEADERS):
        return None
    return PermissionDenied(_LOOPBACK_ONLY)


async def require_metrics_access(request: Request, settings: SettingsDep) -> None:
    secret = settings.metrics_token
    error = refusal(request, secret.get_secret_value() if secret is not None else None)
    if error is not None:
        raise error
