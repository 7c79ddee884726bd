"""``apfa kb ingest`` against raw ``encode`` on the same texts, side by side in one run.

It writes N short distinct markdown notes (the ingest benchmark's generator, seeded) to a
temporary folder and, on a fresh SQLite database there, measures:

- raw: ``embedder.encode`` on exactly the texts ingestion embeds (each note parsed and
  chunked as ``kb ingest`` does), half timed before the ingest and half after, so a
  machine's drift weighs on both;
- pipelined: the file path ``apfa kb ingest`` runs (``FileIngestor``, its default group
  sizes), documents/s and its ratio to raw (target >= 0.90);
- one file per group: the same ingestor with groups of one file, on the first
  ``--one-by-one`` notes, the shape of the earlier per-file path (one model call and two
  transactions per file);
- with ``--cli``: the real command (``apfa migrate`` then ``apfa kb ingest DIR``) in a
  subprocess on its own database, wall time including its start and the index build.

    .venv/bin/python bench/kb_ingest.py [--docs 5000] [--one-by-one 500] [--cli]
        [--device cpu] [--batch-size 64] [--seed 7] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ingest_support import corpus, machine
from pydantic import SecretStr

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.core.migrate import upgrade_to_head
from apfa.core.stages import GroupSizer
from apfa.knowledge.file_ingest import FileIngestor
from apfa.knowledge.flows import IngestOptions, chunk_parsed
from apfa.knowledge.parsing import parse_document
from apfa.providers.embeddings import Embedder, SentenceTransformerEmbedder


def _settings(var: Path) -> Settings:
    return Settings(
        _env_file=None,
        var_dir=var,
        jwt_secret=SecretStr("bench-" + "x" * 40),
        log_level="WARNING",
        embedding_process=False,
    )


def _texts(files: list[Path], embedder: Embedder, options: IngestOptions) -> list[str]:
    texts: list[str] = []
    for path in files:
        parsed = parse_document(path.read_bytes(), path.name)
        texts += [c.embedding_text for c in chunk_parsed(parsed, embedder, options)]
    return texts


async def _ingest(
    var: Path, embedder: Embedder, files: list[Path], sizer: GroupSizer | None
) -> tuple[float, dict[str, int]]:
    await asyncio.to_thread(var.mkdir)
    settings = _settings(var)
    await asyncio.to_thread(upgrade_to_head, settings)
    engine = create_engine(settings)
    options = IngestOptions(
        settings.chunk_max_tokens, settings.chunk_overlap_tokens, settings.embedding_batch_size
    )
    try:
        ingestor = FileIngestor(create_sessionmaker(engine), embedder, options, sizer=sizer)
        started = time.perf_counter()
        report = await ingestor.ingest_files(files)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    counts = {"added": report.added, "chunks": report.chunks, "embedded": report.embedded}
    return seconds, counts


def _cli(var: Path, folder: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "APFA_VAR_DIR": str(var),
        "APFA_JWT_SECRET": "bench-" + "y" * 40,
        "APFA_LOG_LEVEL": "WARNING",
    }
    apfa = str(Path(sys.executable).with_name("apfa"))
    subprocess.run([apfa, "migrate"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    done = subprocess.run(
        [apfa, "kb", "ingest", str(folder)], env=env, check=True, capture_output=True, text=True
    )
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "report": done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "",
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    embedder = SentenceTransformerEmbedder(device=args.device)
    embedder.encode(["warm up the model"], batch_size=args.batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "notes"
        folder.mkdir()
        for name, data in corpus(args.docs, args.seed):
            (folder / name).write_bytes(data)
        files = sorted(folder.iterdir())
        texts = _texts(files, embedder, IngestOptions(batch_size=args.batch_size))
        half = len(texts) // 2
        started = time.perf_counter()
        embedder.encode(texts[:half], batch_size=args.batch_size)
        raw_seconds = time.perf_counter() - started
        seconds, counts = await _ingest(root / "pipelined", embedder, files, None)
        started = time.perf_counter()
        embedder.encode(texts[half:], batch_size=args.batch_size)
        raw_seconds += time.perf_counter() - started
        few = files[: args.one_by_one]
        one_seconds, one_counts = await _ingest(
            root / "one-by-one", embedder, few, GroupSizer(1, 1, 1)
        )
        cli = _cli(root / "cli", folder) if args.cli else None
    raw_rate = args.docs / raw_seconds
    rate = args.docs / seconds
    return {
        "benchmark": "kb_ingest",
        "docs": args.docs,
        "texts": len(texts),
        "raw_encode": {"seconds": round(raw_seconds, 1), "docs_per_s": round(raw_rate, 1)},
        "pipelined": {
            "seconds": round(seconds, 1),
            "docs_per_s": round(rate, 1),
            "ratio_to_raw": round(rate / raw_rate, 3),
            **counts,
        },
        "one_file_per_group": {
            "docs": len(few),
            "seconds": round(one_seconds, 1),
            "docs_per_s": round(len(few) / one_seconds, 1),
            "ratio_to_raw": round(len(few) / one_seconds / raw_rate, 3),
            **one_counts,
        },
        "cli": cli,
        "target_ratio": 0.9,
        "machine": machine(args.device),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--one-by-one", type=int, default=500)
    parser.add_argument("--cli", action="store_true")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    parsed = parser.parse_args()
    text = json.dumps(asyncio.run(main(parsed)), indent=2)
    if parsed.out:
        parsed.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")
