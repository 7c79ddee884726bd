"""Hybrid ranking: dense (FAISS) and lexical (BM25) lists fused by reciprocal rank fusion.

RRF scores a passage ``sum(1 / (k + rank))`` over the lists that hold it (rank 1 = first),
with the customary ``k = 60``: it needs no calibration between cosine and BM25 scores,
and a passage near the top of both lists beats one at the top of only one. Each list is
``CANDIDATES`` deep, whatever the number of hits asked for, so the fused order of the top
hits does not depend on ``k``. Every hit carries its dense cosine (computed from the
stored vector when only BM25 found it), so a minimum score keeps filtering on the same
scale as before. A freshness policy (``freshness``) weights time-sensitive passages by
age before the cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal

from apfa.knowledge.freshness import FreshnessPolicy, parse_date
from apfa.knowledge.index.store import Hit, LoadedIndex
from apfa.providers.embeddings import Vectors

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
RRF_K = 60
CANDIDATES = 50


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of ranked id lists (best first): id -> fused score."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def effective_mode(index: LoadedIndex, mode: Mode) -> Mode:
    """The mode a search of ``index`` runs in: dense when the version has no BM25 part."""
    return mode if index.lexical is not None or mode == "dense" else "dense"


def rank(
    index: LoadedIndex,
    query: str,
    vector: Vectors,
    k: int,
    mode: Mode,
    freshness: FreshnessPolicy | None = None,
) -> list[Hit]:
    """The ``k`` best passages of ``index`` for the query (text and its vector). With a
    ``freshness`` policy, each candidate's score (fused, cosine or BM25 by mode) is
    weighted by its age before the cut, so the candidate lists are ``CANDIDATES`` deep in
    every mode."""
    mode = effective_mode(index, mode)
    depth = max(k, CANDIDATES) if mode == "hybrid" or freshness is not None else k
    dense = index.dense_ranking(vector, depth) if mode != "lexical" else []
    lexical: list[tuple[int, float]] = []
    if mode != "dense":
        assert index.lexical is not None
        lexical = index.lexical.search(query, depth)
    fused: dict[int, float] = {}
    if mode == "hybrid":
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]])
        base = fused
    else:
        base = dict(dense if mode == "dense" else lexical)
    listed = {i: r for r, (i, _) in enumerate(dense if mode != "lexical" else lexical)}
    weights = _weights(index, base, freshness)
    order = sorted(base, key=lambda i: (-base[i] * weights.get(i, 1.0), listed.get(i, depth)))
    return _hits(index, vector, order[:k], dense, lexical, fused, weights)


def _weights(
    index: LoadedIndex, candidates: Iterable[int], policy: FreshnessPolicy | None
) -> dict[int, float]:
    """Freshness weights of the time-sensitive candidates (the others weigh 1)."""
    if policy is None:
        return {}
    on = policy.clock()
    weights: dict[int, float] = {}
    for i in candidates:
        passage = index.passages[i]
        if passage.time_sensitive:
            updated = parse_date(passage.updated)
            weights[i] = policy.weight(updated, True, on)
    return weights


def reweigh(hits: list[Hit], policy: FreshnessPolicy | None) -> list[Hit]:
    """A dense hit list reordered by freshness-weighted cosine (each hit's ``score`` stays
    its cosine); for searches run with a vector only."""
    if policy is None or not any(h.passage.time_sensitive for h in hits):
        return hits
    on = policy.clock()
    weighted = [
        replace(h, freshness=policy.weight(parse_date(h.passage.updated), True, on))
        if h.passage.time_sensitive
        else h
        for h in hits
    ]
    return sorted(weighted, key=lambda h: -h.score * h.freshness)


def _hits(
    index: LoadedIndex,
    vector: Vectors,
    order: list[int],
    dense: list[tuple[int, float]],
    lexical: list[tuple[int, float]],
    fused: dict[int, float],
    weights: dict[int, float],
) -> list[Hit]:
    dense_at = {i: (r, s) for r, (i, s) in enumerate(dense, start=1)}
    lexical_at = {i: (r, s) for r, (i, s) in enumerate(lexical, start=1)}
    unscored = [i for i in order if i not in dense_at]
    cosines = dict(zip(unscored, index.dense_scores(vector, unscored), strict=True))
    hits: list[Hit] = []
    for i in order:
        dense_rank, cosine = dense_at.get(i, (None, cosines.get(i, 0.0)))
        lexical_rank, bm25 = lexical_at.get(i, (None, None))
        hits.append(
            Hit(
                index.passages[i],
                cosine,
                lexical=bm25,
                fused=fused.get(i),
                dense_rank=dense_rank,
                lexical_rank=lexical_rank,
                freshness=weights.get(i, 1.0),
            )
        )
    return hits
