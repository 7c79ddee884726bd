"""Answer quality on the evaluation set, as JSON: intent accuracy, concept coverage,
figure exactness, answer length and latency, overall and per intent.

Builds the advisor on the bundled knowledge base in a temporary directory (SQLite, the
real embedding model), asks every question of ``tests/data/advice_eval/*.yaml`` (follow-up
turns as a conversation), grades the answers (``apfa.advice.evaluation``) and prints the
summary. ``--failures`` adds what each imperfect answer missed.

    .venv/bin/python bench/advice_quality.py [--failures] [--only mtg-001,ccd-003] [--set DIR]

``--set bench/data/advice-heldout`` answers the held-out set instead: questions written by
someone who never saw the playbooks or the answers, and never used to tune them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from embedders import add_arguments, load_embedder
from pydantic import SecretStr

from apfa.advice.advisor import Advisor
from apfa.advice.evaluation import failures, load_items, run_items, summarise
from apfa.advice.flows import AdvicePipeline, PipelineOptions
from apfa.core.cache import build_cache
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.core.migrate import upgrade_to_head
from apfa.knowledge.flows import BUNDLED_CORPUS, ingest_and_publish
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.retrieval import Retriever

EVAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "advice_eval"


async def main(args: argparse.Namespace) -> dict[str, object]:
    items = load_items(args.set.glob("*.yaml"))
    if args.only:
        wanted = set(args.only.split(","))
        items = [item for item in items if item.id in wanted]
    with tempfile.TemporaryDirectory() as var:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            var_dir=Path(var),
            jwt_secret=SecretStr("bench-" + "x" * 40),
            log_level="WARNING",
        )
        await asyncio.to_thread(upgrade_to_head, settings)
        engine = create_engine(settings)
        embedder = load_embedder(args)
        holder = IndexHolder()
        setup = time.perf_counter()
        await ingest_and_publish(
            create_sessionmaker(engine),
            embedder,
            settings.index_dir,
            [BUNDLED_CORPUS],
            holder=holder,
        )
        advisor = await asyncio.to_thread(Advisor.build, embedder)
        setup_seconds = time.perf_counter() - setup
        pipeline = AdvicePipeline(
            Retriever(holder, embedder),
            build_cache(settings),
            advisor,
            PipelineOptions(settings.retrieval_top_k, settings.retrieval_min_score),
        )
        graded = await run_items(pipeline, items)
        await engine.dispose()
    summary = summarise(graded)
    result: dict[str, object] = {
        "items": len(items),
        "setup_seconds": round(setup_seconds, 1),
        **asdict(summary),
    }
    if args.failures:
        result["failures"] = failures(graded)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--only", default="")
    add_arguments(parser)
    parser.add_argument("--set", type=Path, default=EVAL, help="a folder of evaluation YAML")
    json.dump(asyncio.run(main(parser.parse_args())), sys.stdout, indent=2)
    sys.stdout.write("\n")
