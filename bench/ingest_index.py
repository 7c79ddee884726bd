"""Index measurements for bench/ingest.py: build, load and query time per index type on
the benchmark's real vectors, recall@10 against exact search, and in-process swaps."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from ingest_support import TOPICS, timings_ms
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.knowledge import service
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.store import LoadedIndex, Passage, load_version, write_version
from apfa.knowledge.index.types import build_faiss, choose_index_type
from apfa.knowledge.index.versions import activate_version
from apfa.providers.embeddings import Vectors

SIZES = (10_000, 25_000, 50_000, 100_000)


def questions(count: int) -> list[str]:
    """Queries like the advice endpoint's, about the corpus's topics."""
    asks = ("How much interest will I pay on", "Should I pay off early", "What rate is fair for")
    return [
        f"{asks[n % len(asks)]} {TOPICS[n % len(TOPICS)][2]} of ${(n * 7919) % 400_000:,}?"
        for n in range(count)
    ]


async def corpus_vectors(
    maker: async_sessionmaker[AsyncSession], model: str
) -> tuple[Vectors, list[Passage]]:
    """The matrix and passages a build snapshots (as ``indexing.build_version`` reads them)."""
    async with session_scope(maker) as session:
        rows = await service.indexed_passages(session)
        cached = await service.cached_vectors(session, model, (h for _, h in rows))
    matrix = np.vstack([cached[h] for _, h in rows]).astype(np.float32)
    return matrix, [p for p, _ in rows]


def _search_all(index: Any, queries: Vectors) -> tuple[list[set[int]], float]:
    found, times = [], []
    for row in queries:
        started = time.perf_counter()
        _, ids = index.search(row.reshape(1, -1), 10)
        times.append(time.perf_counter() - started)
        found.append({int(i) for i in ids[0] if i >= 0})
    return found, statistics.median(times) * 1000


def _one_thread(index: Any, queries: Vectors) -> float:
    """Query p50 with one OpenMP thread: on a busy machine, waking faiss's threads for a
    single query can cost more than the search itself."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return _search_all(index, queries)[1]
    finally:
        faiss.omp_set_num_threads(threads)


def _search_loaded(loaded: LoadedIndex, queries: Vectors) -> tuple[list[set[int]], float]:
    found, times = [], []
    for row in queries:
        started = time.perf_counter()
        hits = loaded.search(row, 10)
        times.append(time.perf_counter() - started)
        found.append({hit.passage.chunk_id for hit in hits})
    return found, statistics.median(times) * 1000


def _recall(found: list[set[int]], exact: list[set[int]]) -> float:
    return round(float(np.mean([len(f & e) / 10 for f, e in zip(found, exact, strict=True)])), 4)


def by_size(matrix: Vectors, queries: Vectors) -> list[dict[str, Any]]:
    """Flat against IVF on the first n vectors, for the threshold decision."""
    results = []
    for size in (s for s in SIZES if s <= len(matrix)):
        part = np.ascontiguousarray(matrix[:size])
        row: dict[str, Any] = {"vectors": size, "chosen": choose_index_type(size)}
        exact: list[set[int]] = []
        for kind in ("flat", "ivf"):
            started = time.perf_counter()
            index, nlist, nprobe = build_faiss(part, kind)
            built = time.perf_counter() - started
            found, p50 = _search_all(index, queries)
            exact = exact or found
            row[kind] = {
                "build_seconds": round(built, 3),
                "query_p50_ms": round(p50, 3),
                "query_p50_ms_one_thread": round(_one_thread(index, queries), 3),
                "recall_at_10": _recall(found, exact),
                **({"nlist": nlist, "nprobe": nprobe} if nlist else {}),
            }
        results.append(row)
    return results


def full_builds(
    matrix: Vectors, passages: list[Passage], queries: Vectors, model: str, kinds: list[str]
) -> dict[str, Any]:
    """``write_version`` (build, files, fsync, checksums) and ``load_version`` per type."""
    results: dict[str, Any] = {}
    exact: list[set[int]] = []
    with tempfile.TemporaryDirectory(prefix="apfa-bench-index-") as root:
        for version, kind in enumerate(kinds, start=1):
            started = time.perf_counter()
            manifest = write_version(
                Path(root),
                version=version,
                model=model,
                vectors=matrix,
                passages=passages,
                index_type=kind,
            )
            written = time.perf_counter() - started
            started = time.perf_counter()
            loaded = load_version(Path(root) / f"v{version:06d}")
            load = time.perf_counter() - started
            found, p50 = _search_loaded(loaded, queries)
            exact = exact or found
            results[kind] = {
                "write_version_seconds": round(written, 3),
                "load_version_seconds": round(load, 3),
                "query_p50_ms": round(p50, 3),
                "recall_at_10_vs_flat": _recall(found, exact),
                "nlist": manifest.nlist,
                "nprobe": manifest.nprobe,
            }
            del loaded
    return results


def pointer_swaps(loaded: LoadedIndex, repeats: int = 2000) -> dict[str, float]:
    holder = IndexHolder()
    samples = []
    for n in range(repeats):
        started = time.perf_counter()
        holder.swap_if_newer(loaded, float(n))
        samples.append(time.perf_counter() - started)
    return timings_ms(samples)


async def activations(
    maker: async_sessionmaker[AsyncSession],
    index_root: Path,
    holder: IndexHolder,
    versions: list[int],
    rounds: int = 9,
) -> dict[str, Any]:
    """``activate_version`` in this process: first to a version not in memory (loaded and
    verified from disk), then alternating between two versions the holder keeps."""
    current = holder.current.version if holder.current else None
    order = [v for v in versions if v != current] + [v for v in versions if v == current]
    started = time.perf_counter()
    await activate_version(maker, index_root, order[0], holder)
    cold = time.perf_counter() - started
    warm = []
    for n in range(rounds):
        started = time.perf_counter()
        await activate_version(maker, index_root, order[(n + 1) % 2], holder)
        warm.append(time.perf_counter() - started)
    return {"cold_ms": round(cold * 1000, 1), "preloaded": timings_ms(warm)}
