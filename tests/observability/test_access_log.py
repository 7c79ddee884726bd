"""One access line per request, carrying the request id; lines logged while a request is
handled carry its id too."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from structlog.testing import LogCapture

from apfa.auth.permissions import Role
from apfa.core.context import reset_request_id, set_request_id
from apfa.observability.logging import add_request_id, configure_logging
from support import bearer


@pytest.fixture
def captured() -> Iterator[LogCapture]:
    """Every line at INFO and above, through the app's own request-id processor."""
    capture = LogCapture()
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, add_request_id, capture],
        wrapper_class=structlog.make_filtering_bound_logger(20),
    )
    try:
        yield capture
    finally:
        configure_logging("WARNING", json=True)


def _access(capture: LogCapture, request_id: str) -> list[dict[str, Any]]:
    return [
        e for e in capture.entries if e["event"] == "request" and e.get("request_id") == request_id
    ]


async def test_access_line_names_route_status_user_and_request_id(
    client: httpx.AsyncClient, tokens: dict[Role, str], captured: LogCapture
) -> None:
    request_id = f"log-{uuid.uuid4().hex[:12]}"
    reply = await client.get(
        "/api/v1/users/me", headers={**bearer(tokens[Role.USER]), "X-Request-ID": request_id}
    )
    assert reply.status_code == 200
    [line] = _access(captured, request_id)
    assert line["log_level"] == "info"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/api/v1/users/me", 200)
    assert line["user_id"] == reply.json()["id"]
    assert line["duration_ms"] >= 0
    assert "client_disconnected" not in line
    anonymous = await client.get("/api/v1/users/me", headers={"X-Request-ID": request_id + "x"})
    [refused] = _access(captured, request_id + "x")
    assert (refused["status"], refused["user_id"]) == (anonymous.status_code, None) == (401, None)


def test_lines_outside_a_request_have_no_request_id(captured: LogCapture) -> None:
    log = structlog.get_logger("probe")
    log.info("outside")
    token = set_request_id("job-7")
    try:
        log.info("inside")
        structlog.contextvars.bind_contextvars(request_id="bound-wins")
        log.info("bound")
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
        reset_request_id(token)
    ids = {e["event"]: e.get("request_id") for e in captured.entries}
    assert ids == {"outside": None, "inside": "job-7", "bound": "bound-wins"}
