"""Retrieval quality on the gold set, as JSON: recall@5, recall@10, MRR@10, nDCG@10 (and
section@5) for dense, BM25 and hybrid search, with the BM25 build time and per-query
ranking latency (``--scale 100000``: BM25 build, load and search time at that many
passages).

Ingests the bundled knowledge base in a temporary directory (SQLite, the real embedding
model) through the same pipeline as ``apfa kb ingest``, so the version searched is a real
one, BM25 part included; then ranks every question of ``bench/data/retrieval-gold/*.jsonl``
in each mode (``apfa.knowledge.evaluation``). ``--misses`` adds the questions each mode
missed in its first five documents. Ranking weights time-sensitive documents by age as the
service does, on today's date (``--freshness-floor 1`` ranks without it).

    .venv/bin/python bench/retrieval.py [--misses] [--scale 100000] [--gold DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from embedders import add_arguments, load_embedder
from pydantic import SecretStr

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.core.migrate import upgrade_to_head
from apfa.knowledge.evaluation import judge, load_gold, misses, score
from apfa.knowledge.flows import BUNDLED_CORPUS, ingest_and_publish
from apfa.knowledge.freshness import FreshnessPolicy
from apfa.knowledge.fusion import MODES, rank
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.lexical import LexicalText, build_lexical, load_lexical
from apfa.knowledge.index.store import LoadedIndex
from apfa.observability.logging import configure_logging
from apfa.providers.embeddings import Embedder

GOLD = Path(__file__).resolve().parent / "data" / "retrieval-gold"


async def build(var: Path, embedder: Embedder) -> tuple[LoadedIndex, float]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        var_dir=var,
        jwt_secret=SecretStr("bench-" + "x" * 40),
        log_level="WARNING",
    )
    await asyncio.to_thread(upgrade_to_head, settings)
    engine = create_engine(settings)
    holder = IndexHolder()
    started = time.perf_counter()
    await ingest_and_publish(
        create_sessionmaker(engine), embedder, settings.index_dir, [BUNDLED_CORPUS], holder=holder
    )
    seconds = time.perf_counter() - started
    await engine.dispose()
    assert holder.current is not None
    return holder.current, seconds


def bm25_build_seconds(index: LoadedIndex, var: Path, repeats: int = 5) -> float:
    """The BM25 part of a version build (tokenise, index, write), best of ``repeats``."""
    texts = [LexicalText(p.title, p.heading_path, p.text) for p in index.passages]
    best = float("inf")
    for n in range(repeats):
        out = var / f"bm25-{n}"
        out.mkdir()
        started = time.perf_counter()
        build_lexical(texts, out)
        best = min(best, time.perf_counter() - started)
    return best


def bm25_at_scale(index: LoadedIndex, var: Path, count: int) -> dict[str, float]:
    """BM25 build (tokenise, index, write) and load for ``count`` passages: the bundled
    passages repeated, so the tokeniser sees real text and the vocabulary stays real."""
    passages = index.passages
    texts = [
        LexicalText(p.title, p.heading_path, f"{p.text} {n}")
        for n, p in zip(range(count), itertools.cycle(passages), strict=False)
    ]
    out = var / f"bm25-scale-{count}"
    out.mkdir()
    started = time.perf_counter()
    names = build_lexical(texts, out)
    built = time.perf_counter() - started
    started = time.perf_counter()
    loaded = load_lexical(out, set(names), count)
    load = time.perf_counter() - started
    assert loaded is not None
    started = time.perf_counter()
    for passage in passages[:200]:
        loaded.search(passage.title, 50)
    search_ms = (time.perf_counter() - started) / min(200, len(passages)) * 1000
    return {
        "passages": count,
        "build_seconds": round(built, 2),
        "load_seconds": round(load, 3),
        "search_ms_mean": round(search_ms, 2),
        "bytes": sum((out / n).stat().st_size for n in names),
    }


def ranking_ms(index: LoadedIndex, embedder: Embedder, questions: list[str]) -> dict[str, float]:
    """Median time to rank one question (query vector already computed), per mode."""
    vectors = embedder.encode(questions)
    medians: dict[str, float] = {}
    for mode in MODES:
        times = []
        for question, vector in zip(questions, vectors, strict=True):
            started = time.perf_counter()
            rank(index, question, vector, 10, mode, FreshnessPolicy())
            times.append((time.perf_counter() - started) * 1000)
        medians[mode] = round(statistics.median(times), 3)
    return medians


async def main(args: argparse.Namespace) -> dict[str, object]:
    configure_logging("WARNING", json=True)  # stdout carries only the JSON result
    questions = await asyncio.to_thread(lambda: load_gold(Path(args.gold).glob("*.jsonl")))
    embedder = load_embedder(args)
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        index, ingest_seconds = await build(var, embedder)
        freshness = (
            None if args.freshness_floor >= 1 else FreshnessPolicy(floor=args.freshness_floor)
        )
        result: dict[str, object] = {
            "freshness": {
                "floor": args.freshness_floor,
                "as_of": freshness.clock().isoformat() if freshness else None,
                "time_sensitive_passages": sum(p.time_sensitive for p in index.passages),
            },
            "questions": len(questions),
            "documents": len({p.key for p in index.passages}),
            "passages": len(index.passages),
            "index_version": index.version,
            "ingest_seconds": round(ingest_seconds, 1),
            "bm25_build_seconds": round(bm25_build_seconds(index, var), 4),
        }
        missed: dict[str, object] = {}
        for mode in MODES:
            judged = await asyncio.to_thread(judge, index, embedder, questions, mode, freshness)
            result["bm25" if mode == "lexical" else mode] = score(judged).as_dict()
            if args.misses:
                missed["bm25" if mode == "lexical" else mode] = misses(judged)
        result["rank_ms_p50"] = ranking_ms(index, embedder, [q.question for q in questions])
        if args.scale:
            result["bm25_scale"] = bm25_at_scale(index, var, args.scale)
    if args.misses:
        result["misses"] = missed
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--gold", default=str(GOLD))
    add_arguments(parser)
    parser.add_argument("--scale", type=int, default=0, help="also time BM25 at this size")
    parser.add_argument(
        "--freshness-floor",
        type=float,
        default=FreshnessPolicy().floor,
        help="rank with this freshness floor (the default policy's); 1 ranks without freshness",
    )
    json.dump(asyncio.run(main(parser.parse_args())), sys.stdout, indent=2)
    sys.stdout.write("\n")
