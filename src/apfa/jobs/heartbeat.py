"""Worker liveness in Redis: each ``apfa worker`` writes ``apfa:workers:<name>`` every
few seconds with a short expiry, so the admin API and readiness list live workers, their
queues, concurrency and heartbeat age without a broadcast to every worker."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from typing import Any

import redis
import structlog
from celery import Celery
from celery.signals import worker_ready, worker_shutdown

from apfa.core.config import Settings

log = structlog.get_logger(__name__)

PREFIX = "apfa:workers:"
INTERVAL_SECONDS = 5.0
EXPIRE_SECONDS = 30


def worker_key(name: str) -> str:
    return PREFIX + name


def install(app: Celery, settings: Settings, queues: list[str], concurrency: int) -> None:
    name = f"{socket.gethostname()}:{os.getpid()}"
    stop = threading.Event()
    record: dict[str, Any] = {
        "name": name,
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "queues": queues,
        "concurrency": concurrency,
        "started_at": time.time(),
    }

    def beat() -> None:
        client = redis.Redis.from_url(str(settings.redis_url), socket_timeout=2)
        while not stop.is_set():
            try:
                record["heartbeat_at"] = time.time()
                client.set(worker_key(name), json.dumps(record), ex=EXPIRE_SECONDS)
            except redis.RedisError as exc:
                log.warning("worker_heartbeat_failed", error=str(exc))
            stop.wait(INTERVAL_SECONDS)
        with contextlib.suppress(redis.RedisError):
            client.delete(worker_key(name))

    def on_ready(**_: Any) -> None:
        threading.Thread(target=beat, name="apfa-heartbeat", daemon=True).start()

    def on_shutdown(**_: Any) -> None:
        stop.set()

    worker_ready.connect(on_ready, weak=False)
    worker_shutdown.connect(on_shutdown, weak=False)


async def live_workers(client: Any) -> list[dict[str, Any]]:
    """Workers whose heartbeat has not expired, with its age in seconds."""
    workers: list[dict[str, Any]] = []
    now = time.time()
    async for key in client.scan_iter(match=PREFIX + "*", count=100):
        raw = await client.get(key)
        if raw is None:
            continue
        record = json.loads(raw)
        record["heartbeat_age_seconds"] = round(now - float(record.get("heartbeat_at", now)), 3)
        workers.append(record)
    return sorted(workers, key=lambda w: str(w["name"]))
