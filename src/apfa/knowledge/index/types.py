"""FAISS index types, chosen by corpus size.

``flat`` is exact search; its query cost grows with the corpus. ``ivf`` (an inverted file
over k-means lists, inner product) searches ``nprobe`` of ``nlist`` lists: far faster per
query at the cost of a k-means training step in the build. ``hnsw`` is kept for versions
built before IVF existed and on request; it builds too slowly for the 5 s budget at
100,000 vectors (docs/ingest.md).
"""

from __future__ import annotations

import math
from typing import Any

import faiss
import numpy as np

from apfa.providers.embeddings import Vectors

INDEX_TYPES = ("flat", "ivf", "hnsw")
IVF_THRESHOLD = 50_000
# nlist = 4 * sqrt(n), capped so the k-means training stays within the build budget.
IVF_LISTS_PER_ROOT = 4
IVF_MAX_LISTS = 256
# Training points per list: faiss wants at least 39; more only slows the build.
IVF_TRAIN_PER_LIST = 40
IVF_TRAIN_ITERATIONS = 10
IVF_TRAIN_SEED = 1234
HNSW_NEIGHBOURS = 32


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


def build_faiss(vectors: Vectors, index_type: str) -> tuple[Any, int | None, int | None]:
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
