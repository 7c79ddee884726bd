"""The grounded generator: what it quotes, how it numbers citations, and that every
figure it writes comes from the computed metrics."""

from __future__ import annotations

import re

from apfa.advice.generator import GroundedGenerator, select_sentences
from apfa.advice.wording import figure_lines, next_steps
from apfa.knowledge.index.store import Hit, Passage


def hit(text: str, score: float = 0.6, doc: str = "d1", title: str = "PMI") -> Hit:
    return Hit(Passage(1, doc, title, ("Section",), text), score)


PMI = hit(
    "Worked example: a $380,000 loan at 95% LTV costs about $158.33 a month in PMI. "
    "Private mortgage insurance is usually required when a conventional loan has less than "
    "20% down. Borrowers can ask to cancel PMI once the balance reaches 80% of the original value."
)
DTI = hit(
    "Lenders compare monthly debt payments with gross monthly income. "
    "Assume taxes of $450 a month for this example. "
    "A common guideline caps the back-end debt-to-income ratio at 36%.",
    score=0.5,
    doc="d2",
    title="DTI",
)


def test_examples_and_lead_ins_are_not_quoted() -> None:
    chosen = [text for text, _ in select_sentences("when can I cancel PMI", [PMI, DTI])]
    assert chosen
    assert not any(t.startswith(("Worked example", "Assume")) for t in chosen)
    assert any("cancel PMI" in t for t in chosen)


def test_citations_are_numbered_by_first_use_and_match_markers() -> None:
    draft = GroundedGenerator().compose(
        "PMI and debt-to-income ratio guideline", [PMI, DTI], {}, [], []
    )
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", draft.text)]
    assert markers
    assert (
        sorted(set(markers)) == [c.n for c in draft.cited] == list(range(1, len(draft.cited) + 1))
    )
    assert draft.cited[0].hit.passage.document_id == "d1"


def test_no_hits_says_it_cites_nothing() -> None:
    draft = GroundedGenerator().compose("anything", [], {}, [], [])
    assert draft.cited == []
    assert "cites no sources" in draft.text
    unavailable = GroundedGenerator().compose("anything", [], {}, [], [], index_available=False)
    assert "not available" in unavailable.text


def test_every_figure_written_comes_from_the_metrics() -> None:
    metrics: dict[str, float | int | str] = {
        "loan_amount": 300000.0,
        "interest_rate": 6.5,
        "term_years": 30,
        "monthly_payment": 1896.2,
        "total_interest": 382636.71,
        "total_paid": 682636.71,
        "dti_front": 0.2677,
        "dti_back": 0.3312,
        "ltv": 0.8,
        "down_payment_pct": 0.2,
        "max_affordable_loan": 242094.19,
        "risk_tier": "moderate",
    }
    lines = figure_lines(metrics)
    text = "\n".join(lines)
    for expected in ("$1,896.20", "$382,636.71", "$242,094.19", "26.8%", "33.1%", "80.0%"):
        assert expected in text
    money = {float(m.replace(",", "")) for m in re.findall(r"\$([\d,]+\.\d{2})", text)}
    allowed = {float(v) for v in metrics.values() if isinstance(v, float | int)}
    assert money <= allowed


def test_next_steps_follow_the_numbers() -> None:
    high = next_steps({"dti_back": 0.48, "ltv": 0.9, "credit_tier": "fair"}, has_figures=True)
    assert any("Pay down monthly debts" in s for s in high)
    assert any("private mortgage insurance" in s for s in high)
    assert any("credit score" in s for s in high)
    none = next_steps({}, has_figures=False)
    assert any("Add your income" in s for s in none)
    assert not any("Pay down" in s for s in none)
