"""The parts both ingestion paths share: the report, options, file discovery, chunking,
the embedding plan and cache, and the rows a document's chunks become."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import anyio.to_thread
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.knowledge import service
from apfa.knowledge.chunking import Chunk as TextChunk
from apfa.knowledge.chunking import chunk_document
from apfa.knowledge.parsing import ParsedDocument
from apfa.models import Chunk, Document
from apfa.observability import metrics
from apfa.providers.embeddings import Embedder, Vectors

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


async def known_hashes(
    maker: async_sessionmaker[AsyncSession], model: str, chunk_sets: Iterable[Iterable[TextChunk]]
) -> set[str]:
    """The content hashes of these chunks that already have a cached vector for ``model``."""
    hashes = {chunk.content_hash for chunks in chunk_sets for chunk in chunks}
    if not hashes:
        return set()
    async with session_scope(maker) as session:
        return await service.cached_hashes(session, model, hashes)


async def encode_texts(embedder: Embedder, texts: list[str], *, batch_size: int) -> Vectors:
    """One model call for a document group's texts, off the event loop, traced and timed."""
    encode = partial(embedder.encode, batch_size=batch_size)
    with (
        _tracer.start_as_current_span("embedding", attributes={"apfa.texts": len(texts)}),
        metrics.EMBEDDING.labels("document").time(),
    ):
        return await anyio.to_thread.run_sync(encode, texts)


async def ensure_embeddings(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    chunks: list[TextChunk],
    *,
    batch_size: int,
) -> tuple[int, int]:
    """Embed the chunks whose text has no cached vector yet; returns (embedded, reused)."""
    model = embedder.model_name
    known = await known_hashes(maker, model, [chunks])
    todo = {c.content_hash: c.embedding_text for c in chunks if c.content_hash not in known}
    reused = len(chunks) - len(todo)
    if not todo:
        return 0, reused
    vectors = await encode_texts(embedder, list(todo.values()), batch_size=batch_size)
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


def fill_document(
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


def plan_embedding(
    chunk_sets: Sequence[Sequence[TextChunk]], cached: set[str]
) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """The texts to embed (content hash -> text), each once, and per chunk set how many it
    embeds and reuses: a text counts as embedded by the first set that has it and as reused
    by every other, as one document at a time would count them."""
    todo: dict[str, str] = {}
    counts: list[tuple[int, int]] = []
    for chunks in chunk_sets:
        embedded = reused = 0
        for chunk in chunks:
            if chunk.content_hash in cached or chunk.content_hash in todo:
                reused += 1
            else:
                todo[chunk.content_hash] = chunk.embedding_text
                embedded += 1
        counts.append((embedded, reused))
    return todo, counts
