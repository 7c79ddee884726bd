"""Live connections, their rooms, and the fan-out of events to them.

Each subscription keeps a high-water mark, the last ``event_id`` handed to the client for
that room: an event at or below it is a duplicate and is skipped. While a ``since``
replay is being read, live events of that room wait in ``pending`` and are merged after
it, so the client gets missed events first, then live ones, in order, each once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import socketio

from apfa.auth.service import Principal
from apfa.events.envelope import Event, Replay
from apfa.realtime.throttle import Outbox


@dataclass(slots=True)
class Subscription:
    high_water: int
    pending: list[Event] | None = None


@dataclass(slots=True)
class Connection:
    sid: str
    server: socketio.AsyncServer
    token: str
    principal: Principal
    expires_at: datetime
    outbox: Outbox
    rooms: dict[str, Subscription] = field(default_factory=dict)

    def accept(self, event: Event) -> None:
        subscription = self.rooms.get(event.room)
        if subscription is None:
            return
        if subscription.pending is not None:
            subscription.pending.append(event)
        elif event.event_id > subscription.high_water:
            subscription.high_water = event.event_id
            self.outbox.offer(event)

    def merge_replay(self, room: str, replay: Replay) -> int:
        """Hand over replayed events, then those that arrived meanwhile; returns how many
        replayed events were queued."""
        subscription = self.rooms.get(room)
        if subscription is None or subscription.pending is None:
            return 0
        waiting, subscription.pending = subscription.pending, None
        subscription.high_water = replay.since
        replayed = 0
        for event in replay.events:
            if event.event_id > subscription.high_water:
                replayed += 1
            self.accept(event)
        for event in waiting:
            self.accept(event)
        return replayed


class Registry:
    def __init__(self) -> None:
        self.connections: dict[str, Connection] = {}
        self._rooms: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self.connections)

    def add(self, connection: Connection) -> None:
        self.connections[connection.sid] = connection

    def remove(self, sid: str) -> Connection | None:
        connection = self.connections.pop(sid, None)
        if connection is not None:
            for room in connection.rooms:
                self._rooms.get(room, set()).discard(sid)
        return connection

    def join(self, connection: Connection, room: str, since: int | None) -> bool:
        """Subscribe; False when already subscribed. With ``since``, live events of the
        room are held until ``merge_replay``."""
        if room in connection.rooms:
            return False
        pending: list[Event] | None = None if since is None else []
        # Without ``since`` every event from now on is new: no high-water mark applies.
        connection.rooms[room] = Subscription(high_water=since or 0, pending=pending)
        self._rooms.setdefault(room, set()).add(connection.sid)
        return True

    def leave(self, connection: Connection, room: str) -> bool:
        if connection.rooms.pop(room, None) is None:
            return False
        self._rooms.get(room, set()).discard(connection.sid)
        connection.outbox.discard_room(room)
        return True

    def deliver(self, event: Event) -> None:
        """The event stream's listener: fan ``event`` out to its room's subscribers."""
        for sid in self._rooms.get(event.room, ()):
            connection = self.connections.get(sid)
            if connection is not None:
                connection.accept(event)
