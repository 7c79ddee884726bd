"""Connection limits in one process, and the origin check, as units."""

from __future__ import annotations

from apfa.realtime.limits import LocalLimiter
from apfa.realtime.origins import origin_check


async def test_per_user_and_total_limits() -> None:
    limiter = LocalLimiter(per_user=2, total=3)
    assert await limiter.acquire(1, "a") is None
    assert await limiter.acquire(1, "b") is None
    refused = await limiter.acquire(1, "c")
    assert refused is not None
    assert "too many connections" in refused
    assert await limiter.acquire(2, "d") is None
    full = await limiter.acquire(3, "e")
    assert full is not None
    assert "connection limit" in full
    await limiter.release(1, "a")
    assert await limiter.acquire(3, "e") is None


def _environ(host: str, scheme: str = "ws") -> dict[str, object]:
    return {"asgi.scope": {"scheme": scheme, "headers": [(b"host", host.encode())]}}


def test_origins_configured_or_same_origin_only() -> None:
    check = origin_check(["https://console.example/"])
    assert check("https://console.example", _environ("api.example"))
    assert check("https://api.example", _environ("api.example", "wss"))
    assert not check("http://api.example", _environ("api.example", "wss"))
    assert not check("https://evil.example", _environ("api.example", "wss"))
    # A forwarded header the client made up changes nothing.
    forged = _environ("api.example", "wss")
    forged["HTTP_X_FORWARDED_HOST"] = "evil.example"
    assert not check("https://evil.example", forged)
    assert origin_check(["*"])("https://anything.example", _environ("api.example"))
