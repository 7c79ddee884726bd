"""Embedding in a child process: the same vectors as in process, a lost child is replaced
on the next call, and a daemonic process (a Celery prefork pool process) can start one."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator

import numpy as np
import pytest

from apfa.providers.embedding_process import EmbeddingProcessLost, ProcessEmbedder
from apfa.providers.embeddings import HashingEmbedder, SentenceTransformerEmbedder

TEXTS = [
    "A 30-year fixed mortgage keeps the same rate for the whole term.",
    "Debt-to-income ratio is monthly debt payments divided by gross monthly income.",
    "PMI can usually be cancelled once the loan reaches 80% of the home's value.",
]


@pytest.fixture(scope="module")
def separate(embedder: SentenceTransformerEmbedder) -> Iterator[ProcessEmbedder]:
    process = ProcessEmbedder(embedder)
    yield process
    process.close()


def _child_pid(process: ProcessEmbedder) -> int:
    pid = process.pid
    assert pid is not None, "no child is running"
    return pid


def test_same_vectors_and_metadata_as_the_model_in_this_process(
    embedder: SentenceTransformerEmbedder, separate: ProcessEmbedder
) -> None:
    vectors = separate.encode(TEXTS, batch_size=2)
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, embedder.dim)
    np.testing.assert_allclose(vectors, embedder.encode(TEXTS, batch_size=2), atol=1e-5)
    assert (separate.model_name, separate.dim, separate.device) == (
        embedder.model_name,
        embedder.dim,
        embedder.device,
    )
    assert separate.count_tokens(TEXTS[0]) == embedder.count_tokens(TEXTS[0])
    assert separate.encode([]).shape == (0, embedder.dim)
    assert _child_pid(separate) != os.getpid()


def test_a_lost_child_fails_one_call_and_the_next_starts_a_new_one(
    embedder: SentenceTransformerEmbedder, separate: ProcessEmbedder
) -> None:
    separate.encode(TEXTS[:1])
    lost = _child_pid(separate)
    os.kill(lost, signal.SIGKILL)
    with pytest.raises(EmbeddingProcessLost):
        separate.encode(TEXTS)
    again = separate.encode(TEXTS)
    np.testing.assert_allclose(again, embedder.encode(TEXTS), atol=1e-5)
    assert _child_pid(separate) != lost


def _embed_in_a_daemon(queue: multiprocessing.Queue[object]) -> None:
    try:
        process = ProcessEmbedder(HashingEmbedder(dim=384))
        try:
            queue.put(process.encode(TEXTS).shape)
        finally:
            process.close()
    except BaseException as exc:
        queue.put(f"{type(exc).__name__}: {exc}")


def test_a_daemonic_process_can_start_the_child() -> None:
    """Celery's prefork pool runs jobs in daemonic processes, from which multiprocessing
    refuses to start children ("daemonic processes are not allowed to have children")."""
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[object] = context.Queue()
    daemon = context.Process(target=_embed_in_a_daemon, args=(queue,), daemon=True)
    daemon.start()
    try:
        assert queue.get(timeout=120) == (len(TEXTS), 384)
    finally:
        daemon.join(30)
    assert daemon.exitcode == 0
