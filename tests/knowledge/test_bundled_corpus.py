"""The bundled knowledge base as data: every document carries the front matter a reviewer
checks (docs/knowledge.md), parses into titled sections, and every retrieval gold question
names a bundled document and a section heading that exist."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from apfa.knowledge.flows import BUNDLED_CORPUS
from apfa.knowledge.freshness import KINDS
from apfa.knowledge.parsing import ParsedDocument, parse_document

GOLD = Path(__file__).resolve().parents[2] / "bench" / "data" / "retrieval-gold"
REQUIRED = ("category", "source", "updated")

DOCUMENTS = sorted(BUNDLED_CORPUS.glob("*.md"))


def parsed(path: Path) -> ParsedDocument:
    return parse_document(path.read_bytes(), path.name)


def headings(path: Path) -> set[str]:
    return {section.heading_path[0] for section in parsed(path).sections if section.heading_path}


def gold_rows() -> list[tuple[str, dict[str, object]]]:
    rows: list[tuple[str, dict[str, object]]] = []
    for path in sorted(GOLD.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                rows.append((f"{path.name}:{number}", json.loads(line)))
    return rows


def test_the_bundled_corpus_is_present() -> None:
    assert len(DOCUMENTS) >= 80


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_every_document_has_front_matter_and_sections(path: Path) -> None:
    doc = parsed(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: "), "front matter opens with the title"
    assert f"\n# {doc.title}\n" in text, "the H1 repeats the front-matter title"
    missing = [key for key in REQUIRED if not doc.metadata.get(key)]
    assert not missing, missing
    updated = dt.date.fromisoformat(doc.metadata["updated"])
    assert updated <= dt.datetime.now(dt.UTC).date()
    assert doc.metadata.get("freshness", "evergreen") in KINDS
    if "review_by" in doc.metadata:
        assert dt.date.fromisoformat(doc.metadata["review_by"]) > updated
    titled = [section for section in doc.sections if section.heading_path]
    assert len(titled) >= 3, "answers come from several titled sections"
    assert all(section.text.strip() for section in titled)


def test_gold_questions_name_documents_and_sections_that_exist() -> None:
    rows = gold_rows()
    assert rows, f"no gold questions under {GOLD}"
    ids = [str(row["id"]) for _, row in rows]
    assert len(set(ids)) == len(ids), "gold ids are unique across files"
    known = {f"bundled:{path.name}": path for path in DOCUMENTS}
    problems: list[str] = []
    for where, row in rows:
        relevant = row.get("relevant")
        question = row.get("question")
        if not isinstance(question, str) or not question.strip():
            problems.append(f"{where}: no question")
        if not isinstance(relevant, list) or not relevant:
            problems.append(f"{where}: no relevant document")
            continue
        missing = [name for name in relevant if name not in known]
        if missing:
            problems.append(f"{where}: unknown documents {missing}")
            continue
        sections = row.get("sections", [])
        assert isinstance(sections, list)
        available = set().union(*(headings(known[name]) for name in relevant))
        problems += [f"{where}: no section {s!r}" for s in sections if s not in available]
    assert not problems, problems


def test_documents_built_on_republished_figures_are_marked_time_sensitive() -> None:
    sensitive = {p.name for p in DOCUMENTS if parsed(p).metadata.get("freshness")}
    assert {"tax-brackets-and-marginal-rates.md", "fha-loans.md", "401k-plans.md"} <= sensitive
    assert "stocks-and-how-markets-work.md" not in sensitive
    assert 0 < len(sensitive) < len(DOCUMENTS)
