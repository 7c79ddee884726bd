"""Ingestion: files -> documents and chunks -> cached embeddings -> a new active version.

Unchanged files are skipped by content hash, and a chunk whose text was embedded before
(by any document, with the same model) reuses its cached vector, so re-ingesting the same
corpus embeds nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import anyio.to_thread
import structlog
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.objectstore import ObjectStore
from apfa.knowledge import service
from apfa.knowledge.chunking import Chunk as TextChunk
from apfa.knowledge.chunking import chunk_document
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.versions import activate_version, build_version
from apfa.knowledge.parsing import ParsedDocument, parse_document
from apfa.models import Chunk, Document
from apfa.observability import metrics
from apfa.providers.embeddings import Embedder

log = structlog.get_logger(__name__)
_tracer = trace.get_tracer(__name__)

SUPPORTED_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
BUNDLED_CORPUS = Path(__file__).resolve().parent / "corpus"

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    index_version: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


@dataclass(frozen=True)
class IngestOptions:
    max_tokens: int = 200
    overlap_tokens: int = 40
    batch_size: int = 64


def discover(paths: Iterable[Path]) -> list[Path]:
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
        elif path.is_file():
            found.add(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return sorted(p.resolve() for p in found)


def source_key_for(path: Path) -> str:
    resolved = path.resolve()
    if resolved.is_relative_to(BUNDLED_CORPUS):
        return f"bundled:{resolved.relative_to(BUNDLED_CORPUS).as_posix()}"
    return f"file:{resolved.as_posix()}"


class Ingestor:
    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        embedder: Embedder,
        options: IngestOptions | None = None,
    ) -> None:
        self._maker = maker
        self._embedder = embedder
        self._options = options or IngestOptions()

    async def ingest_files(
        self, files: list[Path], progress: ProgressCallback | None = None
    ) -> IngestReport:
        report = IngestReport(files=len(files))
        for done, path in enumerate(files, start=1):
            try:
                await self._ingest_one(path, report)
            except (OSError, ValueError) as exc:
                report.failed.append((str(path), str(exc)))
                log.warning("ingest_failed", path=str(path), error=str(exc))
            if progress is not None:
                progress(path.name, done, len(files))
        return report

    async def _ingest_one(self, path: Path, report: IngestReport) -> None:
        data = await anyio.to_thread.run_sync(path.read_bytes)
        key = source_key_for(path)
        content_hash = hashlib.sha256(data).hexdigest()
        async with session_scope(self._maker) as session:
            existing = await service.get_document_by_key(session, key)
            if existing and existing.content_hash == content_hash and existing.status == "indexed":
                report.unchanged += 1
                return
            duplicate = await service.find_duplicate(session, content_hash, exclude_key=key)
            if duplicate is not None:
                report.duplicates.append(f"{path.name} duplicates {duplicate.filename}")
                return
        parsed = await anyio.to_thread.run_sync(parse_document, data, path.name)
        prepared = await prepare_chunks(self._maker, self._embedder, parsed, self._options)
        report.embedded += prepared.embedded
        report.reused += prepared.reused
        chunks = prepared.chunks
        async with session_scope(self._maker) as session:
            document = await service.get_document_by_key(session, key)
            if document is None:
                document = Document(id=str(uuid.uuid4()), source_key=key)
                session.add(document)
                report.added += 1
            else:
                report.updated += 1
            _fill_document(document, parsed, path, data, content_hash, len(chunks))
            await session.flush()
            await service.replace_chunks(session, document.id, chunk_rows(document.id, chunks))
        report.chunks += len(chunks)


@dataclass(frozen=True)
class PreparedChunks:
    """A document's chunks, each with a vector in the embedding cache."""

    chunks: list[TextChunk]
    embedded: int
    reused: int


def chunk_parsed(
    parsed: ParsedDocument, embedder: Embedder, options: IngestOptions
) -> list[TextChunk]:
    return chunk_document(
        parsed,
        max_tokens=options.max_tokens,
        overlap_tokens=options.overlap_tokens,
        count_tokens=embedder.count_tokens,
    )


async def ensure_embeddings(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    chunks: list[TextChunk],
    *,
    batch_size: int,
) -> tuple[int, int]:
    """Embed the chunks whose text has no cached vector yet; returns (embedded, reused)."""
    model = embedder.model_name
    async with session_scope(maker) as session:
        known = await service.cached_vectors(session, model, (c.content_hash for c in chunks))
    todo = {c.content_hash: c.embedding_text for c in chunks if c.content_hash not in known}
    reused = len(chunks) - len(todo)
    if not todo:
        return 0, reused
    encode = partial(embedder.encode, batch_size=batch_size)
    with (
        _tracer.start_as_current_span("embedding", attributes={"apfa.texts": len(todo)}),
        metrics.EMBEDDING.labels("document").time(),
    ):
        vectors = await anyio.to_thread.run_sync(encode, list(todo.values()))
    async with session_scope(maker) as session:
        await service.store_vectors(session, model, dict(zip(todo, vectors, strict=True)))
    return len(todo), reused


async def prepare_chunks(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    parsed: ParsedDocument,
    options: IngestOptions,
) -> PreparedChunks:
    """Parse result -> chunks -> cached embeddings; the caller then stores the chunk rows
    (``chunk_rows`` + ``service.replace_chunks``) in its own transaction."""
    chunks = await anyio.to_thread.run_sync(chunk_parsed, parsed, embedder, options)
    embedded, reused = await ensure_embeddings(
        maker, embedder, chunks, batch_size=options.batch_size
    )
    return PreparedChunks(chunks, embedded, reused)


def _fill_document(
    document: Document,
    parsed: ParsedDocument,
    path: Path,
    data: bytes,
    content_hash: str,
    chunk_count: int,
) -> None:
    document.title = parsed.title[:512]
    document.filename = path.name[:255]
    document.category = (parsed.metadata.get("category") or "")[:64] or None
    document.content_hash = content_hash
    document.size_bytes = len(data)
    document.status = "indexed"
    document.error = None
    document.chunk_count = chunk_count
    document.meta = dict(parsed.metadata)


def chunk_rows(document_id: str, chunks: list[TextChunk]) -> list[Chunk]:
    return [
        Chunk(
            document_id=document_id,
            ordinal=c.ordinal,
            heading_path=list(c.heading_path),
            text=c.text,
            token_count=c.token_count,
            content_hash=c.content_hash,
        )
        for c in chunks
    ]


async def ingest_and_publish(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    index_root: Path,
    paths: Iterable[Path],
    *,
    options: IngestOptions | None = None,
    progress: ProgressCallback | None = None,
    holder: IndexHolder | None = None,
    force_build: bool = False,
    store: ObjectStore | None = None,
) -> IngestReport:
    """Ingest files; when anything changed (or nothing is active yet) build and activate."""
    files = discover(paths)
    report = await Ingestor(maker, embedder, options).ingest_files(files, progress)
    async with session_scope(maker) as session:
        active = await service.active_version(session)
    if report.changed or active is None or force_build:
        built = await build_version(maker, embedder, index_root, store=store)
        await activate_version(maker, index_root, built.version, holder, store=store)
        report.index_version = built.version
    else:
        report.index_version = active.id
    return report
