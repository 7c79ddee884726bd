"""The loan analysis's figures in words, as an LLM's prompt receives them: every figure
written comes from the computed metrics."""

from __future__ import annotations

import re

from apfa.advice.wording import figure_lines


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
