"""Throwaway services for tests that stop, pause or break them: our own ``redis-server``
on a free port, never the shared one."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from redis.asyncio import Redis as AsyncRedis

from conftest import unavailable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def pause(self) -> None:
        assert self._process is not None
        os.kill(self._process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        os.kill(self._process.pid, signal.SIGCONT)


def running_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    """A started server, stopped afterwards (resumed first if a test paused it)."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server._process is not None:
            server.resume()
        server.stop()


async def subscribed(url: str, channel: str, count: int, seconds: float = 10.0) -> None:
    """Until at least ``count`` clients listen on ``channel`` (PUBSUB NUMSUB)."""
    client = AsyncRedis.from_url(url)
    try:
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            [(_, listening)] = await client.pubsub_numsub(channel)
            if int(listening) >= count:
                return
            assert asyncio.get_running_loop().time() < deadline, f"{channel}: {listening} listen"
            await asyncio.sleep(0.01)
    finally:
        await client.aclose()
