"""The answer a counsellor would sign, composed from the plan's results.

Order: the direct answer (the decision or the definition, in the person's numbers), why
(the playbook's rules that hold, each with its source, and the knowledge base's own
words), the person's numbers and the options side by side, the next steps for this
situation, what was assumed, what would change the answer (asked as questions), and the
disclaimer. The same structure is returned as data for clients that render it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from apfa.advice.calculators.base import Comparison, FigureKind
from apfa.advice.compose.changes import change_line, figure_keys
from apfa.advice.compose.labels import LABELS
from apfa.advice.compose.passages import best_run, best_sentence, off_plan, similar, terms
from apfa.advice.facts import FACTS
from apfa.advice.formatting import render
from apfa.advice.playbooks.library import Compiled, holds
from apfa.advice.playbooks.schema import PLACEHOLDER, Rule
from apfa.knowledge.index.store import Hit, Passage

MAX_WHY = 4
MAX_STEPS = 5
MAX_ASKS = 3
MAX_NUMBERS = 8
MAX_EXCERPTS = 1

Values = Mapping[str, object]
# Finds the passage supporting a rule: a knowledge-base document id and the statement.
SourceFinder = Callable[[str, str], Passage | None]

_FACT_KINDS: dict[str, FigureKind] = {
    "money": "money",
    "percent": "percent",
    "months": "months",
    "years": "years",
    "count": "count",
    "score": "count",
    "text": "text",
}


@dataclass
class Section:
    kind: str  # why | numbers | options | steps | assumptions | missing
    title: str
    text: str


@dataclass
class Composed:
    text: str
    summary: str
    sections: list[Section]
    comparisons: list[Comparison]
    follow_up_questions: list[str]
    cited: list[Hit]  # in citation order: [1] is cited[0]
    said: list[str] = field(default_factory=list)  # keys of what this answer said


@dataclass
class Material:
    """Everything the composer works from."""

    question: str
    kind: str
    playbooks: Sequence[Compiled]  # the question's intents, the main one first
    values: Values  # facts and figures
    figure_kinds: Mapping[str, FigureKind]
    computed: Sequence[str] = ()  # figures the calculators produced, in their order
    comparisons: Sequence[Comparison] = ()
    assumptions: Sequence[str] = ()
    hits: Sequence[Hit] = ()
    stated: bool = False  # the person gave any figure
    disclaimer: str = ""
    index_available: bool = True
    already_said: frozenset[str] = frozenset()  # in this conversation, earlier answers
    earlier: Mapping[str, str] = field(default_factory=dict)  # the last answer's headline figures


def said_key(intent: str, part: str, name: str) -> str:
    """How an answer remembers a statement, step or question: ``payment:rule:piti``."""
    return f"{intent}:{part}:{name}"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


@dataclass
class _Citations:
    hits: list[Hit] = field(default_factory=list)

    def number(self, passage: Passage, score: float = 0.0) -> int:
        for n, hit in enumerate(self.hits, start=1):
            if hit.passage.chunk_id == passage.chunk_id:
                return n
        self.hits.append(Hit(passage, score))
        return len(self.hits)


def render_value(name: str, value: object, figure_kinds: Mapping[str, FigureKind]) -> str:
    if name == "term_months" and isinstance(value, int) and value % 12 == 0:
        return f"{value // 12} years"
    if name == "term_years" and isinstance(value, int | Decimal):
        return render(Decimal(value), "years")
    kind = figure_kinds.get(name)
    if kind is None and name in FACTS:
        kind = _FACT_KINDS.get(FACTS[name].kind, "text")
    if isinstance(value, list) or kind is None:
        return str(value)
    return render(value, kind)  # type: ignore[arg-type]


def fill(text: str, values: Values, figure_kinds: Mapping[str, FigureKind]) -> str | None:
    """``text`` with its placeholders filled; None when one of them is unknown."""
    missing = False

    def value_of(match: object) -> str:
        nonlocal missing
        name = match.group(1)  # type: ignore[attr-defined]
        value = values.get(name)
        if value is None:
            missing = True
            return ""
        return render_value(name, value, figure_kinds)

    filled = PLACEHOLDER.sub(value_of, text)
    return None if missing else filled


def _statement(rule: Rule, material: Material) -> str | None:
    return fill(rule.says, material.values, material.figure_kinds) or rule.general


class Composer:
    def __init__(self, find_source: SourceFinder) -> None:
        self._find_source = find_source

    def compose(self, material: Material) -> Composed:
        said: list[str] = []
        citations = _Citations()
        main = material.playbooks[0]
        lead, why, specific = self._rules(material, citations, said)
        if changed := change_line(material.values, material.earlier, material.figure_kinds):
            why.insert(0, changed)
        said.extend(figure_keys(material.values))
        summary = self._summary(material, main, lead, specific)
        sections: list[Section] = []
        excerpts = self._excerpts(material, citations, [summary, *why], said)
        if why or excerpts:
            sections.append(Section("why", "Why", "\n".join([*(f"- {w}" for w in why), *excerpts])))
        numbers = self._numbers(material, said)
        if numbers:
            sections.append(
                Section("numbers", "Your numbers", "\n".join(f"- {n}" for n in numbers))
            )
        for table in material.comparisons:
            sections.append(Section("options", table.title, _table_text(table)))
        steps = self._steps(material, said)
        if steps:
            sections.append(
                Section(
                    "steps",
                    "What to do next",
                    "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)),
                )
            )
        if material.assumptions:
            sections.append(
                Section(
                    "assumptions",
                    "What I assumed",
                    "\n".join(f"- {a}" for a in material.assumptions),
                )
            )
        asks = self._asks(material, said)
        if asks:
            sections.append(
                Section(
                    "missing",
                    "What would change this answer",
                    "\n".join(f"- {question} {why_}" for question, why_ in asks),
                )
            )
        text = "\n\n".join(
            [summary, *(f"{s.title}:\n{s.text}" for s in sections), material.disclaimer]
        ).strip()
        return Composed(
            text=text,
            summary=summary,
            sections=sections,
            comparisons=list(material.comparisons),
            follow_up_questions=[question for question, _ in asks],
            cited=citations.hits,
            said=said,
        )

    # -- parts -------------------------------------------------------------------------

    def _cite(self, rule: Rule, text: str, citations: _Citations) -> str:
        if not rule.source:
            return text
        passage = self._find_source(rule.source, text)
        return text if passage is None else f"{text} [{citations.number(passage)}]"

    def _rules(
        self, material: Material, citations: _Citations, said: list[str]
    ) -> tuple[str | None, list[str], bool]:
        """The lead statement (cited), the other statements that hold, cited, and whether
        the lead answers what the question asked (its rule tests the question's words); in a
        conversation, what an earlier answer already said is not said again (the lead,
        the answer to this question, always is)."""
        lead: str | None = None
        specific = False
        why: list[str] = []
        for position, compiled in enumerate(material.playbooks):
            intent = compiled.playbook.intent
            for rule, condition in zip(compiled.playbook.rules, compiled.rules, strict=True):
                if not holds(condition, material.values, material.question):
                    continue
                statement = _statement(rule, material)
                if statement is None:
                    continue
                # A statement in the person's numbers is said again once the numbers change.
                key = said_key(intent, "rule", f"{rule.id}:{_digest(statement)}")
                is_lead = rule.lead and lead is None and position == 0
                if not is_lead and not (position == 0 or rule.lead):
                    continue
                if not is_lead and key in material.already_said:
                    if position > 0:
                        break
                    continue
                cited = self._cite(rule, statement, citations)
                said.append(key)
                if is_lead:
                    lead = cited
                    specific = "asked(" in (rule.when or "")
                    continue
                if cited in why or cited == lead:  # a shared rule two playbooks give
                    continue
                if len(why) < MAX_WHY:
                    why.append(cited)
                if position > 0:
                    break  # one statement from each other intent: its lead
        return lead, why, specific

    @staticmethod
    def _summary(material: Material, main: Compiled, lead: str | None, specific: bool) -> str:
        if not material.index_available:
            prefix = (
                "The knowledge base is not available right now, so this answer cites no sources. "
            )
        else:
            prefix = ""
        definition = main.playbook.definition.strip()
        if lead is None or (
            not specific
            and (material.kind == "define" or (material.kind == "explain" and not material.stated))
        ):
            return prefix + (definition if lead is None else f"{definition} {lead}")
        return prefix + lead

    @staticmethod
    def _excerpts(
        material: Material, citations: _Citations, used: Sequence[str], said: list[str]
    ) -> list[str]:
        query = terms(material.question) | terms(material.playbooks[0].playbook.title)
        avoid = [terms(text) for text in used]
        excerpts: list[str] = []
        # a follow-up's few words ("what if I put 20% down?") find passages on other
        # subjects: in a conversation, a bundled passage must come from the plan's sources
        sources = {s for c in material.playbooks for s in c.playbook.sources}
        for hit in material.hits:
            if len(excerpts) >= MAX_EXCERPTS:
                break
            if material.already_said and off_plan(hit.passage.key, sources):
                continue
            key = said_key("any", "excerpt", str(hit.passage.chunk_id))
            if key in material.already_said:
                continue
            run = best_run(hit.passage.text, query, avoid)
            if run is None:
                continue
            avoid.append(terms(run))
            excerpts.append(f"{run} [{citations.number(hit.passage, hit.score)}]")
            said.append(key)
        return excerpts

    @staticmethod
    def _numbers(material: Material, said: list[str]) -> list[str]:
        """The labelled figures, at most ``MAX_NUMBERS``; in a conversation the ones an
        earlier answer did not already show with the same value come first."""
        fresh: list[tuple[str, str]] = []
        repeated: list[tuple[str, str]] = []
        for name in material.computed:
            label = LABELS.get(name)
            value = material.values.get(name)
            if label is None or value is None:
                continue
            key = said_key("any", "number", f"{name}={value}")
            shown = f"{label}: {render_value(name, value, material.figure_kinds)}"
            (repeated if key in material.already_said else fresh).append((key, shown))
        listed = [*fresh, *repeated][:MAX_NUMBERS]
        said.extend(key for key, _ in listed)
        return [shown for _, shown in listed]

    @staticmethod
    def _steps(material: Material, said: list[str]) -> list[str]:
        steps: list[str] = []
        for compiled in material.playbooks[:1]:
            numbered = zip(compiled.playbook.steps, compiled.steps, strict=True)
            for n, (step, condition) in enumerate(numbered):
                key = said_key(compiled.playbook.intent, "step", str(n))
                if key in material.already_said or len(steps) == MAX_STEPS:
                    continue
                if not holds(condition, material.values, material.question):
                    continue
                text = fill(step.text, material.values, material.figure_kinds)
                if text and not any(similar(terms(text), terms(s)) for s in steps):
                    steps.append(text)
                    said.append(key)
        return steps

    @staticmethod
    def _asks(material: Material, said: list[str]) -> list[tuple[str, str]]:
        """Questions whose answers would change this one: not about what is known (or can
        be worked out), and not asked again in the same conversation."""
        asks: list[tuple[str, str]] = []
        for compiled in material.playbooks[:2]:
            for ask, condition in zip(compiled.playbook.ask, compiled.asks, strict=True):
                key = said_key("any", "ask", ask.fact)
                if len(asks) == MAX_ASKS or key in material.already_said or key in said:
                    continue
                if known(ask.fact, material.values) or not holds(
                    condition, material.values, material.question
                ):
                    continue
                if all(ask.question != q for q, _ in asks):
                    asks.append((ask.question, ask.why))
                    said.append(key)
        return asks


# A question about a fact is answered by any of these (stated or worked out).
ANSWERED_BY: dict[str, tuple[str, ...]] = {
    "loan_amount": ("principal", "loan_balance", "amount_financed", "debt_total"),
    "loan_balance": ("amount_owed",),
    "interest_rate": ("rates", "apr", "new_rate", "arm_rate", "fixed_rate"),
    "term_months": ("terms_months", "remaining_months"),
    "annual_income": ("monthly_income", "take_home_monthly", "agi"),
    "monthly_income": ("annual_income", "take_home_monthly"),
    "down_payment": ("down_payment_pct",),
    "down_payment_pct": ("down_payment",),
    "home_price": ("home_value", "original_value"),
    "home_value": ("home_price",),
    "card_balance": ("debts", "card_limits", "debt_total"),
    "apr": ("debts", "interest_rate"),
    "monthly_expenses": ("take_home_monthly",),
}


def known(fact: str, values: Values) -> bool:
    return any(values.get(name) is not None for name in (fact, *ANSWERED_BY.get(fact, ())))


def _table_text(table: Comparison) -> str:
    lines = [" | ".join(table.columns)]
    lines += [" | ".join(row) for row in table.rows]
    return "\n".join(lines)


def supporting(passages: Sequence[Passage], statement: str) -> Passage | None:
    """The passage of a document that best supports ``statement``."""
    text = best_sentence((p.text for p in passages), statement)
    if text is None:
        return passages[0] if passages else None
    return next(p for p in passages if p.text == text)


CLARIFY = (
    "I'm not sure what that refers to: this conversation has no earlier question I can "
    "apply it to. What would you like to know? For example: a monthly payment, whether to "
    "refinance, or how to pay down a card. Tell me the numbers you have (balance, rate, "
    "term, income) and I will work them out."
)


def clarification(disclaimer: str) -> Composed:
    """The answer to a follow-up that points at nothing: a question back."""
    return Composed(
        text=f"{CLARIFY}\n\n{disclaimer}".strip(),
        summary=CLARIFY,
        sections=[],
        comparisons=[],
        follow_up_questions=["What would you like to know, and which numbers do you have?"],
        cited=[],
    )
