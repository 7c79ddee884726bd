"""Background embedding in a process of its own.

An embedding job prepares the next group of documents (reading, parsing, chunking) and
writes the last one (database rows) while the model encodes the current one. In one
process those stages share the interpreter lock with the model, whose forward pass needs
it between layers: the model waits at every hand-over and the cores sit idle (measured in
docs/ingest.md). ``ProcessEmbedder`` runs ``encode`` in a child process with its own
interpreter and its own copy of the model; everything else (name, dimension, device,
token counts for chunking) is answered by the process's own model, as before.

The child is started on the first ``encode`` (spawned, so it never inherits locks or
CUDA state) and started again if it dies; the call that found it dead raises
``EmbeddingProcessLost``, which jobs treat as retryable.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

import numpy as np
import structlog

from apfa.providers.embeddings import Embedder, SentenceTransformerEmbedder, Vectors

log = structlog.get_logger(__name__)

_model: SentenceTransformerEmbedder | None = None


def _load(device: str) -> None:
    global _model
    _model = SentenceTransformerEmbedder(device=device)


def _encode(texts: list[str], batch_size: int) -> Vectors:
    if _model is None:  # pragma: no cover - the initializer always ran first
        raise RuntimeError("the embedding process has no model")
    return _model.encode(texts, batch_size=batch_size)


class EmbeddingProcessLost(RuntimeError):
    """The embedding process died during a call; the next call starts a new one."""


class ProcessEmbedder:
    def __init__(self, local: Embedder) -> None:
        self._local = local
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self._local.model_name

    @property
    def dim(self) -> int:
        return self._local.dim

    @property
    def device(self) -> str:
        return self._local.device

    def count_tokens(self, text: str) -> int:
        return self._local.count_tokens(text)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # One call at a time: the child has one model, as this process does.
        with self._lock:
            pool = self._started()
            try:
                return pool.submit(_encode, list(texts), batch_size).result()
            except BrokenProcessPool as exc:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
                log.warning("embedding_process_lost", texts=len(texts))
                raise EmbeddingProcessLost("the embedding process stopped") from exc

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=get_context("spawn"),
                initializer=_load,
                initargs=(self._local.device,),
            )
        return self._pool
