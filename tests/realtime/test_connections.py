"""Subscriptions: replay first, then what arrived meanwhile, each event once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from apfa.auth.permissions import Role, permissions_for
from apfa.auth.service import Principal
from apfa.events.envelope import Event, Replay
from apfa.events.sink import TASK_UPDATE, TASKS_ROOM
from apfa.realtime.connections import Connection, Registry
from apfa.realtime.throttle import Outbox


class Delivered:
    def __init__(self) -> None:
        self.ids: list[int] = []

    async def __call__(self, _: str, payload: dict[str, Any]) -> None:
        self.ids.append(payload["event_id"])


@pytest.fixture
async def wired() -> AsyncIterator[tuple[Registry, Connection, Delivered]]:
    delivered = Delivered()
    outbox = Outbox(delivered, rate=10_000, on_overflow=lambda: None)
    principal = Principal(1, "admin", Role.ADMIN, permissions_for(Role.ADMIN))
    server: Any = None  # never used: nothing here emits directly
    connection = Connection("sid-1", server, "token", principal, datetime.now(UTC), outbox)
    registry = Registry()
    registry.add(connection)
    outbox.start()
    yield registry, connection, delivered
    await outbox.aclose()


def task(event_id: int) -> Event:
    return Event(event_id, TASKS_ROOM, TASK_UPDATE, {"task_id": str(event_id)})


async def test_live_events_during_replay_wait_and_duplicates_are_dropped(
    wired: tuple[Registry, Connection, Delivered],
) -> None:
    registry, connection, delivered = wired
    assert registry.join(connection, TASKS_ROOM, since=10)
    registry.deliver(task(14))  # arrives while the replay is being read
    registry.deliver(task(15))
    await asyncio.sleep(0.05)
    assert delivered.ids == []
    replay = Replay([task(11), task(12), task(14)], truncated=False, since=10)
    assert connection.merge_replay(TASKS_ROOM, replay) == 3
    registry.deliver(task(15))  # a duplicate
    registry.deliver(task(16))
    await asyncio.sleep(0.05)
    assert delivered.ids == [11, 12, 14, 15, 16]


async def test_without_since_only_live_events_and_leaving_stops_them(
    wired: tuple[Registry, Connection, Delivered],
) -> None:
    registry, connection, delivered = wired
    assert registry.join(connection, TASKS_ROOM, since=None)
    assert not registry.join(connection, TASKS_ROOM, since=None)
    registry.deliver(task(3))
    await asyncio.sleep(0.05)
    assert registry.leave(connection, TASKS_ROOM)
    registry.deliver(task(4))
    registry.remove(connection.sid)
    registry.deliver(task(5))
    await asyncio.sleep(0.05)
    assert delivered.ids == [3]
