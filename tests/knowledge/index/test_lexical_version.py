"""The BM25 part of an index version: built, listed, verified and loaded with the vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from apfa.knowledge.index.lexical import META_FILE
from apfa.knowledge.index.store import (
    CorruptIndexError,
    Passage,
    load_version,
    read_manifest,
    version_dirname,
    write_version,
)
from apfa.knowledge.terms import lexicon
from apfa.providers.embeddings import HashingEmbedder

TEXTS = ["cancel PMI at 80% of the original value", "a 401(k) loan is repaid in five years"]


def _write(root: Path, passages: int = 2) -> Path:
    texts = TEXTS[:passages]
    write_version(
        root,
        version=1,
        model="hashing-test",
        vectors=HashingEmbedder(32).encode(texts) if texts else np.zeros((0, 32), np.float32),
        passages=[Passage(i, f"d{i}", "T", ("S",), t) for i, t in enumerate(texts)],
    )
    return root / version_dirname(1)


def test_bm25_files_are_in_the_version_and_its_manifest(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    listed = {n for n in read_manifest(directory).files if n.startswith("bm25.")}
    on_disk = {p.name for p in directory.iterdir() if p.name.startswith("bm25.")}
    assert META_FILE in listed
    assert listed == on_disk
    loaded = load_version(directory)
    assert loaded.lexical is not None
    assert loaded.lexical.search("401k loan", 2)[0][0] == 1


def test_a_tampered_bm25_file_fails_verification(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    vocab = directory / "bm25.vocab.json"
    vocab.write_text(vocab.read_text("utf-8").replace("pmi", "pmx"), "utf-8")
    with pytest.raises(CorruptIndexError):
        load_version(directory)


def test_a_version_tokenised_by_another_lexicon_is_served_dense_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _write(tmp_path)
    built_with = json.loads((directory / META_FILE).read_text("utf-8"))["tokenizer"]
    assert built_with == lexicon().version
    newer = lexicon().model_copy(update={"version": built_with + 1})
    monkeypatch.setattr("apfa.knowledge.index.lexical.lexicon", lambda: newer)
    loaded = load_version(directory)
    assert loaded.lexical is None
    assert len(loaded) == 2


def test_an_empty_version_has_no_bm25_part(tmp_path: Path) -> None:
    directory = _write(tmp_path, passages=0)
    assert not [p for p in directory.iterdir() if p.name.startswith("bm25.")]
    assert load_version(directory).lexical is None
