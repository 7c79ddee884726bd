"""The lexical half of an index version: BM25 (``bm25s``) over the passages' tokens.

Built by the same ``write_version`` as the vectors, into the same directory, as flat
``bm25.*`` files listed in the manifest with their SHA-256 like every other file: it is
verified, published to the object store, preloaded, hot-swapped and rolled back with the
vectors. A version built before it existed (no ``bm25.*`` files), or with a tokeniser
whose ``lexicon.yaml`` version differs from the running code's, is served dense-only.
Row ``i`` of the BM25 matrix is passage ``i``, the same numbering as the FAISS ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import structlog

from apfa.knowledge.chunking import embedding_text_for
from apfa.knowledge.terms import lexicon, query_tokens, tokenize_many

log = structlog.get_logger(__name__)

META_FILE = "bm25.meta.json"
# bm25s writes its arrays and vocabulary under these names (absent ones it does not need).
_NAMES = {
    "data_name": "bm25.data.npy",
    "indices_name": "bm25.indices.npy",
    "indptr_name": "bm25.indptr.npy",
    "vocab_name": "bm25.vocab.json",
    "params_name": "bm25.params.json",
    "nnoc_name": "bm25.nnoc.npy",
    "corpus_name": "bm25.corpus.jsonl",
}
# Lucene's BM25 with the usual parameters.
K1 = 1.5
B = 0.75


@dataclass(frozen=True, slots=True)
class LexicalText:
    title: str
    heading_path: tuple[str, ...]
    text: str


def is_lexical_file(name: str) -> bool:
    return name.startswith("bm25.")


def build_lexical(texts: list[LexicalText], directory: Path) -> list[str]:
    """Tokenise and index the passages into ``directory``; the names of the files written
    (none for an empty corpus, which is then served dense-only)."""
    if not texts:
        return []
    tokens = tokenize_many([embedding_text_for(t.title, t.heading_path, t.text) for t in texts])
    model = bm25s.BM25(k1=K1, b=B, method="lucene")
    model.index(tokens, show_progress=False)
    model.save(str(directory), show_progress=False, **_NAMES)
    meta = {"tokenizer": lexicon().version, "library": f"bm25s {bm25s.__version__}"}
    (directory / META_FILE).write_text(json.dumps(meta, indent=2), "utf-8")
    return sorted(p.name for p in directory.iterdir() if is_lexical_file(p.name))


class LexicalIndex:
    """BM25 scores over a version's passages. Immutable once loaded."""

    def __init__(self, model: Any, size: int) -> None:
        self._model = model
        self._vocab: dict[str, int] = model.vocab_dict
        self._size = size

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (passage position, BM25 score) pairs, best first; only passages
        sharing at least one token with the query."""
        known = [t for t in query_tokens(query) if t in self._vocab]
        if not known or k <= 0:
            return []
        scores = np.asarray(self._model.get_scores(known))[: self._size]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def load_lexical(directory: Path, files: set[str], size: int) -> LexicalIndex | None:
    """The version's BM25 index, or None when it has none or one built by another
    tokeniser (the version is then served dense-only). Its files were verified already."""
    if META_FILE not in files:
        return None
    meta = json.loads((directory / META_FILE).read_text("utf-8"))
    if meta.get("tokenizer") != lexicon().version:
        log.warning(
            "lexical_index_skipped",
            directory=directory.name,
            built_with=meta.get("tokenizer"),
            running=lexicon().version,
        )
        return None
    model = bm25s.BM25.load(str(directory), show_progress=False, **_NAMES)
    return LexicalIndex(model, size)
