"""What reading a question produced: the facts, where each came from, and what was left."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Reading:
    facts: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was read, and from where
    unread: list[str] = field(default_factory=list)  # quantities no role claimed
    # itemised costs stated as a percent of the loan ("origination 1%"), priced once the
    # loan amount is read
    cost_percents: list[Decimal] = field(default_factory=list)

    def put(self, name: str, value: object, where: str) -> None:
        if name not in self.facts:
            self.facts[name] = value
            self.notes.append(f'{name} from "{where}"')

    def append(self, name: str, value: object) -> None:
        values = self.facts.setdefault(name, [])
        if isinstance(values, list) and value not in values:
            values.append(value)
