"""Embedding in a child process: the same vectors as in process, and a lost child is
replaced on the next call."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import numpy as np
import pytest

from apfa.providers.embedding_process import EmbeddingProcessLost, ProcessEmbedder
from apfa.providers.embeddings import SentenceTransformerEmbedder

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
    return int(process._started().submit(os.getpid).result(timeout=60))


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
    time.sleep(0.5)
    with pytest.raises(EmbeddingProcessLost):
        separate.encode(TEXTS)
    again = separate.encode(TEXTS)
    np.testing.assert_allclose(again, embedder.encode(TEXTS), atol=1e-5)
    assert _child_pid(separate) != lost
