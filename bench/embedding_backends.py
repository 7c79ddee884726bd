"""The embedding backends side by side in one run (torch, onnx, onnx-int8 by default).

For each backend, on the same texts and machine:

- load: seconds to load the model (the first ONNX load also exports it into
  ``--models-dir``; later runs reuse the files, as a server does);
- raw: ``encode`` on the texts ``apfa kb ingest`` embeds for N short notes, documents/s;
- ingest: the ``apfa kb ingest`` path (``FileIngestor``) on those notes, documents/s, and
  its ratio to torch's (target >= 2.5 for the chosen backend);
- query: one short question per call, p50 and p95 ms (target p50 <= 5 ms);
- advice: with ``--advice N``, a real ``apfa serve`` per backend (its own var directory,
  bootstrapped with that backend) answering N unique uncached questions at concurrency 1
  and 10; requests/s and latency, and the ratio to torch's throughput at concurrency 10
  (target >= 2). ``--query-batch-max 1`` turns the micro-batching of question
  embeddings off in those servers, for a comparison.

    .venv/bin/python bench/embedding_backends.py [--backends torch,onnx,onnx-int8]
        [--docs 2000] [--queries 300] [--advice 200] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from advice_latency import APFA, run_scenario, unique_question, wait_ready
from embedders import add_arguments, load_embedder
from ingest_support import corpus, machine
from kb_ingest import _ingest, _texts

from apfa.knowledge.flows import IngestOptions
from apfa.providers.embeddings import Embedder

QUESTIONS = [
    "what is pmi",
    "should I refinance my 6.8% mortgage if rates are 5.9 now",
    "how do i pay off 3 credit cards at 24% apr with 9k total, avalanche or snowball?",
    "FHA vs conventional with 5% down and a 640 score",
    "can my employer match be lost if I leave before vesting",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _queries(embedder: Embedder, count: int) -> dict[str, float]:
    for question in QUESTIONS:
        embedder.encode([question])
    times: list[float] = []
    for i in range(count):
        started = time.perf_counter()
        embedder.encode([f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"])
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 0.95), 2),
    }


async def _on_texts(
    embedder: Embedder, root: Path, files: list[Path], texts: list[str], batch: int
) -> dict[str, Any]:
    started = time.perf_counter()
    embedder.encode(texts, batch_size=batch)
    raw = time.perf_counter() - started
    seconds, counts = await _ingest(root, embedder, files, None)
    return {
        "raw_docs_per_s": round(len(files) / raw, 1),
        "ingest_docs_per_s": round(len(files) / seconds, 1),
        "ingest_seconds": round(seconds, 1),
        **counts,
    }


async def _advise(base_url: str, password: str, count: int) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=64)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as client:
        form = {"username": "admin", "password": password}
        async with client.post("/token", data=form) as login:
            login.raise_for_status()
            token = (await login.json())["access_token"]
        await run_scenario(client, token, 1, [unique_question(-i) for i in range(1, 11)])
        out: dict[str, Any] = {}
        for offset, concurrency in enumerate((1, 10)):
            bodies = [unique_question(offset * count + i) for i in range(count)]
            out[f"c{concurrency}"] = await run_scenario(client, token, concurrency, bodies)
        return out


def _bootstrap(env: dict[str, str]) -> None:
    subprocess.run([APFA, "bootstrap"], env=env, check=True, capture_output=True)


def _serve(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([APFA, "serve"], env=env, stderr=subprocess.DEVNULL)


async def _server(
    backend: str, models: Path, port: int, count: int, batch_max: int
) -> dict[str, Any]:
    var = Path(tempfile.mkdtemp(prefix=f"apfa-bench-{backend}-"))
    password = secrets.token_urlsafe(18)
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_")}
    env.update(
        APFA_VAR_DIR=str(var),
        APFA_BOOTSTRAP_ADMIN_PASSWORD=password,
        APFA_JWT_SECRET=secrets.token_hex(32),
        APFA_LOG_LEVEL="WARNING",
        APFA_PORT=str(port),
        APFA_RATE_LIMIT_ADVICE="1000000/minute",
        APFA_EMBEDDING_BACKEND=backend,
        APFA_EMBEDDING_DEVICE="cpu",
        APFA_MODEL_CACHE_DIR=str(models),
        APFA_QUERY_BATCH_MAX=str(batch_max),
    )
    await asyncio.to_thread(_bootstrap, env)
    server = await asyncio.to_thread(_serve, env)
    try:
        await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}", server)
        return await _advise(f"http://127.0.0.1:{port}", password, count)
    finally:
        server.terminate()
        server.wait(timeout=30)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    backends = args.backends.split(",")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "notes"
        folder.mkdir()
        for name, data in corpus(args.docs, args.seed):
            (folder / name).write_bytes(data)
        files = sorted(folder.iterdir())
        texts: list[str] = []
        for backend in backends:
            started = time.perf_counter()
            embedder = load_embedder(args, backend)
            loaded = time.perf_counter() - started
            texts = texts or _texts(files, embedder, IngestOptions(batch_size=args.batch_size))
            embedder.encode(texts[:64], batch_size=args.batch_size)
            result = {"model": embedder.model_name, "load_seconds": round(loaded, 1)}
            result |= await _on_texts(embedder, root / backend, files, texts, args.batch_size)
            result["query"] = _queries(embedder, args.queries)
            results[backend] = result
            del embedder
    if args.advice:
        for number, backend in enumerate(backends):
            port = args.port + number
            results[backend]["advice"] = await _server(
                backend, args.models_dir, port, args.advice, args.query_batch_max
            )
    base = results.get("torch")
    if base is not None:
        for result in results.values():
            result["ingest_vs_torch"] = round(
                result["ingest_docs_per_s"] / base["ingest_docs_per_s"], 2
            )
            if args.advice:
                result["advice_c10_vs_torch"] = round(
                    result["advice"]["c10"]["requests_per_second"]
                    / base["advice"]["c10"]["requests_per_second"],
                    2,
                )
    return {
        "benchmark": "embedding_backends",
        "docs": args.docs,
        "texts": len(texts),
        "batch_size": args.batch_size,
        "query_batch_max": args.query_batch_max,
        "results": results,
        "targets": {
            "ingest_vs_torch_at_least": 2.5,
            "advice_c10_vs_torch_at_least": 2.0,
            "query_p50_ms_at_most": 5.0,
        },
        "machine": machine("cpu"),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--advice", type=int, default=0, help="uncached requests per scenario")
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument(
        "--query-batch-max", type=int, default=32, help="APFA_QUERY_BATCH_MAX of the servers"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    parsed = parser.parse_args()
    text = json.dumps(asyncio.run(main(parsed)), indent=2)
    if parsed.out:
        parsed.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")
