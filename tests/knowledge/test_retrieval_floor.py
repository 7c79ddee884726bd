"""Retrieval quality floor on the gold set (bench/data/retrieval-gold), on a subset of the
bundled corpus so it stays short (about 45 s on a busy 2-core machine, 10 s of it loading the model,
which a suite run shares): the real embedding model, a real index version with
its BM25 part, and the gold questions whose answers lie in that subset.

The floors sit a few points under the figures measured on this subset (docs/architecture.md
gives the full-set figures from ``bench/retrieval.py``); hybrid must never rank worse than
dense at 5."""

from __future__ import annotations

from pathlib import Path

import pytest

from apfa.knowledge.evaluation import Scores, judge, load_gold, score
from apfa.knowledge.flows import BUNDLED_CORPUS, IngestOptions, chunk_parsed
from apfa.knowledge.fusion import Mode
from apfa.knowledge.index.store import (
    LoadedIndex,
    Passage,
    load_version,
    version_dirname,
    write_version,
)
from apfa.knowledge.parsing import parse_document
from apfa.providers.embeddings import SentenceTransformerEmbedder

GOLD = Path(__file__).resolve().parents[2] / "bench" / "data" / "retrieval-gold"
SUBSET = (
    "401k-plans.md",
    "credit-cards-and-apr.md",
    "dti-and-ltv-lender-rules.md",
    "fha-loans.md",
    "fixed-vs-adjustable-rate-mortgages.md",
    "heloc-and-home-equity-loans.md",
    "payday-loans-and-alternatives.md",
    "pmi-and-mip.md",
    "student-loan-forgiveness.md",
    "student-loan-repayment-plans.md",
    "tax-basics-for-borrowers.md",
    "va-loans.md",
)
# Measured on this subset (51 questions): dense and hybrid 1.0 at recall@5, recall@10,
# MRR@10 and nDCG@10; BM25 1.0, 1.0, 0.990, 0.990. Each floor is a few points under.
FLOORS: dict[Mode, dict[str, float]] = {
    "dense": {"recall@5": 0.95, "recall@10": 0.97, "mrr@10": 0.93, "ndcg@10": 0.94},
    "lexical": {"recall@5": 0.95, "recall@10": 0.97, "mrr@10": 0.93, "ndcg@10": 0.94},
    "hybrid": {"recall@5": 0.96, "recall@10": 0.97, "mrr@10": 0.95, "ndcg@10": 0.95},
}


def _subset_index(root: Path, embedder: SentenceTransformerEmbedder) -> LoadedIndex:
    passages: list[Passage] = []
    texts: list[str] = []
    for name in SUBSET:
        parsed = parse_document((BUNDLED_CORPUS / name).read_bytes(), name)
        for chunk in chunk_parsed(parsed, embedder, IngestOptions()):
            passages.append(
                Passage(
                    len(passages),
                    name,
                    chunk.title,
                    chunk.heading_path,
                    chunk.text,
                    key=f"bundled:{name}",
                )
            )
            texts.append(chunk.embedding_text)
    write_version(
        root,
        version=1,
        model=embedder.model_name,
        vectors=embedder.encode(texts),
        passages=passages,
    )
    return load_version(root / version_dirname(1))


@pytest.fixture(scope="module")
def measured(
    embedder: SentenceTransformerEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> dict[Mode, Scores]:
    index = _subset_index(tmp_path_factory.mktemp("floor"), embedder)
    wanted = {f"bundled:{name}" for name in SUBSET}
    questions = [q for q in load_gold(GOLD.glob("*.jsonl")) if set(q.relevant) <= wanted]
    assert len(questions) >= 40
    modes: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
    return {mode: score(judge(index, embedder, questions, mode)) for mode in modes}


@pytest.mark.slow
def test_hybrid_recall_at_5_is_at_least_dense(measured: dict[Mode, Scores]) -> None:
    assert measured["hybrid"].recall_at_5 >= measured["dense"].recall_at_5


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_retrieval_stays_above_its_floor(mode: Mode, measured: dict[Mode, Scores]) -> None:
    got = measured[mode].as_dict()
    for metric, floor in FLOORS[mode].items():
        assert got[metric] >= floor, f"{mode} {metric} {got[metric]} < {floor}"
