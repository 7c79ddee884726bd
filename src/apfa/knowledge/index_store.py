"""Immutable index versions on disk.

A version is a directory ``v000007/`` holding ``index.faiss`` (inner product over
L2-normalised vectors), ``chunks.jsonl`` (the passages, in vector order) and
``manifest.json`` (model, dimension, counts, index type and its parameters, per-file
SHA-256 and an overall checksum). It is written under a temporary name, fsynced and
renamed into place, so a reader sees either a complete version or none. Loading verifies
every checksum.

The index type follows the size: exact search (``flat``) below ``IVF_THRESHOLD`` vectors,
an inverted file (``ivf``) above it, whose ``nprobe`` is recorded in the manifest and set
at load. HNSW is still read, and built only when asked for: at 100,000 vectors it builds
an order of magnitude slower than IVF (docs/ingest.md has the measurements).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from apfa.providers.embeddings import Vectors

INDEX_FILE = "index.faiss"
CHUNKS_FILE = "chunks.jsonl"
MANIFEST_FILE = "manifest.json"
INDEX_TYPES = ("flat", "ivf", "hnsw")
IVF_THRESHOLD = 50_000
# nlist = 4 * sqrt(n), capped so the k-means training stays within the build budget.
IVF_LISTS_PER_ROOT = 4
IVF_MAX_LISTS = 512
# Training points per list: faiss wants at least 39; more only slows the build.
IVF_TRAIN_PER_LIST = 40
IVF_TRAIN_ITERATIONS = 10
IVF_TRAIN_SEED = 1234
HNSW_NEIGHBOURS = 32


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
    passage: Passage
    score: float


class LoadedIndex:
    """A version held in memory. Immutable, so any number of requests can search it."""

    def __init__(self, manifest: Manifest, index: Any, passages: list[Passage]) -> None:
        self.manifest = manifest
        self._index = index
        self._passages = passages

    @property
    def version(self) -> int:
        return self.manifest.version

    def __len__(self) -> int:
        return len(self._passages)

    def search(self, query: Vectors, k: int) -> list[Hit]:
        if not self._passages:
            return []
        k = min(k, len(self._passages))
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1)), k)
        return [
            Hit(self._passages[int(i)], float(s))
            for s, i in zip(scores[0], ids[0], strict=True)
            if i >= 0
        ]


def choose_index_type(count: int) -> str:
    return "flat" if count < IVF_THRESHOLD else "ivf"


def ivf_lists(count: int) -> int:
    return max(1, min(IVF_MAX_LISTS, count, round(IVF_LISTS_PER_ROOT * math.sqrt(count))))


def ivf_probes(nlist: int) -> int:
    """Lists searched per query: an eighth of them (at least 16), for recall@10 near 1."""
    return min(nlist, max(16, nlist // 8))


def _train_sample(vectors: Vectors, size: int) -> Vectors:
    if size >= len(vectors):
        return vectors
    rows = np.random.default_rng(IVF_TRAIN_SEED).choice(len(vectors), size, replace=False)
    return np.ascontiguousarray(vectors[np.sort(rows)])


def _build_ivf(vectors: Vectors) -> tuple[Any, int, int]:
    dim = vectors.shape[1]
    nlist = ivf_lists(len(vectors))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = IVF_TRAIN_ITERATIONS
    index.cp.seed = IVF_TRAIN_SEED
    index.cp.min_points_per_centroid = 1  # small corpora built as IVF on request
    index.train(_train_sample(vectors, nlist * IVF_TRAIN_PER_LIST))
    nprobe = ivf_probes(nlist)
    index.nprobe = nprobe
    return index, nlist, nprobe


def _build_faiss(vectors: Vectors, index_type: str) -> tuple[Any, int | None, int | None]:
    """The index with its vectors, and (nlist, nprobe) for IVF."""
    dim = vectors.shape[1]
    index: Any
    nlist = nprobe = None
    if index_type == "ivf":
        index, nlist, nprobe = _build_ivf(vectors)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index, nlist, nprobe


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        index, nlist, nprobe = _build_faiss(vectors, index_type)
        faiss.write_index(index, str(tmp / INDEX_FILE))
        del index
        with (tmp / CHUNKS_FILE).open("w", encoding="utf-8") as handle:
            for passage in passages:
                handle.write(json.dumps(asdict(passage), ensure_ascii=False) + "\n")
        files = {name: _sha256(tmp / name) for name in (INDEX_FILE, CHUNKS_FILE)}
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
        for name in (INDEX_FILE, CHUNKS_FILE, MANIFEST_FILE):
            _fsync(tmp / name)
        _fsync(tmp)
        tmp.rename(final)
        _fsync(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(directory: Path) -> Manifest:
    try:
        raw = json.loads((directory / MANIFEST_FILE).read_text("utf-8"))
        return Manifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise CorruptIndexError(f"unreadable manifest in {directory}: {exc}") from exc


def load_version(directory: Path) -> LoadedIndex:
    """Load and verify a version. Blocking: run it off the event loop."""
    manifest = read_manifest(directory)
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.is_file() or _sha256(path) != expected:
            raise CorruptIndexError(f"{path} does not match its manifest checksum")
    if _overall_checksum(manifest.files) != manifest.checksum:
        raise CorruptIndexError(f"manifest checksum mismatch in {directory}")
    index = faiss.read_index(str(directory / INDEX_FILE))
    if manifest.index_type == "ivf" and manifest.nprobe:
        faiss.extract_index_ivf(index).nprobe = manifest.nprobe
    passages: list[Passage] = []
    with (directory / CHUNKS_FILE).open(encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)
            raw["heading_path"] = tuple(raw["heading_path"])
            passages.append(Passage(**raw))
    if index.ntotal != len(passages) or len(passages) != manifest.vector_count:
        raise CorruptIndexError(f"{directory}: vector count does not match passages")
    return LoadedIndex(manifest, index, passages)
