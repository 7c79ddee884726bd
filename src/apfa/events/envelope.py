"""One event as it travels: an increasing ``event_id``, its room, its name and its data.

Ids are integers that only grow; they are not consecutive. A fresh id sequence starts at
the current Unix time in milliseconds, so ids handed out after a restart (of an API
process, or of a Redis that lost the counter) are still above every id a client saw
before it, and a client's ``since`` never hides new events.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any
from uuid import UUID

from apfa.events.sink import METRICS_ROOM

# Keys the channel adds to every payload; a producer's own keys of these names are replaced.
RESERVED_KEYS = ("event_id", "room")


@dataclass(frozen=True, slots=True)
class Event:
    event_id: int
    room: str
    name: str
    data: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """What a Socket.IO client receives with the event ``name``."""
        return {**self.data, "event_id": self.event_id, "room": self.room}

    def to_json(self) -> str:
        return envelope_json(self.event_id, self.room, self.name, json.dumps(self.data))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        body = json.loads(raw)
        event_id, room, name, data = body["event_id"], body["room"], body["event"], body["data"]
        if not (isinstance(event_id, int) and isinstance(room, str) and isinstance(name, str)):
            raise ValueError("malformed event envelope")
        if not isinstance(data, dict):
            raise ValueError("event data must be an object")
        return cls(event_id, room, name, data)


@dataclass(frozen=True, slots=True)
class Replay:
    """Events of one room after ``since``, oldest first. ``truncated``: some events after
    the ``since`` asked for are no longer held (the log is capped), or that ``since`` came
    from an earlier id sequence, in which case ``since`` is 0 and all held events follow."""

    events: list[Event]
    truncated: bool
    since: int


def envelope_json(event_id: int, room: str, name: str, data_json: str) -> str:
    """The Redis wire form; ``event_id`` comes first (the Lua publisher relies on it)."""
    return (
        f'{{"event_id":{event_id},"room":{json.dumps(room)},'
        f'"event":{json.dumps(name)},"data":{data_json}}}'
    )


def seed_event_id() -> int:
    return int(time.time() * 1000)


def replayable(room: str) -> bool:
    """Metrics snapshots are worthless once stale; keeping them would only push task events
    out of the capped replay log."""
    return room != METRICS_ROOM


def jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as plain JSON values (datetimes as ISO 8601, enums by value), so every path
    (in process, Redis, JSON or MessagePack clients) delivers the same payload."""
    plain = json.loads(json.dumps(dict(data), default=_plain))
    if not isinstance(plain, dict):
        raise TypeError("event data must be a mapping")
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | clock_time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID | Decimal | PurePath):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
