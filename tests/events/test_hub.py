"""The in-process hub: increasing ids, a capped replay log, listeners, thread safety."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from enum import Enum

import pytest

from apfa.events.envelope import Event, jsonable
from apfa.events.hub import EventHub
from apfa.events.sink import INDEX_ROOM, METRICS, METRICS_ROOM, TASK_UPDATE, TASKS_ROOM


class Colour(Enum):
    RED = "red"


async def test_ids_increase_and_listeners_see_every_event_in_order() -> None:
    hub = EventHub(replay_size=10)
    seen: list[Event] = []
    hub.add_listener(seen.append)
    await hub.start()
    for n in range(5):
        hub.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": str(n)})
    ids = [event.event_id for event in seen]
    assert [event.data["task_id"] for event in seen] == ["0", "1", "2", "3", "4"]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert seen[-1].payload() == {"task_id": "4", "event_id": ids[-1], "room": TASKS_ROOM}


async def test_replay_keeps_the_last_events_of_a_room_and_says_when_it_is_incomplete() -> None:
    hub = EventHub(replay_size=3)
    seen: list[Event] = []
    hub.add_listener(seen.append)
    await hub.start()
    for n in range(5):
        hub.publish(TASKS_ROOM, TASK_UPDATE, {"n": n})
    hub.publish(INDEX_ROOM, "index_swapped", {"version": 2})
    hub.publish(METRICS_ROOM, METRICS, {"requests": 1})  # live only: not kept
    ids = [event.event_id for event in seen]

    recent = await hub.replay(TASKS_ROOM, ids[2])
    assert [e.data["n"] for e in recent.events] == [3, 4]
    assert recent.truncated is False
    old = await hub.replay(TASKS_ROOM, ids[0])
    assert [e.data["n"] for e in old.events] == [3, 4]
    assert old.truncated is True, "events 1 and 2 were dropped from the log"
    assert (await hub.replay(METRICS_ROOM, ids[0])).events == []
    future = await hub.replay(TASKS_ROOM, ids[-1] + 1000)
    assert future.since == 0
    assert future.truncated is True
    assert [e.data["n"] for e in future.events] == [3, 4]


async def test_a_new_hub_numbers_above_an_earlier_one() -> None:
    """After a restart, a client's ``since`` from before must not hide new events."""
    before = EventHub(replay_size=5)
    seen: list[Event] = []
    before.add_listener(seen.append)
    for _ in range(3):
        before.publish(TASKS_ROOM, TASK_UPDATE, {})
    await asyncio.sleep(0.01)
    after = EventHub(replay_size=5)
    after.publish(TASKS_ROOM, TASK_UPDATE, {"fresh": True})
    replay = await after.replay(TASKS_ROOM, seen[-1].event_id)
    assert [e.data for e in replay.events] == [{"fresh": True}]
    assert replay.truncated is True, "what the old process published after since is gone"


async def test_publishing_from_another_thread_lands_on_the_loop() -> None:
    hub = EventHub(replay_size=10)
    threads: list[int] = []
    hub.add_listener(lambda _: threads.append(threading.get_ident()))
    await hub.start()
    await asyncio.to_thread(hub.publish, TASKS_ROOM, TASK_UPDATE, {"task_id": "t"})
    for _ in range(100):
        if threads:
            break
        await asyncio.sleep(0.01)
    assert threads == [threading.get_ident()]


async def test_bad_data_and_failing_listeners_never_reach_the_producer() -> None:
    hub = EventHub(replay_size=10)

    def broken(_: Event) -> None:
        raise RuntimeError("boom")

    seen: list[Event] = []
    hub.add_listener(broken)
    hub.add_listener(seen.append)
    hub.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": object()})
    hub.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": "ok"})
    assert [e.data for e in seen] == [{"task_id": "ok"}]


def test_jsonable_turns_values_into_plain_json() -> None:
    stamp = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert jsonable({"at": stamp, "colour": Colour.RED, "tags": {"a"}}) == {
        "at": "2026-05-01T12:00:00+00:00",
        "colour": "red",
        "tags": ["a"],
    }
    with pytest.raises(TypeError):
        jsonable({"x": object()})


def test_envelope_round_trips() -> None:
    event = Event(7, TASKS_ROOM, TASK_UPDATE, {"task_id": "t", "note": 'quote " and /'})
    assert Event.from_json(event.to_json()) == event
    with pytest.raises(ValueError, match="malformed"):
        Event.from_json('{"event_id": "7", "room": "r", "event": "e", "data": {}}')
