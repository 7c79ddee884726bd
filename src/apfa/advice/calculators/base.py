"""What a calculator is: a function from the person's facts to named figures, option
tables and the assumptions it made, declared with the figures it produces (and their
kinds) so playbooks can be checked against it when they load.

``Inputs`` is the calculators' view of the facts: ``money("loan_balance", "loan_amount")``
answers the first of those facts that is known, so a calculator states what it accepts
in the order it prefers. A calculator that lacks what it needs returns None; one that
fills a gap with a documented default records it with ``assume``, and the answer lists
it. A figure the person stated is never replaced by a default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Figure = Decimal | int | str
FigureKind = Literal["money", "percent", "months", "years", "count", "text"]


@dataclass
class Comparison:
    """Options side by side; ``rows`` hold formatted cells, the first naming the option."""

    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Computed:
    figures: dict[str, Figure] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


class Inputs:
    """The facts a calculator reads (see the module docstring)."""

    def __init__(self, facts: Mapping[str, object]) -> None:
        self._facts = facts
        self.assumptions: list[str] = []

    def raw(self, *names: str) -> object | None:
        for name in names:
            value = self._facts.get(name)
            if value is not None:
                return value
        return None

    def number(self, *names: str) -> Decimal | None:
        value = self.raw(*names)
        if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))

    money = number
    percent = number

    def whole(self, *names: str) -> int | None:
        value = self.number(*names)
        return int(value) if value is not None else None

    def text(self, *names: str) -> str | None:
        value = self.raw(*names)
        return value if isinstance(value, str) else None

    def numbers(self, name: str) -> list[Decimal]:
        value = self._facts.get(name)
        if not isinstance(value, list):
            return []
        return [Decimal(str(v)) for v in value if isinstance(v, Decimal | int | float)]

    def records(self, name: str) -> list[Mapping[str, object]]:
        value = self._facts.get(name)
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, Mapping)]

    def assume(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)


Run = Callable[[Inputs], Computed | None]


@dataclass(frozen=True, slots=True)
class Calculator:
    name: str
    run: Run
    produces: Mapping[str, FigureKind]


REGISTRY: dict[str, Calculator] = {}


def calculator(name: str, **produces: FigureKind) -> Callable[[Run], Run]:
    """Register ``run`` under ``name``, producing the figures named (with their kinds)."""

    def register(run: Run) -> Run:
        if name in REGISTRY:
            raise ValueError(f"calculator {name!r} registered twice")
        REGISTRY[name] = Calculator(name, run, produces)
        return run

    return register


def figure_kinds() -> dict[str, FigureKind]:
    kinds: dict[str, FigureKind] = {}
    for calc in REGISTRY.values():
        kinds.update(calc.produces)
    return kinds
