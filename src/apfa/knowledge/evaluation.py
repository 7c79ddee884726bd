"""Retrieval quality on a gold set: recall@5, recall@10, MRR@10 and nDCG@10 per mode.

A gold question (``bench/data/retrieval-gold/*.jsonl``, one JSON object a line) names the
documents that answer it by source key (``bundled:pmi-and-mip.md``, what ``Passage.key``
holds) and the sections (headings) where the answer is. A search returns passages; they
are read as the ranked list of their distinct documents (a document ranks where its first
passage does), and the metrics are the usual binary-relevance ones over that list.
``section@5`` is the share of the questions that list sections whose first five passages
include one from a relevant document under a listed heading.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from apfa.knowledge.freshness import FreshnessPolicy
from apfa.knowledge.fusion import Mode, rank
from apfa.knowledge.index.store import Hit, LoadedIndex
from apfa.providers.embeddings import Embedder

# Passages fetched per question: enough to find ten distinct documents.
DEPTH = 50


class GoldQuestion(BaseModel):
    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    relevant: list[str] = Field(min_length=1)
    sections: list[str] = Field(default_factory=list)


def load_gold(paths: Iterable[Path]) -> list[GoldQuestion]:
    questions: list[GoldQuestion] = []
    for path in sorted(paths):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    questions.append(GoldQuestion.model_validate_json(line))
                except ValueError as exc:
                    raise ValueError(f"{path}:{number}: {exc}") from exc
    ids = [q.id for q in questions]
    if len(ids) != len(set(ids)):
        raise ValueError("gold question ids must be unique")
    return questions


def documents(hits: Sequence[Hit]) -> list[str]:
    """The distinct documents of ranked hits, in the order they first appear."""
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.passage.key or hit.passage.document_id, None)
    return list(seen)


def recall(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    for position, key in enumerate(ranked[:k], start=1):
        if key in relevant:
            return 1.0 / position
    return 0.0


def ndcg(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    gain = sum(1.0 / math.log2(p + 1) for p, key in enumerate(ranked[:k], 1) if key in relevant)
    ideal = sum(1.0 / math.log2(p + 1) for p in range(1, min(k, len(relevant)) + 1))
    return gain / ideal


def section_found(hits: Sequence[Hit], question: GoldQuestion, k: int = 5) -> bool:
    wanted = {s.lower() for s in question.sections}
    return any(
        (hit.passage.key or hit.passage.document_id) in question.relevant
        and wanted.intersection(h.lower() for h in hit.passage.heading_path)
        for hit in hits[:k]
    )


@dataclass(frozen=True, slots=True)
class Scores:
    questions: int
    recall_at_5: float
    recall_at_10: float
    mrr_at_10: float
    ndcg_at_10: float
    section_at_5: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "questions": self.questions,
            "recall@5": round(self.recall_at_5, 4),
            "recall@10": round(self.recall_at_10, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "ndcg@10": round(self.ndcg_at_10, 4),
            "section@5": round(self.section_at_5, 4),
        }


@dataclass(frozen=True, slots=True)
class Judged:
    question: GoldQuestion
    ranked: list[str]
    hits: list[Hit]


def judge(
    index: LoadedIndex,
    embedder: Embedder,
    questions: Sequence[GoldQuestion],
    mode: Mode,
    freshness: FreshnessPolicy | None = None,
) -> list[Judged]:
    vectors = embedder.encode([q.question for q in questions])
    judged: list[Judged] = []
    for question, vector in zip(questions, vectors, strict=True):
        hits = rank(index, question.question, vector, DEPTH, mode, freshness)
        judged.append(Judged(question, documents(hits), hits))
    return judged


def score(judged: Sequence[Judged]) -> Scores:
    n = len(judged)
    if not n:
        return Scores(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    total = [0.0] * 5
    with_sections = 0
    for item in judged:
        relevant = set(item.question.relevant)
        total[0] += recall(item.ranked, relevant, 5)
        total[1] += recall(item.ranked, relevant, 10)
        total[2] += reciprocal_rank(item.ranked, relevant, 10)
        total[3] += ndcg(item.ranked, relevant, 10)
        if item.question.sections:
            with_sections += 1
            total[4] += section_found(item.hits, item.question)
    return Scores(
        n, total[0] / n, total[1] / n, total[2] / n, total[3] / n, total[4] / max(with_sections, 1)
    )


def misses(judged: Sequence[Judged], k: int = 5) -> list[dict[str, object]]:
    """The questions with no relevant document in the first ``k``, and what came instead."""
    return [
        {"id": j.question.id, "question": j.question.question, "got": j.ranked[:3]}
        for j in judged
        if not set(j.question.relevant).intersection(j.ranked[:k])
    ]
