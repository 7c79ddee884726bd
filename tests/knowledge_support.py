"""Helpers for the index version tests (imported as ``knowledge_support``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.knowledge.flows import ingest_and_publish
from apfa.knowledge.index import holder as holder_module
from apfa.knowledge.index.store import LoadedIndex, load_version
from apfa.providers.embeddings import Embedder
from conftest import CORPUS


async def published(settings: Settings, embedder: Embedder) -> int:
    """Ingest the bundled corpus into ``settings``' database and publish a version; its id."""
    engine = create_engine(settings)
    try:
        report = await ingest_and_publish(
            create_sessionmaker(engine), embedder, settings.index_dir, [CORPUS]
        )
    finally:
        await engine.dispose()
    assert report.index_version is not None
    return report.index_version


def record_disk_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every version the holder reads from disk from now on, recorded as it is read."""
    loads: list[Path] = []

    def counted(directory: Path) -> LoadedIndex:
        loads.append(directory)
        return load_version(directory)

    monkeypatch.setattr(holder_module, "load_version", counted)
    return loads
