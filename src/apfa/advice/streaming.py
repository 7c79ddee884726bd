"""Streamed advice: the answer of ``AdvicePipeline.answer`` as Server-Sent Events.

The pipeline runs as for the JSON endpoint (same cache key, same cache, same history row)
with the generator chain reporting to an ``_Emitter`` (``generation.Listener``) what it
learns as it goes: the passages the answer may cite and the computed figures as soon as retrieval
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
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import structlog
from fastapi.sse import ServerSentEvent
from pydantic import BaseModel

from apfa.advice import service
from apfa.advice.flows import AdvicePipeline, citation
from apfa.advice.generation import CitedPassage, Generated, Inputs
from apfa.advice.history import HistoryWriter
from apfa.advice.schemas import Citation, LoanQuery
from apfa.auth.service import Principal
from apfa.core.context import current_request_id
from apfa.core.errors import error_body
from apfa.providers.llm import Figure

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


def citations_event(citations: Sequence[Citation]) -> Event:
    return Event("citations", CitationsEvent(citations=list(citations)).model_dump_json())


def metrics_event(metrics: Mapping[str, Figure], assumptions: Sequence[str]) -> Event:
    data = MetricsEvent(metrics=dict(metrics), assumptions=list(assumptions))
    return Event("metrics", data.model_dump_json())


def delta_event(text: str) -> Event:
    return Event("delta", DeltaEvent(text=text).model_dump_json())


class _Emitter:
    """Turns what the chain reports (``generation.Listener``) into events."""

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self.streamed = False

    def passages(self, cited: Sequence[CitedPassage]) -> None:
        self._emit(citations_event([citation(c.n, c.hit) for c in cited]))

    def figures(self, inputs: Inputs) -> None:
        self._emit(metrics_event(inputs.metrics, inputs.assumptions))

    def piece(self, text: str) -> None:
        self.streamed = True
        self._emit(delta_event(text))

    def discard(self, reason: str) -> None:
        self.streamed = False
        self._emit(Event("reset", ResetEvent(reason=reason).model_dump_json()))


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
        emitter = _Emitter(emit)
        chain = self._pipeline.chain

        async def generate(inputs: Inputs) -> Generated:
            return await chain.generate(inputs, emitter)

        answer = await self._pipeline.answer(query, generate=generate)
        body = answer.body
        if answer.cached:
            emit(citations_event(body.citations))
            emit(metrics_event(body.metrics, body.assumptions))
        if not emitter.streamed:
            for piece in word_groups(body.advice):
                emit(delta_event(piece))
        request_id = current_request_id()
        principal = self._principal
        rendered = answer.render(principal.username, request_id)
        await self._history.submit(
            service.history_entry(principal.user_id, request_id, query, answer)
        )
        emit(Event("done", rendered.decode()))
