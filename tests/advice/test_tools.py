"""The calculators as tools: schemas probed from the facts they read, exact execution,
arguments checked with errors for the model, figures recorded; and the chain running an
agent (an in-memory model) with a stream listener."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from apfa.advice.agent import Agent, AgentLimits
from apfa.advice.calculators import REGISTRY
from apfa.advice.generation import CitedPassage, GenerationChain, Grounded, Inputs
from apfa.advice.tools import ArgumentError, ToolRegistry, ToolSession, facts_from, facts_read
from apfa.knowledge.index.store import Hit, Passage
from apfa.providers.llm import Generation, GenerationRequest
from apfa.providers.tools import AssistantTurn, Conversation, ToolCall

PMI = Hit(Passage(1, "pmi", "PMI", (), "Ask to cancel PMI at 80% of the value."), 0.9)


def test_every_calculator_is_a_tool_with_the_facts_it_reads() -> None:
    tools = ToolRegistry.shared().tools
    assert set(tools) == set(REGISTRY)
    payment = tools["loan_payment"].spec.parameters["properties"]
    # The branch taken without a stated amount (a price less a down payment) is found too.
    for name in ("loan_amount", "interest_rate", "term_months", "home_price", "down_payment"):
        assert name in payment
    assert payment["loan_amount"]["type"] == "number"
    assert payment["term_months"]["type"] == "integer"
    assert payment["loan_type"]["enum"][0] == "mortgage"
    assert facts_read(REGISTRY["payday_cost"]) == [
        "payday_fee",
        "payday_fee_per",
        "payday_amount",
        "loan_amount",
        "payday_days",
        "payday_fees_paid",
        "rollovers",
    ]


def test_arguments_are_checked_and_become_exact_facts() -> None:
    kinds = ToolRegistry.shared().tools["loan_payment"].kinds
    facts = facts_from({"loan_amount": 250000.1, "term_months": 360}, kinds)
    assert str(facts["loan_amount"]) == "250000.1"
    assert facts["term_months"] == 360
    for bad, message in [
        ({"loan_amount": "lots"}, "loan_amount must be a number"),
        ({"loan_amount": True}, "loan_amount must be a number"),
        ({"term_months": 12.5}, "term_months must be a whole number"),
        ({"interest_rate": 650}, "interest_rate must be between 0 and 100"),
        ({"salary": 1}, "unknown argument(s) salary"),
    ]:
        with pytest.raises(ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
            facts_from(bad, kinds)


async def test_a_session_records_what_its_tools_computed() -> None:
    session = ToolSession(ToolRegistry.shared(), [PMI])
    call = ToolCall("c", "loan_payment", {"loan_amount": 300000, "interest_rate": 5.5})
    result = await session.call(call)
    assert not result.is_error
    content = json.loads(result.content)
    assert content["figures"]["monthly_payment"] == "1703.37"
    assert any("term" in a for a in content["assumptions"])  # the usual term, assumed
    assert 1703.37 in session.figures.values()
    assert 5.5 in session.figures.values()
    missing = await session.call(ToolCall("d", "loan_payment", {"interest_rate": 5.5}))
    assert missing.is_error
    assert json.loads(missing.content)["error"].startswith("not enough facts")


@dataclass
class ScriptedModel:
    """An in-memory model that uses tools: it plays its turns in order."""

    turns: list[AssistantTurn]
    seen: list[Conversation] = field(default_factory=list)
    name: str = "fake"
    uses_tools: bool = True

    async def converse(self, conversation: Conversation) -> AssistantTurn:
        self.seen.append(conversation)
        return self.turns.pop(0)

    async def generate(self, request: GenerationRequest) -> Generation:
        raise AssertionError("an agent is not asked for a single answer")

    def stream(self, request: GenerationRequest) -> Sequence[str]:
        raise AssertionError("an agent is not streamed")


@dataclass
class Heard:
    events: list[tuple[str, object]] = field(default_factory=list)

    def passages(self, cited: Sequence[CitedPassage]) -> None:
        self.events.append(("passages", [c.n for c in cited]))

    def figures(self, inputs: Inputs) -> None:
        self.events.append(("figures", None))

    def piece(self, text: str) -> None:
        self.events.append(("piece", text))

    def discard(self, reason: str) -> None:
        self.events.append(("discard", reason))


def inputs() -> Inputs:
    return Inputs(
        "What would I pay at 5.5%?",
        [PMI],
        {},
        {},
        [],
        [],
        Grounded("The grounded answer [1].", [CitedPassage(1, PMI)]),
    )


async def test_the_chain_runs_an_agent_and_streams_its_checked_answer() -> None:
    text = "At 5.5% the payment on $300,000 is $1,703.37 a month [1]."
    model = ScriptedModel(
        [
            AssistantTurn(
                calls=(
                    ToolCall("c", "loan_payment", {"loan_amount": 300000, "interest_rate": 5.5}),
                )
            ),
            AssistantTurn(text),
        ]
    )
    chain = GenerationChain([model], Agent(ToolRegistry.shared(), AgentLimits()))  # type: ignore[list-item]
    assert chain.names == ("fake+tools", "grounded")
    heard = Heard()
    answer = await chain.generate(inputs(), heard)
    assert (answer.provider, answer.text, answer.fallback_reason) == ("fake", text, None)
    assert heard.events == [
        ("passages", [1]),
        ("figures", None),
        ("passages", [1]),
        ("piece", text),
    ]
    assert [m.__class__.__name__ for m in model.seen[1].messages] == [
        "UserText",
        "AssistantTurn",
        "ToolResults",
    ]


async def test_the_chain_falls_back_when_the_agent_fails() -> None:
    model = ScriptedModel([AssistantTurn("It is $9,999.00 [1].")])
    chain = GenerationChain([model], Agent(ToolRegistry.shared(), AgentLimits()))  # type: ignore[list-item]
    heard = Heard()
    answer = await chain.generate(inputs(), heard)
    assert (answer.provider, answer.fallback_reason) == (
        "grounded",
        "fake: invented figure $9,999.00",
    )
    assert ("piece", "It is $9,999.00 [1].") not in heard.events
