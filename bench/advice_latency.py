"""Advice latency benchmark: starts a real APFA server and measures /api/v1/advice.

For concurrency 1, 10 and 50 it sends uncached requests (every question unique, so each
one embeds, searches, computes and generates) and cached requests (one question repeated
after a warm-up), and prints JSON with p50/p95/p99 latency and requests per second. The
load generator is aiohttp: httpx spends more CPU per request than the server does on a
cached answer, and on a small machine the client shares the server's cores.

    .venv/bin/python bench/advice_latency.py [--requests 200] [--port 8765] [--var-dir DIR]
        [--overhead-only] [--rounds 3] [--pin]

``--overhead-only`` skips the latency scenarios and measures only the full-stack vs bare
comparison (after a cached warm-up), for quick before/after runs. ``--pin`` runs the
servers on the first CPU and the load generator on the second (Linux), as a load
generator on a machine of its own would: the servers then do not share their core with
the client, whose cost per response differs between them.

The first run on a fresh var directory ingests the bundled knowledge base (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx

APFA = str(Path(sys.executable).parent / "apfa")
CONCURRENCY = (1, 10, 50)
# The full stack vs bare comparison runs with each Accept-Encoding (see stack_overhead).
ENCODINGS = ("identity", "gzip")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 2)


def summarise(latencies: list[float], seconds: float, errors: int) -> dict[str, Any]:
    return {
        "requests": len(latencies) + errors,
        "errors": errors,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "requests_per_second": round(len(latencies) / seconds, 1),
    }


def unique_question(i: int) -> dict[str, Any]:
    amount = 150_000 + 1_000 * i
    rate = 5.0 + (i % 40) / 10
    return {
        "query": f"What would my monthly payment be on a ${amount:,} mortgage at {rate:.1f}% "
        f"over 30 years, and do I need PMI? (case {i})",
        "profile": {"annual_income": 60_000 + 500 * i, "credit_score": 600 + i % 250},
    }


CACHED_QUESTION = {
    "query": "How do lenders use my debt-to-income ratio when I apply for a mortgage?",
    "profile": {"annual_income": 85000, "monthly_debt_payments": 450, "credit_score": 720},
}


async def run_scenario(
    client: aiohttp.ClientSession,
    token: str,
    concurrency: int,
    bodies: list[dict[str, Any]],
    encoding: str | None = None,
) -> dict[str, Any]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    if encoding is not None:
        headers["Accept-Encoding"] = encoding

    async def worker() -> None:
        nonlocal errors
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            async with client.post("/api/v1/advice", json=body, headers=headers) as response:
                await response.read()
                ok = response.status == 200
            elapsed = (time.perf_counter() - started) * 1000
            if ok:
                latencies.append(elapsed)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return summarise(latencies, time.perf_counter() - started, errors)


async def measure(
    base_url: str, password: str, requests: int, *, latency: bool = True
) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=64)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as client:
        form = {"username": "admin", "password": password}
        async with client.post("/token", data=form) as login:
            login.raise_for_status()
            token = (await login.json())["access_token"]
        await run_scenario(client, token, 1, [unique_question(-i) for i in range(1, 6)])
        results: dict[str, Any] = {"uncached": {}, "cached": {}}
        offset = 0
        for concurrency in CONCURRENCY if latency else ():
            bodies = [unique_question(offset + i) for i in range(requests)]
            offset += requests
            results["uncached"][f"c{concurrency}"] = await run_scenario(
                client, token, concurrency, bodies
            )
        await run_scenario(client, token, 1, [CACHED_QUESTION])
        headers = {"Authorization": f"Bearer {token}"}
        async with client.post("/api/v1/advice", json=CACHED_QUESTION, headers=headers) as reply:
            results["cached_body"] = (await reply.read()).decode()
        results["token"] = token
        for concurrency in CONCURRENCY if latency else ():
            results["cached"][f"c{concurrency}"] = await run_scenario(
                client, token, concurrency, [CACHED_QUESTION] * (requests * 2)
            )
        return results


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def stack_overhead(
    apfa: tuple[str, int],
    bare: tuple[str, int],
    token: str,
    requests: int,
    repeats: int = 3,
    encoding: str = "identity",
) -> dict[str, Any]:
    """Cached-advice throughput through the full stack vs a bare FastAPI endpoint returning
    the same JSON, alternating rounds so both see the same machine conditions. Each
    server's CPU time per request (all its threads) is reported too: on a machine whose
    cores the load generator shares, it shows what each server costs apart from the
    client.

    ``encoding`` is the client's ``Accept-Encoding``. With ``identity`` both servers send
    the same bytes; with ``gzip`` (what browsers ask for) the full stack compresses its
    answer and the client spends its share of the cores decompressing it, which the bare
    endpoint (no middleware) never makes it do."""
    rounds: dict[str, list[float]] = {"apfa": [], "bare": []}
    cpu: dict[str, list[float]] = {"apfa": [], "bare": []}
    client_cpu: dict[str, list[float]] = {"apfa": [], "bare": []}
    for _ in range(repeats):
        for name, (url, pid) in (("apfa", apfa), ("bare", bare)):
            connector = aiohttp.TCPConnector(limit=64)
            async with aiohttp.ClientSession(url, connector=connector) as client:
                before, client_before = cpu_seconds(pid), time.process_time()
                result = await run_scenario(
                    client, token, 10, [CACHED_QUESTION] * requests, encoding
                )
                used = cpu_seconds(pid) - before
                client_used = time.process_time() - client_before
            rounds[name].append(result["requests_per_second"])
            cpu[name].append(round(used / requests * 1e6, 1))
            client_cpu[name].append(round(client_used / requests * 1e6, 1))
    apfa_rps = statistics.median(rounds["apfa"])
    bare_rps = statistics.median(rounds["bare"])
    return {
        "accept_encoding": encoding,
        "concurrency": 10,
        "requests_per_round": requests,
        "apfa_full_stack_rps": apfa_rps,
        "bare_fastapi_rps": bare_rps,
        "ratio": round(apfa_rps / bare_rps, 3),
        "rounds": rounds,
        "round_ratios": [
            round(a / b, 3) for a, b in zip(rounds["apfa"], rounds["bare"], strict=True)
        ],
        "server_cpu_us_per_request": {k: statistics.median(v) for k, v in cpu.items()},
        "server_cpu_rounds": cpu,
        # The load generator shares the machine: what it spends per response (reading,
        # and for the full stack decompressing, the answer) bounds the rate it can drive.
        "client_cpu_us_per_request": {k: statistics.median(v) for k, v in client_cpu.items()},
    }


def pin(*servers: int) -> None:
    """Servers (every thread) on CPU 0, this process on CPU 1."""
    for pid in servers:
        for task in Path(f"/proc/{pid}/task").iterdir():
            os.sched_setaffinity(int(task.name), {0})
    os.sched_setaffinity(0, {1})


def wait_ready(base_url: str, server: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError("server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--var-dir", type=Path, default=None, help="reuse an ingested var dir")
    parser.add_argument(
        "--overhead-only",
        action="store_true",
        help="skip the latency scenarios; only compare the full stack with the bare app",
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating overhead rounds")
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="the server's log level; INFO (the default setting) writes an access line a request",
    )
    parser.add_argument(
        "--pin", action="store_true", help="servers on CPU 0, the load generator on CPU 1"
    )
    args = parser.parse_args()

    var_dir = args.var_dir or Path(tempfile.mkdtemp(prefix="apfa-bench-"))
    password_file = var_dir / "bench-admin-password"
    password = password_file.read_text() if password_file.exists() else secrets.token_urlsafe(18)
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_")}
    env.update(
        APFA_VAR_DIR=str(var_dir),
        APFA_BOOTSTRAP_ADMIN_PASSWORD=password,
        APFA_LOG_LEVEL=args.log_level,
        APFA_PORT=str(args.port),
        APFA_RATE_LIMIT_ADVICE="1000000/minute",
    )
    var_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([APFA, "bootstrap"], env=env, check=True, stdout=subprocess.DEVNULL)
    password_file.write_text(password)
    base_url = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen([APFA, "serve"], env=env, stderr=subprocess.DEVNULL)
    bare_url = f"http://127.0.0.1:{args.port + 1}"
    bare: subprocess.Popen[bytes] | None = None
    try:
        wait_ready(base_url, server)
        results = asyncio.run(
            measure(base_url, password, args.requests, latency=not args.overhead_only)
        )
        body_file = var_dir / "bench-cached-answer.json"
        body_file.write_text(results.pop("cached_body"))
        token = results.pop("token")
        bare = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(Path(__file__).parent),
                "bare_app:create_app",
                "--factory",
                "--port",
                str(args.port + 1),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={**env, "BENCH_BARE_BODY": str(body_file)},
        )
        wait_ready(bare_url, bare)
        if args.pin:
            pin(server.pid, bare.pid)
        results["stack_overhead"] = {
            encoding: asyncio.run(
                stack_overhead(
                    (base_url, server.pid),
                    (bare_url, bare.pid),
                    token,
                    args.requests * 5,
                    args.rounds,
                    encoding,
                )
            )
            for encoding in ENCODINGS
        }
    finally:
        for process in (server, bare):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    report = {
        "benchmark": "advice_latency",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "server": "apfa serve, 1 uvicorn worker, SQLite, in-process cache, full middleware",
        "pinned": args.pin,
        "server_log_level": args.log_level,
        "requests_per_scenario": args.requests,
        "results": results,
        "targets": {
            "uncached_c1_p95_ms_below": 150,
            "cached_c10_p95_ms_below": 20,
            "full_stack_vs_bare_ratio_at_least": 0.4,
            # Judged where both servers send the same bytes; see stack_overhead.
            "full_stack_vs_bare_basis": "identity",
            "full_stack_vs_bare_met": results["stack_overhead"]["identity"]["ratio"] >= 0.4,
        },
    }
    if not args.overhead_only:
        targets = report["targets"]
        targets["uncached_c1_p95_met"] = results["uncached"]["c1"]["p95_ms"] < 150
        targets["cached_c10_p95_met"] = results["cached"]["c10"]["p95_ms"] < 20
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
