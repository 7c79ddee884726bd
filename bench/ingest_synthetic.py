"""Synthetic index versions for ``bench/ingest_swap.py``: random unit vectors of the
model's dimension and passages like the ingest benchmark's notes, written through the real
``write_version`` path and recorded as ``indexing.build_version`` records a build (a
``building`` row, then ``ready`` with the manifest's figures), without embedding anything."""

from __future__ import annotations

import random
import time
from pathlib import Path

import anyio.to_thread
import numpy as np
from ingest_support import document
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.core.db import session_scope
from apfa.knowledge import service
from apfa.knowledge.index.store import Manifest, Passage, version_dirname, write_version
from apfa.models import IndexVersion
from apfa.providers.embeddings import Vectors

MODEL = "all-MiniLM-L6-v2"
DIM = 384


def passages(count: int, seed: int) -> list[Passage]:
    """One passage per note of the ingest benchmark's corpus (its title and text)."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        heading, _, body = document(number, rng).decode().partition("\n\n")
        title = heading.removeprefix("# ")
        made.append(Passage(number + 1, f"note-{number:06d}", title, (title,), body.strip()))
    return made


def unit_vectors(count: int, rng: np.random.Generator) -> Vectors:
    vectors = rng.standard_normal((count, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


class SyntheticVersions:
    """Writes versions of ``count`` vectors into ``index_root``, each with new vectors and
    the same passages."""

    def __init__(self, index_root: Path, count: int, seed: int) -> None:
        self._root = index_root
        self._passages = passages(count, seed)
        self._rng = np.random.default_rng(seed)

    async def add(
        self, maker: async_sessionmaker[AsyncSession], *, activate: bool = False
    ) -> tuple[int, float]:
        """A new ready version (active with ``activate``); its number and write seconds."""
        async with session_scope(maker) as session:
            row = IndexVersion(status="building", model=MODEL, dim=DIM)
            session.add(row)
            await session.flush()
            version = row.id
        started = time.perf_counter()
        vectors = unit_vectors(len(self._passages), self._rng)
        manifest: Manifest = await anyio.to_thread.run_sync(
            lambda: write_version(
                self._root,
                version=version,
                model=MODEL,
                vectors=vectors,
                passages=self._passages,
            )
        )
        seconds = time.perf_counter() - started
        async with session_scope(maker) as session:
            ready = await session.get(IndexVersion, version)
            assert ready is not None
            ready.status = "ready"
            ready.directory = version_dirname(version)
            ready.vector_count = manifest.vector_count
            ready.document_count = manifest.document_count
            ready.index_type = manifest.index_type
            ready.checksum = manifest.checksum
            ready.build_seconds = seconds
        if activate:
            async with session_scope(maker) as session:
                await service.mark_active(session, version)
        return version, seconds
