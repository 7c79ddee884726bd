"""Ingestion through the real pipeline: content-hash dedup, incremental re-embedding and
index versions recorded in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.errors import Conflict, NotFound
from apfa.knowledge import service
from apfa.knowledge.chunking import embedding_text_for
from apfa.knowledge.flows import IngestReport, ingest_and_publish
from apfa.knowledge.index.holder import IndexHolder
from apfa.knowledge.index.store import INDEX_FILE
from apfa.knowledge.index.versions import activate_version, build_version, load_active
from apfa.models import Chunk, IndexVersion
from apfa.providers.embeddings import HashingEmbedder, SentenceTransformerEmbedder
from conftest import CORPUS
from knowledge_support import published


async def test_first_ingest_indexes_everything(ingested: IngestReport) -> None:
    assert ingested.files == 4
    assert ingested.added == 4
    assert ingested.failed == []
    assert ingested.chunks > 4
    assert ingested.embedded == ingested.chunks
    assert ingested.index_version is not None


async def test_reingesting_unchanged_content_embeds_nothing(
    settings: Settings, embedder: SentenceTransformerEmbedder, ingested: IngestReport
) -> None:
    engine = create_engine(settings)
    maker = create_sessionmaker(engine)
    try:
        async with session_scope(maker) as session:
            active = await service.active_version(session)
        report = await ingest_and_publish(maker, embedder, settings.index_dir, [CORPUS])
    finally:
        await engine.dispose()
    assert report.unchanged == 4
    assert report.embedded == 0
    assert report.added == report.updated == 0
    # Nothing changed, so nothing was built: the version served before is still active.
    assert active is not None
    assert report.index_version == active.id


async def test_changed_document_reembeds_only_new_chunks_and_publishes(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "copy-of-pmi.md").write_bytes((corpus / "pmi.md").read_bytes())
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    root = isolated_settings.index_dir
    try:
        first = await ingest_and_publish(maker, embedder, root, [corpus])
        assert first.added == 4
        assert len(first.duplicates) == 1
        assert first.embedded == first.chunks
        doc = corpus / "dti.md"
        doc.write_text(
            doc.read_text() + "\n## Student loans\nIncome-driven payments count toward DTI.\n"
        )
        second = await ingest_and_publish(maker, embedder, root, [corpus])
        assert (second.added, second.updated, second.unchanged) == (0, 1, 3)
        assert 0 < second.embedded < second.chunks
        assert second.reused >= 1
        assert first.index_version is not None
        assert second.index_version is not None
        assert second.index_version > first.index_version
        async with session_scope(maker) as session:
            active = await service.active_version(session)
            assert active is not None
            assert active.id == second.index_version
            chunk_rows = await session.scalar(select(func.count()).select_from(Chunk))
            stats = await service.corpus_stats(session)
        loaded, _ = await load_active(maker, root)
        assert loaded is not None
        assert chunk_rows == stats["chunks"] == len(loaded)
        assert any("Income-driven payments" in p.text for p in loaded._passages)
    finally:
        await engine.dispose()


async def test_corrupt_version_cannot_be_activated(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    await published(isolated_settings, embedder)
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    try:
        async with session_scope(maker) as session:
            before = await service.active_version(session)
        built = await build_version(maker, embedder, isolated_settings.index_dir)
        directory = isolated_settings.index_dir / f"v{built.version:06d}"
        (directory / INDEX_FILE).write_bytes(b"not a faiss index")
        holder = IndexHolder()
        with pytest.raises(Exception, match="checksum"):
            await activate_version(maker, isolated_settings.index_dir, built.version, holder)
        assert holder.current is None
        async with session_scope(maker) as session:
            after = await service.active_version(session)
        assert before is not None
        assert after is not None
        assert after.id == before.id
        loaded, _ = await load_active(maker, isolated_settings.index_dir)
        assert loaded is not None
        assert loaded.version == before.id
    finally:
        await engine.dispose()


async def test_a_build_after_the_model_changed_embeds_the_corpus_again(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    """Switching the backend (torch to onnx-int8) changes the model name: the first build
    embeds every chunk for the new model instead of failing, later builds reuse them."""
    await published(isolated_settings, embedder)
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    other = HashingEmbedder(dim=embedder.dim, model_name="another-model")
    try:
        built = await build_version(maker, other, isolated_settings.index_dir)
        async with session_scope(maker) as session:
            rows = await service.indexed_passages(session)
            cached = await service.cached_vectors(session, other.model_name, (h for _, h in rows))
            version = await session.get(IndexVersion, built.version)
        assert rows
        assert set(cached) == {h for _, h in rows}
        passage, digest = rows[0]
        expected = other.encode(
            [embedding_text_for(passage.title, passage.heading_path, passage.text)]
        )[0]
        np.testing.assert_allclose(cached[digest], expected, atol=1e-6)
        assert version is not None
        assert version.model == other.model_name
        again = await build_version(maker, other, isolated_settings.index_dir)
        assert again.version != built.version
    finally:
        await engine.dispose()


async def test_activation_errors_are_typed(isolated_settings: Settings) -> None:
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    try:
        with pytest.raises(NotFound):
            await activate_version(maker, isolated_settings.index_dir, 987654)
        async with session_scope(maker) as session:
            row = IndexVersion(status="failed", model="m", dim=1)
            session.add(row)
            await session.flush()
            failed_id = row.id
        with pytest.raises(Conflict):
            await activate_version(maker, isolated_settings.index_dir, failed_id)
    finally:
        await engine.dispose()


async def test_database_allows_only_one_active_version(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    await published(isolated_settings, embedder)
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    try:
        async with maker() as session:
            session.add(IndexVersion(status="ready", model="m", dim=1, is_active=True))
            with pytest.raises(IntegrityError):
                await session.flush()
    finally:
        await engine.dispose()


async def test_rollback_by_activating_an_older_version(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    await published(isolated_settings, embedder)
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    holder = IndexHolder()
    try:
        async with session_scope(maker) as session:
            current = await service.active_version(session)
        assert current is not None
        newer = await build_version(maker, embedder, isolated_settings.index_dir)
        await activate_version(maker, isolated_settings.index_dir, newer.version, holder)
        assert holder.current is not None
        assert holder.current.version == newer.version
        await activate_version(maker, isolated_settings.index_dir, current.id, holder)
        assert holder.current.version == current.id
        async with session_scope(maker) as session:
            active = await service.active_version(session)
            assert active is not None
            assert active.id == current.id
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "text",
    [
        "Lenders look at the debt-to-income ratio, which should stay under 43%.",
        "Préstamo hipotecario: ¿qué es PMI? 住宅ローン 한국어 텍스트 café naïve",
        "x" * 3000,
        "",
        "APR (annual percentage rate) vs. APY: $1,234.56 at 6.875% for 30-yr terms.",
    ],
)
def test_token_counts_match_the_model_tokenizer(
    embedder: SentenceTransformerEmbedder, text: str
) -> None:
    """Chunking counts with the Rust tokenizer directly; it must count what the model's
    tokenizer produces, with no truncation."""
    assert embedder.count_tokens(text) == len(embedder._tokenizer.tokenize(text))


async def test_activations_at_once_leave_the_last_committed_the_newest_stamped(
    isolated_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds finishing together activate side by side. Whichever commits last is the
    active version, and its stamp must be the newest, or processes that keep the newest
    stamp would serve the other one. Each activation here reads a clock that runs
    backwards, the order that split them before."""
    engine = create_engine(isolated_settings)
    maker = create_sessionmaker(engine)
    clock = iter([dt.datetime(2026, 12, 6, 12, 0, s, tzinfo=dt.UTC) for s in (9, 5, 3, 1)])
    monkeypatch.setattr(service, "utcnow", lambda: next(clock))
    try:
        async with session_scope(maker) as session:
            rows = [IndexVersion(status="ready", model="m", dim=1) for _ in range(3)]
            session.add_all(rows)
            await session.flush()
            ids = [row.id for row in rows]

        async def activate(version: int) -> dt.datetime:
            async with session_scope(maker) as session:
                return await service.mark_active(session, version)

        stamps = [await activate(v) for v in ids[:2]]
        concurrent = await asyncio.gather(activate(ids[2]), activate(ids[0]))
        async with session_scope(maker) as session:
            active = await service.active_version(session)
            newest = await session.scalar(
                select(IndexVersion).order_by(IndexVersion.activated_at.desc()).limit(1)
            )
        assert stamps[1] > stamps[0]  # the clock went back; the stamp did not
        assert active is not None
        assert newest is not None
        assert active.id == newest.id
        assert max(concurrent) == active.activated_at
    finally:
        await engine.dispose()
