"""Publishing events through Redis, from any process: Celery workers, CLI runs, API processes.

One Lua script does it atomically, so ids, the replay log and pub/sub agree on the order:
``INCR`` the sequence (seeded from the clock when missing), append to the replay list
capped at ``replay_size`` (remembering the newest id dropped), and ``PUBLISH`` the
envelope to every API process, each of which forwards it to its own Socket.IO clients.

``RedisEventSink`` is the synchronous sink for processes without an event loop::

    sink = RedisEventSink(settings.redis_url)
    sink.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": "...", "state": "running"})
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
from dataclasses import dataclass
from typing import Any

import redis
import structlog

from apfa.events.envelope import jsonable, replayable

log = structlog.get_logger(__name__)

DEFAULT_REPLAY_SIZE = 1000
DEFAULT_TIMEOUT_SECONDS = 2.0
QUEUE_LIMIT = 10_000
PIPELINE_BATCH = 100

Outgoing = list[str | int]  # the script's ARGV

# KEYS: sequence, log, evicted-through. ARGV: channel, room, event, data (JSON), log cap
# (0: not kept for replay). Returns the event id.
PUBLISH_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  local now = redis.call('TIME')
  local seed = string.format('%d', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
  redis.call('SET', KEYS[1], seed)
  redis.call('SET', KEYS[3], seed)
end
local id = string.format('%d', redis.call('INCR', KEYS[1]))
local envelope = '{"event_id":' .. id .. ',"room":' .. cjson.encode(ARGV[2])
  .. ',"event":' .. cjson.encode(ARGV[3]) .. ',"data":' .. ARGV[4] .. '}'
local cap = tonumber(ARGV[5])
if cap > 0 then
  redis.call('RPUSH', KEYS[2], envelope)
  while redis.call('LLEN', KEYS[2]) > cap do
    local dropped = redis.call('LPOP', KEYS[2])
    redis.call('SET', KEYS[3], string.match(dropped, '^{"event_id":(%d+)'))
  end
end
redis.call('PUBLISH', ARGV[1], envelope)
return id
"""


@dataclass(frozen=True, slots=True)
class EventKeys:
    """Redis names shared by publishers and API processes."""

    namespace: str = "apfa"

    @property
    def sequence(self) -> str:
        return f"{self.namespace}:events:seq"

    @property
    def log(self) -> str:
        return f"{self.namespace}:events:log"

    @property
    def evicted(self) -> str:
        return f"{self.namespace}:events:evicted"

    @property
    def channel(self) -> str:
        return f"{self.namespace}:events"

    def script_keys(self) -> list[str]:
        return [self.sequence, self.log, self.evicted]

    def script_args(
        self, room: str, event: str, data: dict[str, Any], replay_size: int
    ) -> list[str | int]:
        cap = replay_size if replayable(room) else 0
        return [self.channel, room, event, json.dumps(jsonable(data)), cap]


class RedisEventSink:
    """Synchronous, thread-safe and never blocking its caller: ``publish`` queues the event
    and a daemon thread sends the queue in order, pipelined. It connects on first use,
    so it can be built anywhere (before a fork included: the thread starts per process).
    ``close`` sends what is queued (for up to ``timeout`` seconds) and stops the thread.
    """

    def __init__(
        self,
        redis_url: str,
        *,
        replay_size: int = DEFAULT_REPLAY_SIZE,
        namespace: str = "apfa",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._redis = redis.Redis.from_url(
            redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._script = self._redis.register_script(PUBLISH_SCRIPT)
        self._keys = EventKeys(namespace)
        self._replay_size = replay_size
        self._timeout = timeout
        self._queue: queue.Queue[Outgoing | None] = queue.Queue(QUEUE_LIMIT)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def publish(self, room: str, event: str, data: dict[str, Any]) -> None:
        try:
            args = self._keys.script_args(room, event, data, self._replay_size)
            self._ensure_thread()
            self._queue.put_nowait(args)
        except queue.Full:
            log.warning("event_dropped", room=room, event_name=event, error="publish queue full")
        except Exception as exc:
            log.warning("event_dropped", room=room, event_name=event, error=str(exc))

    def publish_now(self, room: str, event: str, data: dict[str, Any]) -> int:
        """Publish at once and return the event id; raises when Redis cannot be reached."""
        args = self._keys.script_args(room, event, data, self._replay_size)
        return int(self._script(keys=self._keys.script_keys(), args=args))

    def close(self) -> None:
        thread = self._thread
        if thread is not None and self._pid == os.getpid() and thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._queue.put(None, timeout=self._timeout)
            thread.join(self._timeout)
        self._thread = None
        self._redis.close()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or self._pid != os.getpid():
                if self._pid != os.getpid():
                    self._queue = queue.Queue(QUEUE_LIMIT)  # a fork copied the parent's
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._drain, name="apfa-event-sink", daemon=True
                )
                self._thread.start()

    def _drain(self) -> None:
        keys = self._keys.script_keys()
        while True:
            batch = [self._queue.get()]
            while len(batch) < PIPELINE_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            items = [args for args in batch if args is not None]
            try:
                with self._redis.pipeline(transaction=False) as pipe:
                    for args in items:
                        self._script(keys=keys, args=args, client=pipe)
                    pipe.execute()
            except Exception as exc:
                log.warning("event_publish_failed", events=len(items), error=str(exc))
            if len(items) < len(batch):
                return
