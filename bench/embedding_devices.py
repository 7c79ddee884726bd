"""The embedding model on each device it can run on, side by side, as JSON.

Two steps, so that the second runs on a machine that holds only the model's own libraries
(a GPU host with torch and sentence-transformers, none of the service's dependencies):

    .venv/bin/python bench/embedding_devices.py prepare --out texts.json [--docs 20000]
    python bench/embedding_devices.py run --texts texts.json --device cuda --device cpu

``prepare`` writes the texts the service would embed: the chunks of ``--docs`` synthetic
notes (the ingest benchmark's corpus, extracted and chunked as an upload is), the chunks of
the bundled knowledge base labelled with their document, and the retrieval gold set's
questions with their relevant documents.

``run`` loads ``SentenceTransformerEmbedder`` (the service's embedder) on each device and
measures, on the same texts:

- ingestion throughput (documents/s) of ``encode`` at each ``--batch-size``;
- query embedding latency, one question per call (p50, p95), and queries/s when ten
  threads share the embedder, one question per call and ten questions per call;
- on CUDA also half precision (``model.half()``): throughput and its cosine to float32;
- retrieval on the gold set (exact search over the bundled chunks): recall@5 and @10 per
  device and precision, and how many of each question's top ten agree with the first
  device's float32 ranking.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

GOLD = Path(__file__).resolve().parent / "data" / "retrieval-gold"


def prepare(out: Path, docs: int, seed: int) -> None:
    from ingest_support import corpus, expected_texts
    from pydantic import SecretStr

    from apfa.core.config import Settings
    from apfa.knowledge.evaluation import load_gold
    from apfa.knowledge.flows import BUNDLED_CORPUS, discover, source_key_for
    from apfa.providers.embeddings import SentenceTransformerEmbedder

    settings = Settings(_env_file=None, jwt_secret=SecretStr("bench-" + "x" * 40))
    embedder = SentenceTransformerEmbedder(device="cpu")
    notes = expected_texts(corpus(docs, seed), embedder, settings)
    passages: list[dict[str, str]] = []
    for path in discover([BUNDLED_CORPUS]):
        texts = expected_texts([(path.name, path.read_bytes())], embedder, settings)
        passages += [{"document": source_key_for(path), "text": text} for text in texts]
    gold = [
        {"question": q.question, "relevant": sorted(q.relevant)}
        for q in load_gold(GOLD.glob("*.jsonl"))
    ]
    out.write_text(json.dumps({"notes": notes, "passages": passages, "gold": gold}), "utf-8")
    print(json.dumps({"notes": len(notes), "passages": len(passages), "gold": len(gold)}))


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _throughput(
    embedder: Any, texts: list[str], batch_sizes: list[int], device: str
) -> dict[str, float]:
    embedder.encode(texts[:512], batch_size=64)  # warm-up: kernels, allocator, tokenizer
    figures: dict[str, float] = {}
    for size in batch_sizes:
        _sync(device)
        started = time.perf_counter()
        embedder.encode(texts, batch_size=size)
        _sync(device)
        figures[f"batch_{size}"] = _rate(len(texts), time.perf_counter() - started)
    return figures


def _breakdown(embedder: Any, texts: list[str], size: int, device: str) -> dict[str, float]:
    """Where one ``encode`` of the texts spends its time: tokenizing alone, and the model's
    forward pass alone on batches already tokenized and on the device (the ceiling)."""
    import torch

    model = embedder._model
    batches = [texts[i : i + size] for i in range(0, len(texts), size)]
    started = time.perf_counter()
    tokenize_batch = getattr(model, "preprocess", None) or model.tokenize
    features = [tokenize_batch(batch) for batch in batches]
    tokenize = time.perf_counter() - started
    moved = [
        {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in f.items()}
        for f in features
    ]
    _sync(device)
    started = time.perf_counter()
    with torch.inference_mode():
        for feature in moved:
            model(feature)
    _sync(device)
    forward = time.perf_counter() - started
    return {
        "tokenize_docs_per_s": _rate(len(texts), tokenize),
        "forward_docs_per_s": _rate(len(texts), forward),
    }


def _profile(embedder: Any, texts: list[str], size: int) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    embedder.encode(texts, batch_size=size)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


def _latency(embedder: Any, questions: list[str]) -> dict[str, float]:
    for question in questions[:20]:
        embedder.encode([question])
    times = []
    for question in questions:
        started = time.perf_counter()
        embedder.encode([question])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
    }


def _concurrent(embedder: Any, questions: list[str], per_call: int) -> float:
    """Queries/s with ten threads sharing the embedder, ``per_call`` questions a call."""
    work = [questions[i : i + per_call] for i in range(0, len(questions), per_call)] * 3
    lock = threading.Lock()
    done = [0]

    def worker() -> None:
        while True:
            with lock:
                if not work:
                    return
                batch = work.pop()
            embedder.encode(batch, batch_size=max(per_call, 1))
            with lock:
                done[0] += len(batch)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _rate(done[0], time.perf_counter() - started)


def _retrieval(
    passages: Any, questions: Any, documents: list[str], gold: list[dict[str, Any]]
) -> tuple[dict[str, float], list[list[str]]]:
    scores = questions @ passages.T
    rankings: list[list[str]] = []
    hits = {5: 0.0, 10: 0.0}
    for row, item in zip(scores, gold, strict=True):
        ranked: list[str] = []
        for index in np.argsort(-row):
            if documents[index] not in ranked:
                ranked.append(documents[index])
            if len(ranked) == 10:
                break
        rankings.append(ranked)
        relevant = set(item["relevant"])
        for k in hits:
            hits[k] += len(relevant & set(ranked[:k])) / len(relevant)
    return {f"recall@{k}": round(v / len(gold), 3) for k, v in hits.items()}, rankings


def _agreement(rankings: list[list[str]], reference: list[list[str]]) -> float:
    shared = [len(set(a) & set(b)) / 10 for a, b in zip(rankings, reference, strict=True)]
    return round(statistics.mean(shared), 4)


def _machine() -> dict[str, Any]:
    import sentence_transformers
    import torch

    found: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }
    if torch.cuda.is_available():
        found["gpu"] = torch.cuda.get_device_name(0)
    return found


def run(
    texts_path: Path, devices: list[str], batch_sizes: list[int], cpu_docs: int, profile: bool
) -> None:
    from apfa.providers.embeddings import SentenceTransformerEmbedder

    data = json.loads(texts_path.read_text("utf-8"))
    notes: list[str] = data["notes"]
    passage_texts = [p["text"] for p in data["passages"]]
    documents = [p["document"] for p in data["passages"]]
    gold: list[dict[str, Any]] = data["gold"]
    questions = [g["question"] for g in gold]
    report: dict[str, Any] = {
        "machine": _machine(),
        "texts": {"notes": len(notes), "passages": len(passage_texts), "questions": len(gold)},
        "devices": {},
    }
    reference: list[list[str]] | None = None
    for device in devices:
        started = time.perf_counter()
        embedder = SentenceTransformerEmbedder(device=device)
        loaded = time.perf_counter() - started
        subset = notes if device.startswith("cuda") else notes[:cpu_docs]
        variants = [("float32", False)] + ([("float16", True)] if device.startswith("cuda") else [])
        baseline: Any = None
        for precision, half in variants:
            if half:
                embedder._model.half()
            figures: dict[str, Any] = {"load_seconds": round(loaded, 2), "docs": len(subset)}
            figures["docs_per_s"] = _throughput(embedder, subset, batch_sizes, device)
            figures["breakdown_batch_256"] = _breakdown(embedder, subset, 256, device)
            if profile:
                print(_profile(embedder, subset[:5000], 256), file=sys.stderr, flush=True)
            figures["query"] = _latency(embedder, questions)
            figures["concurrent_10_qps"] = {
                "one_per_call": _concurrent(embedder, questions, 1),
                "ten_per_call": _concurrent(embedder, questions, 10),
            }
            passage_vectors = embedder.encode(passage_texts)
            question_vectors = embedder.encode(questions)
            figures["retrieval"], rankings = _retrieval(
                passage_vectors, question_vectors, documents, gold
            )
            if baseline is None:
                baseline = passage_vectors
            else:
                cosine = np.sum(passage_vectors * baseline, axis=1)
                figures["cosine_to_float32"] = {
                    "min": round(float(cosine.min()), 5),
                    "mean": round(float(cosine.mean()), 5),
                }
            if reference is None:
                reference = rankings
            else:
                figures["top10_agreement_with_first"] = _agreement(rankings, reference)
            report["devices"][f"{device}/{precision}"] = figures
            print(f"{device}/{precision}: {figures['docs_per_s']}", file=sys.stderr, flush=True)
        del embedder
    print(json.dumps(report, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    made = steps.add_parser("prepare")
    made.add_argument("--out", type=Path, required=True)
    made.add_argument("--docs", type=int, default=20000)
    made.add_argument("--seed", type=int, default=7)
    measured = steps.add_parser("run")
    measured.add_argument("--texts", type=Path, required=True)
    measured.add_argument("--device", action="append", default=[])
    measured.add_argument("--batch-size", type=int, action="append", default=[])
    measured.add_argument("--cpu-docs", type=int, default=2000)
    measured.add_argument("--profile", action="store_true", help="cProfile one encode (stderr)")
    args = parser.parse_args()
    if args.step == "prepare":
        prepare(args.out, args.docs, args.seed)
    else:
        run(
            args.texts, args.device or ["cpu"], args.batch_size or [64], args.cpu_docs, args.profile
        )


if __name__ == "__main__":
    main()
