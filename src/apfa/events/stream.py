"""What the real-time server reads from: live events and a replay log.

Two implementations (``events.build.build_stream`` picks one): ``EventHub`` (one API
process, no Redis) and ``RedisEventBus`` (every API process when ``APFA_REDIS_URL`` is set).
Both are also the ``EventSink`` the API process publishes into (``app.state.events``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from apfa.events.envelope import Event, Replay

Listener = Callable[[Event], None]


class EventStream(Protocol):
    def publish(self, room: str, event: str, data: dict[str, Any]) -> None: ...

    def add_listener(self, listener: Listener) -> None:
        """``listener`` is called on the event loop, once per event, in ``event_id`` order."""

    async def replay(self, room: str, since: int) -> Replay: ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


def call_on_loop(
    loop: asyncio.AbstractEventLoop | None, callback: Callable[..., None], *args: Any
) -> None:
    """Run ``callback`` on ``loop``: now when already there (or before there is a loop),
    else handed over thread-safely, for producers that publish from worker threads."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is None or running is loop:
        callback(*args)
    elif not loop.is_closed():
        loop.call_soon_threadsafe(callback, *args)
