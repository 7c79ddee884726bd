"""Per-client delivery: at most ``rate`` updates a second, coalescing what waits.

Events wait in order. A ``task_update`` or ``batch_progress`` of a task id replaces the
one of the same kind and task still waiting (the newest wins) and goes to the back, so
delivered ids stay increasing. A final state (succeeded, failed, revoked) is never
replaced; nothing else is dropped. A client that falls ``limit`` events behind is too
slow to serve and is told so and disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import structlog

from apfa.events.envelope import Event
from apfa.events.sink import BATCH_PROGRESS, TASK_UPDATE
from apfa.models.task import FINAL_STATES

log = structlog.get_logger(__name__)

COALESCED_EVENTS = frozenset({TASK_UPDATE, BATCH_PROGRESS})
DEFAULT_LIMIT = 10_000

Send = Callable[[str, dict[str, Any]], Awaitable[None]]


def coalesce_key(event: Event) -> Hashable:
    task_id = event.data.get("task_id")
    if event.name in COALESCED_EVENTS and isinstance(task_id, str | int):
        return (event.room, event.name, task_id)
    return event.event_id


def is_final(event: Event) -> bool:
    return event.data.get("state") in FINAL_STATES


class Outbox:
    def __init__(
        self,
        send: Send,
        *,
        rate: float,
        on_overflow: Callable[[], None],
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        self._send = send
        self._interval = 1.0 / rate
        self._on_overflow = on_overflow
        self._limit = limit
        self._waiting: OrderedDict[Hashable, Event] = OrderedDict()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._overflowed = False

    def __len__(self) -> int:
        return len(self._waiting)

    def offer(self, event: Event) -> None:
        if self._overflowed:
            return
        key = coalesce_key(event)
        queued = self._waiting.get(key)
        if queued is not None:
            if is_final(queued):
                key = event.event_id
            else:
                del self._waiting[key]
        self._waiting[key] = event
        self._ready.set()
        if len(self._waiting) > self._limit:
            self._overflowed = True
            self._waiting.clear()
            self._on_overflow()

    def discard_room(self, room: str) -> None:
        for key in [k for k, e in self._waiting.items() if e.room == room]:
            del self._waiting[key]

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ws-outbox")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._ready.wait()
            if not self._waiting:
                self._ready.clear()
                continue
            _, event = self._waiting.popitem(last=False)
            try:
                await self._send(event.name, event.payload())
            except Exception as exc:
                log.warning("ws_send_failed", event_name=event.name, error=str(exc))
            # Spacing sends by the interval caps any one-second window at ``rate``.
            await asyncio.sleep(self._interval)
