"""Ingestion benchmark: a synthetic corpus through the real upload and job path.

For each ``--docs N`` it generates N short distinct markdown notes (seeded), stores them
as uploads through ``documents.flows.Uploader`` (the records an HTTP upload makes, without
HTTP), and on a fresh SQLite database in a temporary directory runs the real job path: a
TaskRuntime with the embedded LocalEngine (``jobs.system.start_task_system``), one
``documents.embed_batch`` job per upload, then ``knowledge.build_index`` with activation and
its ``knowledge.hot_swap``. It prints JSON with:

- pipeline docs/s (job submission to the last embed job's end) and raw ``encode``
  throughput on the same texts in the same process (same batch size and device), and
  their ratio (target >= 0.90);
- index builds on the corpus's vectors: ``write_version`` per index type, the build
  job's ``build_seconds``, query p50 and recall@10 against exact search, and flat vs IVF
  by corpus size;
- swap latency: ``IndexHolder.swap_if_newer``, ``activate_version`` to a preloaded and to
  a cold version, and activation through process A's admin API until process B (a
  second ``apfa serve`` sharing the database and a Redis of our own) serves it.

    .venv/bin/python bench/ingest.py --docs 10000 [--docs 100000] [--device cpu|cuda|auto]
        [--batch-size 64] [--seed 7] [--hnsw] [--no-servers] [--raw-fraction F] [--out FILE]

``--raw-fraction 0.1`` times raw ``encode`` on every tenth text (spread over the corpus,
half before and half after the pipeline) and scales it to the whole corpus: at 100k
documents on a CPU, encoding everything twice would double a run of about an hour.

Each upload carries ``upload_max_files`` (1000) documents and gets one job, as from the
upload endpoint; the jobs are submitted with ``build: false`` and one build follows the
last (as ``POST /api/admin/index/rebuild`` does), since a build per upload would snapshot
the growing corpus a hundred times over.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ingest_index import activations, by_size, corpus_vectors, full_builds, pointer_swaps
from ingest_index import questions as question_texts
from ingest_support import (
    Clock,
    children,
    corpus,
    expected_texts,
    machine,
    upload,
    wait_for_jobs,
)
from ingest_swap import cross_process
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import select

from apfa.app.jobs import catalogue
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.core.resources import Resources
from apfa.documents.tasks import EMBED_BATCH
from apfa.events.sink import NullSink
from apfa.jobs.system import start_task_system
from apfa.knowledge.chunking import embedding_text_for
from apfa.knowledge.index.holder import INDEX_HOLDER, IndexHolder
from apfa.knowledge.index.versions import build_version
from apfa.knowledge.tasks import BUILD_INDEX
from apfa.models import Chunk, Document, EmbeddingCache
from apfa.observability.logging import configure_logging
from apfa.providers.embeddings import SentenceTransformerEmbedder, share_the_interpreter


def settings_for(var_dir: Path, device: str, batch_size: int) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        var_dir=var_dir,
        jwt_secret=SecretStr("bench-ingest-" + "x" * 40),
        log_level="ERROR",
        embedding_device=device,
        embedding_batch_size=batch_size,
        upload_max_files=1000,
    )


async def _texts(settings: Settings) -> tuple[list[str], Counter[str], int]:
    """Every chunk's embedding text, document statuses, and the cached vector count."""
    engine = create_engine(settings)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            rows = await session.execute(
                select(Document.title, Chunk.heading_path, Chunk.text)
                .join(Document, Document.id == Chunk.document_id)
                .order_by(Chunk.id)
            )
            texts = [embedding_text_for(t, tuple(h or ()), x) for t, h, x in rows.all()]
            statuses = Counter((await session.execute(select(Document.status))).scalars())
            cached = len((await session.execute(select(EmbeddingCache.content_hash))).all())
    finally:
        await engine.dispose()
    return texts, statuses, cached


async def _run_jobs(
    settings: Settings, embedder: SentenceTransformerEmbedder, uploads: list[list[str]]
) -> dict[str, Any]:
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    resources = Resources()
    holder = resources.provide(INDEX_HOLDER, IndexHolder())
    system = await start_task_system(settings, maker, embedder, NullSink(), catalogue(), resources)
    try:
        clock = Clock()
        async with session_scope(maker) as session:
            jobs = [
                await system.runtime.submit(
                    session,
                    EMBED_BATCH,
                    {"document_ids": ids, "build": False},
                    created_by="bench",
                )
                for ids in uploads
            ]
        embed = await wait_for_jobs(maker, [job.id for job in jobs])
        embed_phase = clock.report()
        failed = [row.error for row in embed.values() if row.state != "succeeded"]
        if failed:
            raise RuntimeError(f"{len(failed)} embed jobs failed: {failed[0]}")
        async with session_scope(maker) as session:
            build = await system.runtime.submit(
                session, BUILD_INDEX, {"activate": True}, created_by="bench"
            )
        built = (await wait_for_jobs(maker, [build.id]))[build.id]
        swap = [row.id for row in await children(maker, build.id)]
        swapped = await wait_for_jobs(maker, swap)
        total_seconds = clock.seconds()
        if built.state != "succeeded" or any(r.state != "succeeded" for r in swapped.values()):
            raise RuntimeError(f"build or swap failed: {built.error}")
        assert holder.current is not None
        assert built.result is not None
        second = await build_version(maker, embedder, settings.index_dir)
        versions = [int(built.result["version"]), second.version]
        swaps = {
            "swap_if_newer": pointer_swaps(holder.current),
            "activate_version": await activations(maker, settings.index_dir, holder, versions),
        }
        matrix, passages = await corpus_vectors(maker, embedder.model_name)
    finally:
        await system.aclose()
        await engine.dispose()
    return {
        "jobs": len(jobs),
        "embed": embed_phase,
        "total_seconds": total_seconds,
        "build_job": built.result,
        "second_build_seconds": round(second.seconds, 3),
        "versions": versions,
        "swap_in_process": swaps,
        "matrix": matrix,
        "passages": passages,
    }


def _model_busy() -> dict[str, float]:
    """Seconds spent in, and the number of, the pipeline's encode calls so far."""
    labels = {"kind": "document"}
    seconds = REGISTRY.get_sample_value("apfa_embedding_seconds_sum", labels) or 0.0
    calls = REGISTRY.get_sample_value("apfa_embedding_seconds_count", labels) or 0.0
    return {"encode_seconds": seconds, "encode_calls": calls}


def _raw(embedder: SentenceTransformerEmbedder, texts: list[str], batch_size: int) -> Any:
    clock = Clock()
    embedder.encode(texts, batch_size=batch_size)
    return clock.report()


def _encode_figures(
    count: int, jobs: dict[str, Any], raw: list[dict[str, float]], texts: int, sampled: int
) -> dict[str, Any]:
    """Pipeline against raw encode; raw is timed in two halves, one before the pipeline and
    one after, so a change in the machine's other load weighs on both sides alike. When raw
    encodes a sample (``sampled`` of the ``texts``), its times are scaled to all texts."""
    pipeline, scale = jobs["embed"], texts / sampled
    raw_seconds = sum(half["seconds"] for half in raw) * scale
    raw_cpu = sum(half["cpu_seconds"] for half in raw) * scale
    return {
        "pipeline": {
            "embed_jobs": jobs["jobs"],
            **pipeline,
            "docs_per_second": round(count / pipeline["seconds"], 2),
            "texts_per_second": round(texts / pipeline["seconds"], 2),
            "with_build_and_swap_seconds": round(jobs["total_seconds"], 2),
        },
        "raw_encode": {
            "texts": texts,
            "texts_encoded": sampled,
            "seconds": round(raw_seconds, 2),
            "cpu_seconds": round(raw_cpu, 2),
            "docs_per_second": round(count / raw_seconds, 2),
            "texts_per_second": round(texts / raw_seconds, 2),
            "halves": raw,
        },
        "pipeline_to_raw_ratio": round(raw_seconds / pipeline["seconds"], 3),
        "pipeline_to_raw_cpu_ratio": round(raw_cpu / pipeline["cpu_seconds"], 3),
    }


def run(count: int, embedder: SentenceTransformerEmbedder, args: argparse.Namespace) -> Any:
    with tempfile.TemporaryDirectory(prefix="apfa-bench-ingest-") as tmp:
        settings = settings_for(Path(tmp), embedder.device, args.batch_size)
        upgrade_to_head(settings)
        files = corpus(count, args.seed)
        clock = Clock()
        uploads = asyncio.run(_store(settings, files))
        upload_seconds = clock.seconds()
        texts = expected_texts(files, embedder, settings)
        embedder.encode(texts[:512], batch_size=args.batch_size)  # warm up on real shapes
        step = max(1, round(1 / args.raw_fraction))
        first, second = texts[0 :: 2 * step], texts[step :: 2 * step]
        raw = [_raw(embedder, first, args.batch_size)]
        busy = _model_busy()
        jobs = asyncio.run(_run_jobs(settings, embedder, uploads))
        busy = {k: round(v - busy[k], 2) for k, v in _model_busy().items()}
        raw.append(_raw(embedder, second, args.batch_size))
        stored, statuses, cached = asyncio.run(_texts(settings))
        queries = embedder.encode(question_texts(200), batch_size=args.batch_size)
        matrix, passages = jobs.pop("matrix"), jobs.pop("passages")
        kinds = ["flat", "ivf", *(["hnsw"] if args.hnsw else [])]
        index = full_builds(matrix, passages, queries, embedder.model_name, kinds)
        sizes = by_size(matrix, queries)
        versions = jobs["versions"]
        swap = None if args.no_servers else cross_process(settings, embedder.device, versions)
    return {
        "documents": count,
        "uploads": len(uploads),
        "upload_seconds": round(upload_seconds, 1),
        "statuses": dict(statuses),
        "chunks": len(stored),
        "vectors_cached": cached,
        "raw_texts_are_the_stored_chunks": Counter(texts) == Counter(stored),
        **_encode_figures(count, jobs, raw, len(texts), len(first) + len(second)),
        "pipeline_model_busy": {
            **busy,
            "fraction_of_pipeline": round(busy["encode_seconds"] / jobs["embed"]["seconds"], 3),
        },
        "build_job": jobs["build_job"],
        "second_build_seconds": jobs["second_build_seconds"],
        "index": index,
        "index_by_size": sizes,
        "swap_in_process": jobs["swap_in_process"],
        "swap_cross_process": swap,
    }


async def _store(settings: Settings, files: list[tuple[str, bytes]]) -> list[list[str]]:
    engine = create_engine(settings)
    try:
        return await upload(settings, create_sessionmaker(engine), files)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, action="append", help="corpus size (repeatable)")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--raw-fraction",
        type=float,
        default=1.0,
        help="raw encode on an evenly spread sample of this fraction of the texts (0-1]",
    )
    parser.add_argument("--hnsw", action="store_true", help="also time an HNSW build")
    parser.add_argument("--no-servers", action="store_true", help="skip the two-process swap")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    if not 0 < args.raw_fraction <= 1:
        parser.error("--raw-fraction must be in (0, 1]")
    configure_logging("ERROR")
    # As `apfa serve` and `apfa worker` do before they load the model.
    share_the_interpreter(Settings.model_fields["gil_switch_interval_ms"].default)
    embedder = SentenceTransformerEmbedder(device=args.device)
    embedder.encode(["warm up"], batch_size=args.batch_size)
    report: dict[str, Any] = {
        "benchmark": "ingest",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(embedder.device),
        "settings": {
            "batch_size": args.batch_size,
            "seed": args.seed,
            "model": "all-MiniLM-L6-v2",
            "raw_fraction": args.raw_fraction,
            "gil_switch_interval_ms": round(sys.getswitchinterval() * 1000, 3),
            "embedding_process": settings_for(Path("."), args.device, 1).embedding_process,
        },
        "runs": [],
    }
    started = time.perf_counter()
    for count in args.docs or [10_000]:
        report["runs"].append(run(count, embedder, args))
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
