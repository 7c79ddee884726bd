"""The per-client outbox: rate cap, coalescing of task updates, finals kept, order kept."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from apfa.events.envelope import Event
from apfa.events.sink import BATCH_PROGRESS, INDEX_ROOM, INDEX_SWAPPED, TASK_UPDATE, TASKS_ROOM
from apfa.realtime.throttle import Outbox

ids = iter(range(1, 1_000_000))


def update(task_id: str, state: str, name: str = TASK_UPDATE, **extra: Any) -> Event:
    return Event(next(ids), TASKS_ROOM, name, {"task_id": task_id, "state": state, **extra})


class Recorder:
    def __init__(self, expect: int = 0) -> None:
        self.sent: list[tuple[float, str, dict[str, Any]]] = []
        self.expect = expect
        self.done = asyncio.Event()

    async def __call__(self, name: str, payload: dict[str, Any]) -> None:
        self.sent.append((time.monotonic(), name, payload))
        if len(self.sent) == self.expect:
            self.done.set()


def overflow_never() -> None:
    raise AssertionError("overflowed")


async def test_latest_update_of_a_task_wins_and_moves_back() -> None:
    sent = Recorder()
    outbox = Outbox(sent, rate=1000, on_overflow=overflow_never)
    outbox.offer(update("a", "running", progress=1))
    outbox.offer(update("b", "running"))
    outbox.offer(update("a", "running", progress=2))
    outbox.offer(Event(next(ids), INDEX_ROOM, INDEX_SWAPPED, {"version": 3}))
    outbox.offer(update("a", "running", progress=3))
    assert len(outbox) == 3
    outbox.start()
    await asyncio.sleep(0.1)
    await outbox.aclose()
    got = [
        (name, payload.get("task_id"), payload.get("progress")) for _, name, payload in sent.sent
    ]
    assert got == [
        (TASK_UPDATE, "b", None),
        (INDEX_SWAPPED, None, None),
        (TASK_UPDATE, "a", 3),
    ]
    delivered = [payload["event_id"] for _, _, payload in sent.sent]
    assert delivered == sorted(delivered)


async def test_a_final_state_is_never_replaced() -> None:
    sent = Recorder()
    outbox = Outbox(sent, rate=1000, on_overflow=overflow_never)
    outbox.offer(update("a", "running"))
    outbox.offer(update("a", "failed"))
    outbox.offer(update("a", "running"))  # e.g. a late heartbeat: must not hide "failed"
    outbox.offer(update("a", "pending", name=BATCH_PROGRESS))
    outbox.offer(update("a", "running", name=BATCH_PROGRESS))  # kinds coalesce separately
    outbox.start()
    await asyncio.sleep(0.1)
    await outbox.aclose()
    states = [(name, payload["state"]) for _, name, payload in sent.sent]
    assert states == [
        (TASK_UPDATE, "failed"),
        (TASK_UPDATE, "running"),
        (BATCH_PROGRESS, "running"),
    ]


async def test_sends_are_spaced_by_the_rate() -> None:
    sent = Recorder(expect=8)
    outbox = Outbox(sent, rate=20, on_overflow=overflow_never)
    for n in range(8):
        outbox.offer(Event(next(ids), INDEX_ROOM, INDEX_SWAPPED, {"version": n}))
    outbox.start()
    await asyncio.wait_for(sent.done.wait(), 5)
    await outbox.aclose()
    times = [at for at, _, _ in sent.sent]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.049
    assert [payload["version"] for _, _, payload in sent.sent] == list(range(8))


async def test_a_client_too_far_behind_is_reported_once() -> None:
    calls: list[int] = []
    outbox = Outbox(Recorder(), rate=1, on_overflow=lambda: calls.append(1), limit=5)
    for n in range(20):
        outbox.offer(Event(next(ids), INDEX_ROOM, INDEX_SWAPPED, {"version": n}))
    assert calls == [1]
    assert len(outbox) == 0
