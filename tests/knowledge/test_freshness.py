"""Freshness: time-sensitive passages lose rank with age, evergreen ones never; review dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from apfa.knowledge.freshness import FreshnessPolicy, kind_of, parse_date, review_of
from apfa.knowledge.fusion import MODES, Mode, rank, reweigh
from apfa.knowledge.index.store import (
    LoadedIndex,
    Passage,
    load_version,
    version_dirname,
    write_version,
)
from apfa.providers.embeddings import HashingEmbedder

EMBEDDER = HashingEmbedder(64)
TODAY = dt.date(2027, 3, 1)
POLICY = FreshnessPolicy(clock=lambda: TODAY)
EDITION = "the 401(k) elective deferral limit and catch-up contribution for the year"
OTHER = "a budget splits after-tax income into needs, wants and savings"


def test_weight_is_one_inside_the_grace_period_then_halves_towards_the_floor() -> None:
    policy = FreshnessPolicy(grace_days=90, half_life_days=365, floor=0.0)
    updated = dt.date(2026, 1, 1)
    assert policy.weight(updated, True, updated + dt.timedelta(days=90)) == 1.0
    later = updated + dt.timedelta(days=90 + 365)
    assert policy.weight(updated, True, later) == pytest.approx(0.5)
    assert policy.weight(updated, True, later + dt.timedelta(days=365)) == pytest.approx(0.25)
    floored = FreshnessPolicy(grace_days=90, half_life_days=365, floor=0.9)
    assert floored.weight(updated, True, later) == pytest.approx(0.95)


def test_weight_never_falls_below_the_floor_and_evergreen_or_undated_never_decays() -> None:
    old = dt.date(2015, 1, 1)
    weight = FreshnessPolicy(floor=0.85).weight(old, True, TODAY)
    assert 0.85 < weight < 0.851
    assert FreshnessPolicy(floor=0.85).weight(old, False, TODAY) == 1.0
    assert FreshnessPolicy(floor=0.85).weight(None, True, TODAY) == 1.0
    assert FreshnessPolicy(floor=1.0).weight(old, True, TODAY) == 1.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-15", dt.date(2026, 1, 15)),
        ("2026-01-15T09:30:00Z", dt.date(2026, 1, 15)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 1)),
        ("January 2026", None),
        ("2026-13-45", None),
        (None, None),
        (20260115, None),
    ],
)
def test_front_matter_dates_are_read_leniently(value: object, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


def test_kind_defaults_to_evergreen() -> None:
    assert kind_of({"freshness": "time-sensitive"}) == "time-sensitive"
    assert kind_of({"freshness": "Time_Sensitive"}) == "time-sensitive"
    assert kind_of({"freshness": "sometimes"}) == "evergreen"
    assert kind_of({}) == "evergreen"


def test_review_date_is_stated_or_updated_plus_the_interval_of_the_kind() -> None:
    policy = FreshnessPolicy(review_days=365, evergreen_review_days=1095)
    stated = review_of({"updated": "2026-01-15", "review_by": "2026-06-30"}, policy, TODAY)
    assert stated.review_by == dt.date(2026, 6, 30)
    assert stated.overdue
    assert stated.days_overdue == (TODAY - dt.date(2026, 6, 30)).days
    sensitive = review_of({"updated": "2026-01-15", "freshness": "time-sensitive"}, policy, TODAY)
    assert sensitive.review_by == dt.date(2027, 1, 15)
    assert sensitive.overdue
    evergreen = review_of({"updated": "2026-01-15"}, policy, TODAY)
    assert evergreen.review_by == dt.date(2029, 1, 14)
    assert not evergreen.overdue
    assert evergreen.days_overdue == 0
    undated = review_of({"title": "no dates"}, policy, TODAY)
    assert undated.review_by is None
    assert not undated.overdue


def _editions(root: Path, time_sensitive: bool) -> LoadedIndex:
    """Two editions of the same guidance (the older one a shade closer to the question) and
    one unrelated passage."""
    texts = [EDITION, f"{EDITION} 2027", OTHER]
    updated = ["2025-01-10", "2027-01-10", "2025-01-10"]
    passages = [
        Passage(
            i,
            f"doc-{i}",
            f"Title {i}",
            ("Limits",),
            text,
            key=f"upload:doc-{i}",
            updated=updated[i],
            time_sensitive=time_sensitive,
        )
        for i, text in enumerate(texts)
    ]
    vectors = EMBEDDER.encode(texts)
    write_version(root, version=1, model="hashing-test", vectors=vectors, passages=passages)
    return load_version(root / version_dirname(1))


@pytest.mark.parametrize("mode", MODES)
def test_the_newer_edition_of_time_sensitive_guidance_ranks_first(
    tmp_path: Path, mode: Mode
) -> None:
    index = _editions(tmp_path, time_sensitive=True)
    query = "401(k) elective deferral limit"
    vector = EMBEDDER.encode([query])[0]
    plain = rank(index, query, vector, 2, mode)
    assert plain[0].passage.document_id == "doc-0"
    hits = rank(index, query, vector, 2, mode, POLICY)
    # Each hit's score stays its cosine, so a minimum score means what it meant.
    cosine = {h.passage.chunk_id: h.score for h in plain}
    assert all(h.score == pytest.approx(cosine[h.passage.chunk_id]) for h in hits)
    assert [h.passage.document_id for h in hits] == ["doc-1", "doc-0"]
    assert hits[0].freshness == 1.0
    assert POLICY.floor < hits[1].freshness < 1.0


def test_evergreen_editions_keep_their_order_and_weight(tmp_path: Path) -> None:
    index = _editions(tmp_path, time_sensitive=False)
    query = "401(k) elective deferral limit"
    vector = EMBEDDER.encode([query])[0]
    with_policy = rank(index, query, vector, 3, "hybrid", POLICY)
    without = rank(index, query, vector, 3, "hybrid")
    assert [h.passage.chunk_id for h in with_policy] == [h.passage.chunk_id for h in without]
    assert all(h.freshness == 1.0 for h in with_policy)


def test_an_old_time_sensitive_passage_alone_on_its_subject_is_still_found(
    tmp_path: Path,
) -> None:
    index = _editions(tmp_path, time_sensitive=True)
    query = "needs wants savings budget"
    hits = rank(index, query, EMBEDDER.encode([query])[0], 1, "hybrid", POLICY)
    assert hits[0].passage.document_id == "doc-2"
    assert hits[0].freshness < 1.0


def test_dense_searches_by_vector_are_reordered_by_freshness(tmp_path: Path) -> None:
    index = _editions(tmp_path, time_sensitive=True)
    hits = index.search(EMBEDDER.encode([EDITION])[0], 2)
    reordered = reweigh(hits, POLICY)
    assert [h.passage.document_id for h in reordered] == ["doc-1", "doc-0"]
    assert reweigh(hits, None) is hits
