"""Live workers and broker queue lengths: the embedded engine reports itself; Celery
workers are read from their Redis heartbeats and queue lengths from the broker."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from redis.asyncio import Redis

from apfa.jobs.celery_app import KEY_PREFIX
from apfa.jobs.heartbeat import live_workers
from apfa.jobs.spec import QUEUES
from apfa.jobs.system import TaskSystem

PRIORITY_SEP = ":"


async def list_workers(system: TaskSystem, redis: Redis | None) -> list[dict[str, Any]]:
    if system.local is not None:
        local = system.local
        return [
            {
                "name": system.runtime.worker,
                "engine": "local",
                "queues": list(QUEUES),
                "concurrency": local.concurrency,
                "busy": local.busy,
                "pid": os.getpid(),
                "hostname": socket.gethostname(),
                "heartbeat_age_seconds": round(max(time.time() - local.last_beat, 0.0), 3),
            }
        ]
    found = await live_workers(redis) if redis is not None else []
    return [
        {
            "name": w["name"],
            "engine": "celery",
            "queues": list(w.get("queues", [])),
            "concurrency": int(w.get("concurrency", 0)),
            "pid": w.get("pid"),
            "hostname": w.get("hostname"),
            "heartbeat_age_seconds": w["heartbeat_age_seconds"],
        }
        for w in found
    ]


async def broker_depths(redis: Redis) -> dict[str, int]:
    """Messages waiting in Redis per queue, over its priority sub-queues."""
    depths: dict[str, int] = {}
    for queue in QUEUES:
        keys = [f"{KEY_PREFIX}:{queue}"] + [
            f"{KEY_PREFIX}:{queue}{PRIORITY_SEP}{step}" for step in range(1, 10)
        ]
        async with redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.llen(key)
            lengths = await pipe.execute()
        depths[queue] = int(sum(lengths))
    return depths
