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

``AdviceStream`` streams whatever answer its ``respond`` makes with the generator it is
handed: a single-turn question (``AdviceStream.single_turn``) or a turn of a conversation
(``apfa.conversations``). ``EventStreamResponse`` sends a stream from an endpoint that may
also answer with JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass

import structlog
from fastapi.sse import ServerSentEvent, format_sse_event
from pydantic import BaseModel
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from apfa.advice import service
from apfa.advice.answers import Answer, citation
from apfa.advice.flows import AdvicePipeline, Generate
from apfa.advice.generation import CitedPassage, Generated, GenerationChain, Inputs
from apfa.advice.history import HistoryWriter
from apfa.advice.schemas import Citation, LoanQuery
from apfa.auth.service import Principal
from apfa.core.context import current_request_id
from apfa.core.errors import AppError, error_body
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
# Headers of every event stream (as FastAPI sends them for its own event-stream routes).
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
PING = ServerSentEvent(comment="ping")


@dataclass(frozen=True, slots=True)
class Finished:
    """An answer that is complete and recorded, and the ``done`` event's data: the
    response as the JSON route would send it."""

    answer: Answer
    done: bytes


# Makes the answer with the generator it is given (which reports to the stream as the
# answer is written), records it and renders it.
Respond = Callable[[Generate], Awaitable[Finished]]


class AdviceStream:
    """One streamed answer, made by ``respond`` with ``chain``'s generator."""

    def __init__(self, chain: GenerationChain, respond: Respond) -> None:
        self._chain = chain
        self._respond = respond

    @classmethod
    def single_turn(
        cls,
        pipeline: AdvicePipeline,
        history: HistoryWriter,
        principal: Principal,
        query: LoanQuery,
    ) -> AdviceStream:
        """``query`` answered as by POST /api/v1/advice (cached, recorded in the history)."""

        async def respond(generate: Generate) -> Finished:
            answer = await pipeline.answer(query, generate=generate)
            request_id = current_request_id()
            rendered = answer.render(principal.username, request_id)
            entry = service.history_entry(principal.user_id, request_id, query, answer)
            await history.submit(entry)
            return Finished(answer, rendered)

        return cls(pipeline.chain, respond)

    async def events(
        self, ping_seconds: float | None = None
    ) -> AsyncGenerator[ServerSentEvent, None]:
        """The events in order, each with its number as ``id`` (and a ``ping`` comment
        after ``ping_seconds`` without one, when given). If the client goes away before the
        answer is complete, ``respond`` is cancelled (an LLM's stream is closed; a
        single-turn answer is neither cached nor recorded) unless it shields itself; a
        finished answer is recorded whether or not its last events were delivered."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        producer = asyncio.create_task(self._produce(queue.put_nowait))
        try:
            number = 0
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), ping_seconds)
                except TimeoutError:
                    yield PING
                    continue
                if event is _END:
                    return
                number += 1
                yield ServerSentEvent(event=event.name, raw_data=event.data, id=str(number))
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer

    async def _produce(self, emit: Emit) -> None:
        try:
            await self._answer(emit)
        except AppError as exc:
            body = error_body(exc.code, exc.detail)
            emit(Event("error", ErrorEvent.model_validate(body).model_dump_json()))
        except Exception:
            log.exception("advice_stream_failed")
            body = error_body("internal_error", "An internal error occurred")
            emit(Event("error", ErrorEvent.model_validate(body).model_dump_json()))
        finally:
            emit(_END)

    async def _answer(self, emit: Emit) -> None:
        emitter = _Emitter(emit)
        chain = self._chain

        async def generate(inputs: Inputs) -> Generated:
            return await chain.generate(inputs, emitter)

        finished = await self._respond(generate)
        answer = finished.answer
        body = answer.body
        if answer.cached:
            emit(citations_event(body.citations))
            emit(metrics_event(body.metrics, body.assumptions))
        if not emitter.streamed:
            for piece in word_groups(body.advice):
                emit(delta_event(piece))
        emit(Event("done", finished.done.decode()))


def asks_for_events(accept: str | None) -> bool:
    """Whether an ``Accept`` header lists ``text/event-stream`` (and does not refuse it
    with ``q=0``)."""
    for part in (accept or "").split(","):
        media, *params = (piece.strip().lower() for piece in part.split(";"))
        if media == "text/event-stream":
            weights = [p.partition("=")[2] for p in params if p.replace(" ", "").startswith("q=")]
            return not weights or _weight(weights[0]) > 0
    return False


def _weight(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0


def _wire(event: ServerSentEvent) -> bytes:
    return format_sse_event(
        data_str=event.raw_data, event=event.event, id=event.id, comment=event.comment
    )


class EventStreamResponse(StreamingResponse):
    """``events`` on the wire, from an endpoint that is not an event-stream route (one that
    answers with JSON unless the client asks for a stream). Once the response ends,
    finished or cut short by the client, ``events`` is closed at once."""

    media_type = "text/event-stream"

    def __init__(self, events: AsyncGenerator[ServerSentEvent, None]) -> None:
        self._wired = self._encode(events)
        super().__init__(self._wired, headers=STREAM_HEADERS)

    @staticmethod
    async def _encode(events: AsyncGenerator[ServerSentEvent, None]) -> AsyncGenerator[bytes, None]:
        try:
            async for event in events:
                yield _wire(event)
        finally:
            await events.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._wired.aclose()
