"""The advice pipeline: validate -> understand -> plan and compute -> retrieve -> compose ->
generate (an LLM when configured, checked; the composed answer otherwise).

Answers are cached by the normalised question, the effective profile, the index
version and the generator chain, so a new index version never serves a stale answer and a
switch of providers never serves another provider's answer. An answer that fell back is not
cached: once the provider recovers, the question gets its answer.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from opentelemetry import trace

from apfa.advice.advisor import Advice, Advisor, as_float, plan_lines
from apfa.advice.answers import (
    ANSWER_CODEC,
    CACHE_KIND,
    Answer,
    Stored,
    cache_key,
    citation,
    members_digest,
)
from apfa.advice.compose.disclaimer import DISCLAIMER
from apfa.advice.followup import MAX_SAID, Thread
from apfa.advice.generation import CitedPassage, Generated, GenerationChain, Grounded, Inputs
from apfa.advice.schemas import (
    AdviceBody,
    ComparisonOut,
    LoanQuery,
    RiskOut,
    SectionOut,
    YearRow,
)
from apfa.advice.wording import describe
from apfa.core.cache import Lookup, TieredCache
from apfa.core.resources import Resource
from apfa.finance import LOAN_TYPES, LoanProfile, analyse
from apfa.finance.rates import using
from apfa.knowledge.index.store import LoadedIndex
from apfa.knowledge.retrieval import Retriever
from apfa.market.current import Snapshot
from apfa.market.figures import MarketFigures
from apfa.observability import metrics as m

CENT = Decimal("0.01")
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


PROFILE_FIELDS = (
    "annual_income",
    "monthly_debt_payments",
    "credit_score",
    "loan_type",
    "loan_amount",
    "home_price",
    "down_payment",
    "interest_rate",
)


def loan_profile(
    facts: dict[str, object], given: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The ``LoanProfile`` fields among the facts, and a note for each one read from the
    question (client-supplied fields win and need no note)."""
    profile: dict[str, Any] = {}
    notes: list[str] = []
    for name in PROFILE_FIELDS:
        value = facts.get(name)
        if value is None or (name == "loan_type" and value not in LOAN_TYPES):
            continue
        profile[name] = as_float(value)
    months = facts.get("term_months")
    if isinstance(months, int) and months % 12 == 0 and 12 <= months <= 600:
        profile["term_years"] = months // 12
    for name, value in profile.items():
        if name not in given:
            notes.append(
                f"{name.replace('_', ' ')} of {describe(name, value)} read from your question"
            )
    down = _down_payment_from_percent(facts)
    if "down_payment" not in profile and down is not None:
        profile["down_payment"] = down
        notes.append(
            f"down payment of {describe('down_payment', down)}: {facts['down_payment_pct']}% "
            f"of the home price of {describe('home_price', profile['home_price'])}"
        )
    return profile, notes


def _down_payment_from_percent(facts: dict[str, object]) -> float | None:
    """A down payment stated as a percent of a known price ("20% down", said in a later
    turn than the price), in dollars."""
    pct, price = facts.get("down_payment_pct"), facts.get("home_price")
    if not isinstance(pct, Decimal) or not isinstance(price, Decimal) or not 0 <= pct <= 100:
        return None
    return float((price * pct / 100).quantize(CENT, rounding=ROUND_HALF_UP))


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
        advisor: Advisor,
        options: PipelineOptions | None = None,
        chain: GenerationChain | None = None,
        figures: MarketFigures | None = None,
    ) -> None:
        self._retriever = retriever
        self._cache = cache
        self._advisor = advisor
        self._options = options or PipelineOptions()
        self._chain = chain or GenerationChain()
        self._figures = figures

    @property
    def chain(self) -> GenerationChain:
        return self._chain

    @property
    def advisor(self) -> Advisor:
        return self._advisor

    async def answer(self, query: LoanQuery, generate: Generate | None = None) -> Answer:
        started = time.perf_counter()
        served = self._retriever.holder.current
        version = served.version if served is not None else None
        # The answer is a function of the question and the given fields (and the version
        # and the chain), so the key needs only those: a hit skips all the work.
        market = await self._market()
        key = cache_key(query.query, query.profile, version, self._chain.names, market.stamp)
        hit = await self._cached(key)
        if hit is not None:
            body, members, digest = hit
        else:
            with using(market.table):
                body, _ = await self._compute(
                    query.query, given_profile(query), generate or self._chain.generate, served
                )
            members = body.model_dump_json().encode()[1:-1]
            digest = members_digest(members)
            self._store(key, (body, members, digest))
        latency = round((time.perf_counter() - started) * 1000, 2)
        m.series(m.ADVICE, body.provider, "true" if hit is not None else "false").inc()
        return Answer(body, members, digest, hit is not None, latency)

    async def answer_turn(
        self, query: LoanQuery, thread: Thread, generate: Generate | None = None
    ) -> tuple[Answer, Thread]:
        """A turn of a conversation: read against ``thread``, answered fresh (the thread's
        state is part of the question, so turns are not cached); the updated thread."""
        started = time.perf_counter()
        served = self._retriever.holder.current
        with using((await self._market()).table):
            body, advice = await self._compute(
                query.query, given_profile(query), generate or self._chain.generate, served, thread
            )
        members = body.model_dump_json().encode()[1:-1]
        latency = round((time.perf_counter() - started) * 1000, 2)
        m.series(m.ADVICE, body.provider, "false").inc()
        after = Thread(
            facts=dict(advice.understanding.facts),
            intents=[s.intent for s in advice.understanding.intents],
            said=[*thread.said, *advice.composed.said][-MAX_SAID:],
            turns=thread.turns + 1,
        )
        return Answer(body, members, members_digest(members), False, latency), after

    async def _market(self) -> Snapshot:
        """The stored market figures (default rates, current-figure answers)."""
        return await self._figures.snapshot() if self._figures is not None else Snapshot()

    async def _cached(self, key: str) -> Stored | None:
        lookup = await self._cache.get(CACHE_KIND, key, ANSWER_CODEC)
        _count(lookup)
        return lookup.value

    def _store(self, key: str, stored: Stored) -> None:
        body = stored[0]
        if body.index_version is not None and body.fallback_reason is None:
            self._cache.set(CACHE_KIND, key, stored, ANSWER_CODEC)

    async def advise(
        self,
        question: str,
        given: dict[str, Any],
        served: LoadedIndex | None,
        thread: Thread | None = None,
    ) -> Advice:
        """Understand, plan, compute, retrieve and compose (the grounded answer)."""
        advisor = self._advisor
        with _tracer.start_as_current_span("understanding"):
            vector = await self._retriever.embed(question)
            understanding = advisor.understand(question, vector, given, thread)
            plans = advisor.plans(understanding)
        with _tracer.start_as_current_span("computation"):
            computed = advisor.compute(plans, understanding.facts)
        with _tracer.start_as_current_span("retrieval") as span:
            hits = advisor.retrieve(
                self._retriever,
                vector,
                plans,
                served,
                self._options.top_k,
                self._options.min_score,
                question,
            )
            span.set_attribute("apfa.hits", len(hits))
            if served is not None:
                span.set_attribute("apfa.index_version", served.version)
        composed = advisor.compose(
            question, understanding, plans, computed, hits, served, DISCLAIMER
        )
        return Advice(
            understanding,
            composed,
            computed[0],
            hits,
            computed[3],
            served.version if served is not None else None,
            plan_lines(plans, computed[1]),
        )

    async def _compute(
        self,
        question: str,
        given: dict[str, Any],
        generate: Generate,
        served: LoadedIndex | None = None,
        thread: Thread | None = None,
    ) -> tuple[AdviceBody, Advice]:
        advice = await self.advise(question, given, served, thread)
        current = await self._figures.note(question) if self._figures is not None else None
        lead = (
            [SectionOut(kind="current", title="Current figures", text=current)] if current else []
        )
        profile, read_notes = loan_profile(advice.understanding.facts, given)
        analysis = analyse(LoanProfile(**profile))
        risk = analysis.risk
        composed = advice.composed
        cited = [CitedPassage(n, hit) for n, hit in enumerate(composed.cited, start=1)]
        extra = [
            h
            for h in advice.hits
            if all(h.passage.chunk_id != c.hit.passage.chunk_id for c in cited)
        ]
        figures = {k: as_float(v) for k, v in advice.values.items() if not isinstance(v, list)}
        inputs = Inputs(
            question,
            [*composed.cited, *extra],
            dict(analysis.metrics),
            profile,
            [*read_notes, *advice.assumptions, *analysis.assumptions],
            risk.reasons if risk else [],
            Grounded(composed.text if current is None else f"{current}\n\n{composed.text}", cited),
            index_available=advice.index_version is not None,
            figures=figures,
            plan=advice.plan,
        )
        with _tracer.start_as_current_span("generation"):
            draft = await generate(inputs)
        grounded = draft.provider == "grounded"
        body = AdviceBody(
            advice=draft.text,
            citations=[citation(c.n, c.hit) for c in draft.cited],
            metrics=dict(analysis.metrics),
            assumptions=[*read_notes, *advice.assumptions, *analysis.assumptions],
            risk=RiskOut(tier=risk.tier, reasons=list(risk.reasons)) if risk else None,
            amortization=[
                YearRow(year=r.year, principal=r.principal, interest=r.interest, balance=r.balance)
                for r in analysis.yearly
            ],
            disclaimer=DISCLAIMER,
            provider=draft.provider,
            fallback_reason=draft.fallback_reason,
            index_version=advice.index_version,
            intents=[s.intent for s in advice.understanding.intents],
            summary=composed.summary if grounded else "",
            # The sections cite the grounded answer's passages; an LLM's answer has its own.
            sections=[
                *lead,
                *(SectionOut(kind=s.kind, title=s.title, text=s.text) for s in composed.sections),
            ]
            if grounded
            else [],
            comparisons=[
                ComparisonOut(title=c.title, columns=c.columns, rows=c.rows)
                for c in composed.comparisons
            ],
            follow_up_questions=composed.follow_up_questions,
        )
        return body, advice


ADVICE_PIPELINE = Resource[AdvicePipeline]("advice pipeline")
