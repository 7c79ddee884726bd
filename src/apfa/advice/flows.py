"""The advice pipeline: validate -> extract profile -> retrieve -> compute -> generate.

Answers are cached by the normalised question, the effective profile, the index
version and the generator chain, so a new index version never serves a stale answer and a
switch of providers never serves another provider's answer. An answer that fell back is not
cached: once the provider recovers, the question gets its answer.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace

from apfa.advice.extraction import extract_profile
from apfa.advice.generation import Generated, GenerationChain, Inputs
from apfa.advice.generator import DISCLAIMER
from apfa.advice.schemas import (
    AdviceBody,
    Citation,
    LoanQuery,
    ProfileIn,
    RiskOut,
    YearRow,
)
from apfa.advice.wording import describe
from apfa.core.cache import Lookup, TieredCache
from apfa.core.resources import Resource
from apfa.finance import LoanProfile, analyse
from apfa.knowledge.index.store import Hit, LoadedIndex
from apfa.knowledge.retrieval import Retriever
from apfa.observability import metrics as m

CACHE_KIND = "advice"
_SEPARATOR = "\x1f"
SNIPPET_CHARS = 320
_tracer = trace.get_tracer(__name__)
# What turns the prepared inputs into text; the chain's ``generate`` unless a caller (the
# streamed endpoint) brings its own.
Generate = Callable[[Inputs], Awaitable[Generated]]


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    top_k: int = 5
    min_score: float = 0.2


def given_profile(query: LoanQuery) -> dict[str, Any]:
    return query.profile.model_dump(exclude_none=True, mode="json") if query.profile else {}


def effective_profile(question: str, given: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Client-supplied fields win; numbers read from the question fill the gaps."""
    extracted = extract_profile(question)
    notes: list[str] = []
    merged = dict(given)
    for name, value in extracted.fields.items():
        if name not in merged:
            merged[name] = value
            notes.append(
                f"{name.replace('_', ' ')} of {describe(name, value)} read from your question"
            )
    return merged, notes


def cache_key(
    question: str,
    profile: ProfileIn | None,
    version: int | None,
    chain: tuple[str, ...] = ("grounded",),
) -> str:
    """The answer cache's key: the question with case and spacing normalised, the given
    profile (serialised in the model's field order, so the same profile always gives the
    same text), the index version and the generator chain. The parts are joined with a
    control character that validation keeps out of questions."""
    normalised = " ".join(question.lower().split())
    given = profile.model_dump_json(exclude_none=True) if profile is not None else "{}"
    payload = _SEPARATOR.join((normalised, given, str(version), ",".join(chain)))
    return hashlib.sha256(payload.encode()).hexdigest()


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rstrip() + "…"


def citation(n: int, hit: Hit) -> Citation:
    return Citation(
        n=n,
        document_id=hit.passage.document_id,
        title=hit.passage.title,
        section=" > ".join(hit.passage.heading_path) or None,
        snippet=_snippet(hit.passage.text),
        score=round(hit.score, 4),
        source=hit.passage.source,
    )


def members_digest(members: bytes) -> str:
    """The name an answer's members are stored under in the history (``AdviceAnswer``)."""
    return hashlib.sha256(members).hexdigest()


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer, serialised once: a cache hit only splices in the per-request fields.
    ``digest`` is ``members_digest(members_json)``, computed once with the members."""

    body: AdviceBody
    members_json: bytes
    digest: str
    cached: bool
    latency_ms: float

    def envelope(self, user: str, request_id: str | None) -> dict[str, Any]:
        return {
            "user": user,
            "request_id": request_id,
            "cached": self.cached,
            "latency_ms": self.latency_ms,
        }

    def render(self, user: str, request_id: str | None) -> bytes:
        extra = json.dumps(self.envelope(user, request_id), separators=(",", ":"))
        return b"{" + self.members_json + b"," + extra[1:].encode()

    @property
    def body_json(self) -> bytes:
        """The answer alone as a JSON document (what the history stores)."""
        return b"{" + self.members_json + b"}"

    def tail(self, rendered: bytes) -> bytes:
        """What ``rendered`` (from ``render``) adds after the members and their comma."""
        return rendered[len(self.members_json) + 2 :]


# A cached answer: the body, its JSON members and their digest.
Stored = tuple[AdviceBody, bytes, str]


class AnswerCodec:
    """L2 holds an answer's JSON members. Reading them back validates and re-serialises
    them, so what is spliced into a response always has this release's schema (and is byte
    for byte what the process that computed it served, when the schemas agree)."""

    def encode(self, value: Stored) -> bytes:
        return value[1]

    def decode(self, data: bytes) -> Stored:
        body = AdviceBody.model_validate_json(b"{" + data + b"}")
        members = body.model_dump_json().encode()[1:-1]
        return body, members, members_digest(members)


ANSWER_CODEC = AnswerCodec()


def _count(lookup: Lookup[Any]) -> None:
    for tier in lookup.missed:
        m.series(m.CACHE_MISSES, tier).inc()
    if lookup.tier is not None:
        m.series(m.CACHE_HITS, lookup.tier).inc()


class AdvicePipeline:
    def __init__(
        self,
        retriever: Retriever,
        cache: TieredCache,
        options: PipelineOptions | None = None,
        chain: GenerationChain | None = None,
    ) -> None:
        self._retriever = retriever
        self._cache = cache
        self._options = options or PipelineOptions()
        self._chain = chain or GenerationChain()

    @property
    def chain(self) -> GenerationChain:
        return self._chain

    async def answer(self, query: LoanQuery, generate: Generate | None = None) -> Answer:
        started = time.perf_counter()
        served = self._retriever.holder.current
        version = served.version if served is not None else None
        # The effective profile is a function of the question and the given fields, so the
        # key needs only those: a hit skips extraction entirely.
        key = cache_key(query.query, query.profile, version, self._chain.names)
        hit = await self._cached(key)
        if hit is not None:
            body, members, digest = hit
        else:
            profile, read_notes = effective_profile(query.query, given_profile(query))
            body = await self._compute(
                query.query, profile, read_notes, generate or self._chain.generate, served
            )
            members = body.model_dump_json().encode()[1:-1]
            digest = members_digest(members)
            self._store(key, (body, members, digest))
        latency = round((time.perf_counter() - started) * 1000, 2)
        m.series(m.ADVICE, body.provider, "true" if hit is not None else "false").inc()
        return Answer(body, members, digest, hit is not None, latency)

    async def _cached(self, key: str) -> Stored | None:
        lookup = await self._cache.get(CACHE_KIND, key, ANSWER_CODEC)
        _count(lookup)
        return lookup.value

    def _store(self, key: str, stored: Stored) -> None:
        body = stored[0]
        if body.index_version is not None and body.fallback_reason is None:
            self._cache.set(CACHE_KIND, key, stored, ANSWER_CODEC)

    async def _compute(
        self,
        question: str,
        profile: dict[str, Any],
        read_notes: list[str],
        generate: Generate,
        served: LoadedIndex | None = None,
    ) -> AdviceBody:
        retrieval = await self._retriever.search(
            question, self._options.top_k, self._options.min_score, served
        )
        analysis = analyse(LoanProfile(**profile))
        risk = analysis.risk
        inputs = Inputs(
            question,
            retrieval.hits,
            analysis.metrics,
            profile,
            [*read_notes, *analysis.assumptions],
            risk.reasons if risk else [],
            index_available=retrieval.version is not None,
        )
        with _tracer.start_as_current_span("generation"):
            draft = await generate(inputs)
        citations = [citation(c.n, c.hit) for c in draft.cited]
        return AdviceBody(
            advice=draft.text,
            citations=citations,
            metrics=dict(analysis.metrics),
            assumptions=[*read_notes, *analysis.assumptions],
            risk=RiskOut(tier=risk.tier, reasons=list(risk.reasons)) if risk else None,
            amortization=[
                YearRow(year=r.year, principal=r.principal, interest=r.interest, balance=r.balance)
                for r in analysis.yearly
            ],
            disclaimer=DISCLAIMER,
            provider=draft.provider,
            fallback_reason=draft.fallback_reason,
            index_version=retrieval.version,
        )


ADVICE_PIPELINE = Resource[AdvicePipeline]("advice pipeline")
