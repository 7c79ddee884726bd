"""The in-process event hub: one API process without Redis.

It numbers events, keeps the last ``replay_size`` replayable ones, and hands each event
to its listeners (the real-time server's fan-out) on the event loop.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import structlog

from apfa.events.envelope import Event, Replay, jsonable, replayable, seed_event_id
from apfa.events.stream import Listener, call_on_loop

log = structlog.get_logger(__name__)


class EventHub:
    def __init__(self, replay_size: int) -> None:
        self._last_id = seed_event_id()
        self._log: deque[Event] = deque(maxlen=replay_size)
        # Ids up to here are not held: evicted, or from before this sequence began.
        self._evicted_through = self._last_id
        self._listeners: list[Listener] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def last_id(self) -> int:
        return self._last_id

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def aclose(self) -> None:
        self._loop = None

    def publish(self, room: str, event: str, data: dict[str, Any]) -> None:
        try:
            payload = jsonable(data)
        except (TypeError, ValueError) as exc:
            log.warning("event_dropped", room=room, event_name=event, error=str(exc))
            return
        call_on_loop(self._loop, self._emit, room, event, payload)

    def _emit(self, room: str, name: str, data: dict[str, Any]) -> None:
        self._last_id += 1
        event = Event(self._last_id, room, name, data)
        if replayable(room) and self._log.maxlen:
            if len(self._log) == self._log.maxlen:
                self._evicted_through = self._log[0].event_id
            self._log.append(event)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event_listener_failed", room=room, event_name=name)

    async def replay(self, room: str, since: int) -> Replay:
        truncated = since < self._evicted_through
        if since > self._last_id:  # from an earlier process: its ids mean nothing here
            since, truncated = 0, True
        events = [e for e in self._log if e.room == room and e.event_id > since]
        return Replay(events, truncated, since)
