"""Fair lending (ECOA / Regulation B): a protected characteristic mentioned in a question
never changes a computed figure, the risk tier or the recommendation, and a question about
discrimination is answered with the person's rights and where to complain."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from apfa.advice.flows import ADVICE_PIPELINE
from apfa.advice.reading.read import read_facts
from apfa.advice.schemas import AdviceBody, LoanQuery

# (a question with a placeholder, the details that must not matter)
PAIRS = [
    (
        "I'm {} making 85k with 400 a month in debts, how much house can I afford?",
        [
            "a 35 year old single woman",
            "a 67 year old married Black man",
            "a 29-year-old immigrant",
        ],
    ),
    (
        "As {}, what would my payment be on a 350k mortgage at 6.5% for 30 years?",
        ["a Muslim widow", "a 72 year old retiree", "a divorced dad"],
    ),
    (
        "I'm {} with a 640 credit score and 18,000 of credit card debt at 24%, "
        "should I consolidate?",
        ["a single mother on public assistance", "a married Catholic man", "a 58 year old Latina"],
    ),
    (
        "{}, I want a 25000 car loan for 60 months at 7.9%. What will it cost me?",
        ["I'm a 66 year old woman", "I'm a young Asian man", "I am pregnant and married"],
    ),
]


async def _ask(app: FastAPI, question: str) -> AdviceBody:
    answer = await ADVICE_PIPELINE.of(app).answer(LoanQuery(query=question))
    return answer.body


@pytest.mark.parametrize(("template", "details"), PAIRS)
async def test_a_protected_detail_changes_no_figure_tier_or_recommendation(
    app: FastAPI, template: str, details: list[str]
) -> None:
    bodies = [await _ask(app, template.format(detail)) for detail in details]
    first = bodies[0]
    assert first.intents
    assert first.intents[0] != "fair_lending"
    for body in bodies[1:]:
        assert body.intents == first.intents
        assert (body.risk.tier if body.risk else None) == (first.risk.tier if first.risk else None)
        assert body.advice == first.advice


def test_an_age_is_read_as_an_age_never_as_a_loan_term() -> None:
    for text in ("I'm a 67 year old", "I am a 35-year-old nurse", "a 6 month old baby"):
        facts = read_facts(text).facts
        assert "term_months" not in facts
    assert read_facts("I'm a 67 year old borrower").facts.get("age") == 67


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "The bank denied my mortgage and I think it's because I'm a single mother on child "
            "support. Is that legal?",
            ["child support", "hud.gov/fairhousing", "consumerfinance.gov/complaint"],
        ),
        (
            "can a lender turn me down for a car loan because i'm 70",
            ["because of your age", "consumerfinance.gov/complaint"],
        ),
        (
            "i think the loan officer discriminated against me because i'm hispanic, what can i do",
            ["national origin", "consumerfinance.gov/complaint"],
        ),
    ],
)
async def test_a_discrimination_question_gets_rights_and_where_to_complain(
    app: FastAPI, question: str, expected: list[str]
) -> None:
    body = await _ask(app, question)
    assert body.intents[0] == "fair_lending"
    text = body.advice.lower()
    for phrase in expected:
        assert phrase.lower() in text
