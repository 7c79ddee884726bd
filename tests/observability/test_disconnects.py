"""A client that goes away mid-stream is logged as a disconnect, without a traceback, even
when the error that reports it comes wrapped in exception groups (issue #18)."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
import structlog
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send
from structlog.testing import LogCapture
from uvicorn.protocols.utils import ClientDisconnected

from apfa.observability.logging import configure_logging
from apfa.observability.middleware import RequestContextMiddleware


@pytest.fixture
def captured() -> Iterator[LogCapture]:
    capture = LogCapture()
    structlog.configure(
        processors=[capture], wrapper_class=structlog.make_filtering_bound_logger(0)
    )
    try:
        yield capture
    finally:
        configure_logging("WARNING", json=True)


def failing_stream(error: Exception) -> RequestContextMiddleware:
    """An event stream whose client left after the first event, reported as ``error``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b": ping\n\n", "more_body": True})
        raise error

    return RequestContextMiddleware(app)


async def run(middleware: RequestContextMiddleware) -> None:
    scope: Scope = {"type": "http", "method": "POST", "path": "/api/v1/advice/stream"}

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(_message: Message) -> None:
        return None

    await middleware(scope, receive, send)


DISCONNECTS = {
    "broken resource in a group": ExceptionGroup("tg", [anyio.BrokenResourceError()]),
    "closed resource in a group": ExceptionGroup("tg", [anyio.ClosedResourceError()]),
    "nested groups": ExceptionGroup(
        "outer", [ExceptionGroup("inner", [anyio.BrokenResourceError(), ClientDisconnect()])]
    ),
    "uvicorn's disconnect in a group": ExceptionGroup("tg", [ClientDisconnected()]),
    "reset connection": ConnectionResetError(),
    "broken pipe in a group": ExceptionGroup("tg", [BrokenPipeError()]),
    "bare broken resource": anyio.BrokenResourceError(),
}


@pytest.mark.parametrize("error", DISCONNECTS.values(), ids=DISCONNECTS.keys())
async def test_disconnects_are_logged_without_a_traceback(
    captured: LogCapture, error: Exception
) -> None:
    await run(failing_stream(error))
    assert [e for e in captured.entries if e["log_level"] in {"error", "critical"}] == []
    assert all("exc_info" not in e for e in captured.entries)
    [line] = [e for e in captured.entries if e["event"] == "request"]
    assert line["log_level"] == "info"
    assert line["client_disconnected"] is True


async def test_a_real_error_beside_a_disconnect_is_still_an_error(captured: LogCapture) -> None:
    failure = RuntimeError("the answer broke")
    await run(failing_stream(ExceptionGroup("tg", [anyio.BrokenResourceError(), failure])))
    [logged] = [e for e in captured.entries if e["event"] == "unhandled_error"]
    assert logged["log_level"] == "error"
    shown = logged["exc_info"]
    assert isinstance(shown, ExceptionGroup)
    assert shown.exceptions == (failure,)
    [line] = [e for e in captured.entries if e["event"] == "request"]
    assert "client_disconnected" not in line


async def test_an_unrelated_os_error_is_not_a_disconnect(captured: LogCapture) -> None:
    await run(failing_stream(ExceptionGroup("tg", [ConnectionRefusedError("redis")])))
    assert [e["event"] for e in captured.entries if e["log_level"] == "error"] == [
        "unhandled_error"
    ]
