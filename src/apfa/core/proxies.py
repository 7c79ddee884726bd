"""The client's address behind reverse proxies, worked out once for every consumer.

``X-Forwarded-For`` is believed only when the direct peer is a configured trusted proxy
(``APFA_TRUSTED_PROXIES``). The list is read from the right: each trusted hop is skipped and
the first untrusted address is the client, so a client cannot pick its own address by
sending the header itself. The result replaces ``scope["client"]`` (and ``scope["scheme"]``
from ``X-Forwarded-Proto``), so rate limits, audit rows and logs all see the same address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_SCHEMES = {"http": ("http", "https"), "websocket": ("ws", "wss")}


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


class TrustedProxies:
    def __init__(self, networks: Iterable[str]) -> None:
        self.networks = parse_networks(networks)

    def trusts(self, host: str | None) -> bool:
        if not host:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client_from(self, peer: str, forwarded_for: str) -> str:
        """The first untrusted hop from the right of ``X-Forwarded-For``."""
        client = peer
        for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # garbage a trusted proxy passed through; keep the last good hop
            client = hop
            if not self.trusts(hop):
                break
        return client


def _header(scope: Scope, name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", []) if key == name]
    if not values:
        return None
    return b",".join(values).decode("latin-1")


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, trusted: Iterable[str]) -> None:
        self.app = app
        self.proxies = TrustedProxies(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in _SCHEMES:
            scope = self._rewrite(scope)
        await self.app(scope, receive, send)

    def _rewrite(self, scope: Scope) -> Scope:
        peer = scope.get("client")
        if not peer or not self.proxies.trusts(peer[0]):
            return scope
        rewritten = dict(scope)
        forwarded_for = _header(scope, b"x-forwarded-for")
        if forwarded_for:
            client = self.proxies.client_from(peer[0], forwarded_for)
            rewritten["client"] = (client, 0) if client != peer[0] else peer
        proto = _header(scope, b"x-forwarded-proto")
        if proto:
            # The right-most value is the one our own (trusted) proxy set.
            value = proto.split(",")[-1].strip().lower()
            plain, secure = _SCHEMES[scope["type"]]
            if value in ("https", "wss"):
                rewritten["scheme"] = secure
            elif value in ("http", "ws"):
                rewritten["scheme"] = plain
        return rewritten
