"""Text generators behind one small Protocol.

The advice pipeline hands a generator the question, the retrieved passages numbered as
citations, the computed figures and the assumptions behind them; it gets text back (with
token usage) or, from ``stream``, the text in pieces. Adapters for real LLM APIs implement
``ProviderAdapter``: one attempt, no retries; ``ResilientGenerator`` adds the breaker,
retries and metrics and is what the pipeline calls.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

Figure = float | int | str


@dataclass(frozen=True, slots=True)
class SourcePassage:
    """A retrieved passage as the generator sees it: ``n`` is the number to cite, [n]."""

    n: int
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    question: str
    passages: tuple[SourcePassage, ...] = ()
    # Everything computed or given: the loan metrics and the person's own details.
    metrics: Mapping[str, Figure] = field(default_factory=dict)
    # The computed figures in words, as the grounded answer writes them.
    figure_lines: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Generation:
    text: str
    usage: Usage = Usage()


class ProviderError(Exception):
    """A generation that did not produce usable text.

    ``reason`` is short and safe to show (it never carries a key or a prompt); ``outcome``
    labels the ``apfa_llm_requests_total`` counter.
    """

    def __init__(
        self,
        reason: str,
        *,
        outcome: str = "error",
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome
        self.retryable = retryable
        self.retry_after = retry_after


class TextGenerator(Protocol):
    """What the advice pipeline calls."""

    @property
    def name(self) -> str: ...

    async def generate(self, request: GenerationRequest) -> Generation: ...

    def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        """The answer's text in pieces, in order."""
        ...


class ProviderAdapter(Protocol):
    """One LLM API: a single attempt, raising ``ProviderError`` on any failure."""

    @property
    def name(self) -> str: ...

    async def complete(self, request: GenerationRequest) -> Generation: ...

    def stream(self, request: GenerationRequest) -> AsyncGenerator[str | Usage, None]:
        """Text deltas, and the token usage whenever the API reports it."""
        ...

    async def aclose(self) -> None: ...
