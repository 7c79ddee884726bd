"""Every playbook, loaded and checked once: each names a known intent, calculators that
exist, knowledge-base documents that exist, and only facts and figures the engine knows.
A mistake fails the load with the file and the reason, never an answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import yaml

from apfa.advice.calculators import REGISTRY
from apfa.advice.facts import FACTS
from apfa.advice.playbooks.conditions import QUESTION, Condition
from apfa.advice.playbooks.schema import Playbook, placeholders

# Facts derived from others, usable in conditions and placeholders like stated ones.
DERIVED = frozenset({"term_years"})


class PlaybookError(ValueError):
    """A playbook that does not fit the engine."""


@dataclass(frozen=True, slots=True)
class Compiled:
    """A playbook with its conditions parsed (by rule, step and ask position)."""

    playbook: Playbook
    rules: tuple[Condition | None, ...]
    steps: tuple[Condition | None, ...]
    asks: tuple[Condition | None, ...]


def corpus_documents() -> set[str]:
    corpus = files("apfa.knowledge").joinpath("corpus")
    return {
        entry.name.removesuffix(".md") for entry in corpus.iterdir() if entry.name.endswith(".md")
    }


def check(playbook: Playbook, intents: Iterable[str], documents: set[str]) -> None:
    where = f"playbook {playbook.intent}"
    if playbook.intent not in set(intents):
        raise PlaybookError(f"{where}: no intent of that name in the catalogue")
    unknown = [name for name in playbook.calculators if name not in REGISTRY]
    if unknown:
        raise PlaybookError(f"{where}: unknown calculators {unknown}")
    figures = {name for calc in playbook.calculators for name in REGISTRY[calc].produces}
    all_figures = {name for calc in REGISTRY.values() for name in calc.produces}
    for rule in playbook.rules:
        for name in placeholders(rule.says) | placeholders(rule.general):
            if name not in FACTS and name not in figures and name not in DERIVED:
                raise PlaybookError(f"{where}, rule {rule.id}: unknown placeholder {{{name}}}")
        if placeholders(rule.general):
            raise PlaybookError(f"{where}, rule {rule.id}: `general` must not use placeholders")
    for name in playbook.names():
        if name not in FACTS and name not in all_figures and name not in DERIVED:
            raise PlaybookError(f"{where}: unknown fact or figure {name!r}")
    cited = {r.source for r in playbook.rules if r.source} | set(playbook.sources)
    missing = sorted(cited - documents)
    if missing:
        raise PlaybookError(f"{where}: unknown knowledge-base documents {missing}")


def _compile(playbook: Playbook) -> Compiled:
    return Compiled(
        playbook,
        tuple(r.condition() for r in playbook.rules),
        tuple(s.condition() for s in playbook.steps),
        tuple(a.condition() for a in playbook.ask),
    )


# What a playbook may set for itself on a shared rule it uses.
_OWN = frozenset({"lead", "when"})


def shared_rules() -> dict[str, dict[str, Any]]:
    """The rules several playbooks give (``data/shared_rules.yaml``), by id."""
    path = files("apfa.advice").joinpath("data", "shared_rules.yaml")
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {rule["id"]: rule for rule in raw["rules"]}


def with_shared_rules(raw: Any, shared: Mapping[str, Mapping[str, Any]]) -> Any:
    """``raw`` with each ``- use: <id>`` replaced by that shared rule, its ``lead`` and
    ``when`` overridden where the playbook sets them."""
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        return raw
    rules: list[Any] = []
    for item in raw["rules"]:
        if not (isinstance(item, dict) and "use" in item):
            rules.append(item)
            continue
        name = item["use"]
        if name not in shared:
            raise PlaybookError(f"use {name!r}: no shared rule of that name")
        if extra := sorted(set(item) - {"use"} - _OWN):
            raise PlaybookError(f"use {name!r}: only lead and when can be set here, not {extra}")
        rules.append({**shared[name], **{k: v for k, v in item.items() if k != "use"}})
    return {**raw, "rules": rules}


def load_playbooks(intents: Iterable[str]) -> dict[str, Compiled]:
    known = list(intents)
    documents = corpus_documents()
    shared = shared_rules()
    folder = files("apfa.advice").joinpath("data", "playbooks")
    loaded: dict[str, Compiled] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        raw: Any = yaml.safe_load(entry.read_text(encoding="utf-8"))
        try:
            playbook = Playbook.model_validate(with_shared_rules(raw, shared))
            check(playbook, known, documents)
        except (ValueError, TypeError) as exc:
            raise PlaybookError(f"{entry.name}: {exc}") from exc
        if entry.name != f"{playbook.intent}.yaml":
            raise PlaybookError(f"{entry.name}: holds intent {playbook.intent!r}")
        loaded[playbook.intent] = _compile(playbook)
    return loaded


def holds(condition: Condition | None, values: Mapping[str, object], question: str = "") -> bool:
    """Whether ``condition`` holds for the values known and the question asked."""
    if condition is None:
        return True
    return condition.holds({**values, QUESTION: question} if question else values)
