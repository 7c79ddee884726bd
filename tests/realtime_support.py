"""Helpers for real-time tests: a real uvicorn server in this event loop, and a recording
Socket.IO client (imported as ``realtime_support``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import socketio
import uvicorn
from fastapi import FastAPI

from apfa.realtime.server import JSON_PATH
from services import free_port

RECORDED = (
    "task_update",
    "batch_progress",
    "index_swapped",
    "metrics",
    "session_ended",
    "unsubscribed",
)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve an app whose lifespan is already running; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="error",
        # An open long-poll request must not hold the shutdown past the wait below.
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn exited before it started")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


@dataclass
class Received:
    at: float
    name: str
    data: dict[str, Any]


@dataclass
class Client:
    """A Socket.IO client that records every event it receives, with its arrival time."""

    serializer: str = "default"
    received: list[Received] = field(default_factory=list)
    connect_errors: list[Any] = field(default_factory=list)
    disconnected_at: float | None = None

    def __post_init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False, serializer=self.serializer)
        for name in RECORDED:
            self.sio.on(name, self._recorder(name))
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("disconnect", self._on_disconnect)

    def _recorder(self, name: str) -> Callable[[dict[str, Any]], Any]:
        async def record(data: dict[str, Any]) -> None:
            self.received.append(Received(time.monotonic(), name, data))

        return record

    async def _on_connect_error(self, data: Any) -> None:
        self.connect_errors.append(data)

    async def _on_disconnect(self, *_: Any) -> None:
        self.disconnected_at = time.monotonic()

    async def connect(
        self,
        url: str,
        token: str | None,
        *,
        path: str = JSON_PATH,
        headers: dict[str, str] | None = None,
        transports: list[str] | None = None,
    ) -> None:
        await self.sio.connect(
            url,
            socketio_path=path,
            auth=None if token is None else {"token": token},
            headers=headers or {},
            transports=transports or ["websocket"],
            wait_timeout=10,
        )

    async def subscribe(self, room: str, since: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"room": room}
        if since is not None:
            body["since"] = since
        ack: dict[str, Any] = await self.sio.call("subscribe", body, timeout=10)
        return ack

    async def unsubscribe(self, room: str) -> dict[str, Any]:
        ack: dict[str, Any] = await self.sio.call("unsubscribe", {"room": room}, timeout=10)
        return ack

    def events(self, name: str) -> list[dict[str, Any]]:
        return [r.data for r in self.received if r.name == name]

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.sio.shutdown()


async def eventually(check: Callable[[], bool], within: float = 5.0) -> float:
    """Wait until ``check()`` holds; returns the seconds it took. Fails after ``within``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started
