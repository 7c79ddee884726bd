"""Cross-process swap latency for bench/ingest.py: two ``apfa serve`` processes on one
database and a Redis of our own (a free port; never the shared one); activate a version
through process A's admin API and poll process B until it serves it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from apfa.auth.permissions import Role
from apfa.auth.service import create_user
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope

APFA = str(Path(sys.executable).parent / "apfa")
POLL_SECONDS = 0.003


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _env(var_dir: Path, redis_url: str, device: str, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_")}
    env.update(
        APFA_VAR_DIR=str(var_dir),
        APFA_JWT_SECRET=secret,
        APFA_REDIS_URL=redis_url,
        APFA_EMBEDDING_DEVICE=device,
        APFA_LOG_LEVEL="WARNING",
    )
    return env


@contextlib.contextmanager
def servers(env: dict[str, str], cwd: Path, count: int = 2) -> Iterator[list[int]]:
    ports = [free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(
            [APFA, "serve", "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_healthy(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


def _wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"apfa serve on port {port} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"apfa serve on port {port} did not start")


async def _admin(settings: Settings) -> tuple[str, str]:
    name, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    engine = create_engine(settings)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            await create_user(session, name, password, Role.ADMIN)
    finally:
        await engine.dispose()
    return name, password


async def _served(http: httpx.AsyncClient, url: str) -> int | None:
    response = await http.get(f"{url}/api/admin/index")
    response.raise_for_status()
    served: int | None = response.json()["served_version"]
    return served


async def _one_swap(
    http: httpx.AsyncClient, a: str, b: str, version: int
) -> dict[str, float | int]:
    started = time.perf_counter()
    post = asyncio.create_task(http.post(f"{a}/api/admin/index/{version}/activate"))
    polls = 0
    while await _served(http, b) != version:
        polls += 1
        if time.perf_counter() - started > 60:
            raise RuntimeError(f"process B never served version {version}")
        await asyncio.sleep(POLL_SECONDS)
    seen = time.perf_counter() - started
    response = await post
    response.raise_for_status()
    return {
        "version": version,
        "b_serving_ms": round(seen * 1000, 1),
        "a_request_ms": round(response.elapsed.total_seconds() * 1000, 1),
        "polls_of_b": polls + 1,
    }


async def _measure(a: str, b: str, user: tuple[str, str], versions: list[int], rounds: int) -> Any:
    async with httpx.AsyncClient(timeout=120) as http:
        login = await http.post(f"{a}/token", data={"username": user[0], "password": user[1]})
        login.raise_for_status()
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        start = await _served(http, b)
        first, other = (versions[1], versions[0]) if start == versions[0] else versions[:2]
        swaps = []
        for n in range(rounds):
            swaps.append(await _one_swap(http, a, b, (first, other)[n % 2]))
            await asyncio.sleep(0.5)
        return start, swaps


def cross_process(
    settings: Settings, device: str, versions: list[int], rounds: int = 7
) -> dict[str, Any]:
    """The first swap is to a version neither process holds (each loads it from disk);
    later ones alternate between two versions both processes keep in memory."""
    secret = secrets.token_urlsafe(48)
    user = asyncio.run(_admin(settings))
    with redis_server() as redis_url:
        env = _env(settings.var_dir, redis_url, device, secret)
        started = time.perf_counter()
        with servers(env, settings.var_dir) as ports:
            startup = time.perf_counter() - started
            a, b = (f"http://127.0.0.1:{port}" for port in ports)
            initial, swaps = asyncio.run(_measure(a, b, user, versions, rounds))
    cold, warm = swaps[:1], swaps[1:]
    return {
        "servers_startup_seconds": round(startup, 1),
        "initially_served": initial,
        "cold_swap_ms": [s["b_serving_ms"] for s in cold],
        "warm_swap_ms": [s["b_serving_ms"] for s in warm],
        "warm_swap_p50_ms": sorted(s["b_serving_ms"] for s in warm)[len(warm) // 2]
        if warm
        else None,
        "swaps": swaps,
        "poll_interval_ms": POLL_SECONDS * 1000,
    }
