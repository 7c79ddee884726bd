"""The advisor's calculators and retrieval as tools an LLM may call (``advice.agent``).

Each calculator becomes a tool named after it. Calculators do not declare their inputs,
they ask for facts by name (``Inputs.money("loan_amount", "loan_balance")``), so the
schema is found by probing: the calculator runs on a recording ``Inputs``, first with no
facts, then with a sample value for every fact it asked for, until it asks for nothing
new; every fact it asked for becomes a property typed by the fact's kind
(``advice.facts``). A call's arguments are checked against that schema and run through
the calculator as facts, exactly (``Decimal``). Bad arguments and calculators that cannot
answer give the model an error to read, never an exception.

A ``ToolSession`` serves one answer: it records every figure its tools produced (and the
numbers a successful call computed from), so the figure check accepts them beside the
plan's, and numbers the passages ``search_knowledge``
finds after those the model was given, so it may cite them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apfa.advice.calculators import REGISTRY, Calculator, figure_kinds
from apfa.advice.calculators.base import Computed, Inputs
from apfa.advice.facts import FACTS, LOAN_TYPES, Kind
from apfa.knowledge.index.store import Hit
from apfa.providers.tools import JsonObject, ToolCall, ToolResult, ToolSpec
from apfa.providers.verification import figures as figures_in

SEARCH = "search_knowledge"
SEARCH_MAX_K = 5
QUERY_MAX_CHARS = 300
PROBE_ROUNDS = 4
# Passages found by a search, by question: ``(query, k)`` -> hits.
Search = Callable[[str, int], Awaitable[Sequence[Hit]]]

_SAMPLES: dict[str, object] = {
    "money": Decimal(200000),
    "percent": Decimal(6),
    "months": 360,
    "years": 5,
    "count": 3,
    "score": 700,
    "text": "mortgage",
    "list": [Decimal(6), Decimal(7)],
    "debts": [{"balance": Decimal(5000), "apr": Decimal(20), "min_payment": Decimal(100)}],
}
_NUMBER = {"type": "number"}
_DEBT = {
    "type": "object",
    "properties": {"balance": _NUMBER, "apr": _NUMBER, "min_payment": _NUMBER, "limit": _NUMBER},
}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "money": {"type": "number", "minimum": 0},
    "percent": {"type": "number", "minimum": 0, "maximum": 100},
    "months": {"type": "integer", "minimum": 1, "maximum": 1200},
    "years": {"type": "integer", "minimum": 0, "maximum": 100},
    "count": {"type": "integer", "minimum": 0, "maximum": 100000},
    "score": {"type": "integer", "minimum": 300, "maximum": 850},
    "text": {"type": "string", "maxLength": 40},
    "list": {"type": "array", "items": _NUMBER, "maxItems": 10},
    "debts": {"type": "array", "items": _DEBT, "maxItems": 20},
}
_UNITS = {"money": " (US dollars)", "percent": " (percent: 6.5 means 6.5%)"}


class _Recording(Inputs):
    """``Inputs`` that remember every fact asked for, and which were alternatives."""

    def __init__(self, facts: Mapping[str, object]) -> None:
        super().__init__(facts)
        self.asked: dict[str, None] = {}
        self.groups: set[tuple[str, ...]] = set()

    def raw(self, *names: str) -> object | None:
        self.asked.update(dict.fromkeys(names))
        self.groups.add(names)
        return super().raw(*names)

    def numbers(self, name: str) -> list[Decimal]:
        self.asked[name] = None
        self.groups.add((name,))
        return super().numbers(name)

    def records(self, name: str) -> list[Mapping[str, object]]:
        self.asked[name] = None
        self.groups.add((name,))
        return super().records(name)


def _kind(name: str) -> Kind | None:
    if name in FACTS:
        return FACTS[name].kind
    kind = figure_kinds().get(name)
    return kind if kind in _SCHEMAS else None


class _Probe:
    def __init__(self, calc: Calculator) -> None:
        self._calc = calc
        self.asked: dict[str, None] = {}
        self.groups: set[tuple[str, ...]] = set()

    def samples(self, leaving_out: tuple[str, ...] = ()) -> dict[str, object]:
        return {
            name: _SAMPLES[kind]
            for name in self.asked
            if name not in leaving_out and (kind := _kind(name)) is not None
        }

    def run(self, facts: Mapping[str, object]) -> bool:
        """Whether the calculator asked for anything new."""
        recording = _Recording(facts)
        # A sample value a calculator rejects: what it asked for still counts.
        with contextlib.suppress(Exception):
            self._calc.run(recording)
        self.groups |= recording.groups
        new = [n for n in recording.asked if n not in self.asked and _kind(n) is not None]
        self.asked.update(dict.fromkeys(new))
        return bool(new)


def facts_read(calc: Calculator) -> list[str]:
    """The facts ``calc`` asks for, in the order it first asks: with nothing known, then
    with every fact it asked for known, then with each set of alternatives left out (the
    branch taken when, say, no loan amount is stated but a price is)."""
    probe = _Probe(calc)
    for _ in range(PROBE_ROUNDS):
        if not probe.run(probe.samples()):
            break
    tried: set[tuple[str, ...]] = set()
    for _ in range(PROBE_ROUNDS):
        fresh = probe.groups - tried
        tried |= fresh
        if not [group for group in sorted(fresh) if probe.run(probe.samples(group))]:
            break
    return list(probe.asked)


def _property(name: str, kind: Kind) -> dict[str, Any]:
    schema = dict(_SCHEMAS[kind])
    label = FACTS[name].label if name in FACTS else name.replace("_", " ")
    schema["description"] = label + _UNITS.get(kind, "")
    if name == "loan_type":
        schema["enum"] = list(LOAN_TYPES)
    return schema


def calculator_spec(calc: Calculator) -> tuple[ToolSpec, dict[str, Kind]]:
    kinds = {name: kind for name in facts_read(calc) if (kind := _kind(name)) is not None}
    produces = ", ".join(calc.produces)
    spec = ToolSpec(
        calc.name,
        f"Computes exactly, from the facts given: {produces}. Pass only the facts you know.",
        {
            "type": "object",
            "properties": {name: _property(name, kind) for name, kind in kinds.items()},
            "additionalProperties": False,
        },
    )
    return spec, kinds


SEARCH_SPEC = ToolSpec(
    SEARCH,
    "Searches the knowledge base; the passages found are numbered after the ones you have "
    "and may be cited by number.",
    {
        "type": "object",
        "properties": {
            "query": {"type": "string", "maxLength": QUERY_MAX_CHARS},
            "k": {"type": "integer", "minimum": 1, "maximum": SEARCH_MAX_K},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
)


class ArgumentError(ValueError):
    pass


def _number(name: str, value: object, schema: JsonObject) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArgumentError(f"{name} must be a number")
    if not math.isfinite(value):
        raise ArgumentError(f"{name} must be finite")
    if schema.get("type") == "integer" and value != int(value):
        raise ArgumentError(f"{name} must be a whole number")
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ArgumentError(f"{name} must be between {low} and {high}")
    return Decimal(str(value))


def _value(name: str, kind: Kind, value: object) -> object:
    schema = _SCHEMAS[kind]
    if kind == "text":
        if not isinstance(value, str) or len(value) > schema["maxLength"]:
            raise ArgumentError(f"{name} must be a short text")
        return value
    if kind == "list":
        if not isinstance(value, list) or len(value) > schema["maxItems"]:
            raise ArgumentError(f"{name} must be a list of numbers")
        return [_number(f"{name}[]", v, _NUMBER) for v in value]
    if kind == "debts":
        if not isinstance(value, list) or len(value) > schema["maxItems"]:
            raise ArgumentError(f"{name} must be a list of debts")
        debts = []
        for item in value:
            if not isinstance(item, dict) or set(item) - set(_DEBT["properties"]):
                raise ArgumentError(f"each of {name} must be an object of {_DEBT['properties']}")
            debts.append({k: _number(f"{name}.{k}", v, {"minimum": 0}) for k, v in item.items()})
        return debts
    number = _number(name, value, schema)
    return int(number) if schema["type"] == "integer" else number


def facts_from(arguments: Mapping[str, object], kinds: Mapping[str, Kind]) -> dict[str, object]:
    unknown = sorted(set(arguments) - set(kinds))
    if unknown:
        raise ArgumentError(
            f"unknown argument(s) {', '.join(unknown)}; accepted: {', '.join(kinds)}"
        )
    facts = {name: _value(name, kinds[name], value) for name, value in arguments.items()}
    months = facts.get("term_months")
    if isinstance(months, int) and "term_years" not in facts:
        facts["term_years"] = Decimal(months) / 12
    return facts


def shown(value: object) -> object:
    """A figure for the model, in plain digits: to the cent, or to four places below 1."""
    if isinstance(value, Decimal):
        places = Decimal("0.01") if abs(value) >= 1 else Decimal("0.0001")
        return format(value.quantize(places, rounding=ROUND_HALF_UP), "f")
    return value if isinstance(value, int | str) else str(value)


@dataclass(frozen=True, slots=True)
class Tool:
    spec: ToolSpec
    calculator: Calculator
    kinds: Mapping[str, Kind]


class ToolRegistry:
    """Every calculator as a tool, and ``search_knowledge``; built once per process."""

    def __init__(self, tools: Mapping[str, Tool]) -> None:
        self.tools = dict(tools)

    @classmethod
    @functools.cache
    def shared(cls) -> ToolRegistry:
        """The registry of the calculators registered in this process (built once)."""
        return cls.build()

    @classmethod
    def build(cls) -> ToolRegistry:
        tools = {}
        for calc in REGISTRY.values():
            spec, kinds = calculator_spec(calc)
            if kinds:
                tools[calc.name] = Tool(spec, calc, kinds)
        return cls(tools)

    def knows(self, name: str) -> bool:
        return name in self.tools or name == SEARCH

    def specs(self, search: bool) -> list[ToolSpec]:
        return [t.spec for t in self.tools.values()] + ([SEARCH_SPEC] if search else [])


def _error(call: ToolCall, message: str) -> ToolResult:
    return ToolResult(call.id, call.name, json.dumps({"error": message}), is_error=True)


class ToolSession:
    """The tools for one answer; see the module docstring."""

    def __init__(
        self, registry: ToolRegistry, hits: Sequence[Hit], search: Search | None = None
    ) -> None:
        self._registry = registry
        self._search = search
        self.hits: list[Hit] = list(hits)
        self.figures: dict[str, float] = {}

    async def call(self, call: ToolCall) -> ToolResult:
        if call.arguments is None:
            return _error(call, f"arguments must be a JSON object, got {call.raw[:80]!r}")
        if call.name == SEARCH and self._search is not None:
            return await self._search_knowledge(call, call.arguments)
        tool = self._registry.tools.get(call.name)
        if tool is None:
            return _error(call, f"no tool named {call.name!r}")
        try:
            facts = facts_from(call.arguments, tool.kinds)
        except ArgumentError as exc:
            return _error(call, str(exc))
        try:
            computed = tool.calculator.run(Inputs(facts))
        except Exception as exc:
            return _error(call, f"could not compute with these values ({type(exc).__name__})")
        if computed is None or not computed.figures:
            return _error(call, f"not enough facts; accepted: {', '.join(tool.kinds)}")
        return ToolResult(call.id, call.name, json.dumps(self._record(call, facts, computed)))

    def _record(
        self, call: ToolCall, facts: Mapping[str, object], computed: Computed
    ) -> dict[str, Any]:
        """The result for the model; its figures, and the numbers it was computed from (a
        what-if's rate), as figures the answer may state."""
        prefix = f"{call.name}#{len(self.figures)}"
        for name, value in facts.items():
            if isinstance(value, Decimal | int):
                self.figures[f"{prefix}.in.{name}"] = float(value)
        for name, value in computed.figures.items():
            if isinstance(value, Decimal | int):
                self.figures[f"{prefix}.{name}"] = float(value)
        cells = [c for table in computed.comparisons for row in table.rows for c in row]
        for i, quantity in enumerate(q for cell in cells for q in figures_in(cell)):
            self.figures[f"{prefix}.cell{i}"] = quantity.value
        return {
            "figures": {name: shown(value) for name, value in computed.figures.items()},
            "comparisons": [
                {"title": t.title, "columns": t.columns, "rows": t.rows}
                for t in computed.comparisons
            ],
            "assumptions": computed.assumptions,
        }

    async def _search_knowledge(self, call: ToolCall, arguments: Mapping[str, Any]) -> ToolResult:
        query, k = arguments.get("query"), arguments.get("k", 3)
        if not isinstance(query, str) or not query.strip() or len(query) > QUERY_MAX_CHARS:
            return _error(call, f"query must be a text of 1 to {QUERY_MAX_CHARS} characters")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= SEARCH_MAX_K:
            return _error(call, f"k must be a whole number from 1 to {SEARCH_MAX_K}")
        assert self._search is not None
        found = []
        for hit in await self._search(query, k):
            n = self._number(hit)
            found.append({"n": n, "title": hit.passage.title, "text": hit.passage.text})
        return ToolResult(call.id, call.name, json.dumps({"passages": found}))

    def _number(self, hit: Hit) -> int:
        for n, known in enumerate(self.hits, start=1):
            if known.passage.chunk_id == hit.passage.chunk_id:
                return n
        self.hits.append(hit)
        return len(self.hits)
