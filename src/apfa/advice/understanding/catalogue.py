"""The intent catalogue (``data/intents.yaml``) and the classifier built on it.

Each intent has example phrasings and cue words. A question is classified by the cosine
similarity of its embedding (the one retrieval computes anyway) to every example, an
intent scoring by its best examples, plus a bonus for each cue the question contains and
one when the question states every fact of one of the intent's signals. A
question can carry several intents: every intent scoring close to the best is kept.
Below ``FLOOR`` the question is ``other``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np
import yaml

from apfa.advice.playbooks.schema import IntentEntry
from apfa.providers.embeddings import Embedder, Vectors

OTHER = "other"
FLOOR = 0.30  # below this best score a question is out of scope
KEEP_WITHIN = 0.05  # intents this close to the best one are kept too
MAX_INTENTS = 3
CUE_BONUS = 0.06
MAX_CUE_BONUS = 0.12
SIGNAL_BONUS = 0.06
TOP_EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class Scored:
    intent: str
    score: float


def load_entries() -> list[IntentEntry]:
    raw: Any = yaml.safe_load(
        files("apfa.advice").joinpath("data", "intents.yaml").read_text(encoding="utf-8")
    )
    return [IntentEntry.model_validate(item) for item in raw]


def _cue_pattern(cues: Sequence[str]) -> re.Pattern[str] | None:
    if not cues:
        return None
    words = sorted({re.escape(c.lower()) for c in cues}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(words) + r")(?![\w])", re.IGNORECASE)


class IntentCatalogue:
    def __init__(self, entries: Sequence[IntentEntry], vectors: Vectors) -> None:
        self.entries = {entry.intent: entry for entry in entries}
        self._labels = np.array(
            [entry.intent for entry in entries for _ in entry.examples], dtype=object
        )
        self._vectors = vectors
        self._names = list(self.entries)
        self._rows = {name: np.flatnonzero(self._labels == name) for name in self._names}
        self._cues = {entry.intent: _cue_pattern(entry.cues) for entry in entries}
        self._signals = {
            entry.intent: [frozenset(signal) for signal in entry.signals] for entry in entries
        }

    @classmethod
    def build(
        cls, embedder: Embedder, entries: Sequence[IntentEntry] | None = None
    ) -> IntentCatalogue:
        """Embed every example (blocking: run it off the event loop)."""
        entries = list(entries) if entries is not None else load_entries()
        texts = [example for entry in entries for example in entry.examples]
        return cls(entries, embedder.encode(texts, batch_size=128))

    def topic(self, intent: str) -> str | None:
        entry = self.entries.get(intent)
        return entry.topic if entry is not None else None

    def scores(self, vector: Vectors, question: str, facts: Collection[str] = ()) -> list[Scored]:
        """Every intent's score; ``facts``: the names of the facts the question states."""
        similarity = self._vectors @ vector.reshape(-1)
        stated = frozenset(facts)
        scored: list[Scored] = []
        for name in self._names:
            top = np.sort(similarity[self._rows[name]])[-TOP_EXAMPLES:]
            base = 0.7 * float(top[-1]) + 0.3 * float(top.mean())
            signalled = any(signal <= stated for signal in self._signals[name])
            bonus = self._cue_bonus(name, question) + SIGNAL_BONUS * signalled
            scored.append(Scored(name, base + bonus))
        return sorted(scored, key=lambda s: s.score, reverse=True)

    def _cue_bonus(self, name: str, question: str) -> float:
        pattern = self._cues.get(name)
        if pattern is None:
            return 0.0
        hits = {m.group(0).lower() for m in pattern.finditer(question)}
        return min(MAX_CUE_BONUS, CUE_BONUS * len(hits))

    def cued(self, question: str) -> set[str]:
        """The intents whose own words (cues) the question uses."""
        return {
            name
            for name, pattern in self._cues.items()
            if pattern is not None and pattern.search(question)
        }

    def classify(self, vector: Vectors, question: str, facts: Collection[str] = ()) -> list[Scored]:
        """The question's intents, best first; ``[other]`` below the floor."""
        return pick(self.scores(vector, question, facts))


def pick(ranked: Sequence[Scored]) -> list[Scored]:
    """The intents kept from a ranking: the best and those close to it, or ``other``."""
    best = ranked[0]
    if best.score < FLOOR or best.intent == OTHER:
        return [Scored(OTHER, best.score)]
    kept = [s for s in ranked if s.intent != OTHER and s.score >= best.score - KEEP_WITHIN]
    return kept[:MAX_INTENTS]
