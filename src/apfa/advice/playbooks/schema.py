"""A playbook file, validated: the plan for one intent (``data/playbooks/<intent>.yaml``).

Conditions are parsed and placeholders read when a file loads, so a mistake names the
file and the rule instead of surfacing in an answer.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from apfa.advice.playbooks.conditions import Condition

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
Text = Annotated[str, Field(min_length=1, max_length=1200)]


def placeholders(text: str | None) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class When(_Strict):
    """Something that applies under a condition (none: always)."""

    when: str | None = None

    @field_validator("when")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            Condition(value)
        return value

    def condition(self) -> Condition | None:
        return Condition(self.when) if self.when else None


class Rule(When):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")]
    lead: bool = False
    says: Text
    general: Text | None = None
    source: str | None = None
    authority: str | None = None


class Step(When):
    text: Text


class Ask(When):
    fact: str
    question: Text
    why: Text


class Playbook(_Strict):
    intent: str
    title: Text
    definition: Text
    sources: list[str] = Field(default_factory=list)
    retrieval: list[Text] = Field(default_factory=list, max_length=6)
    calculators: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)
    steps: list[Step] = Field(default_factory=list)
    ask: list[Ask] = Field(default_factory=list)

    def names(self) -> set[str]:
        """Every fact or figure the playbook reads (conditions and placeholders)."""
        read: set[str] = set()
        for item in (*self.rules, *self.steps, *self.ask):
            condition = item.condition()
            if condition is not None:
                read |= condition.names
        for rule in self.rules:
            read |= placeholders(rule.says) | placeholders(rule.general)
        for step in self.steps:
            read |= placeholders(step.text)
        return read


Topic = Literal["home", "credit", "debt", "car", "student", "money"]


class IntentEntry(_Strict):
    intent: str
    title: Text
    description: Text
    topic: Topic | None = None  # None: continues whatever the conversation is about
    examples: list[Text] = Field(min_length=5)
    cues: list[str] = Field(default_factory=list)
    # Sets of facts whose joint statement in the question points at this intent (a bonus
    # like a cue's): ``[new_rate, closing_costs]`` is a refinance however it is worded.
    signals: list[list[str]] = Field(default_factory=list)
