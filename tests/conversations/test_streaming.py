"""A message posted with ``Accept: text/event-stream``: the events of
/api/v1/advice/stream, ``done`` carrying ``message_id``; refusals are JSON before any event;
a client that leaves mid-stream still has its turn saved; an idle stream is kept open with
comments."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message
from structlog.testing import capture_logs

from apfa.advice.streaming import asks_for_events
from apfa.conversations import endpoints
from apfa.conversations.flows import CONVERSATION_TURNS
from conversations_support import DOWN, HOUSE, PATH, a_user, delayed_turns, start, thread
from sse_support import check_stream, names, parse
from support import provided

EVENTS = {"Accept": "text/event-stream"}


async def streamed(
    http: httpx.AsyncClient, headers: dict[str, str], conversation_id: int, content: str
) -> httpx.Response:
    return await http.post(
        f"{PATH}/{conversation_id}/messages",
        json={"content": content},
        headers={**headers, **EVENTS, "Accept-Encoding": "gzip"},
    )


async def test_a_streamed_turn_is_the_advice_stream_with_a_message_id(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        events = check_stream(await streamed(http, me, conversation_id, HOUSE))
        done = events[-1].json()
        read = await thread(http, me, conversation_id)
        assert [m["role"] for m in read["messages"]] == ["user", "assistant"]
        assert done["message_id"] == read["messages"][1]["id"]
        assert read["messages"][1]["response"] == done
        [metrics] = [e.json() for e in events if e.event == "metrics"]
        assert metrics == {"metrics": done["metrics"], "assumptions": done["assumptions"]}

        single = await http.post("/api/v1/advice/stream", json={"query": HOUSE}, headers=me)
        alone = check_stream(single)
        assert names(events) == names(alone)
        assert done["advice"] == alone[-1].json()["advice"]
        assert done["metrics"] == alone[-1].json()["metrics"]
        assert "message_id" not in alone[-1].json()

        follow_up = check_stream(await streamed(http, me, conversation_id, DOWN))[-1].json()
        assert follow_up["metrics"]["loan_amount"] == 320000.0
        assert follow_up["message_id"] > done["message_id"]
        assert (await thread(http, me, conversation_id))["turns"] == 2


@pytest.mark.parametrize(
    ("accept", "asks"),
    [
        ("text/event-stream", True),
        ("application/json, text/event-stream;q=0.5", True),
        ("TEXT/EVENT-STREAM", True),
        ("text/event-stream; q=0", False),
        ("application/json", False),
        ("*/*", False),
        ("", False),
        (None, False),
    ],
)
def test_the_accept_header_chooses_the_stream(accept: str | None, asks: bool) -> None:
    assert asks_for_events(accept) is asks


async def test_refusals_come_as_json_before_any_event(app: FastAPI) -> None:
    async with a_user(app) as (owner, mine), a_user(app) as (other, theirs):
        conversation_id = await start(owner, mine)
        url = f"{PATH}/{conversation_id}/messages"
        cases = [
            (await other.post(url, json={"content": HOUSE}, headers={**theirs, **EVENTS}), 404),
            (await owner.post(url, json={"content": ""}, headers={**mine, **EVENTS}), 422),
            (await owner.post(url, json={"content": HOUSE}, headers=EVENTS), 401),
            (await owner.post(f"{PATH}/0/messages", json={"content": "x"}, headers=mine), 422),
        ]
        for response, status in cases:
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/json"
        assert (await thread(owner, mine, conversation_id))["turns"] == 0


def _scope(
    app: FastAPI, path: str, token_headers: dict[str, str], request_id: str
) -> dict[str, Any]:
    headers = [
        (b"host", b"apfa.test"),
        (b"content-type", b"application/json"),
        (b"accept", b"text/event-stream"),
        (b"x-request-id", request_id.encode()),
        *((k.lower().encode(), v.encode()) for k, v in token_headers.items()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("apfa.test", 80),
        "app": app,
    }


async def test_a_client_that_leaves_mid_stream_still_has_its_turn_saved(app: FastAPI) -> None:
    """The answer is deterministic and the user sent the message: the turn is finished and
    saved even though nobody reads the rest of the stream (docs/conversations.md)."""
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        request_id = f"left-{uuid.uuid4().hex[:8]}"
        body = json.dumps({"content": HOUSE}).encode()
        sent: list[bytes] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            chunk = message.get("body", b"")
            sent.append(chunk)
            if b"event: citations" in chunk:
                raise OSError("client went away")

        path = f"{PATH}/{conversation_id}/messages"
        with provided(app, CONVERSATION_TURNS, delayed_turns(app, 0.5)), capture_logs() as logs:
            await app(_scope(app, path, me, request_id), receive, send)
            assert (await thread(http, me, conversation_id))["turns"] == 0, "left mid-turn"
            for _ in range(100):
                if (await thread(http, me, conversation_id))["turns"]:
                    break
                await asyncio.sleep(0.05)
        assert not any(b"event: done" in chunk for chunk in sent)
        assert [e["event"] for e in logs if e["log_level"] in ("error", "critical")] == []
        read = await thread(http, me, conversation_id)
        assert read["turns"] == 1
        assert [m["role"] for m in read["messages"]] == ["user", "assistant"]
        assert read["messages"][1]["response"]["request_id"] == request_id
        assert read["profile"]["annual_income"] == 95000


async def test_an_idle_stream_is_kept_open_with_comments(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(endpoints, "PING_SECONDS", 0.05)
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        with provided(app, CONVERSATION_TURNS, delayed_turns(app, 0.4)):
            response = await streamed(http, me, conversation_id, HOUSE)
        events, comments = parse(response.text)
        assert "ping" in comments
        assert events[-1].event == "done"
        assert [e.id for e in events] == [str(n) for n in range(1, len(events) + 1)]
