"""The layout's rules, checked on the source: which package may import which, no cycle
between packages or modules. Every import counts, at module level or inside a function
or an ``if TYPE_CHECKING`` block, so a local import cannot hide a cycle.

docs/architecture.md describes the same table in words; keep the two together.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "apfa"


# Package -> the APFA packages it may import. Lower layers first; nothing may import a
# package that is not listed for it.
def _may(names: str = "") -> frozenset[str]:
    return frozenset(names.split())


ALLOWED: dict[str, frozenset[str]] = {
    "core": _may(),
    "finance": _may(),
    "models": _may("core"),
    "observability": _may("core"),
    "events": _may("core observability"),
    "providers": _may("core observability"),
    "jobs": _may("core models events observability providers"),
    "audit": _may("core models"),
    "auth": _may("core models audit observability"),
    "users": _may("core models audit auth"),
    "api_keys": _may("core models audit auth"),
    "knowledge": _may("core models events observability providers jobs auth"),
    "documents": _may("core models observability providers jobs audit auth knowledge"),
    "market": _may("core models finance observability providers jobs audit auth"),
    "advice": _may("core models finance observability providers jobs auth knowledge market"),
    "conversations": _may("core models auth advice"),
    "realtime": _may("core models events observability auth"),
    "admin": _may("core models events jobs audit auth knowledge"),
    "web": _may("core"),
    "migrations": _may("core models"),
    "app": _may(
        "core models observability events providers jobs audit auth users api_keys knowledge"
        " documents market advice conversations realtime admin web"
    ),
    "main": _may("app"),
    "cli": _may("core models observability providers jobs audit auth users knowledge app main"),
    "": _may(),  # apfa/__init__.py: the version, which anything may read
}
ROOT = ""


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # the importing module, e.g. "apfa.jobs.runtime"
    target: str  # the imported module, e.g. "apfa.core.db"
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


def imports(sources: dict[str, str]) -> Iterator[Import]:
    """Every APFA import of every module (name -> source text), wherever it stands."""
    known = set(sources)
    for module, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if not node.module.startswith("apfa"):
                    continue
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    yield Import(module, full if full in known else node.module, node.lineno)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("apfa"):
                        yield Import(module, alias.name, node.lineno)
            elif isinstance(node, ast.ImportFrom) and node.level > 0:
                yield Import(module, f"<relative {node.module}>", node.lineno)


def package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def misdirected(found: list[Import]) -> list[str]:
    return [
        f"{i.module}:{i.line} imports {i.target}"
        for i in found
        if package(i.target) not in (package(i.module), ROOT)
        and package(i.target) not in ALLOWED[package(i.module)]
    ]


@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, Path], list[Import]]:
    known = modules()
    sources = {name: path.read_text(encoding="utf-8") for name, path in known.items()}
    return known, list(imports(sources))


def test_every_package_has_a_rule(graph: tuple[dict[str, Path], list[Import]]) -> None:
    known, _ = graph
    assert {package(m) for m in known} <= set(ALLOWED), "add the new package to ALLOWED"


def test_imports_follow_the_allowed_directions(
    graph: tuple[dict[str, Path], list[Import]],
) -> None:
    _, found = graph
    assert misdirected(found) == []


def test_imports_are_absolute(graph: tuple[dict[str, Path], list[Import]]) -> None:
    _, found = graph
    assert [i for i in found if i.target.startswith("<relative")] == []


def test_no_cycle_between_packages(graph: tuple[dict[str, Path], list[Import]]) -> None:
    _, found = graph
    edges: dict[str, set[str]] = defaultdict(set)
    for i in found:
        if package(i.module) != package(i.target):
            edges[package(i.module)].add(package(i.target))
    assert _cycles(edges) == []
    allowed = {name: set(targets) for name, targets in ALLOWED.items()}
    assert _cycles(allowed) == [], "the rule table itself must have no cycle"


def test_no_cycle_between_modules(graph: tuple[dict[str, Path], list[Import]]) -> None:
    known, found = graph
    edges: dict[str, set[str]] = defaultdict(set)
    for i in found:
        if i.target in known and i.target != i.module:
            edges[i.module].add(i.target)
    assert _cycles(edges) == []


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("core", {"advice", "auth", "knowledge", "documents", "jobs", "models", "app"}),
        ("jobs", {"advice", "knowledge", "documents", "auth", "users", "admin", "app"}),
        ("knowledge", {"advice", "documents", "admin", "app"}),
        ("providers", {"advice", "auth"}),
    ],
)
def test_the_rules_the_design_names(importer: str, forbidden: set[str]) -> None:
    assert not (ALLOWED[importer] & forbidden)


def test_finance_imports_nothing_of_apfa(graph: tuple[dict[str, Path], list[Import]]) -> None:
    _, found = graph
    assert [
        i for i in found if package(i.module) == "finance" and package(i.target) != "finance"
    ] == []


def test_the_checker_sees_imports_hidden_in_functions_and_type_checking() -> None:
    """An import inside a function or an ``if TYPE_CHECKING`` block is still an edge, so
    it can neither break a rule nor hide a cycle."""
    sources = {
        "apfa.jobs.sample": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from apfa.knowledge.tasks import HOT_SWAP\n"
            "def f():\n    from apfa.advice import flows\n    return flows\n"
        ),
        "apfa.advice.flows": "from apfa.jobs.sample import f\n",
        "apfa.knowledge.tasks": "",
    }
    found = list(imports(sources))
    assert misdirected(found) == [
        "apfa.jobs.sample:3 imports apfa.knowledge.tasks",
        "apfa.jobs.sample:5 imports apfa.advice.flows",
    ]
    edges: dict[str, set[str]] = defaultdict(set)
    for i in found:
        edges[i.module].add(i.target)
    assert _cycles(edges) == [["apfa.advice.flows", "apfa.jobs.sample"]]
