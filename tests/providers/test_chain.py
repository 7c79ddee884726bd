"""The generator chain with in-memory generators: order, checks, fallback reasons."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from apfa.advice.answers import cache_key
from apfa.advice.generation import CitedPassage, GenerationChain, Grounded, Inputs
from apfa.advice.schemas import LoanQuery, ProfileIn
from apfa.knowledge.index.store import Hit, Passage
from apfa.providers.llm import Generation, GenerationRequest, ProviderError
from apfa.providers.registry import ProviderConfigError, parse_chain

HITS = [
    Hit(Passage(1, "d1", "PMI", ("PMI",), "Cancel PMI once the balance reaches 80%."), 0.7),
    Hit(Passage(2, "d2", "DTI", ("DTI",), "Lenders often cap back-end DTI at 43%."), 0.6),
]
INPUTS = Inputs(
    question="When can I cancel PMI and what is my payment?",
    hits=HITS,
    metrics={
        "monthly_payment": 1896.2,
        "ltv": 0.9,
        "loan_amount": 300000.0,
        "interest_rate": 6.5,
        "term_years": 30,
    },
    profile={"annual_income": 85000, "loan_type": "mortgage"},
    assumptions=["interest rate assumed 6.9% from the rate table"],
    risk_reasons=[],
    grounded=Grounded(
        "Borrowing $300,000 at 6.5% over 30 years costs $1,896.20 a month [1].",
        [CitedPassage(1, HITS[0])],
    ),
)


class FakeGenerator:
    def __init__(self, name: str, answer: str | ProviderError) -> None:
        self._name = name
        self._answer = answer
        self.requests: list[GenerationRequest] = []

    @property
    def name(self) -> str:
        return self._name

    async def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        if isinstance(self._answer, ProviderError):
            raise self._answer
        return Generation(self._answer)

    async def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        yield (await self.generate(request)).text


async def test_a_verified_answer_is_used_with_its_citations() -> None:
    text = "Pay $1,896.20 a month on $300,000 [2]; cancel PMI at 80% [1] with $85,000 income."
    llm = FakeGenerator("openai", text)
    generated = await GenerationChain([llm]).generate(INPUTS)
    assert (generated.provider, generated.fallback_reason) == ("openai", None)
    assert generated.text == text
    assert [(c.n, c.hit.passage.document_id) for c in generated.cited] == [(1, "d1"), (2, "d2")]
    [request] = llm.requests
    assert [p.n for p in request.passages] == [1, 2]
    assert request.metrics["annual_income"] == 85000
    assert any("$1,896.20" in line for line in request.figure_lines)


async def test_failures_and_rejections_fall_through_to_grounded() -> None:
    chain = GenerationChain(
        [
            FakeGenerator("openai", ProviderError("timeout", outcome="timeout")),
            FakeGenerator("anthropic", "Your rate is 7.25% [1]."),
        ]
    )
    generated = await chain.generate(INPUTS)
    assert generated.provider == "grounded"
    assert generated.fallback_reason == "openai: timeout; anthropic: invented figure 7.25%"
    assert "$1,896.20" in generated.text
    assert chain.names == ("openai", "anthropic", "grounded")


async def test_a_later_provider_can_answer_after_an_earlier_one_fails() -> None:
    chain = GenerationChain(
        [
            FakeGenerator("openai", ProviderError("circuit open", outcome="circuit_open")),
            FakeGenerator("anthropic", "Lenders cap DTI at 43% [2]."),
        ]
    )
    generated = await chain.generate(INPUTS)
    assert (generated.provider, generated.fallback_reason) == (
        "anthropic",
        "openai: circuit open",
    )


async def test_a_quoted_figure_must_come_from_a_cited_passage() -> None:
    generated = await GenerationChain([FakeGenerator("openai", "Cap at 43% [1].")]).generate(INPUTS)
    assert generated.fallback_reason == "openai: invented figure 43%"


async def test_default_chain_is_grounded_only() -> None:
    generated = await GenerationChain().generate(INPUTS)
    assert (generated.provider, generated.fallback_reason) == ("grounded", None)


def test_cache_key_depends_on_the_chain() -> None:
    grounded = cache_key("q", None, 3)
    assert grounded == cache_key("q", None, 3, ("grounded",))
    assert grounded != cache_key("q", None, 3, ("openai", "grounded"))
    assert cache_key("q", None, 3, ("openai", "grounded")) != cache_key(
        "q", None, 3, ("anthropic", "grounded")
    )


def test_cache_key_normalises_the_question_and_the_profile() -> None:
    given = LoanQuery.model_validate_json(
        '{"query": "Can I  afford IT?", "profile": {"credit_score": 700, "annual_income": 85000}}'
    )
    same = LoanQuery.model_validate(
        {"query": " can i afford it? ", "profile": {"annual_income": 85000.0, "credit_score": 700}}
    )
    assert cache_key(given.query, given.profile, 1) == cache_key(same.query, same.profile, 1)
    other = same.model_copy(update={"profile": ProfileIn(annual_income=85001, credit_score=700)})
    assert cache_key(same.query, same.profile, 1) != cache_key(other.query, other.profile, 1)
    assert cache_key(same.query, None, 1) != cache_key(same.query, same.profile, 1)
    assert cache_key(same.query, same.profile, 1) != cache_key(same.query, same.profile, 2)


@pytest.mark.parametrize(
    ("value", "chain"),
    [
        ("grounded", ()),
        ("", ()),
        ("openai,grounded", ("openai",)),
        (" OpenAI , anthropic ", ("openai", "anthropic")),
        ("bedrock,anthropic,grounded", ("bedrock", "anthropic")),
    ],
)
def test_parse_chain(value: str, chain: tuple[str, ...]) -> None:
    assert parse_chain(value) == chain


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("gpt,grounded", "unknown provider"),
        ("openai,openai", "listed twice"),
        ("grounded,openai", "must come last"),
    ],
)
def test_parse_chain_refuses_bad_values(value: str, message: str) -> None:
    with pytest.raises(ProviderConfigError, match=message):
        parse_chain(value)
