"""Files on disk -> documents and chunks with cached embeddings, in pipelined groups.

The path ``apfa kb ingest`` and the bundled corpus take. It batches and overlaps its work
like uploads do (``core.stages``): for each group of files one worker-thread call reads
and hashes them, one query finds which are unchanged or duplicates, one thread call parses
and chunks the rest, one query finds the vectors already cached, one ``encode`` call embeds
every text still missing, and one transaction stores the vectors, documents and chunks.
While group k is encoded, group k+1 is read and parsed and group k-1 written.

A file fails alone (unreadable, unparsable) and is reported; everything else is as one
file at a time would leave it: unchanged files are skipped by content hash, a file whose
content another document already has is a duplicate, and re-ingesting embeds nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.core.stages import GroupSizer, run_stages
from apfa.knowledge import service
from apfa.knowledge.chunking import Chunk as TextChunk
from apfa.knowledge.ingest_parts import (
    IngestOptions,
    IngestReport,
    ProgressCallback,
    chunk_parsed,
    chunk_rows,
    encode_texts,
    fill_document,
    known_hashes,
    plan_embedding,
    source_key_for,
)
from apfa.knowledge.parsing import ParsedDocument, parse_document
from apfa.models import Document
from apfa.providers.embeddings import Embedder, Vectors

log = structlog.get_logger(__name__)

# A group is at most this many files, and about this many chunks once the first groups
# show how many chunks a file makes (the upload pipeline's sizes).
GROUP_FILES = 1024
GROUP_TEXTS = 2048
FIRST_GROUP_FILES = 32


@dataclass
class _File:
    path: Path
    key: str
    data: bytes = b""
    content_hash: str = ""
    parsed: ParsedDocument | None = None
    chunks: list[TextChunk] = field(default_factory=list)
    embedded: int = 0
    reused: int = 0


@dataclass
class _Group:
    paths: list[Path]
    files: list[_File]  # the files to (re)index
    todo: dict[str, str]  # content hash -> text to embed


def _read(path: Path) -> _File:
    data = path.read_bytes()
    return _File(path, source_key_for(path), data, hashlib.sha256(data).hexdigest())


class FileIngestor:
    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        embedder: Embedder,
        options: IngestOptions | None = None,
        *,
        sizer: GroupSizer | None = None,
    ) -> None:
        self._maker = maker
        self._embedder = embedder
        self._options = options or IngestOptions()
        self._sizer = sizer or GroupSizer(GROUP_FILES, GROUP_TEXTS, FIRST_GROUP_FILES)
        self._taken: dict[str, str] = {}  # content hash -> the file name taken with it
        self._report = IngestReport()

    async def ingest_files(
        self, files: list[Path], progress: ProgressCallback | None = None
    ) -> IngestReport:
        self._report = report = IngestReport(files=len(files))
        done = 0

        async def written(group: _Group) -> None:
            nonlocal done
            done += len(group.paths)
            if progress is not None:
                progress(group.paths[-1].name, done, len(files))

        await run_stages(
            files, self._sizer.next_size, self._prepare, self._encode, self._write, written
        )
        return report

    def _fail(self, path: Path, error: Exception) -> None:
        self._report.failed.append((str(path), str(error)))
        log.warning("ingest_failed", path=str(path), error=str(error))

    async def _prepare(self, paths: list[Path]) -> _Group:
        read = await anyio.to_thread.run_sync(self._read_all, paths)
        fresh = await self._changed(read)
        parsed = await anyio.to_thread.run_sync(self._parse_all, fresh)
        self._sizer.saw(len(paths), sum(len(f.chunks) for f in parsed))
        chunk_sets = [f.chunks for f in parsed]
        cached = await known_hashes(self._maker, self._embedder.model_name, chunk_sets)
        todo, counts = plan_embedding(chunk_sets, cached)
        for item, (embedded, reused) in zip(parsed, counts, strict=True):
            item.embedded, item.reused = embedded, reused
        return _Group(paths, parsed, todo)

    def _read_all(self, paths: list[Path]) -> list[_File]:
        read: list[_File] = []
        for path in paths:
            try:
                read.append(_read(path))
            except OSError as exc:
                self._fail(path, exc)
        return read

    async def _changed(self, files: list[_File]) -> list[_File]:
        """The files to (re)index: not unchanged, and not a duplicate of another document
        (stored, or taken earlier in this run)."""
        if not files:
            return []
        keys = [f.key for f in files]
        hashes = [f.content_hash for f in files]
        async with session_scope(self._maker) as session:
            result = await session.execute(
                select(
                    Document.source_key, Document.content_hash, Document.status, Document.filename
                ).where(or_(Document.source_key.in_(keys), Document.content_hash.in_(hashes)))
            )
            rows = result.all()
        by_key = {row.source_key: row for row in rows}
        holders: dict[str, list[tuple[str, str | None]]] = {}
        for row in rows:
            holders.setdefault(row.content_hash, []).append((row.source_key, row.filename))
        fresh: list[_File] = []
        for item in files:
            existing = by_key.get(item.key)
            if (
                existing is not None
                and existing.content_hash == item.content_hash
                and existing.status == "indexed"
            ):
                self._report.unchanged += 1
                continue
            other = next((n for k, n in holders.get(item.content_hash, []) if k != item.key), None)
            other = other or self._taken.get(item.content_hash)
            if other is not None:
                self._report.duplicates.append(f"{item.path.name} duplicates {other}")
                continue
            self._taken[item.content_hash] = item.path.name
            fresh.append(item)
        return fresh

    def _parse_all(self, files: list[_File]) -> list[_File]:
        parsed: list[_File] = []
        for item in files:
            try:
                item.parsed = parse_document(item.data, item.path.name)
                item.chunks = chunk_parsed(item.parsed, self._embedder, self._options)
            except ValueError as exc:
                self._taken.pop(item.content_hash, None)
                self._fail(item.path, exc)
                continue
            parsed.append(item)
        return parsed

    async def _encode(self, group: _Group) -> dict[str, Vectors]:
        if not group.todo:
            return {}
        vectors = await encode_texts(
            self._embedder, list(group.todo.values()), batch_size=self._options.batch_size
        )
        return dict(zip(group.todo, vectors, strict=True))

    async def _write(self, group: _Group, vectors: dict[str, Vectors]) -> _Group:
        if not group.files:
            return group
        report = self._report
        async with session_scope(self._maker) as session:
            await service.store_vectors(session, self._embedder.model_name, vectors)
            result = await session.execute(
                select(Document).where(Document.source_key.in_([f.key for f in group.files]))
            )
            existing = {document.source_key: document for document in result.scalars()}
            for item in group.files:
                assert item.parsed is not None
                document = existing.get(item.key)
                if document is None:
                    document = Document(id=str(uuid.uuid4()), source_key=item.key)
                    session.add(document)
                    report.added += 1
                else:
                    report.updated += 1
                fill_document(
                    document, item.parsed, item.path, item.data, item.content_hash, len(item.chunks)
                )
                await session.flush()
                await service.replace_chunks(
                    session, document.id, chunk_rows(document.id, item.chunks)
                )
                report.chunks += len(item.chunks)
                report.embedded += item.embedded
                report.reused += item.reused
                item.data, item.parsed = b"", None
        return group
