"""Query-time retrieval: embed the question and search the served version, off the loop."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from anyio import CapacityLimiter

from apfa.knowledge.holder import IndexHolder
from apfa.knowledge.index_store import Hit, LoadedIndex
from apfa.providers.embeddings import Embedder


@dataclass(frozen=True, slots=True)
class Retrieval:
    version: int | None
    hits: list[Hit]


class Retriever:
    def __init__(self, holder: IndexHolder, embedder: Embedder, *, threads: int = 2) -> None:
        self._holder = holder
        self._embedder = embedder
        self._limiter = CapacityLimiter(threads)

    @property
    def holder(self) -> IndexHolder:
        return self._holder

    async def search(self, query: str, k: int, min_score: float = -1.0) -> Retrieval:
        index = self._holder.current
        if index is None:
            return Retrieval(None, [])
        hits = await anyio.to_thread.run_sync(
            self._search_sync, index, query, k, limiter=self._limiter
        )
        return Retrieval(index.version, [h for h in hits if h.score >= min_score])

    def _search_sync(self, index: LoadedIndex, query: str, k: int) -> list[Hit]:
        vector = self._embedder.encode([query])[0]
        return index.search(vector, k)
