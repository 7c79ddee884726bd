"""The Socket.IO servers and their place in the app.

Two servers share one gateway (auth, rooms, limits, per-client queues): JSON on
``/ws/socket.io`` and MessagePack on ``/ws/msgpack/socket.io``. python-socketio fixes the
serializer per server, so a second path lets each client choose instead of one setting
deciding for all of them.

``create_app`` calls ``install_realtime`` (mounts, no I/O); the lifespan starts the
returned ``Realtime`` (which returns the ``EventSink`` the process publishes into) and
stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import socketio
from fastapi import FastAPI
from redis.asyncio import Redis

from apfa.core.config import Settings
from apfa.core.redis import REDIS
from apfa.core.resources import Resource, Resources, resources_of
from apfa.events.build import build_stream
from apfa.events.stream import EventStream
from apfa.realtime.gateway import Gateway
from apfa.realtime.limits import ConnectionLimiter, LocalLimiter, RedisLimiter
from apfa.realtime.metrics_feed import MetricsSampler, publish_metrics
from apfa.realtime.origins import origin_check

JSON_PATH = "/ws/socket.io"
MSGPACK_PATH = "/ws/msgpack/socket.io"
# Clients only send small subscribe/unsubscribe messages.
MAX_MESSAGE_BYTES = 64 * 1024


def build_server(settings: Settings, gateway: Gateway, serializer: str) -> socketio.AsyncServer:
    server = socketio.AsyncServer(
        async_mode="asgi",
        serializer=serializer,
        cors_allowed_origins=origin_check(settings.ws_allowed_origins),
        cors_credentials=False,
        ping_interval=settings.ws_ping_interval_seconds,
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        always_connect=False,
        logger=False,
        engineio_logger=False,
    )

    async def connect(sid: str, environ: dict[str, Any], auth: object = None) -> None:
        client = environ.get("asgi.scope", {}).get("client")
        await gateway.connect(server, sid, auth, client[0] if client else None)

    async def disconnect(sid: str, _reason: object = None) -> None:
        await gateway.disconnect(sid)

    async def subscribe(sid: str, data: object = None) -> dict[str, Any]:
        return await gateway.subscribe(sid, data)

    async def unsubscribe(sid: str, data: object = None) -> dict[str, Any]:
        return await gateway.unsubscribe(sid, data)

    server.on("connect", connect)
    server.on("disconnect", disconnect)
    server.on("subscribe", subscribe)
    server.on("unsubscribe", unsubscribe)
    return server


def _limiter(settings: Settings, redis: Redis | None) -> ConnectionLimiter:
    per_user, total = settings.ws_max_connections_per_user, settings.ws_max_connections
    if redis is not None:
        return RedisLimiter(
            redis, per_user=per_user, total=total, namespace=settings.cache_namespace
        )
    return LocalLimiter(per_user=per_user, total=total)


class Realtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.gateway = Gateway(settings)
        self.servers = {
            JSON_PATH: build_server(settings, self.gateway, "default"),
            MSGPACK_PATH: build_server(settings, self.gateway, "msgpack"),
        }
        self._stream: EventStream | None = None
        self._limiter: ConnectionLimiter | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def mount(self, app: FastAPI) -> None:
        for path, server in self.servers.items():
            app.mount(path, socketio.ASGIApp(server, socketio_path=None))

    async def start(self, resources: Resources) -> EventStream:
        """Start delivering; returns the sink this process publishes into."""
        settings, redis = self.settings, resources.find(REDIS)
        self._stream, self._limiter = build_stream(settings, redis), _limiter(settings, redis)
        self.gateway.bind(resources, self._stream, self._limiter)
        await self._stream.start()
        sampler = MetricsSampler(frozenset(self.servers))
        interval = settings.ws_metrics_interval_seconds
        self._tasks = [
            asyncio.create_task(self.gateway.supervise(), name="ws-supervisor"),
            asyncio.create_task(
                publish_metrics(self._stream, sampler, interval), name="ws-metrics"
            ),
        ]
        return self._stream

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.gateway.aclose()
        for server in self.servers.values():
            await server.shutdown()
        if self._stream is not None:
            await self._stream.aclose()
        if self._limiter is not None:
            await self._limiter.aclose()


REALTIME = Resource[Realtime]("real-time channel")


def install_realtime(app: FastAPI, settings: Settings) -> Realtime:
    """Mount the Socket.IO servers on ``app``; the lifespan starts them."""
    realtime = resources_of(app).provide(REALTIME, Realtime(settings))
    realtime.mount(app)
    return realtime
