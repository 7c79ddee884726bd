"""The advisor: understand the question, plan with the intents' playbooks, compute in the
person's numbers, retrieve what supports the answer, and compose it.

Deterministic and fast: the question is embedded once (that vector classifies the intents
and searches the index); the playbooks' targeted retrieval queries and the intent examples
were embedded when the advisor was built; the calculators are exact (``apfa.finance``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import structlog

from apfa.advice.calculators import REGISTRY, figure_kinds
from apfa.advice.calculators.base import Comparison, FigureKind, Inputs
from apfa.advice.compose.answer import (
    Composed,
    Composer,
    Material,
    clarification,
    supporting,
)
from apfa.advice.compose.changes import earlier_figures
from apfa.advice.followup import (
    Thread,
    choose_intents,
    merge,
    same_topic,
    unresolved,
    what_if,
)
from apfa.advice.playbooks.library import Compiled, load_playbooks
from apfa.advice.reading.read import read_facts
from apfa.advice.understanding.catalogue import OTHER, IntentCatalogue, Scored, pick
from apfa.advice.understanding.kinds import question_kind
from apfa.knowledge.index.store import Hit, LoadedIndex, Passage
from apfa.knowledge.retrieval import Retriever
from apfa.providers.embeddings import Embedder, Vectors

log = structlog.get_logger(__name__)

TARGETED_K = 2
_BUILT: dict[str, Advisor] = {}
_BUILT_LOCK = threading.Lock()
BUNDLED = "bundled:{}.md"
# Profile fields a client sends, as the facts they are.
PROFILE_FACTS = {
    "annual_income": "annual_income",
    "monthly_debt_payments": "monthly_debt_payments",
    "credit_score": "credit_score",
    "loan_type": "loan_type",
    "loan_amount": "loan_amount",
    "home_price": "home_price",
    "down_payment": "down_payment",
    "interest_rate": "interest_rate",
}


@dataclass(frozen=True, slots=True)
class Understanding:
    intents: list[Scored]
    kind: str
    facts: dict[str, object]  # everything known: the thread's and this question's
    read_notes: list[str]
    stated: dict[str, object] = field(default_factory=dict)  # this question's own facts
    unresolved: bool = False  # a follow-up pointing at nothing the thread knows
    said: frozenset[str] = frozenset()  # what the thread's earlier answers said
    earlier: dict[str, str] = field(default_factory=dict)  # the last answer's headline figures


@dataclass
class Advice:
    understanding: Understanding
    composed: Composed
    values: dict[str, object]
    hits: list[Hit]
    assumptions: list[str] = field(default_factory=list)
    index_version: int | None = None
    plan: list[str] = field(default_factory=list)  # ``plan_lines``


def plan_lines(plans: Sequence[Compiled], computed: Sequence[str]) -> list[str]:
    """The plan in words, for an LLM agent: what was asked, computed and searched for."""
    calculators = list(dict.fromkeys(c for p in plans for c in p.playbook.calculators))
    queries = [q for p in plans for q in p.playbook.retrieval]
    lines = [f"intents: {', '.join(p.playbook.intent for p in plans)}"]
    if calculators:
        lines.append(f"calculators run: {', '.join(calculators)}")
    if computed:
        lines.append(f"figures computed: {', '.join(computed)}")
    if queries:
        lines.append(f"retrieval queries: {'; '.join(queries)}")
    return lines


def facts_of(profile: Mapping[str, object]) -> dict[str, object]:
    """A client's profile as facts (``term_years`` becomes ``term_months``)."""
    facts: dict[str, object] = {}
    for name, value in profile.items():
        if value is None:
            continue
        if name == "term_years":
            facts["term_months"] = int(str(value)) * 12
        elif name in PROFILE_FACTS:
            fact = PROFILE_FACTS[name]
            facts[fact] = value if isinstance(value, str) else Decimal(str(value))
    return facts


def _derived(facts: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """The facts with what follows from them directly, and a note for each derivation."""
    values = dict(facts)
    notes: list[str] = []
    months = values.get("term_months")
    if isinstance(months, int | Decimal) and "term_years" not in values:
        values["term_years"] = Decimal(months) / 12
    index, margin = values.get("index_rate"), values.get("margin")
    if (
        values.get("interest_rate") is None
        and isinstance(index, Decimal)
        and isinstance(margin, Decimal)
    ):
        values["interest_rate"] = index + margin
        notes.append(f"rate taken as the index plus the margin: {index + margin}%")
    return values, notes


class Advisor:
    def __init__(
        self,
        catalogue: IntentCatalogue,
        playbooks: Mapping[str, Compiled],
        targeted: Mapping[str, Vectors],
    ) -> None:
        self.catalogue = catalogue
        self.playbooks = playbooks
        self._targeted = targeted
        self._composer_kinds: dict[str, FigureKind] = figure_kinds()

    @classmethod
    def for_model(cls, embedder: Embedder) -> Advisor:
        """``build`` once per model in a process (the data is packaged, so the result is
        the same every time; several apps in one process share it)."""
        with _BUILT_LOCK:
            built = _BUILT.get(embedder.model_name)
            if built is None:
                built = _BUILT[embedder.model_name] = cls.build(embedder)
            return built

    @classmethod
    def build(cls, embedder: Embedder) -> Advisor:
        """Load and check the catalogue and the playbooks, embed their texts (blocking)."""
        catalogue = IntentCatalogue.build(embedder)
        playbooks = load_playbooks(catalogue.entries)
        missing = sorted(set(catalogue.entries) - set(playbooks))
        if missing:
            raise ValueError(f"intents without a playbook: {missing}")
        targeted: dict[str, Vectors] = {}
        for intent, compiled in playbooks.items():
            queries = compiled.playbook.retrieval
            if queries:
                targeted[intent] = embedder.encode(queries)
        return cls(catalogue, playbooks, targeted)

    def understand(
        self,
        question: str,
        vector: Vectors,
        given: Mapping[str, object],
        thread: Thread | None = None,
    ) -> Understanding:
        """Intents, kind and facts of ``question`` (read against ``thread``, a turn of a
        conversation, when given)."""
        reading = read_facts(question, thread.facts if thread is not None else ())
        stated = {**reading.facts, **facts_of(given)}
        ranked = self.catalogue.scores(vector, question, reading.facts)
        intents = pick(ranked)
        kind = question_kind(question)
        if thread is None:
            return Understanding(intents, kind, stated, reading.notes, stated)
        scores = {s.intent: s.score for s in ranked}
        names = choose_intents(
            thread,
            question,
            stated,
            [(s.intent, s.score) for s in intents],
            scores,
            self.catalogue.cued(question),
        )
        topic = self.catalogue.topic
        kept = same_topic(
            [topic(i) for i in thread.intents],
            [topic(n) for n in names],
            question,
            (thread.facts.get("loan_type"), stated.get("loan_type")),
        )
        turn = what_if(thread.facts, stated) if kept else stated
        return Understanding(
            [Scored(name, scores.get(name, 0.0)) for name in names],
            kind,
            merge(thread.facts, turn, same_topic=kept),
            reading.notes,
            stated,
            unresolved(question, thread, stated),
            frozenset(thread.said),
            earlier_figures(thread.said) if kept else {},
        )

    def plans(self, understanding: Understanding) -> list[Compiled]:
        found = [
            self.playbooks[s.intent] for s in understanding.intents if s.intent in self.playbooks
        ]
        return found or [self.playbooks[OTHER]]

    @staticmethod
    def compute(
        plans: Sequence[Compiled], facts: Mapping[str, object]
    ) -> tuple[dict[str, object], list[str], list[Comparison], list[str]]:
        """Run every calculator of the plans once: (values, computed figure names in
        order, comparisons, assumptions)."""
        values, assumptions = _derived(facts)
        computed: list[str] = []
        comparisons: list[Comparison] = []
        done: set[str] = set()
        for plan in plans:
            for name in plan.playbook.calculators:
                if name in done:
                    continue
                done.add(name)
                try:
                    result = REGISTRY[name].run(Inputs(values))
                except (ArithmeticError, ValueError):
                    # A figure out of any real range ("a $10^20 income"): the answer goes on
                    # without this calculation rather than failing the question.
                    log.warning("calculator_skipped", calculator=name, exc_info=True)
                    continue
                if result is None:
                    continue
                for figure, value in result.figures.items():
                    if figure not in values:
                        values[figure] = value
                        computed.append(figure)
                # two calculators may set out the same options (a payment's and a term
                # comparison's table of the terms stated): the table is shown once
                comparisons.extend(t for t in result.comparisons if t not in comparisons)
                assumptions.extend(a for a in result.assumptions if a not in assumptions)
        return values, computed, comparisons, assumptions

    def retrieve(
        self,
        retriever: Retriever,
        vector: Vectors,
        plans: Sequence[Compiled],
        index: LoadedIndex | None,
        top_k: int,
        min_score: float,
        question: str = "",
    ) -> list[Hit]:
        if index is None:
            return []
        vectors: list[Vectors] = []
        main = plans[0].playbook.intent
        if main in self._targeted:
            vectors.extend(self._targeted[main])
        found = retriever.search_question(question, vector, vectors, top_k, index, min_score)
        merged: dict[int, Hit] = {}
        for position, hits in enumerate(found):
            for hit in hits if position == 0 else hits[:TARGETED_K]:
                known = merged.get(hit.passage.chunk_id)
                if known is None or hit.score > known.score:
                    merged[hit.passage.chunk_id] = hit
        return sorted(merged.values(), key=lambda h: h.score, reverse=True)

    def compose(
        self,
        question: str,
        understanding: Understanding,
        plans: Sequence[Compiled],
        computed: tuple[dict[str, object], list[str], list[Comparison], list[str]],
        hits: Sequence[Hit],
        index: LoadedIndex | None,
        disclaimer: str,
    ) -> Composed:
        if understanding.unresolved:
            return clarification(disclaimer)
        values, names, comparisons, assumptions = computed

        def find_source(document: str, statement: str) -> Passage | None:
            if index is None:
                return None
            return supporting(index.passages_of(BUNDLED.format(document)), statement)

        material = Material(
            question=question,
            kind=understanding.kind,
            playbooks=plans,
            values=values,
            figure_kinds=self._composer_kinds,
            computed=names,
            comparisons=comparisons,
            assumptions=assumptions,
            hits=hits,
            stated=bool(understanding.facts),
            disclaimer=disclaimer,
            index_available=index is not None,
            already_said=understanding.said,
            earlier=understanding.earlier,
        )
        return Composer(find_source).compose(material)


def as_float(value: object) -> float | int | str:
    """A figure for JSON: Decimal as float, ints and words as they are."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float | str):
        return value
    return str(value)
