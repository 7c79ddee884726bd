"""Many stored uploads -> chunks with cached embeddings, in pipelined groups.

Each document ends as ``processing.process_document`` would leave it (same statuses,
reasons, duplicate rule and idempotence), but the work is done per group: one
transaction claims the group, a worker thread reads, extracts and chunks it, one query
finds the vectors already cached, one ``encode`` call embeds every text still missing
(the model batches it by ``embedding_batch_size``), and one transaction stores the
vectors, the chunk sets and the statuses. The stages overlap (``core.stages``, shared with
``apfa kb ingest``): while group k is encoded, group k+1 is prepared and group k-1 written,
so the model rarely waits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.core.stages import GroupSizer, run_stages
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
from apfa.knowledge.ingest_parts import (
    IngestOptions,
    chunk_parsed,
    encode_texts,
    known_hashes,
    plan_embedding,
)
from apfa.providers.embedding_process import EmbeddingProcessLost
from apfa.providers.embeddings import Embedder, Vectors

log = structlog.get_logger(__name__)

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
    """The texts to embed, each once (``plan_embedding``'s counting)."""
    usable = [p for p in processed if p.rejection is None and p.error is None]
    todo, counts = plan_embedding([p.chunks for p in usable], cached)
    for item, (embedded, reused) in zip(usable, counts, strict=True):
        item.embedded += embedded
        item.reused += reused
    return todo


class _Pipeline:
    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        embedder: Embedder,
        settings: Settings,
        group_documents: int,
        group_texts: int,
    ) -> None:
        self.maker = maker
        self.embedder = embedder
        self.store = upload_store(settings)
        self.limits = ExtractionLimits.from_settings(settings)
        self.options = ingest_options(settings)
        self.sizer = GroupSizer(group_documents, group_texts, FIRST_GROUP_DOCUMENTS)
        self.claimed: set[str] = set()

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
        self.sizer.saw(len(ids), sum(len(p.chunks) for p in processed))
        cached = await known_hashes(
            self.maker, self.embedder.model_name, [p.chunks for p in processed]
        )
        return _Group(ids, settled, processed, _plan_embedding(processed, cached))

    async def encode(self, group: _Group) -> dict[str, Vectors]:
        if not group.todo:
            return {}
        try:
            vectors = await encode_texts(
                self.embedder, list(group.todo.values()), batch_size=self.options.batch_size
            )
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
    pipeline = _Pipeline(maker, embedder, settings, group_documents, group_texts)
    outcomes: dict[str, dict[str, Any]] = {}

    async def written(group_outcomes: dict[str, Outcome]) -> None:
        outcomes.update(group_outcomes)
        if progress is not None:
            await progress(len(outcomes), len(ids))

    try:
        await run_stages(
            ids,
            pipeline.sizer.next_size,
            pipeline.prepare,
            pipeline.encode,
            pipeline.write,
            written,
        )
    finally:
        await pipeline.release()
    return {document_id: outcomes[document_id] for document_id in ids}
