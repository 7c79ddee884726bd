"""Grading answers against an evaluation set (``tests/data/advice_eval/*.yaml``).

An item has a question (and optional follow-up turns), the intents a correct reading may
give it (the main one first), the concepts a correct answer must contain (each a group of
synonyms, any one matching, case-insensitive), and the figures it must state. Per turn:

* intent: the advisor's top intent is one of the item's intents;
* concept coverage: the share of concept groups found in the answer's text;
* figures: each figure appears in the text as a number equal to it (money to the cent,
  percent to 0.05 of a point, months, years and counts exactly).

Used by ``bench/advice_quality.py`` (the whole set, JSON per intent) and by the suite's
quality floor.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from statistics import mean
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from apfa.advice.flows import AdvicePipeline
from apfa.advice.followup import Thread
from apfa.advice.schemas import LoanQuery

_NUMBER = re.compile(r"(?<![\w.])-?\$?\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
TOLERANCE = {"money": Decimal("0.005"), "percent": Decimal("0.05")}


class FigureSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Decimal
    kind: str
    derivation: str = ""


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    intents: list[str] = Field(min_length=1)
    kind: str
    concepts: list[list[str]] = Field(default_factory=list)
    figures: list[FigureSpec] = Field(default_factory=list)
    profile: dict[str, Any] | None = None


class Item(Turn):
    id: str
    turns: list[Turn] = Field(default_factory=list)


def load_items(paths: Iterable[Path]) -> list[Item]:
    items: list[Item] = []
    for path in sorted(paths):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append(Item.model_validate(raw))
    return items


def numbers_in(text: str) -> list[Decimal]:
    found: list[Decimal] = []
    for match in _NUMBER.finditer(text):
        try:
            found.append(Decimal(match.group(1).replace(",", "")))
        except InvalidOperation:  # pragma: no cover - the pattern only takes numbers
            continue
    return found


def figure_found(figure: FigureSpec, numbers: Sequence[Decimal]) -> bool:
    tolerance = TOLERANCE.get(figure.kind, Decimal(0))
    return any(abs(n - figure.value) <= tolerance for n in numbers)


def concept_found(group: Sequence[str], text: str) -> bool:
    lowered = text.lower()
    return any(synonym.lower() in lowered for synonym in group)


@dataclass
class Graded:
    item: str
    turn: int
    expected: list[str]
    intent: str
    kind: str
    intent_ok: bool
    concepts: float  # share of groups found (1.0 when the turn lists none)
    missing_concepts: list[str]
    figures_total: int
    figures_found: int
    missing_figures: list[str]
    words: int
    latency_ms: float


def grade(
    turn: Turn, item: str, position: int, intent: str, text: str, latency_ms: float
) -> Graded:
    found = [concept_found(group, text) for group in turn.concepts]
    numbers = numbers_in(text)
    figures = [figure_found(f, numbers) for f in turn.figures]
    return Graded(
        item=item,
        turn=position,
        expected=turn.intents,
        intent=intent,
        kind=turn.kind,
        intent_ok=intent in turn.intents,
        concepts=sum(found) / len(found) if found else 1.0,
        missing_concepts=[g[0] for g, ok in zip(turn.concepts, found, strict=True) if not ok],
        figures_total=len(figures),
        figures_found=sum(figures),
        missing_figures=[
            f"{f.value} ({f.kind})" for f, ok in zip(turn.figures, figures, strict=True) if not ok
        ],
        words=len(text.split()),
        latency_ms=latency_ms,
    )


@dataclass
class Summary:
    turns: int = 0
    intent_accuracy: float = 0.0
    concept_coverage: float = 0.0
    figures_exact: float = 1.0
    figures: int = 0
    words_median: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p95_ms: float = 0.0
    by_intent: dict[str, dict[str, float]] = field(default_factory=dict)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _summary_of(graded: Sequence[Graded]) -> dict[str, float]:
    figures = sum(g.figures_total for g in graded)
    return {
        "turns": len(graded),
        "intent_accuracy": round(mean(g.intent_ok for g in graded), 4),
        "concept_coverage": round(mean(g.concepts for g in graded), 4),
        "figures_exact": round(sum(g.figures_found for g in graded) / figures, 4)
        if figures
        else 1.0,
        "figures": figures,
        "words_median": _percentile([g.words for g in graded], 0.5),
        "latency_p50_ms": round(_percentile([g.latency_ms for g in graded], 0.5), 2),
        "latency_p95_ms": round(_percentile([g.latency_ms for g in graded], 0.95), 2),
    }


def summarise(graded: Sequence[Graded]) -> Summary:
    if not graded:
        return Summary()
    overall = _summary_of(graded)
    by_intent: dict[str, list[Graded]] = defaultdict(list)
    for g in graded:
        by_intent[g.expected[0]].append(g)
    return Summary(
        turns=int(overall["turns"]),
        intent_accuracy=overall["intent_accuracy"],
        concept_coverage=overall["concept_coverage"],
        figures_exact=overall["figures_exact"],
        figures=int(overall["figures"]),
        words_median=overall["words_median"],
        latency_p50_ms=overall["latency_p50_ms"],
        latency_p95_ms=overall["latency_p95_ms"],
        by_intent={name: _summary_of(rows) for name, rows in sorted(by_intent.items())},
    )


def failures(graded: Sequence[Graded]) -> list[Mapping[str, object]]:
    """What each imperfect turn missed, for reading the results."""
    return [
        {
            "item": g.item,
            "turn": g.turn,
            "expected": g.expected,
            "intent": g.intent,
            "missing_concepts": g.missing_concepts,
            "missing_figures": g.missing_figures,
        }
        for g in graded
        if not g.intent_ok or g.missing_concepts or g.missing_figures
    ]


async def run_items(pipeline: AdvicePipeline, items: Sequence[Item]) -> list[Graded]:
    """Ask every item's question (and its follow-ups, as a conversation) and grade them."""
    graded: list[Graded] = []
    for item in items:
        thread = Thread()
        for position, turn in enumerate([item, *item.turns]):
            query = LoanQuery(query=turn.question, profile=turn.profile)
            started = time.perf_counter()
            answer, thread = await pipeline.answer_turn(query, thread)
            latency = (time.perf_counter() - started) * 1000
            body = answer.body
            intent = body.intents[0] if body.intents else ""
            graded.append(grade(turn, item.id, position, intent, body.advice, latency))
    return graded
