"""Immutable index versions on disk.

A version is a directory ``v000007/`` holding ``index.faiss`` (inner product over
L2-normalised vectors), ``chunks.jsonl`` (the passages, in vector order) and
``manifest.json`` (model, dimension, counts, index type and its parameters, per-file
SHA-256 and an overall checksum), and the BM25 index of the same passages (``bm25.*``,
``lexical``), listed in the manifest like the others. It is written under a temporary
name, fsynced and renamed into place, so a reader sees either a complete version or none.
Loading verifies every checksum.

The index type follows the size: exact search (``flat``) below ``IVF_THRESHOLD`` vectors,
an inverted file (``ivf``) above it, whose ``nprobe`` is recorded in the manifest and set
at load. HNSW is still read, and built only when asked for: at 100,000 vectors it builds
an order of magnitude slower than IVF (docs/ingest.md has the measurements).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from apfa.knowledge.index.lexical import (
    LexicalIndex,
    LexicalText,
    build_lexical,
    is_lexical_file,
    load_lexical,
)
from apfa.knowledge.index.types import INDEX_TYPES, build_faiss
from apfa.knowledge.index.types import choose_index_type as choose_index_type
from apfa.providers.embeddings import Vectors

INDEX_FILE = "index.faiss"
CHUNKS_FILE = "chunks.jsonl"
MANIFEST_FILE = "manifest.json"


class CorruptIndexError(Exception):
    """A version directory is incomplete or does not match its manifest."""


@dataclass(frozen=True, slots=True)
class Passage:
    chunk_id: int
    document_id: str
    title: str
    heading_path: tuple[str, ...]
    text: str
    source: str | None = None
    # The document's source key (``bundled:pmi-and-mip.md``, ``upload:<id>``); absent from
    # versions written before it was recorded.
    key: str | None = None
    # The document's ``updated`` date (ISO) and whether it is time-sensitive
    # (``knowledge/freshness.py``); absent from versions written before freshness existed.
    updated: str | None = None
    time_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Manifest:
    version: int
    model: str
    dim: int
    vector_count: int
    document_count: int
    index_type: str
    created_at: str
    files: dict[str, str]
    checksum: str
    # IVF only; absent from manifests written before IVF existed.
    nlist: int | None = None
    nprobe: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage found. ``score`` is its dense (cosine) similarity to the query, whatever
    ranked it, so a minimum score means the same in every retrieval mode. A hybrid search
    adds the BM25 score (None when BM25 did not return the passage), the reciprocal rank
    fusion score it was ranked by, and the passage's rank in each list (1 = first)."""

    passage: Passage
    score: float
    lexical: float | None = None
    fused: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    # The freshness weight its ranking score was multiplied by (1: not decayed).
    freshness: float = 1.0

    @property
    def dense(self) -> float:
        return self.score


class LoadedIndex:
    """A version held in memory. Immutable, so any number of requests can search it."""

    def __init__(
        self,
        manifest: Manifest,
        index: Any,
        passages: list[Passage],
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.manifest = manifest
        self._index = index
        self._passages = passages
        self._by_key: dict[str, list[Passage]] | None = None
        self.lexical = lexical

    @property
    def version(self) -> int:
        return self.manifest.version

    @property
    def passages(self) -> list[Passage]:
        return self._passages

    def __len__(self) -> int:
        return len(self._passages)

    def passages_of(self, key: str) -> list[Passage]:
        """The passages of the document with source key ``key``, in order."""
        by_key = self._by_key
        if by_key is None:
            by_key = {}
            for passage in self._passages:
                if passage.key is not None:
                    by_key.setdefault(passage.key, []).append(passage)
            self._by_key = by_key
        return by_key.get(key, [])

    def search(self, query: Vectors, k: int) -> list[Hit]:
        return [
            Hit(self._passages[i], s, dense_rank=rank)
            for rank, (i, s) in enumerate(self.dense_ranking(query, k), start=1)
        ]

    def dense_ranking(self, query: Vectors, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest (passage position, cosine) pairs, best first."""
        if not self._passages:
            return []
        k = min(k, len(self._passages))
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1)), k)
        return [(int(i), float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]

    def dense_scores(self, query: Vectors, positions: list[int]) -> list[float]:
        """The cosine of the query with each passage (exact, from the stored vectors)."""
        if not positions:
            return []
        stored = self._index.reconstruct_batch(np.asarray(positions, dtype=np.int64))
        return [float(s) for s in np.asarray(stored, dtype=np.float32) @ query.reshape(-1)]


def _write_file(path: Path, data: Any) -> str:
    """Write a buffer, fsync it, and return its SHA-256."""
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return hashlib.sha256(data).hexdigest()


def _passage_lines(passages: list[Passage]) -> bytes:
    # An explicit dict: dataclasses.asdict deep-copies and is twice as slow at 100k rows.
    return "".join(
        json.dumps(
            {
                "chunk_id": p.chunk_id,
                "document_id": p.document_id,
                "title": p.title,
                "heading_path": list(p.heading_path),
                "text": p.text,
                "source": p.source,
                "key": p.key,
                "updated": p.updated,
                "time_sensitive": p.time_sensitive,
            },
            ensure_ascii=False,
        )
        + "\n"
        for p in passages
    ).encode("utf-8")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _overall_checksum(files: dict[str, str]) -> str:
    joined = "\n".join(f"{name}:{digest}" for name, digest in sorted(files.items()))
    return hashlib.sha256(joined.encode()).hexdigest()


def version_dirname(version: int) -> str:
    return f"v{version:06d}"


def write_version(
    root: Path,
    *,
    version: int,
    model: str,
    vectors: Vectors,
    passages: list[Passage],
    index_type: str | None = None,
) -> Manifest:
    """Build and persist a version; returns its manifest. Blocking and CPU-heavy.

    ``index_type`` overrides the choice by size (``choose_index_type``)."""
    if len(vectors) != len(passages):
        raise ValueError("one vector per passage")
    index_type = index_type or choose_index_type(len(vectors))
    if index_type not in INDEX_TYPES:
        raise ValueError(f"unknown index type {index_type!r}")
    if index_type == "ivf" and not len(vectors):
        index_type = "flat"  # nothing to train on
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    root.mkdir(parents=True, exist_ok=True)
    final = root / version_dirname(version)
    if final.exists():
        raise FileExistsError(f"index version directory {final} already exists")
    tmp = root / f".tmp-{version_dirname(version)}-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        index, nlist, nprobe = build_faiss(vectors, index_type)
        # Written from memory and hashed on the way, rather than read back to be hashed.
        files = {
            INDEX_FILE: _write_file(tmp / INDEX_FILE, faiss.serialize_index(index)),
            CHUNKS_FILE: _write_file(tmp / CHUNKS_FILE, _passage_lines(passages)),
        }
        del index
        files.update(_write_lexical(tmp, passages))
        manifest = Manifest(
            version=version,
            model=model,
            dim=int(vectors.shape[1]) if vectors.ndim == 2 else 0,
            vector_count=len(passages),
            document_count=len({p.document_id for p in passages}),
            index_type=index_type,
            created_at=datetime.now(UTC).isoformat(),
            files=files,
            checksum=_overall_checksum(files),
            nlist=nlist,
            nprobe=nprobe,
        )
        (tmp / MANIFEST_FILE).write_text(json.dumps(asdict(manifest), indent=2), "utf-8")
        _fsync(tmp / MANIFEST_FILE)
        _fsync(tmp)
        tmp.rename(final)
        _fsync(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _write_lexical(directory: Path, passages: list[Passage]) -> dict[str, str]:
    """The BM25 part, fsynced; its files' SHA-256 for the manifest."""
    texts = [LexicalText(p.title, p.heading_path, p.text) for p in passages]
    digests: dict[str, str] = {}
    for name in build_lexical(texts, directory):
        path = directory / name
        digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        _fsync(path)
    return digests


def read_manifest(directory: Path) -> Manifest:
    try:
        raw = json.loads((directory / MANIFEST_FILE).read_text("utf-8"))
        return Manifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise CorruptIndexError(f"unreadable manifest in {directory}: {exc}") from exc


def _verified_files(directory: Path, manifest: Manifest) -> dict[str, bytes]:
    """Every file of the manifest, read once and checked against its SHA-256."""
    if _overall_checksum(manifest.files) != manifest.checksum:
        raise CorruptIndexError(f"manifest checksum mismatch in {directory}")
    contents: dict[str, bytes] = {}
    for name, expected in manifest.files.items():
        path = directory / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorruptIndexError(f"{path} is unreadable: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != expected:
            raise CorruptIndexError(f"{path} does not match its manifest checksum")
        contents[name] = data
    if INDEX_FILE not in contents or CHUNKS_FILE not in contents:
        raise CorruptIndexError(f"{directory}: the manifest does not list every file")
    return contents


def _read_passages(data: bytes) -> list[Passage]:
    passages: list[Passage] = []
    for line in data.split(b"\n"):
        if line:
            raw = json.loads(line)
            raw["heading_path"] = tuple(raw["heading_path"])
            passages.append(Passage(**raw))
    return passages


def load_version(directory: Path) -> LoadedIndex:
    """Load and verify a version. Blocking: run it off the event loop."""
    manifest = read_manifest(directory)
    contents = _verified_files(directory, manifest)
    index = faiss.deserialize_index(np.frombuffer(contents.pop(INDEX_FILE), dtype=np.uint8))
    if manifest.index_type == "ivf":
        ivf = faiss.extract_index_ivf(index)
        if manifest.nprobe:
            ivf.nprobe = manifest.nprobe
        ivf.make_direct_map()  # dense scores of passages only BM25 found (``dense_scores``)
    passages = _read_passages(contents.pop(CHUNKS_FILE))
    if index.ntotal != len(passages) or len(passages) != manifest.vector_count:
        raise CorruptIndexError(f"{directory}: vector count does not match passages")
    lexical_files = {name for name in contents if is_lexical_file(name)}
    try:
        lexical = load_lexical(directory, lexical_files, len(passages))
    except (OSError, ValueError, KeyError) as exc:
        raise CorruptIndexError(f"{directory}: unreadable BM25 index: {exc}") from exc
    return LoadedIndex(manifest, index, passages, lexical)
