"""Immutable index versions on disk: atomic writes, checksums, search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from apfa.knowledge.index_store import (
    CHUNKS_FILE,
    INDEX_FILE,
    CorruptIndexError,
    Passage,
    choose_index_type,
    load_version,
    read_manifest,
    version_dirname,
    write_version,
)
from apfa.providers.embeddings import HashingEmbedder

TEXTS = [
    "private mortgage insurance protects the lender",
    "auto loan terms of 72 months raise total interest",
    "the 50/30/20 budget splits after-tax income",
]


def _passages() -> list[Passage]:
    return [Passage(i, f"doc-{i}", f"Title {i}", ("Section",), t) for i, t in enumerate(TEXTS)]


def _write(root: Path, version: int = 1) -> Path:
    vectors = HashingEmbedder(64).encode(TEXTS)
    write_version(
        root, version=version, model="hashing-test", vectors=vectors, passages=_passages()
    )
    return root / version_dirname(version)


def test_round_trip_and_search(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    manifest = read_manifest(directory)
    assert manifest.vector_count == 3
    assert manifest.document_count == 3
    assert manifest.dim == 64
    assert manifest.index_type == "flat"
    loaded = load_version(directory)
    query = HashingEmbedder(64).encode(["how long should an auto loan term be"])[0]
    hits = loaded.search(query, 2)
    assert hits[0].passage.document_id == "doc-1"
    assert hits[0].score >= hits[1].score
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_existing_version_is_never_overwritten(tmp_path: Path) -> None:
    _write(tmp_path)
    with pytest.raises(FileExistsError):
        _write(tmp_path)


@pytest.mark.parametrize("name", [INDEX_FILE, CHUNKS_FILE])
def test_tampered_file_fails_verification(tmp_path: Path, name: str) -> None:
    directory = _write(tmp_path)
    with (directory / name).open("ab") as handle:
        handle.write(b"\x00garbage")
    with pytest.raises(CorruptIndexError):
        load_version(directory)


def test_missing_file_or_manifest_fails_verification(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    (directory / INDEX_FILE).unlink()
    with pytest.raises(CorruptIndexError):
        load_version(directory)
    with pytest.raises(CorruptIndexError):
        load_version(tmp_path / "v999999")


def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    vectors = np.zeros((2, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="one vector per passage"):
        write_version(tmp_path, version=1, model="m", vectors=vectors, passages=_passages())
    assert list(tmp_path.iterdir()) == []


def test_index_type_follows_size() -> None:
    assert choose_index_type(10) == "flat"
    assert choose_index_type(1_000_000) == "hnsw"
