"""Object-store sync benchmark: how long a version of N chunks takes to publish to an
S3-compatible bucket, and how long a host without it takes to download and verify it,
load it and swap it in.

    .venv/bin/python bench/storage_sync.py [--chunks 10000] [--rounds 3] [--dim 384]
        [--endpoint URL --bucket NAME]

Without ``--endpoint`` it starts moto's S3 server (``moto_server``) as a separate process
on a free loopback port, with a throwaway bucket; moto keeps objects in memory, so the
figures are this machine's CPU and loopback, not a network or a disk-backed MinIO. With
``--endpoint``, credentials come from the standard AWS chain and the bucket must exist.

The version is synthetic (random unit vectors and passages of about 600 characters), of
the index type APFA would choose for its size. Prints JSON: per phase, the median and
every round, in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import numpy as np

from apfa.core.objectstore import S3ObjectStore
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.remote import fetch_version, publish_version
from apfa.knowledge.index.store import (
    Passage,
    choose_index_type,
    load_version,
    version_dirname,
    write_version,
)
from apfa.observability.logging import configure_logging

MOTO = str(Path(sys.executable).parent / "moto_server")
# moto accepts any key pair; these name no account.
LOCAL_KEY = ("bench", "bench-secret")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto_server did not start within 60 s")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


def synthetic(chunks: int, dim: int) -> tuple[np.ndarray, list[Passage]]:
    rng = np.random.default_rng(20261203)
    vectors = rng.normal(size=(chunks, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = ("loan", "rate", "escrow", "principal", "amortization", "credit", "budget", "fund")
    passages = [
        Passage(
            chunk_id=i,
            document_id=f"doc-{i // 20}",
            title=f"Document {i // 20}",
            heading_path=("Section", f"Part {i % 20}"),
            text=" ".join(words[(i + j) % len(words)] for j in range(80)),
            key=f"bench:{i // 20}",
        )
        for i in range(chunks)
    ]
    return vectors, passages


def summary(values: list[float]) -> dict[str, Any]:
    return {"median": round(statistics.median(values), 6), "rounds": [round(v, 6) for v in values]}


def measure(store: S3ObjectStore, chunks: int, dim: int, rounds: int) -> dict[str, Any]:
    vectors, passages = synthetic(chunks, dim)
    phases: dict[str, list[float]] = {
        "write_local": [],
        "publish": [],
        "download_and_verify": [],
        "load_and_verify": [],
        "swap": [],
        "fetch_to_serving": [],
    }
    work = Path(tempfile.mkdtemp(prefix="apfa-storage-bench-"))
    sizes: dict[str, int] = {}
    try:
        builder, host = work / "builder", work / "host"
        # A small version already served on the host, as before a real swap.
        write_version(host, version=1, model="bench", vectors=vectors[:10], passages=passages[:10])
        holder = IndexHolder()
        holder.swap(load_version(host / version_dirname(1)), 1.0)
        for n in range(rounds):
            version = 1000 + n
            started = time.perf_counter()
            write_version(
                builder, version=version, model="bench", vectors=vectors, passages=passages
            )
            phases["write_local"].append(time.perf_counter() - started)
            directory = builder / version_dirname(version)
            sizes = {p.name: p.stat().st_size for p in directory.iterdir()}

            started = time.perf_counter()
            publish_version(store, directory)
            phases["publish"].append(time.perf_counter() - started)

            target = host / version_dirname(version)
            started = time.perf_counter()
            fetch_version(store, target)
            fetched = time.perf_counter()
            loaded = load_version(target)
            ready = time.perf_counter()
            assert holder.swap_if_newer(loaded, float(version))
            done = time.perf_counter()
            phases["download_and_verify"].append(fetched - started)
            phases["load_and_verify"].append(ready - fetched)
            phases["swap"].append(done - ready)
            phases["fetch_to_serving"].append(done - started)
            if holder.current is not loaded:
                raise RuntimeError(f"version {version} was not swapped in")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "chunks": chunks,
        "dim": dim,
        "index_type": choose_index_type(chunks),
        "files": sizes,
        "bytes": sum(sizes.values()),
        "seconds": {name: summary(values) for name, values in phases.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--endpoint", help="an S3-compatible server (default: start moto)")
    parser.add_argument("--bucket", help="an existing bucket at --endpoint")
    args = parser.parse_args()
    if args.chunks < 1 or args.rounds < 1 or args.dim < 1:
        parser.error("--chunks, --rounds and --dim must be at least 1")
    if bool(args.endpoint) != bool(args.bucket):
        parser.error("--endpoint and --bucket go together")

    configure_logging("WARNING", json=True)  # stdout carries only the JSON result
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    if args.endpoint:
        client = boto3.session.Session().client("s3", endpoint_url=args.endpoint)
        store = S3ObjectStore(client, args.bucket, prefix)
        result = measure(store, args.chunks, args.dim, args.rounds)
        server = args.endpoint
    else:
        with moto_server() as endpoint:
            client = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id=LOCAL_KEY[0],
                aws_secret_access_key=LOCAL_KEY[1],
            )
            client.create_bucket(Bucket="apfa-bench")
            store = S3ObjectStore(client, "apfa-bench", prefix)
            result = measure(store, args.chunks, args.dim, args.rounds)
        server = "moto_server (separate process, in memory, loopback)"
    result.update(
        {
            "server": server,
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
        }
    )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
