"""Hybrid ranking: reciprocal rank fusion, scores on every hit, dense-only fallbacks."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from apfa.knowledge.fusion import RRF_K, effective_mode, rank, rrf
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.store import (
    MANIFEST_FILE,
    LoadedIndex,
    Passage,
    load_version,
    version_dirname,
    write_version,
)
from apfa.knowledge.retrieval import Retriever
from apfa.providers.embeddings import HashingEmbedder

EMBEDDER = HashingEmbedder(64)
TEXTS = [
    "private mortgage insurance protects the lender on a small down payment",
    "auto loan terms of 72 months raise total interest",
    "the 50/30/20 budget splits after-tax income",
    "a 5/6 ARM adjusts every six months after five fixed years",
    "Public Service Loan Forgiveness needs 120 qualifying payments",
]


def _passages() -> list[Passage]:
    return [
        Passage(i, f"doc-{i}", f"Title {i}", ("Section",), t, key=f"bundled:doc-{i}.md")
        for i, t in enumerate(TEXTS)
    ]


def _version(root: Path, version: int = 1, index_type: str | None = None) -> LoadedIndex:
    write_version(
        root,
        version=version,
        model="hashing-test",
        vectors=EMBEDDER.encode(TEXTS),
        passages=_passages(),
        index_type=index_type,
    )
    return load_version(root / version_dirname(version))


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = rrf([[7, 3], [3, 9]])
    assert fused[3] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert fused[7] == pytest.approx(1 / (RRF_K + 1))
    assert fused[9] == pytest.approx(1 / (RRF_K + 2))
    assert max(fused, key=fused.__getitem__) == 3  # near the top of both beats first in one


def test_hybrid_hits_carry_dense_lexical_and_fused_scores(tmp_path: Path) -> None:
    index = _version(tmp_path)
    query = "PSLF 120 payments"
    hits = rank(index, query, EMBEDDER.encode([query])[0], 3, "hybrid")
    assert hits[0].passage.document_id == "doc-4"
    top = hits[0]
    assert top.lexical is not None
    assert top.lexical > 0
    assert top.fused is not None
    assert top.lexical_rank == 1
    fused = [h.fused for h in hits]
    assert fused == sorted(fused, reverse=True)


def test_a_passage_only_bm25_found_still_gets_its_exact_cosine(tmp_path: Path) -> None:
    index = _version(tmp_path)
    query = "5/6 ARM"
    vector = EMBEDDER.encode([query])[0]
    lexical_only = rank(index, query, vector, 5, "lexical")
    assert lexical_only[0].passage.document_id == "doc-3"
    assert lexical_only[0].dense_rank is None
    assert lexical_only[0].fused is None
    expected = float(EMBEDDER.encode([TEXTS[3]])[0] @ vector)
    assert lexical_only[0].score == pytest.approx(expected, abs=1e-5)


def test_dense_mode_has_no_lexical_scores(tmp_path: Path) -> None:
    index = _version(tmp_path)
    hits = rank(index, "budget", EMBEDDER.encode(["budget"])[0], 2, "dense")
    assert [h.dense_rank for h in hits] == [1, 2]
    assert all(h.lexical is None for h in hits)
    assert all(h.fused is None for h in hits)


def test_ivf_versions_score_passages_outside_the_dense_list(tmp_path: Path) -> None:
    index = _version(tmp_path, index_type="ivf")
    positions = [0, 4]
    scores = index.dense_scores(EMBEDDER.encode(["loan"])[0], positions)
    vectors = EMBEDDER.encode([TEXTS[0], TEXTS[4]])
    assert scores == pytest.approx(list(vectors @ EMBEDDER.encode(["loan"])[0]), abs=1e-5)


def _strip_bm25(directory: Path) -> None:
    """What a version written before BM25 existed looks like."""
    manifest = json.loads((directory / MANIFEST_FILE).read_text("utf-8"))
    for name in [n for n in manifest["files"] if n.startswith("bm25.")]:
        (directory / name).unlink()
        del manifest["files"][name]
    from apfa.knowledge.index.store import _overall_checksum

    manifest["checksum"] = _overall_checksum(manifest["files"])
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest), "utf-8")


def test_a_version_without_bm25_loads_and_searches_dense_only(tmp_path: Path) -> None:
    _version(tmp_path)
    directory = tmp_path / version_dirname(1)
    _strip_bm25(directory)
    old = load_version(directory)
    assert old.lexical is None
    assert effective_mode(old, "hybrid") == "dense"
    hits = rank(old, "auto loan", EMBEDDER.encode(["auto loan"])[0], 2, "hybrid")
    assert hits[0].passage.document_id == "doc-1"
    assert hits[0].lexical is None
    assert hits[0].fused is None


async def test_rolling_back_to_a_dense_only_version_keeps_search_working(
    tmp_path: Path,
) -> None:
    _version(tmp_path, version=1)
    _strip_bm25(tmp_path / version_dirname(1))
    old = await anyio.to_thread.run_sync(load_version, tmp_path / version_dirname(1))
    new = await anyio.to_thread.run_sync(_version, tmp_path, 2)
    holder = IndexHolder()
    retriever = Retriever(holder, EMBEDDER)
    holder.swap(new, 2.0)
    assert (await retriever.search("PSLF", 2)).mode == "hybrid"
    holder.swap(old, 3.0)  # the rollback
    result = await retriever.search("PSLF", 2)
    assert (result.version, result.mode) == (1, "dense")
    assert result.hits
    assert result.hits[0].fused is None


async def test_min_score_filters_on_the_dense_cosine(tmp_path: Path) -> None:
    holder = IndexHolder()
    holder.swap(await anyio.to_thread.run_sync(_version, tmp_path), 1.0)
    retriever = Retriever(holder, EMBEDDER)
    everything = await retriever.search("PSLF 120 payments", 5)
    cutoff = 0.05  # the unrelated passages' cosine with hashed words is 0
    kept = await retriever.search("PSLF 120 payments", 5, min_score=cutoff)
    assert kept.hits
    assert all(h.score >= cutoff for h in kept.hits)
    assert len(kept.hits) < len(everything.hits)


def test_the_advisor_search_of_a_question_follows_the_retriever_mode(tmp_path: Path) -> None:
    index = _version(tmp_path)
    query = "5/6 ARM"
    vector = EMBEDDER.encode([query])[0]
    hybrid = Retriever(IndexHolder(), EMBEDDER).rank_question(query, vector, 2, index)
    dense = Retriever(IndexHolder(), EMBEDDER, mode="dense").rank_question(query, vector, 2, index)
    assert hybrid[0].passage.document_id == "doc-3"
    assert hybrid[0].lexical is not None  # the exact tokens were searched too
    assert all(h.lexical is None for h in dense)
    cutoff = hybrid[-1].score + 1e-6
    kept = Retriever(IndexHolder(), EMBEDDER).rank_question(query, vector, 2, index, cutoff)
    assert len(kept) < len(hybrid)
    assert all(h.score >= cutoff for h in kept)
