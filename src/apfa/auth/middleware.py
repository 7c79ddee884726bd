"""Refuses credentials in the query string: URLs end up in logs, proxies and browser
history, so a token or key there is treated as already leaked."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from apfa.core.errors import send_error

CREDENTIAL_PARAMS = frozenset(
    {"access_token", "refresh_token", "token", "id_token", "api_key", "apikey", "password", "jwt"}
)


class QueryCredentialsGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            query = scope["query_string"].decode("latin-1")
            names = {name.lower() for name, _ in parse_qsl(query, keep_blank_values=True)}
            if names & CREDENTIAL_PARAMS:
                await _refuse(send)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    await send_error(
        send,
        400,
        "credentials_in_query",
        "Send credentials in the Authorization or X-API-Key header, never in the URL",
    )
