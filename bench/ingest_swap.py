"""Cross-process swap latency: two ``apfa serve`` processes on one database and a Redis
of our own (a free port; never the shared one); activate a version through process A's
admin API and poll process B until it serves it.

bench/ingest.py calls ``cross_process`` on the versions its corpus built. Run on its own,
it needs no corpus: it writes synthetic versions (random unit vectors of the model's
dimension through the real write path, with the database rows a build job records) and,
with index preloading on and then off, activates versions the servers have never served:

    .venv/bin/python bench/ingest_swap.py --vectors 100000 [--rounds 3]
        [--flow activate|hot-swap|both] [--preload both|on|off] [--stage-wait 30]
        [--device cpu|cuda|auto] [--seed 7] [--out FILE]

``--flow activate`` (the default), an operator's activation: each round writes a new
version; with preloading on it is announced as a finished build is and the round waits
until both servers have staged it; then it is activated on A and B is polled until it
serves it. With preloading off, B loads it from disk on activation.

``--flow hot-swap``, the activation after a build (preloading on): each round writes a
version, announces it as the build job does and at once runs the real ``knowledge.hot_swap``
job in this process, as a Celery worker would. The job waits (at most ``--stage-wait``
seconds) until both servers report the version staged, then activates it; A and B are
polled until each serves it. Per round: the job's wait, build -> activation, and
activation -> A and -> B serving (from the activation time the database records).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from ingest_hotswap import HotSwapWorker
from ingest_support import machine
from ingest_synthetic import SyntheticVersions
from pydantic import SecretStr

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.core.redis import connect_redis
from apfa.knowledge.index.sync import announce_built
from apfa.knowledge.index.types import choose_index_type
from apfa.observability.logging import configure_logging
from apfa.users.service import create_user

APFA = str(Path(sys.executable).parent / "apfa")
POLL_SECONDS = 0.003
# Polling a server that has not staged the version yet, so polls do not slow its load.
STAGING_POLL_SECONDS = 0.05
# Quiet time before each activation, after any staging.
SETTLE_SECONDS = 1.0
STAGE_TIMEOUT_SECONDS = 600.0


async def _announce_built(redis_url: str, version: int) -> None:
    client = connect_redis(redis_url)
    try:
        await announce_built(client, version)
    finally:
        await client.aclose()


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


def _env(var_dir: Path, redis_url: str, device: str, secret: str, preload: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_")}
    env.update(
        APFA_VAR_DIR=str(var_dir),
        APFA_JWT_SECRET=secret,
        APFA_REDIS_URL=redis_url,
        APFA_EMBEDDING_DEVICE=device,
        APFA_LOG_LEVEL="WARNING",
        APFA_INDEX_PRELOAD=str(preload).lower(),
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


async def _index_state(http: httpx.AsyncClient, url: str) -> tuple[int | None, int | None]:
    """The version a server serves and the one it has staged."""
    response = await http.get(f"{url}/api/admin/index")
    response.raise_for_status()
    body = response.json()
    return body["served_version"], body.get("staged_version")


async def _served(http: httpx.AsyncClient, url: str) -> int | None:
    return (await _index_state(http, url))[0]


async def _login(http: httpx.AsyncClient, url: str, user: tuple[str, str]) -> None:
    login = await http.post(f"{url}/token", data={"username": user[0], "password": user[1]})
    login.raise_for_status()
    http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"


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
        await _login(http, a, user)
        start = await _served(http, b)
        first, other = (versions[1], versions[0]) if start == versions[0] else versions[:2]
        swaps = []
        for n in range(rounds):
            swaps.append(await _one_swap(http, a, b, (first, other)[n % 2]))
            await asyncio.sleep(0.5)
        return start, swaps


def cross_process(
    settings: Settings, device: str, versions: list[int], rounds: int = 7, preload: bool = False
) -> dict[str, Any]:
    """The first swap is to a version neither process holds (each loads it from disk);
    later ones alternate between two versions both processes keep in memory. Preloading is
    off by default: with it on, both servers would stage the newer version at startup and
    the first swap would no longer measure a load from disk (``main`` measures both)."""
    secret = secrets.token_urlsafe(48)
    user = asyncio.run(_admin(settings))
    with redis_server() as redis_url:
        env = _env(settings.var_dir, redis_url, device, secret, preload)
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
        "preload": preload,
    }


# -- standalone: synthetic versions, preloading on and off --------------------------------


async def _until_staged(http: httpx.AsyncClient, urls: list[str], version: int) -> None:
    started = time.perf_counter()
    while True:
        states = [await _index_state(http, url) for url in urls]
        if all(staged == version for _, staged in states):
            return
        if time.perf_counter() - started > STAGE_TIMEOUT_SECONDS:
            raise RuntimeError(f"version {version} was not staged everywhere: {states}")
        await asyncio.sleep(0.05)


async def _new_version_swaps(
    settings: Settings,
    versions: SyntheticVersions,
    urls: list[str],
    user: tuple[str, str],
    redis_url: str,
    preload: bool,
    rounds: int,
) -> list[dict[str, Any]]:
    """Per round: write a version, announce it as a finished build is (preloading on) and
    wait until both servers staged it, then activate it on A until B serves it."""
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    a, b = urls
    swaps: list[dict[str, Any]] = []
    try:
        async with httpx.AsyncClient(timeout=600) as http:
            await _login(http, a, user)
            for _ in range(rounds):
                version, write_seconds = await versions.add(maker)
                staged_seconds = None
                if preload:
                    started = time.perf_counter()
                    await _announce_built(redis_url, version)
                    await _until_staged(http, urls, version)
                    staged_seconds = round(time.perf_counter() - started, 2)
                await asyncio.sleep(SETTLE_SECONDS)
                swap = await _one_swap(http, a, b, version)
                swaps.append(
                    {
                        **swap,
                        "write_seconds": round(write_seconds, 2),
                        "staged_in_both_seconds": staged_seconds,
                    }
                )
    finally:
        await engine.dispose()
    return swaps


def _mode(
    settings: Settings,
    versions: SyntheticVersions,
    user: tuple[str, str],
    device: str,
    preload: bool,
    rounds: int,
) -> dict[str, Any]:
    with redis_server() as redis_url:
        env = _env(settings.var_dir, redis_url, device, secrets.token_urlsafe(48), preload)
        env["APFA_DATABASE_URL"] = settings.resolved_database_url
        started = time.perf_counter()
        with servers(env, settings.var_dir) as ports:
            startup = time.perf_counter() - started
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            swaps = asyncio.run(
                _new_version_swaps(settings, versions, urls, user, redis_url, preload, rounds)
            )
    serving = sorted(s["b_serving_ms"] for s in swaps)
    return {
        "flow": "activate",
        "preload": preload,
        "servers_startup_seconds": round(startup, 1),
        "b_serving_ms": [s["b_serving_ms"] for s in swaps],
        "b_serving_p50_ms": serving[len(serving) // 2],
        "b_serving_max_ms": serving[-1],
        "a_request_ms": [s["a_request_ms"] for s in swaps],
        "swaps": swaps,
    }


# -- standalone: the activation after a build (knowledge.hot_swap) ----------------------------


async def _first_serving(http: httpx.AsyncClient, url: str, version: int) -> float:
    """Epoch seconds at which ``url`` was first seen serving ``version``."""
    started = time.perf_counter()
    while True:
        served, staged = await _index_state(http, url)
        if served == version:
            return time.time()
        if time.perf_counter() - started > STAGE_TIMEOUT_SECONDS:
            raise RuntimeError(f"{url} never served version {version}")
        await asyncio.sleep(POLL_SECONDS if staged == version else STAGING_POLL_SECONDS)


async def _hot_swap_round(
    http: httpx.AsyncClient,
    maker: Any,
    versions: SyntheticVersions,
    worker: HotSwapWorker,
    urls: list[str],
    redis_url: str,
) -> dict[str, Any]:
    version, write_seconds = await versions.add(maker)
    built = time.time()
    await _announce_built(redis_url, version)
    watching = asyncio.gather(*(_first_serving(http, url, version) for url in urls))
    result = await worker.run(version)
    a_seen, b_seen = await watching
    activated = await worker.activated_at(version)
    return {
        "version": version,
        "write_seconds": round(write_seconds, 2),
        "stage_wait": result.get("stage_wait"),
        "stage_wait_seconds": result.get("stage_wait_seconds"),
        "staged_in": len(result.get("staged_in", [])),
        "not_ready": result.get("not_ready", []),
        "built_to_activated_ms": round((activated - built) * 1000, 1),
        "activate_to_a_serving_ms": round((a_seen - activated) * 1000, 1),
        "activate_to_b_serving_ms": round((b_seen - activated) * 1000, 1),
        "built_to_all_serving_ms": round((max(a_seen, b_seen) - built) * 1000, 1),
    }


async def _hot_swap_rounds(
    settings: Settings,
    versions: SyntheticVersions,
    urls: list[str],
    user: tuple[str, str],
    rounds: int,
) -> list[dict[str, Any]]:
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    worker = HotSwapWorker(settings, maker)
    assert settings.redis_url is not None
    swaps: list[dict[str, Any]] = []
    try:
        async with httpx.AsyncClient(timeout=600) as http:
            await _login(http, urls[0], user)
            for _ in range(rounds):
                swap = await _hot_swap_round(
                    http, maker, versions, worker, urls, settings.redis_url
                )
                print(
                    f"hot-swap v{swap['version']}: stage wait {swap['stage_wait_seconds']} s"
                    f" ({swap['stage_wait']}, staged in {swap['staged_in']}),"
                    f" activate -> A serving"
                    f" {swap['activate_to_a_serving_ms']} ms, activate -> B serving"
                    f" {swap['activate_to_b_serving_ms']} ms",
                    file=sys.stderr,
                )
                swaps.append(swap)
                await asyncio.sleep(SETTLE_SECONDS)
    finally:
        await engine.dispose()
    return swaps


def _hot_swap_mode(
    settings: Settings,
    versions: SyntheticVersions,
    user: tuple[str, str],
    device: str,
    rounds: int,
    stage_wait: float,
) -> dict[str, Any]:
    with redis_server() as redis_url:
        env = _env(settings.var_dir, redis_url, device, secrets.token_urlsafe(48), True)
        env["APFA_DATABASE_URL"] = settings.resolved_database_url
        job_settings = settings.model_copy(
            update={"redis_url": redis_url, "index_stage_wait_seconds": stage_wait}
        )
        started = time.perf_counter()
        with servers(env, settings.var_dir) as ports:
            startup = time.perf_counter() - started
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            swaps = asyncio.run(_hot_swap_rounds(job_settings, versions, urls, user, rounds))
    to_b = sorted(s["activate_to_b_serving_ms"] for s in swaps)
    waits = sorted(s["stage_wait_seconds"] or 0.0 for s in swaps)
    return {
        "flow": "hot-swap",
        "preload": True,
        "stage_wait_limit_seconds": stage_wait,
        "servers_startup_seconds": round(startup, 1),
        "activate_to_b_serving_ms": [s["activate_to_b_serving_ms"] for s in swaps],
        "activate_to_b_serving_p50_ms": to_b[len(to_b) // 2],
        "activate_to_b_serving_max_ms": to_b[-1],
        "stage_wait_seconds": [s["stage_wait_seconds"] for s in swaps],
        "stage_wait_p50_seconds": waits[len(waits) // 2],
        "swaps": swaps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="activations per mode")
    parser.add_argument(
        "--flow",
        choices=("activate", "hot-swap", "both"),
        default="activate",
        help="an operator's activation, the activation after a build, or both",
    )
    parser.add_argument(
        "--preload", choices=("both", "on", "off"), default="both", help="activate flow"
    )
    parser.add_argument(
        "--stage-wait", type=float, default=30.0, help="hot-swap flow: the job's wait limit"
    )
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    configure_logging("ERROR")
    modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.preload]
    report: dict[str, Any] = {
        "benchmark": "swap",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(args.device),
        "vectors": args.vectors,
        "index_type": choose_index_type(args.vectors),
        "rounds": args.rounds,
        "poll_interval_ms": POLL_SECONDS * 1000,
    }
    with tempfile.TemporaryDirectory(prefix="apfa-bench-swap-") as tmp:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            var_dir=Path(tmp),
            jwt_secret=SecretStr("bench-swap-" + "x" * 40),
            log_level="ERROR",
        )
        upgrade_to_head(settings)
        versions = SyntheticVersions(settings.index_dir, args.vectors, args.seed)
        initial = asyncio.run(_initial(settings, versions))
        report["initially_active"] = initial
        user = asyncio.run(_admin(settings))
        report["modes"] = []
        if args.flow in ("activate", "both"):
            report["modes"] += [
                _mode(settings, versions, user, args.device, preload, args.rounds)
                for preload in modes
            ]
        if args.flow in ("hot-swap", "both"):
            report["modes"].append(
                _hot_swap_mode(settings, versions, user, args.device, args.rounds, args.stage_wait)
            )
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")


async def _initial(settings: Settings, versions: SyntheticVersions) -> int:
    engine = create_engine(settings)
    try:
        version, _ = await versions.add(create_sessionmaker(engine), activate=True)
    finally:
        await engine.dispose()
    return version


if __name__ == "__main__":
    main()
