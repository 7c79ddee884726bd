"""Background embedding in a process of its own.

An embedding job prepares the next group of documents (reading, parsing, chunking) and
writes the last one (database rows) while the model encodes the current one. In one
process those stages share the interpreter lock with the model, whose forward pass needs
it between layers: the model waits at every hand-over and the cores sit idle (measured in
docs/ingest.md). ``ProcessEmbedder`` runs ``encode`` in a child process with its own
interpreter and its own copy of the model; everything else (name, dimension, device,
token counts for chunking) is answered by the process's own model, as before.

The child (``embedding_child``) is a plain subprocess of a fresh interpreter, so it
inherits no locks or CUDA state, and it can be started from anywhere: the API process,
a Celery worker of any pool (the prefork pool's processes are daemonic, and
``multiprocessing`` refuses to start children from those), a thread. It is started on the
first ``encode`` and started again if it dies; the call that found it dead raises
``EmbeddingProcessLost``, which jobs treat as retryable. It ends when this process closes
its pipe or dies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import structlog

from apfa.providers import embedding_child
from apfa.providers.embedding_backends import EmbedderSpec
from apfa.providers.embeddings import Embedder, Vectors

log = structlog.get_logger(__name__)

STOP_SECONDS = 10.0


class EmbeddingProcessLost(RuntimeError):
    """The embedding process died during a call; the next call starts a new one."""


class EmbeddingProcessError(RuntimeError):
    """The embedding process could not load its model, or ``encode`` raised in it."""


class _Child:
    """One running child and this process's ends of its two pipes."""

    def __init__(self, spec: EmbedderSpec) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    embedding_child.__name__,
                    str(to_child_r),
                    str(from_child_w),
                    *spec.argv(),
                ],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.requests = Connection(to_child_w, readable=False)
        self.replies = Connection(from_child_r, writable=False)
        self.ready = False

    def call(self, texts: list[str], batch_size: int) -> Vectors:
        if not self.ready:
            self._expect(embedding_child.READY)
            self.ready = True
        self.requests.send((texts, batch_size))
        vectors = self._expect(embedding_child.OK)
        if not isinstance(vectors, np.ndarray):  # pragma: no cover - the child sends arrays
            raise EmbeddingProcessError("the embedding process sent no vectors")
        return vectors

    def _expect(self, kind: str) -> object:
        answer, payload = self.replies.recv()
        if answer == embedding_child.ERROR:
            raise EmbeddingProcessError(str(payload))
        if answer != kind:  # pragma: no cover - the protocol has no other answers
            raise EmbeddingProcessError(f"unexpected answer {answer!r}")
        return payload

    def stop(self) -> None:
        """Close the pipes (the child exits on its own) and reap it."""
        for end in (self.requests, self.replies):
            end.close()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ProcessEmbedder:
    """Encodes in a child that loads ``spec`` (by default the torch model on ``local``'s
    device); ``local`` answers everything else and must be the same model."""

    def __init__(self, local: Embedder, spec: EmbedderSpec | None = None) -> None:
        self._local = local
        self._spec = spec or EmbedderSpec("torch", local.device, Path("."))
        self._child: _Child | None = None
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

    @property
    def pid(self) -> int | None:
        """The child's process id while one runs."""
        return self._child.process.pid if self._child is not None else None

    def count_tokens(self, text: str) -> int:
        return self._local.count_tokens(text)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # One call at a time: the child has one model, as this process does.
        with self._lock:
            child = self._started()
            try:
                return child.call(list(texts), batch_size)
            except (EOFError, OSError) as exc:
                self._child = None
                child.stop()
                log.warning("embedding_process_lost", texts=len(texts), error=str(exc))
                raise EmbeddingProcessLost("the embedding process stopped") from exc

    def close(self) -> None:
        with self._lock:
            if self._child is not None:
                self._child.stop()
                self._child = None

    def _started(self) -> _Child:
        if self._child is None:
            self._child = _Child(self._spec)
        return self._child
