"""Streamed advice: the answer of ``AdvicePipeline.answer`` as Server-Sent Events.

The pipeline runs as for the JSON endpoint (same cache key, same cache, same history row)
with its generation step replaced by ``_StreamedGeneration``, which reports what it learns
as it goes: the passages the answer may cite and the computed figures as soon as retrieval
and the loan analysis are done, then the text. An LLM's text is forwarded piece by piece
while it arrives; when the LLM fails or its finished answer fails verification, a ``reset``
event tells the client to drop the text so far, and the next provider (finally the
grounded generator) answers. A grounded or cached answer is sent in word groups. ``done``
carries the full ``AdviceResponse``, byte for byte what POST /api/v1/advice would have
returned. The wire format is documented in docs/streaming.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import structlog
from fastapi.sse import ServerSentEvent
from pydantic import BaseModel

from apfa.advice import service
from apfa.advice.flows import AdvicePipeline, citation
from apfa.advice.generation import Generated, GenerationChain, Inputs, checked, request_for
from apfa.advice.history import HistoryWriter
from apfa.advice.schemas import Citation, LoanQuery
from apfa.auth.service import Principal
from apfa.core.context import current_request_id
from apfa.core.errors import error_body
from apfa.providers.llm import Figure, GenerationRequest, ProviderError, TextGenerator

log = structlog.get_logger(__name__)

WORDS_PER_DELTA = 8
_WORD = re.compile(r"\S+\s*")
_BREAK = re.compile(r"(?:[.!?:;]\s*|\n\s*)$")


class CitationsEvent(BaseModel):
    citations: list[Citation]


class MetricsEvent(BaseModel):
    metrics: dict[str, float | int | str]
    assumptions: list[str]


class DeltaEvent(BaseModel):
    text: str


class ResetEvent(BaseModel):
    reason: str


class ErrorEvent(BaseModel):
    error: str
    detail: str
    request_id: str | None


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    data: str


Emit = Callable[[Event], None]


def word_groups(text: str, size: int = WORDS_PER_DELTA) -> Iterator[str]:
    """``text`` in pieces of at most ``size`` words, ending early after a sentence or a
    line; joined, the pieces are ``text`` exactly."""
    start, group = 0, 0
    for match in _WORD.finditer(text):
        group += 1
        if group == size or _BREAK.search(match.group()):
            yield text[start : match.end()]
            start, group = match.end(), 0
    if start < len(text):
        yield text[start:]


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


def citations_event(citations: Sequence[Citation]) -> Event:
    return Event("citations", CitationsEvent(citations=list(citations)).model_dump_json())


def metrics_event(metrics: Mapping[str, Figure], assumptions: Sequence[str]) -> Event:
    data = MetricsEvent(metrics=dict(metrics), assumptions=list(assumptions))
    return Event("metrics", data.model_dump_json())


def delta_event(text: str) -> Event:
    return Event("delta", DeltaEvent(text=text).model_dump_json())


class _StreamedGeneration:
    """The chain's ``generate``, reporting to ``emit`` as it goes."""

    def __init__(self, chain: GenerationChain, emit: Emit) -> None:
        self._chain = chain
        self._emit = emit
        self.streamed = False

    async def __call__(self, inputs: Inputs) -> Generated:
        emit = self._emit
        if not self._chain.llms:
            grounded = self._chain.grounded(inputs)
            emit(citations_event([citation(c.n, c.hit) for c in grounded.cited]))
            emit(metrics_event(inputs.metrics, inputs.assumptions))
            return grounded
        # The LLMs cite the retrieved passages by these numbers; ``done`` lists those cited.
        emit(citations_event([citation(n, hit) for n, hit in enumerate(inputs.hits, start=1)]))
        emit(metrics_event(inputs.metrics, inputs.assumptions))
        request = request_for(inputs)
        reasons: list[str] = []
        for llm in self._chain.llms:
            trimmed = Trimmed()
            try:
                await self._forward(llm, request, trimmed)
            except ProviderError as exc:
                reasons.append(f"{llm.name}: {exc.reason}")
                self._reset(trimmed, reasons)
                continue
            answer = checked(llm.name, trimmed.text, request, inputs, reasons)
            if answer is not None:
                self.streamed = True
                return answer
            self._reset(trimmed, reasons)
        grounded = self._chain.grounded(inputs, reasons)
        emit(citations_event([citation(c.n, c.hit) for c in grounded.cited]))
        return grounded

    async def _forward(self, llm: TextGenerator, request: GenerationRequest, out: Trimmed) -> None:
        pieces = llm.stream(request)
        try:
            async for piece in pieces:
                text = out.forward(piece)
                if text:
                    self._emit(delta_event(text))
        finally:
            # Abandoned (the client left): close the provider's stream now, not at GC.
            if isinstance(pieces, AsyncGenerator):
                await pieces.aclose()

    def _reset(self, trimmed: Trimmed, reasons: list[str]) -> None:
        if any(piece.strip() for piece in trimmed.raw):
            self._emit(Event("reset", ResetEvent(reason=reasons[-1]).model_dump_json()))


_END = Event("", "")


class AdviceStream:
    """One streamed answer for ``principal``."""

    def __init__(self, pipeline: AdvicePipeline, history: HistoryWriter, principal: Principal):
        self._pipeline = pipeline
        self._history = history
        self._principal = principal

    async def events(self, query: LoanQuery) -> AsyncIterator[ServerSentEvent]:
        """The events in order, each with its number as ``id``. If the client goes away
        while the answer is still being generated, it is abandoned (an LLM's stream is
        closed; nothing is cached or recorded); a finished answer is cached and recorded
        like any other, whether or not its last events were delivered."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        producer = asyncio.create_task(self._produce(query, queue.put_nowait))
        try:
            number = 0
            while (event := await queue.get()) is not _END:
                number += 1
                yield ServerSentEvent(event=event.name, raw_data=event.data, id=str(number))
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer

    async def _produce(self, query: LoanQuery, emit: Emit) -> None:
        try:
            await self._answer(query, emit)
        except Exception:
            log.exception("advice_stream_failed")
            body = error_body("internal_error", "An internal error occurred")
            emit(Event("error", ErrorEvent.model_validate(body).model_dump_json()))
        finally:
            emit(_END)

    async def _answer(self, query: LoanQuery, emit: Emit) -> None:
        generation = _StreamedGeneration(self._pipeline.chain, emit)
        answer = await self._pipeline.answer(query, generate=generation)
        body = answer.body
        if answer.cached:
            emit(citations_event(body.citations))
            emit(metrics_event(body.metrics, body.assumptions))
        if not generation.streamed:
            for piece in word_groups(body.advice):
                emit(delta_event(piece))
        request_id = current_request_id()
        principal = self._principal
        rendered = answer.render(principal.username, request_id)
        await self._history.submit(
            service.history_entry(principal.user_id, request_id, query, answer, rendered)
        )
        emit(Event("done", rendered.decode()))
