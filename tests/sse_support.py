"""Reading a text/event-stream body in tests: its events and comments, and the checks
every streamed advice answer must pass (``/api/v1/advice/stream`` and conversations)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Sse:
    id: str | None
    event: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


def parse(text: str) -> tuple[list[Sse], list[str]]:
    """Events and comments of a text/event-stream body, checking the framing."""
    events: list[Sse] = []
    comments: list[str] = []
    assert text.endswith("\n\n")
    for block in text.split("\n\n")[:-1]:
        fields: dict[str, str] = {}
        data: list[str] = []
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                comments.append(value)
            elif name == "data":
                data.append(value)
            else:
                fields[name] = value
        if fields or data:
            events.append(Sse(fields.get("id"), fields.get("event"), "\n".join(data)))
    return events, comments


def names(events: list[Sse]) -> list[str]:
    return [str(e.event) for e in events]


def deltas_after_last_reset(events: list[Sse]) -> str:
    last = max((i for i, e in enumerate(events) if e.event == "reset"), default=-1)
    return "".join(e.json()["text"] for e in events[last + 1 :] if e.event == "delta")


def check_stream(response: httpx.Response) -> list[Sse]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert "content-encoding" not in response.headers
    assert response.headers["x-request-id"]
    assert response.headers["x-ratelimit-limit"]
    events, _ = parse(response.text)
    assert [e.id for e in events] == [str(n) for n in range(1, len(events) + 1)]
    assert all(e.event for e in events)
    order = names(events)
    first_delta = order.index("delta")
    assert "citations" in order[:first_delta]
    assert "metrics" in order[:first_delta]
    assert order[-1] == "done"
    assert order.count("done") == 1
    assert "error" not in order
    done = events[-1].json()
    assert done["request_id"] == response.headers["x-request-id"]
    assert deltas_after_last_reset(events) == done["advice"]
    return events
