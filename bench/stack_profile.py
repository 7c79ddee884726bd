"""In-process cost of one cached advice request: the APFA app vs the bare app.

Calls each ASGI app directly (no sockets, no HTTP parsing, no client) with the same
request many times and prints CPU microseconds per request, so a change to the middleware or
the route shows up without the noise of a load generator sharing the cores. Optionally
profiles the APFA side with cProfile.

    .venv/bin/python bench/stack_profile.py --var-dir DIR [--requests 20000] [--profile]

DIR is a var directory that ``bench/advice_latency.py --var-dir DIR`` has already set up
(ingested corpus, bootstrap password, cached answer body).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message

sys.path.insert(0, str(Path(__file__).parent))

QUESTION = json.dumps(
    {
        "query": "How do lenders use my debt-to-income ratio when I apply for a mortgage?",
        "profile": {"annual_income": 85000, "monthly_debt_payments": 450, "credit_score": 720},
    }
).encode()


def scope_for(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": QUESTION, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope_for("/api/v1/advice", headers), receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def per_request_us(app: ASGIApp, headers: list[tuple[bytes, bytes]], n: int) -> float:
    """Process CPU time per request (all threads: the history writer's SQLite thread
    counts), which other load on a shared machine disturbs far less than wall time."""
    started = time.process_time()
    for _ in range(n):
        await call(app, headers)
    return (time.process_time() - started) / n * 1e6


async def token_for(app: FastAPI, password: str) -> str:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://apfa.bench") as http:
        reply = await http.post("/token", data={"username": "admin", "password": password})
        reply.raise_for_status()
        return str(reply.json()["access_token"])


async def main(args: argparse.Namespace) -> None:
    os.environ.update(
        APFA_VAR_DIR=str(args.var_dir),
        APFA_LOG_LEVEL="WARNING",
        APFA_RATE_LIMIT_ADVICE="1000000000/minute",
        APFA_EMBEDDING_DEVICE="cpu",
    )
    os.environ["BENCH_BARE_BODY"] = str(args.var_dir / "bench-cached-answer.json")
    from bare_app import create_app as create_bare

    from apfa.main import create_app

    apfa, bare = create_app(), create_bare()
    async with apfa.router.lifespan_context(apfa):
        password = (args.var_dir / "bench-admin-password").read_text()
        token = await token_for(apfa, password)
        common = [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"accept-encoding", args.accept_encoding.encode()),
            (b"content-length", str(len(QUESTION)).encode()),
        ]
        authed = [*common, (b"authorization", f"Bearer {token}".encode())]
        status, body = await call(apfa, authed)
        assert status == 200, body
        await per_request_us(apfa, authed, 500)
        await per_request_us(bare, common, 500)
        results: dict[str, list[float]] = {"apfa": [], "bare": []}
        for _ in range(args.rounds):
            results["apfa"].append(await per_request_us(apfa, authed, args.requests))
            results["bare"].append(await per_request_us(bare, common, args.requests))
        apfa_us, bare_us = statistics.median(results["apfa"]), statistics.median(results["bare"])
        print(
            json.dumps(
                {
                    "apfa_cpu_us_per_request": round(apfa_us, 1),
                    "bare_cpu_us_per_request": round(bare_us, 1),
                    "apfa_best_cpu_us": round(min(results["apfa"]), 1),
                    "bare_best_cpu_us": round(min(results["bare"]), 1),
                    "rounds": {k: [round(v, 1) for v in vs] for k, vs in results.items()},
                },
                indent=2,
            )
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await per_request_us(apfa, authed, args.requests)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(args.sort)
            stats.print_stats(args.top)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--accept-encoding", default="gzip, deflate", help="as aiohttp sends")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=60)
    asyncio.run(main(parser.parse_args()))
