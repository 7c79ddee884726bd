"""Every figure in an LLM answer must be computed or quoted from a cited passage."""

from __future__ import annotations

import pytest

from apfa.providers.llm import GenerationRequest, SourcePassage
from apfa.providers.verification import citations, figures, verify

REQUEST = GenerationRequest(
    question="Do I need PMI and what is my payment?",
    passages=(
        SourcePassage(1, "PMI", "PMI usually costs 0.2% to 1.5% of the loan a year."),
        SourcePassage(2, "DTI", "Many lenders cap back-end DTI at 43%, some at 50%."),
    ),
    metrics={
        "monthly_payment": 1896.2,
        "total_interest": 382636.71,
        "dti_back": 0.3952,
        "ltv": 0.8,
        "interest_rate": 6.5,
        "term_years": 30,
        "annual_income": 85000,
        "risk_tier": "high",
    },
    assumptions=("taxes and insurance estimated at 1.10%/yr property tax",),
)


@pytest.mark.parametrize(
    "text",
    [
        "Your payment is $1,896.20 a month [1].",
        "Your payment is about $1,896 a month [1].",
        "Back-end DTI is 39.5% [2], or 39.52% to be exact [2].",
        "Back-end DTI is 40% [2].",
        "At 6.5% over 30 years you pay $382,636.71 in interest [1].",
        "An LTV of 80% [1] on your $85k income; PMI costs 0.2% to 1.5% [1].",
        "Lenders cap DTI at 43% [2] and property tax was assumed at 1.10% [1].",
        "Rules changed in 2024 and 3 lenders agree [1][2].",
        "Your DTI [2] is 39.5% [1, 2].",
    ],
)
def test_grounded_figures_pass(text: str) -> None:
    assert verify(text, REQUEST).problem is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Your rate would be 7.25% [1].", "invented figure 7.25%"),
        ("Your payment is $1,900.00 [1].", "invented figure $1,900.00"),
        ("Expect to pay $1,850 [1].", "invented figure $1,850"),
        ("A budget of 25 items [1].", "invented figure 25"),
        ("Lenders cap DTI at 43% [1].", "invented figure 43%"),
        ("The ratio is 0.3952, which is $39.52 [1].", "invented figure $39.52"),
        ("PMI matters [3].", "citation [3] has no source"),
        ("PMI matters a lot.", "no citations"),
    ],
)
def test_invented_figures_and_bad_citations_fail(text: str, problem: str) -> None:
    assert verify(text, REQUEST).problem == problem


def test_cited_numbers_are_reported() -> None:
    assert verify("See [2] and [1, 2].", REQUEST).cited == (1, 2)


def test_without_passages_no_citation_is_allowed() -> None:
    bare = GenerationRequest(question="q", metrics={"monthly_payment": 1896.2})
    assert verify("Your payment is $1,896.20.", bare).problem is None
    assert verify("Your payment is $1,896.20 [1].", bare).problem == "citation [1] has no source"


def test_figure_parsing() -> None:
    found = {f.text: f for f in figures("$1,896.20, 33.1%, 20 percent, $85k, $1.2 million [4]")}
    assert found["$1,896.20"].value == pytest.approx(1896.2)
    assert found["33.1%"].percent
    assert found["20 percent"].percent
    assert found["$85k"].value == 85_000
    assert found["$1.2 million"].value == pytest.approx(1_200_000)
    assert "4" not in found
    assert citations("a [1] b [2, 3]") == [1, 2, 3]
