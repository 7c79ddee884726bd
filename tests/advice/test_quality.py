"""A floor under answer quality: the whole evaluation set (``tests/data/advice_eval``) is
asked through the app's advice pipeline and graded as ``bench/advice_quality.py`` grades it,
so a change that makes the answers worse fails the suite. The floors sit a little below
what the advisor measures on this suite's small corpus; the benchmark reports the figures
on the bundled knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from apfa.advice.evaluation import failures, load_items, run_items, summarise
from apfa.advice.flows import ADVICE_PIPELINE

pytestmark = pytest.mark.slow

EVAL = Path(__file__).resolve().parents[1] / "data" / "advice_eval"
FLOORS = {"intent_accuracy": 0.93, "concept_coverage": 0.83, "figures_exact": 0.95}


def test_every_item_of_the_set_is_well_formed() -> None:
    items = load_items(EVAL.glob("*.yaml"))
    assert len(items) >= 200
    assert len({item.id for item in items}) == len(items)
    turns = [turn for item in items for turn in (item, *item.turns)]
    assert all(turn.concepts or turn.intents == ["other"] for turn in turns)


async def test_answers_stay_above_the_quality_floor(app: FastAPI) -> None:
    items = load_items(EVAL.glob("*.yaml"))
    graded = await run_items(ADVICE_PIPELINE.of(app), items)
    summary = summarise(graded)
    measured = {name: getattr(summary, name) for name in FLOORS}
    below = {name: value for name, value in measured.items() if value < FLOORS[name]}
    assert not below, (below, failures(graded)[:10])
