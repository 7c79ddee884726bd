"""Live workers and broker queue lengths: the embedded engine reports itself; Celery
workers are read from their Redis heartbeats and queue lengths from the broker."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import redis.asyncio as aioredis

from apfa.jobs.engine import TaskSystem
from apfa.tasks.registry import QUEUES
from apfa.workers.celery_app import KEY_PREFIX
from apfa.workers.heartbeat import live_workers

PRIORITY_SEP = ":"


async def list_workers(system: TaskSystem) -> list[dict[str, Any]]:
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
    client = aioredis.from_url(str(system.runtime.settings.redis_url), socket_timeout=2)
    try:
        found = await live_workers(client)
    finally:
        await client.aclose()
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


async def broker_depths(system: TaskSystem) -> dict[str, int]:
    """Messages waiting in Redis per queue, over its priority sub-queues."""
    client = aioredis.from_url(str(system.runtime.settings.redis_url), socket_timeout=2)
    try:
        depths: dict[str, int] = {}
        for queue in QUEUES:
            keys = [f"{KEY_PREFIX}:{queue}"] + [
                f"{KEY_PREFIX}:{queue}{PRIORITY_SEP}{step}" for step in range(1, 10)
            ]
            async with client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.llen(key)
                lengths = await pipe.execute()
            depths[queue] = int(sum(lengths))
        return depths
    finally:
        await client.aclose()
