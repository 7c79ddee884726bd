"""uvicorn's httptools protocol with limits it lacks: header size and count, and deadlines
for reading a request's head and body, so one client cannot hold memory or a connection
with an 8 MiB header, 20,000 headers, or one byte a second.

``apfa serve`` names this class as uvicorn's ``http`` protocol; each worker process reads
the limits from its own settings (``APFA_HTTP_*``) on the first connection.
"""

from __future__ import annotations

import asyncio
import http
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from apfa.core.config import Settings

PROTOCOL_PATH = "apfa.core.http_server:LimitedHttpProtocol"
# Per header line: ": " and CRLF are not in the name and value llhttp hands over.
_LINE_OVERHEAD = 4


@dataclass(frozen=True, slots=True)
class HttpLimits:
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    header_timeout: float = 15.0
    body_timeout: float = 30.0
    body_min_rate: float = 240.0

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpLimits:
        return cls(
            max_header_bytes=settings.http_max_header_bytes,
            max_headers=settings.http_max_headers,
            header_timeout=settings.http_header_timeout_seconds,
            body_timeout=settings.http_body_timeout_seconds,
            body_min_rate=settings.http_body_min_bytes_per_second,
        )


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a head over the limits (llhttp then
    reports a parser error, which uvicorn answers through ``send_400_response``)."""


class LimitedHttpProtocol(HttpToolsProtocol):
    limits: ClassVar[HttpLimits | None] = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.http_limits = self._limits()
        self._in_head = True
        self._head_received = 0
        self._head_counted = 0
        self._header_count = 0
        self._head_too_large = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_window = 0

    @classmethod
    def _limits(cls) -> HttpLimits:
        if cls.limits is None:
            cls.limits = HttpLimits.from_settings(Settings())
        return cls.limits

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        # A connection that never sends a byte gets the head deadline too.
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_received += len(data)
        super().data_received(data)
        # Everything fed so far belonged to the head and it is still not over: too long.
        if self._in_head and self._head_received > self.http_limits.max_header_bytes:
            self._refuse(431)

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse(431)
        else:
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_counted = 0
        self._header_count = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.http_limits.max_headers:
            self._head_too_large = True
            raise _HeadTooLarge
        self._count_head(len(name) + len(value) + _LINE_OVERHEAD)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_received = 0
        self._cancel_head_timer()
        super().on_headers_complete()
        if self.parser.should_upgrade() and self._should_upgrade():
            return
        self._body_window = 0
        self._body_timer = self.loop.call_later(self.http_limits.body_timeout, self._check_body)

    def on_body(self, body: bytes) -> None:
        self._body_window += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._cancel_body_timer()
        # The next bytes on this connection start a new head.
        self._in_head = True
        self._head_received = 0
        super().on_message_complete()

    def _count_head(self, size: int) -> None:
        self._head_counted += size
        if self._head_counted > self.http_limits.max_header_bytes:
            self._head_too_large = True
            raise _HeadTooLarge

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.http_limits.header_timeout, self._head_late)

    def _head_late(self) -> None:
        self._head_timer = None
        # A connection that sent nothing is closed without a word, like an idle keep-alive.
        self._refuse(408, respond=self._head_received > 0 and self._no_response_in_flight())

    def _check_body(self) -> None:
        """Each window of ``body_timeout`` seconds must bring ``body_min_rate`` bytes a second
        on average (at least one byte), unless the app is not reading or has not yet asked
        for a body the client holds back: then the client is not the one being slow."""
        self._body_timer = None
        cycle = self.cycle
        # A body still coming after the response was sent is checked the same way.
        if cycle is None or not cycle.more_body:
            return
        limits = self.http_limits
        wanted = max(1.0, limits.body_min_rate * limits.body_timeout)
        # A client that sent "Expect: 100-continue" waits for the app to ask for the body.
        waiting = self.flow.read_paused or cycle.waiting_for_100_continue
        if self._body_window < wanted and not waiting:
            respond = not cycle.response_started
            cycle.disconnected = True
            cycle.message_event.set()
            self._refuse(408, respond=respond)
            return
        self._body_window = 0
        self._body_timer = self.loop.call_later(limits.body_timeout, self._check_body)

    def _refuse(self, status: int, *, respond: bool | None = None) -> None:
        """Answer ``status`` and close, unless a response is already on the wire."""
        self._cancel_timers()
        if self.transport.is_closing():
            return
        if respond is None:
            respond = self._no_response_in_flight()
        if respond:
            self.transport.write(_plain_response(status))
        self.transport.close()

    def _no_response_in_flight(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()


def _plain_response(status: int) -> bytes:
    phrase = http.HTTPStatus(status).phrase
    body = phrase.encode()
    return (
        f"HTTP/1.1 {status} {phrase}\r\n"
        "content-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body
