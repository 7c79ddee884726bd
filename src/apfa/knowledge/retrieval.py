"""Query-time retrieval: embed the question and search the served version, off the loop.

``search`` ranks hybrid by default (dense and BM25 fused, ``fusion``); a version without a
BM25 part is searched dense-only. ``search_vectors`` (vectors already computed, as the
advice path has them) stays dense. Every search weights time-sensitive passages by age
(``freshness``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import anyio.to_thread
from anyio import CapacityLimiter
from opentelemetry import trace

from apfa.core.resources import Resource
from apfa.knowledge.freshness import FreshnessPolicy
from apfa.knowledge.fusion import Mode, effective_mode, rank, reweigh
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.store import Hit, LoadedIndex
from apfa.observability import metrics
from apfa.providers.embeddings import Embedder, Vectors
from apfa.providers.query_batcher import QueryBatcher

_tracer = trace.get_tracer(__name__)
_query_embedding_seconds = metrics.EMBEDDING.labels("query")


@dataclass(frozen=True, slots=True)
class Retrieval:
    version: int | None
    hits: list[Hit]
    mode: Mode = "dense"


class Retriever:
    def __init__(
        self,
        holder: IndexHolder,
        embedder: Embedder,
        *,
        threads: int = 2,
        mode: Mode = "hybrid",
        batch_max: int = 32,
        batch_window_ms: float = 0.0,
        freshness: FreshnessPolicy | None = None,
    ) -> None:
        self._holder = holder
        self._freshness = freshness if freshness is not None else FreshnessPolicy()
        self._embedder = embedder
        self._limiter = CapacityLimiter(threads)
        self._mode: Mode = mode
        self._queries = QueryBatcher(
            self._encode_queries,
            max_batch=batch_max,
            window_ms=batch_window_ms,
            limiter=self._limiter,
        )

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def freshness(self) -> FreshnessPolicy:
        return self._freshness

    @property
    def holder(self) -> IndexHolder:
        return self._holder

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    async def embed(self, text: str) -> Vectors:
        """The query's vector, off the event loop (shared with the searches' limiter);
        concurrent questions are encoded together (``QueryBatcher``)."""
        return await self._queries.embed(text)

    def _encode_queries(self, texts: list[str]) -> Vectors:
        with (
            _tracer.start_as_current_span("embedding", attributes={"apfa.texts": len(texts)}),
            _query_embedding_seconds.time(),
        ):
            vectors: Vectors = self._embedder.encode(texts, batch_size=len(texts))
        return vectors

    def search_vectors(
        self, vectors: Sequence[Vectors], k: int, index: LoadedIndex, min_score: float = -1.0
    ) -> list[list[Hit]]:
        """Searches of ``index`` for vectors already computed (cheap: no model call)."""
        with _tracer.start_as_current_span("faiss.search"), metrics.FAISS_SEARCH.time():
            found = [reweigh(index.search(vector, k), self._freshness) for vector in vectors]
        return [[h for h in hits if h.score >= min_score] for hits in found]

    def rank_question(
        self, question: str, vector: Vectors, k: int, index: LoadedIndex, min_score: float = -1.0
    ) -> list[Hit]:
        """The question's own search with its vector already computed, in this retriever's
        mode (hybrid adds the passages that share its exact terms); ``min_score`` applies
        to the dense cosine."""
        hits = (
            rank(index, question, vector, k, self._mode, self._freshness)
            if question
            else reweigh(index.search(vector, k), self._freshness)
        )
        return [h for h in hits if h.score >= min_score]

    def search_question(
        self,
        question: str,
        vector: Vectors,
        more: Sequence[Vectors],
        k: int,
        index: LoadedIndex,
        min_score: float = -1.0,
    ) -> list[list[Hit]]:
        """The question's search (``rank_question``) and then one dense search for each of
        ``more`` (vectors already computed), timed and traced as one search."""
        with _tracer.start_as_current_span("faiss.search"), metrics.FAISS_SEARCH.time():
            asked = self.rank_question(question, vector, k, index, min_score)
            others = [reweigh(index.search(v, k), self._freshness) for v in more]
        return [asked, *[[h for h in hits if h.score >= min_score] for hits in others]]

    async def search(
        self,
        query: str,
        k: int,
        min_score: float = -1.0,
        index: LoadedIndex | None = None,
        mode: Mode | None = None,
    ) -> Retrieval:
        """Search ``index`` (by default the version served now) in ``mode`` (by default the
        retriever's). A caller that keyed a cache entry by a version passes that version, so
        the entry holds that version's answer. ``min_score`` applies to the dense cosine of
        every hit, whichever list found it."""
        index = index or self._holder.current
        if index is None:
            return Retrieval(None, [], mode or self._mode)
        used = effective_mode(index, mode or self._mode)
        with _tracer.start_as_current_span("retrieval") as span:
            span.set_attribute("apfa.index_version", index.version)
            span.set_attribute("apfa.retrieval_mode", used)
            vector = await self.embed(query)
            hits = await anyio.to_thread.run_sync(
                self._search_sync, index, query, vector, k, used, limiter=self._limiter
            )
            kept = [h for h in hits if h.score >= min_score]
            span.set_attribute("apfa.hits", len(kept))
        return Retrieval(index.version, kept, used)

    def _search_sync(
        self, index: LoadedIndex, query: str, vector: Vectors, k: int, mode: Mode
    ) -> list[Hit]:
        with _tracer.start_as_current_span("faiss.search"), metrics.FAISS_SEARCH.time():
            return rank(index, query, vector, k, mode, self._freshness)


RETRIEVER = Resource[Retriever]("retriever")
