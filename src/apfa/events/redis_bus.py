"""An API process's side of the Redis path: publish, relay, replay.

``publish`` never blocks: it queues the event, and one task sends queued events in order,
pipelined, through the same script as ``RedisEventSink``. A relay task follows the pub/sub
channel and hands every event (this process's own included: one path for all) to the
listeners. After its connection was lost (and restored, by redis-py or by the relay) the
relay backfills from the replay log what it missed; ids on the channel are consecutive,
so a gap also shows a loss. Either way the clients of this process miss nothing that
Redis kept.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from apfa.events.envelope import Event, Replay
from apfa.events.redis_sink import (
    PIPELINE_BATCH,
    PUBLISH_SCRIPT,
    QUEUE_LIMIT,
    EventKeys,
)
from apfa.events.stream import Listener, call_on_loop

log = structlog.get_logger(__name__)

RETRY_SECONDS = 1.0
POLL_SECONDS = 1.0

Outgoing = tuple[str, str, dict[str, Any]]


class RedisEventBus:
    def __init__(self, redis: Redis, *, replay_size: int, namespace: str = "apfa") -> None:
        self._redis = redis  # the process's client; its owner closes it
        self._script = self._redis.register_script(PUBLISH_SCRIPT)
        self._keys = EventKeys(namespace)
        self._replay_size = replay_size
        self._listeners: list[Listener] = []
        self._outbox: asyncio.Queue[Outgoing] = asyncio.Queue(QUEUE_LIMIT)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._last_id: int | None = None
        self._reconnected = False

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await self._subscribe(pubsub)
        except Exception as exc:  # Redis down at start-up: the relay keeps trying
            log.warning("event_relay_subscribe_failed", error=str(exc))
        self._tasks = [
            asyncio.create_task(self._send_loop(), name="events-publisher"),
            asyncio.create_task(self._relay_loop(pubsub), name="events-relay"),
        ]

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def publish(self, room: str, event: str, data: dict[str, Any]) -> None:
        call_on_loop(self._loop, self._enqueue, room, event, data)

    def _enqueue(self, room: str, event: str, data: dict[str, Any]) -> None:
        try:
            self._outbox.put_nowait((room, event, data))
        except asyncio.QueueFull:
            log.warning("event_dropped", room=room, event_name=event, error="publish queue full")

    async def _send_loop(self) -> None:
        while True:
            batch = [await self._outbox.get()]
            while len(batch) < PIPELINE_BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            try:
                await self._send(batch)
            except Exception as exc:
                log.warning("event_publish_failed", events=len(batch), error=str(exc))

    async def _send(self, batch: list[Outgoing]) -> None:
        keys = self._keys.script_keys()
        async with self._redis.pipeline(transaction=False) as pipe:
            for room, event, data in batch:
                try:
                    args = self._keys.script_args(room, event, data, self._replay_size)
                except (TypeError, ValueError) as exc:
                    log.warning("event_dropped", room=room, event_name=event, error=str(exc))
                    continue
                await self._script(keys=keys, args=args, client=pipe)
            await pipe.execute()

    async def _relay_loop(self, pubsub: PubSub) -> None:
        while True:
            try:
                if not pubsub.subscribed:
                    await self._subscribe(pubsub)
                    self._reconnected = True
                if self._reconnected:
                    self._reconnected = False
                    await self._backfill(None)  # what was published while we were away
                message = await pubsub.get_message(timeout=POLL_SECONDS)
                if message is not None and message.get("type") == "message":
                    await self._relay(message["data"])
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception as exc:
                log.warning("event_relay_failed", error=str(exc))
                await pubsub.aclose()
                await asyncio.sleep(RETRY_SECONDS)

    async def _subscribe(self, pubsub: PubSub) -> None:
        await pubsub.subscribe(self._keys.channel)
        if pubsub.connection is not None:
            # redis-py reconnects and resubscribes on its own; hear of it to catch up.
            pubsub.connection.register_connect_callback(self._on_reconnect)

    async def _on_reconnect(self, _connection: object) -> None:
        self._reconnected = True

    async def _relay(self, raw: bytes | str) -> None:
        try:
            event = Event.from_json(raw)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("event_malformed", error=str(exc))
            return
        if self._last_id is not None and event.event_id > self._last_id + 1:
            # Ids are consecutive on the channel: a gap means messages were lost while the
            # connection was down (redis-py may reconnect on its own); the log has them.
            await self._backfill(event.event_id)
        self._deliver(event)

    async def _backfill(self, before: int | None) -> None:
        """Deliver held events past the last one relayed (and below ``before``). Before
        anything was relayed there is no position to catch up from."""
        if self._last_id is None:
            return
        held = await self._redis.lrange(self._keys.log, 0, -1)
        for raw in held:
            event = Event.from_json(raw)
            if before is None or event.event_id < before:
                self._deliver(event)

    def _deliver(self, event: Event) -> None:
        if self._last_id is not None and event.event_id <= self._last_id:
            return
        self._last_id = event.event_id
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event_listener_failed", room=event.room, event_name=event.name)

    async def replay(self, room: str, since: int) -> Replay:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lrange(self._keys.log, 0, -1)
            pipe.get(self._keys.evicted)
            pipe.get(self._keys.sequence)
            held, evicted, last = await pipe.execute()
        truncated = since < int(evicted or 0)
        if since > int(last or 0):  # from an earlier sequence (Redis lost the counter)
            since, truncated = 0, True
        events = []
        for raw in held:
            event = Event.from_json(raw)
            if event.room == room and event.event_id > since:
                events.append(event)
        return Replay(events, truncated, since)
