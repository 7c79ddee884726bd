"""``apfa kb ingest``'s pipelined file groups: many groups give the same documents, chunks
and counts as one group; duplicates are found across groups; a bad file fails alone."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import delete, select

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.stages import GroupSizer
from apfa.knowledge.file_ingest import FileIngestor
from apfa.knowledge.flows import IngestReport, discover
from apfa.models import Chunk, Document, EmbeddingCache
from apfa.providers.embeddings import SentenceTransformerEmbedder
from conftest import CORPUS


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    for n in range(7):
        (corpus / f"note-{n}.md").write_text(
            f"# Note {n}\n\n## Saving {n}\nPut {n * 100 + 50} dollars a month into savings "
            f"before spending, note {n}.\n"
        )
    (corpus / "zz-copy-of-note-2.md").write_bytes((corpus / "note-2.md").read_bytes())
    (corpus / "broken.md").write_text("---\ntitle: [never closed\n")
    return corpus


async def _ingest(
    settings: Settings, embedder: SentenceTransformerEmbedder, files: list[Path], sizer: GroupSizer
) -> tuple[IngestReport, list[tuple[object, ...]], list[int]]:
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    seen: list[int] = []
    try:
        report = await FileIngestor(maker, embedder, sizer=sizer).ingest_files(
            files, lambda _name, done, _total: seen.append(done)
        )
        async with session_scope(maker) as session:
            rows = await session.execute(
                select(
                    Document.source_key,
                    Document.title,
                    Chunk.ordinal,
                    Chunk.text,
                    Chunk.content_hash,
                )
                .join(Chunk, Chunk.document_id == Document.id)
                .order_by(Document.source_key, Chunk.ordinal)
            )
            return report, [tuple(row) for row in rows.all()], seen
    finally:
        await engine.dispose()


async def test_many_small_groups_match_one_group_and_a_bad_file_fails_alone(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    files = discover([_corpus(tmp_path)])
    one, one_rows, one_seen = await _ingest(
        isolated_settings, embedder, files, GroupSizer(most=1024, texts=2048, first=1024)
    )
    await _forget_everything(isolated_settings)
    many, many_rows, many_seen = await _ingest(
        isolated_settings, embedder, files, GroupSizer(most=3, texts=4, first=2)
    )
    for report in (one, many):
        assert report.files == len(files) == 13
        assert report.added == 11
        assert report.duplicates == ["zz-copy-of-note-2.md duplicates note-2.md"]
        assert [Path(path).name for path, _ in report.failed] == ["broken.md"]
        assert report.embedded + report.reused == report.chunks == len(one_rows)
    assert (many.chunks, many.embedded, many.reused) == (one.chunks, one.embedded, one.reused)
    assert many_rows == one_rows
    assert one_seen == [13]
    assert len(many_seen) >= 4
    assert many_seen == sorted(many_seen)
    assert many_seen[-1] == 13


async def _forget_everything(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            for table in (Chunk, Document, EmbeddingCache):
                await session.execute(delete(table))
    finally:
        await engine.dispose()


async def test_a_second_run_in_small_groups_embeds_nothing(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    files = discover([_corpus(tmp_path)])
    first, _, _ = await _ingest(isolated_settings, embedder, files, GroupSizer(3, 4, 2))
    again, rows, _ = await _ingest(isolated_settings, embedder, files, GroupSizer(3, 4, 2))
    assert first.added == 11
    assert (again.added, again.updated, again.unchanged, again.embedded) == (0, 0, 11, 0)
    assert len(again.duplicates) == 1
    assert len(again.failed) == 1
    assert len(rows) == first.chunks
