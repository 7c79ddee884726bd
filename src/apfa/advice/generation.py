"""The generator chain: configured LLMs in order, each answer checked, grounded last.

An LLM answer is used only when every figure in it is a computed value or is quoted from a
passage it cites, and every citation names a retrieved passage; otherwise, and whenever a
provider fails or its breaker is open, the next one is tried, ending with the grounded
answer the advisor composed (``advice.compose``), which cannot fail. ``fallback_reason``
says why each earlier provider was passed over.

The same loop serves the JSON and the streamed answer: with a ``Listener`` the LLMs'
text is streamed to it piece by piece, and it is told what the text may cite, the
figures, and when the text so far must be dropped (a provider failed or its answer did
not pass verification).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from apfa.advice.wording import figure_lines
from apfa.knowledge.index.store import Hit
from apfa.observability import metrics as m
from apfa.providers.llm import (
    Figure,
    GenerationRequest,
    ProviderError,
    SourcePassage,
    TextGenerator,
)
from apfa.providers.tools import ToolUser
from apfa.providers.verification import verify

log = structlog.get_logger(__name__)


GROUNDED = "grounded"


@dataclass(frozen=True, slots=True)
class CitedPassage:
    n: int
    hit: Hit


@dataclass(frozen=True, slots=True)
class Grounded:
    """The deterministic answer: its text and the passages its [n] markers cite."""

    text: str
    cited: Sequence[CitedPassage]


@dataclass(frozen=True, slots=True)
class Generated:
    text: str
    cited: list[CitedPassage]
    provider: str
    fallback_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Inputs:
    question: str
    hits: Sequence[Hit]
    metrics: Mapping[str, Figure]
    # The person's effective profile: figures they gave that the metrics may not repeat.
    profile: Mapping[str, Figure]
    assumptions: Sequence[str]
    risk_reasons: Sequence[str]
    grounded: Grounded
    index_available: bool = True
    # Figures the advisor's calculators computed besides the loan analysis's metrics.
    figures: Mapping[str, Figure] = field(default_factory=dict)
    # The plan in words (intents, calculators, retrieval queries), for an agent.
    plan: Sequence[str] = ()


def request_for(inputs: Inputs) -> GenerationRequest:
    return GenerationRequest(
        question=inputs.question,
        passages=tuple(
            SourcePassage(n, hit.passage.title, hit.passage.text)
            for n, hit in enumerate(inputs.hits, start=1)
        ),
        metrics={**inputs.profile, **inputs.figures, **inputs.metrics},
        figure_lines=tuple(figure_lines(inputs.metrics)),
        assumptions=(*inputs.assumptions, *inputs.risk_reasons),
    )


class Listener(Protocol):
    """Follows a streamed generation (``GenerationChain.generate``)."""

    def passages(self, cited: Sequence[CitedPassage]) -> None:
        """The passages the text may cite (all retrieved ones while an LLM writes)."""

    def figures(self, inputs: Inputs) -> None:
        """The computed figures and assumptions, once, before any text."""

    def piece(self, text: str) -> None:
        """The next piece of an LLM's text."""

    def discard(self, reason: str) -> None:
        """Drop the text so far: the next provider answers instead."""


class ToolAgent(Protocol):
    """Runs an LLM as an agent over the advisor's tools (``advice.agent.Agent``)."""

    async def answer(
        self, llm: ToolUser, inputs: Inputs, request: GenerationRequest, reasons: list[str]
    ) -> Generated | None:
        """A verified answer, or None with the reason added to ``reasons``."""
        ...


class Trimmed:
    """Forwards an LLM's pieces so that, joined, they are its whole text stripped: the
    answer ``checked`` accepts. Trailing whitespace waits until more text follows it."""

    def __init__(self) -> None:
        self.raw: list[str] = []
        self._started = False
        self._pending = ""

    def forward(self, piece: str) -> str:
        self.raw.append(piece)
        if not self._started:
            piece = piece.lstrip()
            self._started = bool(piece)
        body = piece.rstrip()
        if not body:
            self._pending += piece
            return ""
        out, self._pending = self._pending + body, piece[len(body) :]
        return out

    @property
    def text(self) -> str:
        return "".join(self.raw)

    @property
    def shown(self) -> bool:
        """Whether any text (not only whitespace) was forwarded."""
        return any(piece.strip() for piece in self.raw)


class GenerationChain:
    def __init__(self, llms: Sequence[TextGenerator] = (), agent: ToolAgent | None = None) -> None:
        self._llms = tuple(llms)
        self._agent = agent

    @property
    def names(self) -> tuple[str, ...]:
        """The chain as the answer cache knows it: an agent's answers are kept apart."""
        mark = "+tools" if self._agent is not None else ""
        return (*(g.name + mark for g in self._llms), GROUNDED)

    @property
    def llms(self) -> tuple[TextGenerator, ...]:
        return self._llms

    async def generate(self, inputs: Inputs, listener: Listener | None = None) -> Generated:
        """The first LLM answer that passes verification, else the grounded one."""
        reasons: list[str] = []
        if self._llms:
            if listener is not None:
                listener.passages([CitedPassage(n, h) for n, h in enumerate(inputs.hits, 1)])
                listener.figures(inputs)
            answer = await self._first_verified(inputs, reasons, listener)
            if answer is not None:
                return answer
        grounded = self.grounded(inputs, reasons)
        if listener is not None:
            listener.passages(grounded.cited)
            if not self._llms:
                listener.figures(inputs)
        return grounded

    @staticmethod
    def grounded(inputs: Inputs, reasons: Sequence[str] = ()) -> Generated:
        """The grounded answer; ``reasons`` say why the LLMs before it were passed over."""
        answer = inputs.grounded
        return Generated(answer.text, list(answer.cited), GROUNDED, "; ".join(reasons) or None)

    async def _first_verified(
        self, inputs: Inputs, reasons: list[str], listener: Listener | None
    ) -> Generated | None:
        request = request_for(inputs)
        for llm in self._llms:
            if self._agent is not None and isinstance(llm, ToolUser) and llm.uses_tools:
                answer = await self._agent.answer(llm, inputs, request, reasons)
                if answer is None:
                    continue
                if listener is not None:
                    # Checked before anyone sees it; its searches may have found passages.
                    listener.passages(answer.cited)
                    listener.piece(answer.text)
                return answer
            trimmed = Trimmed()
            try:
                if listener is None:
                    text = (await llm.generate(request)).text
                else:
                    await _stream(llm, request, trimmed, listener)
                    text = trimmed.text
            except ProviderError as exc:
                reasons.append(f"{llm.name}: {exc.reason}")
            else:
                answer = checked(llm.name, text, request, inputs, reasons)
                if answer is not None:
                    return answer
            if listener is not None and trimmed.shown:
                listener.discard(reasons[-1])
        return None


async def _stream(
    llm: TextGenerator, request: GenerationRequest, out: Trimmed, listener: Listener
) -> None:
    pieces = llm.stream(request)
    try:
        async for piece in pieces:
            text = out.forward(piece)
            if text:
                listener.piece(text)
    finally:
        # Abandoned (the client left): close the provider's stream now, not at GC.
        if isinstance(pieces, AsyncGenerator):
            await pieces.aclose()


def checked(
    name: str, text: str, request: GenerationRequest, inputs: Inputs, reasons: list[str]
) -> Generated | None:
    """``text`` from the LLM ``name`` as the answer when it passes verification; otherwise
    None, with the problem added to ``reasons``."""
    verdict = verify(text, request)
    if verdict.problem is not None:
        m.LLM_REJECTED.labels(name).inc()
        log.warning("llm_answer_rejected", provider=name, problem=verdict.problem)
        reasons.append(f"{name}: {verdict.problem}")
        return None
    cited = [CitedPassage(n, inputs.hits[n - 1]) for n in verdict.cited]
    return Generated(text.strip(), cited, name, "; ".join(reasons) or None)
