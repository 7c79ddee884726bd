"""Many stored uploads -> chunks with cached embeddings, in pipelined groups.

Each document ends as ``processing.process_document`` would leave it (same statuses,
reasons, duplicate rule and idempotence), but the work is done per group: one
transaction claims the group, a worker thread reads, extracts and chunks it, one query
finds the vectors already cached, one ``encode`` call embeds every text still missing
(the model batches it by ``embedding_batch_size``), and one transaction stores the
vectors, the chunk sets and the statuses. The stages overlap: while group k is encoded,
group k+1 is prepared and group k-1 written, so the model rarely waits.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
import structlog
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.documents.batch_service import (
    Claim,
    Outcome,
    Processed,
    claim_group,
    release_claims,
    settle_group,
)
from apfa.documents.exceptions import NO_TEXT, Rejection
from apfa.documents.extraction import extract
from apfa.documents.limits import ExtractionLimits
from apfa.documents.processing import ingest_options
from apfa.documents.storage import UploadStore, upload_store
from apfa.jobs.spec import RetryableError
from apfa.knowledge import service as knowledge
from apfa.knowledge.flows import IngestOptions, chunk_parsed
from apfa.observability import metrics
from apfa.providers.embedding_process import EmbeddingProcessLost
from apfa.providers.embeddings import Embedder, Vectors

log = structlog.get_logger(__name__)
_tracer = trace.get_tracer(__name__)

# A group is at most this many documents, and about this many chunks once the first
# groups show how many chunks a document makes. The first group is small, so the model
# starts early and a batch of large files is sized before much of it is read.
GROUP_DOCUMENTS = 1024
GROUP_TEXTS = 2048
FIRST_GROUP_DOCUMENTS = 32

Progress = Callable[[int, int], Awaitable[None]]


@dataclass
class _Group:
    ids: list[str]
    settled: dict[str, Outcome]
    processed: list[Processed]
    todo: dict[str, str]  # content hash -> text to embed


def _prepare_one(
    store: UploadStore,
    claim: Claim,
    limits: ExtractionLimits,
    embedder: Embedder,
    options: IngestOptions,
) -> Processed:
    processed = Processed(claim)
    try:
        data = store.read(claim.storage_key)
        if hashlib.sha256(data).hexdigest() != claim.content_hash:
            raise RuntimeError("the stored file does not match its content hash")
        parsed = extract(data, claim.media_type, claim.filename, limits)
        del data
        processed.title, processed.metadata = parsed.title, dict(parsed.metadata)
        processed.chunks = chunk_parsed(parsed, embedder, options)
        if not processed.chunks:
            raise Rejection(NO_TEXT, "no extractable text")
    except Rejection as rejection:
        processed.rejection = rejection
    except Exception as exc:
        log.exception("document_processing_failed", document_id=claim.document_id)
        processed.error = f"{type(exc).__name__}: {exc}"[:2000]
    return processed


def _plan_embedding(processed: Sequence[Processed], cached: set[str]) -> dict[str, str]:
    """The texts to embed, each once, counted as embedded by the first document that has
    it and as reused by every other (as one document at a time would count them)."""
    todo: dict[str, str] = {}
    for item in processed:
        if item.rejection is not None or item.error is not None:
            continue
        for chunk in item.chunks:
            if chunk.content_hash in cached or chunk.content_hash in todo:
                item.reused += 1
            else:
                todo[chunk.content_hash] = chunk.embedding_text
                item.embedded += 1
    return todo


class _Pipeline:
    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        embedder: Embedder,
        settings: Settings,
        group_texts: int,
    ) -> None:
        self.maker = maker
        self.embedder = embedder
        self.store = upload_store(settings)
        self.limits = ExtractionLimits.from_settings(settings)
        self.options = ingest_options(settings)
        self.group_texts = group_texts
        self.seen_documents = 0
        self.seen_texts = 0
        self.claimed: set[str] = set()

    def next_size(self, most: int) -> int:
        if not self.seen_documents:
            return min(most, FIRST_GROUP_DOCUMENTS)
        if not self.seen_texts:
            return most
        per_document = self.seen_texts / self.seen_documents
        return max(1, min(most, int(self.group_texts / per_document)))

    async def prepare(self, ids: list[str]) -> _Group:
        async with session_scope(self.maker) as session:
            settled, claims = await claim_group(session, self.store, ids)
        self.claimed.update(claim.document_id for claim in claims)
        prepare = partial(
            _prepare_one, limits=self.limits, embedder=self.embedder, options=self.options
        )
        processed = await anyio.to_thread.run_sync(
            lambda: [prepare(self.store, claim) for claim in claims]
        )
        self.seen_documents += len(ids)
        self.seen_texts += sum(len(p.chunks) for p in processed)
        hashes = {c.content_hash for p in processed for c in p.chunks}
        cached: set[str] = set()
        if hashes:
            async with session_scope(self.maker) as session:
                found = await knowledge.cached_vectors(session, self.embedder.model_name, hashes)
            cached = set(found)
        return _Group(ids, settled, processed, _plan_embedding(processed, cached))

    async def encode(self, group: _Group) -> dict[str, Vectors]:
        if not group.todo:
            return {}
        encode = partial(self.embedder.encode, batch_size=self.options.batch_size)
        try:
            with (
                _tracer.start_as_current_span(
                    "embedding", attributes={"apfa.texts": len(group.todo)}
                ),
                metrics.EMBEDDING.labels("document").time(),
            ):
                vectors = await anyio.to_thread.run_sync(encode, list(group.todo.values()))
        except EmbeddingProcessLost as exc:
            # Not the documents' fault: the job is retried and they are claimed again.
            raise RetryableError(str(exc)) from exc
        except Exception as exc:
            log.exception("document_embedding_failed", documents=len(group.processed))
            error = f"{type(exc).__name__}: {exc}"[:2000]
            for item in group.processed:
                if item.error is None and any(c.content_hash in group.todo for c in item.chunks):
                    item.error = error
            return {}
        return dict(zip(group.todo, vectors, strict=True))

    async def write(self, group: _Group, vectors: dict[str, Vectors]) -> dict[str, Outcome]:
        async with session_scope(self.maker) as session:
            outcomes = await settle_group(
                session, self.store, self.embedder.model_name, vectors, group.processed
            )
        self.claimed.difference_update(p.claim.document_id for p in group.processed)
        for document_id, outcome in outcomes.items():
            if outcome["status"] == "rejected" and not outcome.get("skipped"):
                log.info("document_rejected", document_id=document_id, reason=outcome["error"])
        return {**group.settled, **outcomes}

    async def release(self) -> None:
        """Documents claimed by groups that will never be written go back to pending."""
        if not self.claimed:
            return
        with anyio.CancelScope(shield=True):
            try:
                async with session_scope(self.maker) as session:
                    await release_claims(session, sorted(self.claimed))
            except Exception as exc:
                log.warning("document_release_failed", error=str(exc))


async def process_documents(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    settings: Settings,
    document_ids: list[str],
    progress: Progress | None = None,
    *,
    group_documents: int = GROUP_DOCUMENTS,
    group_texts: int = GROUP_TEXTS,
) -> dict[str, dict[str, Any]]:
    """Process uploaded documents; returns each one's outcome by id, as
    ``process_document`` would (``status`` indexed, rejected, failed or missing, ...).
    ``progress(done, total)`` is awaited after each group is written."""
    ids = list(dict.fromkeys(document_ids))
    pipeline = _Pipeline(maker, embedder, settings, group_texts)
    outcomes: dict[str, dict[str, Any]] = {}
    position = 0

    def start_next() -> asyncio.Task[_Group] | None:
        nonlocal position
        if position >= len(ids):
            return None
        size = pipeline.next_size(group_documents)
        chunk, position = ids[position : position + size], position + size
        return asyncio.create_task(pipeline.prepare(chunk))

    preparing = start_next()
    writing: asyncio.Task[dict[str, Outcome]] | None = None
    try:
        while preparing is not None:
            group = await preparing
            preparing = start_next()
            vectors = await pipeline.encode(group)
            written = await writing if writing is not None else None
            writing = asyncio.create_task(pipeline.write(group, vectors))
            if written is not None:
                outcomes.update(written)
                if progress is not None:
                    await progress(len(outcomes), len(ids))
        if writing is not None:
            outcomes.update(await writing)
            writing = None
            if progress is not None:
                await progress(len(outcomes), len(ids))
    finally:
        await _stop(preparing, writing)
        await pipeline.release()
    return {document_id: outcomes[document_id] for document_id in ids}


async def _stop(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel the stages still running after a failure, and wait for them to end."""
    left = [task for task in tasks if task is not None]
    for task in left:
        task.cancel()
    if left:
        await asyncio.gather(*left, return_exceptions=True)
