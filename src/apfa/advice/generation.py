"""The generator chain: configured LLMs in order, each answer checked, grounded last.

An LLM answer is used only when every figure in it is a computed value or is quoted from a
passage it cites, and every citation names a retrieved passage; otherwise, and whenever a
provider fails or its breaker is open, the next one is tried, ending with the grounded
generator, which cannot fail. ``fallback_reason`` says why each earlier provider was
passed over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import structlog

from apfa.advice.generator import CitedPassage, GroundedGenerator
from apfa.advice.wording import figure_lines
from apfa.knowledge.index_store import Hit
from apfa.observability import metrics as m
from apfa.providers.llm import (
    Figure,
    GenerationRequest,
    ProviderError,
    SourcePassage,
    TextGenerator,
)
from apfa.providers.verification import verify

log = structlog.get_logger(__name__)


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
    index_available: bool = True


def request_for(inputs: Inputs) -> GenerationRequest:
    return GenerationRequest(
        question=inputs.question,
        passages=tuple(
            SourcePassage(n, hit.passage.title, hit.passage.text)
            for n, hit in enumerate(inputs.hits, start=1)
        ),
        metrics={**inputs.profile, **inputs.metrics},
        figure_lines=tuple(figure_lines(inputs.metrics)),
        assumptions=(*inputs.assumptions, *inputs.risk_reasons),
    )


class GenerationChain:
    def __init__(
        self, llms: Sequence[TextGenerator] = (), grounded: GroundedGenerator | None = None
    ) -> None:
        self._llms = tuple(llms)
        self._grounded = grounded or GroundedGenerator()

    @property
    def names(self) -> tuple[str, ...]:
        return (*(g.name for g in self._llms), self._grounded.name)

    @property
    def llms(self) -> tuple[TextGenerator, ...]:
        return self._llms

    async def generate(self, inputs: Inputs) -> Generated:
        reasons: list[str] = []
        if self._llms:
            answer = await self._first_verified(inputs, reasons)
            if answer is not None:
                return answer
        return self.grounded(inputs, reasons)

    def grounded(self, inputs: Inputs, reasons: Sequence[str] = ()) -> Generated:
        """The grounded answer; ``reasons`` say why the LLMs before it were passed over."""
        draft = self._grounded.compose(
            inputs.question,
            inputs.hits,
            inputs.metrics,
            inputs.assumptions,
            inputs.risk_reasons,
            index_available=inputs.index_available,
        )
        return Generated(draft.text, draft.cited, self._grounded.name, "; ".join(reasons) or None)

    async def _first_verified(self, inputs: Inputs, reasons: list[str]) -> Generated | None:
        request = request_for(inputs)
        for llm in self._llms:
            try:
                generation = await llm.generate(request)
            except ProviderError as exc:
                reasons.append(f"{llm.name}: {exc.reason}")
                continue
            answer = checked(llm.name, generation.text, request, inputs, reasons)
            if answer is not None:
                return answer
        return None


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
