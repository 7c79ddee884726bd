"""An LLM as an agent over the advisor's own tools (``advice.tools``), bounded.

The model is given what the single-shot prompt gives (the question, the passages, the
computed figures and the assumptions) and the plan (intents, calculators, retrieval
queries), and may call the calculators and ``search_knowledge``. It gets at most
``max_steps`` rounds of tool calls and ``timeout_seconds`` for the whole exchange; then
its final text is checked like any LLM answer (``generation.checked``), against the
plan's figures and every figure its tools computed, and the passages its searches found.
Any failure (time or steps used up, repeated bad tool calls, a provider error or an open
breaker, an unverifiable figure) returns None with the reason added to ``reasons``: the
chain moves on, ending with the deterministic answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

import structlog

from apfa.advice.generation import Generated, Inputs, checked
from apfa.advice.tools import Search, ToolRegistry, ToolSession
from apfa.core.config import Settings
from apfa.knowledge.index.store import Hit
from apfa.knowledge.retrieval import Retriever
from apfa.observability import metrics as m
from apfa.providers.llm import GenerationRequest, ProviderError, SourcePassage
from apfa.providers.prompt import SYSTEM_PROMPT, user_prompt
from apfa.providers.tools import (
    AssistantTurn,
    Conversation,
    Message,
    ToolCall,
    ToolResult,
    ToolResults,
    ToolUser,
    UserText,
)

log = structlog.get_logger(__name__)

# Tool calls that return an error before the exchange is given up as a loop.
MAX_TOOL_ERRORS = 3
# Calls run in one step; any more are answered with an error, unrun.
MAX_CALLS_PER_STEP = 8
AGENT_RULES = (
    "\nTools:\n"
    "- You may call the calculators to compute figures the computed figures lack (another "
    "amount, rate or term), and search_knowledge for passages the sources lack.\n"
    "- A number you write must come from the computed figures, a tool's result or a source "
    "you cite; passages a search finds are numbered after the ones given.\n"
    "- When you have what you need, answer in plain text without calling a tool."
)


@dataclass(frozen=True, slots=True)
class AgentLimits:
    max_steps: int = 4
    timeout_seconds: float = 30.0


class AgentFailed(Exception):
    def __init__(self, reason: str, outcome: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome


def agent_prompt(request: GenerationRequest, plan: Sequence[str]) -> str:
    text = user_prompt(request)
    if plan:
        text += "\n\nPlan:\n" + "\n".join(f"- {line}" for line in plan)
    return text


def too_many(call: ToolCall) -> ToolResult:
    error = {"error": f"at most {MAX_CALLS_PER_STEP} tool calls at a time"}
    return ToolResult(call.id, call.name, json.dumps(error), is_error=True)


class Agent:
    def __init__(
        self, tools: ToolRegistry, limits: AgentLimits, search: Search | None = None
    ) -> None:
        self._tools = tools
        self._limits = limits
        self._search = search

    @property
    def limits(self) -> AgentLimits:
        return self._limits

    async def answer(
        self, llm: ToolUser, inputs: Inputs, request: GenerationRequest, reasons: list[str]
    ) -> Generated | None:
        session = ToolSession(self._tools, inputs.hits, self._search)
        try:
            async with asyncio.timeout(self._limits.timeout_seconds):
                text, steps = await self._exchange(llm, inputs, request, session)
        except TimeoutError:
            reason = f"agent timeout ({self._limits.timeout_seconds:g}s)"
            return self._failed(llm, reasons, reason, "timeout")
        except AgentFailed as exc:
            return self._failed(llm, reasons, exc.reason, exc.outcome)
        except ProviderError as exc:
            return self._failed(llm, reasons, exc.reason, "provider_error")
        extended = replace(
            request,
            passages=tuple(
                SourcePassage(n, hit.passage.title, hit.passage.text)
                for n, hit in enumerate(session.hits, start=1)
            ),
            metrics={**request.metrics, **session.figures},
        )
        answer = checked(llm.name, text, extended, replace(inputs, hits=session.hits), reasons)
        m.LLM_AGENT_RUNS.labels(llm.name, "answered" if answer else "rejected").inc()
        log.info("llm_agent_finished", provider=llm.name, steps=steps, verified=bool(answer))
        return answer

    async def _exchange(
        self, llm: ToolUser, inputs: Inputs, request: GenerationRequest, session: ToolSession
    ) -> tuple[str, int]:
        messages: list[Message] = [UserText(agent_prompt(request, inputs.plan))]
        tools = self._tools.specs(search=self._search is not None)
        steps = errors = 0
        while True:
            turn: AssistantTurn = await llm.converse(
                Conversation(SYSTEM_PROMPT + AGENT_RULES, tuple(messages), tools)
            )
            if not turn.calls:
                return turn.text, steps
            if steps >= self._limits.max_steps:
                raise AgentFailed(f"agent step limit ({self._limits.max_steps})", "step_limit")
            steps += 1
            results = tuple(
                [await session.call(call) for call in turn.calls[:MAX_CALLS_PER_STEP]]
                + [too_many(call) for call in turn.calls[MAX_CALLS_PER_STEP:]]
            )
            for result in results:
                name = result.name if self._tools.knows(result.name) else "unknown"
                m.LLM_TOOL_CALLS.labels(name, "error" if result.is_error else "ok").inc()
            errors += sum(r.is_error for r in results)
            if errors > MAX_TOOL_ERRORS:
                raise AgentFailed("agent repeated bad tool calls", "bad_tool_calls")
            messages += [turn, ToolResults(results)]

    @staticmethod
    def _failed(llm: ToolUser, reasons: list[str], reason: str, outcome: str) -> None:
        m.LLM_AGENT_RUNS.labels(llm.name, outcome).inc()
        log.warning("llm_agent_fallback", provider=llm.name, reason=reason)
        reasons.append(f"{llm.name}: {reason}")


def searching(retriever: Retriever, min_score: float) -> Search:
    """``search_knowledge`` over the index version served now."""

    async def search(query: str, k: int) -> Sequence[Hit]:
        return (await retriever.search(query, k, min_score)).hits

    return search


def build_agent(settings: Settings, retriever: Retriever) -> Agent | None:
    """The agent when ``APFA_LLM_AGENT`` is on (blocking: probes the calculators once)."""
    if not settings.llm_agent:
        return None
    limits = AgentLimits(settings.llm_agent_max_steps, settings.llm_agent_timeout_seconds)
    return Agent(ToolRegistry.shared(), limits, searching(retriever, settings.retrieval_min_score))
