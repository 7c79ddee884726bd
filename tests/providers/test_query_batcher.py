"""Micro-batched query embeddings: a lone question is encoded at once; questions that
arrive while the model works go together in the next call, each caller gets its own
vector (the same as encoding it alone); errors reach every caller of the failed call; a
cancelled caller does not break the others."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from apfa.providers.embeddings import HashingEmbedder, Vectors
from apfa.providers.query_batcher import QueryBatcher

MODEL = HashingEmbedder(dim=64)


class Recording:
    """An encoder that records each call's texts; while ``hold`` is clear, calls wait."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()
        self.fail = False

    def __call__(self, texts: list[str]) -> Vectors:
        self.calls.append(list(texts))
        self.entered.set()
        self.hold.wait(10)
        if self.fail:
            raise RuntimeError("model failed")
        return MODEL.encode(texts)


async def _until(condition: threading.Event) -> None:
    assert await asyncio.to_thread(condition.wait, 10)


async def _queued(batcher: QueryBatcher, count: int) -> None:
    """New tasks run up to their first wait on the loop's next turn: by then each has
    queued its question."""
    await asyncio.sleep(0)
    assert batcher.waiting == count


async def test_a_lone_question_is_encoded_at_once_and_alone() -> None:
    encode = Recording()
    batcher = QueryBatcher(encode)
    vector = await batcher.embed("what is pmi")
    np.testing.assert_allclose(vector, MODEL.encode(["what is pmi"])[0])
    assert encode.calls == [["what is pmi"]]


async def test_questions_arriving_during_a_call_share_the_next_one() -> None:
    encode = Recording()
    batcher = QueryBatcher(encode, max_batch=4)
    encode.hold.clear()
    first = asyncio.create_task(batcher.embed("q0"))
    await _until(encode.entered)
    rest = [asyncio.create_task(batcher.embed(f"q{i}")) for i in range(1, 7)]
    await _queued(batcher, 6)
    encode.hold.set()
    vectors = await asyncio.gather(first, *rest)
    assert encode.calls == [["q0"], ["q1", "q2", "q3", "q4"], ["q5", "q6"]]
    for i, vector in enumerate(vectors):
        np.testing.assert_allclose(vector, MODEL.encode([f"q{i}"])[0])


async def test_a_window_gathers_questions_that_find_the_model_idle() -> None:
    encode = Recording()
    batcher = QueryBatcher(encode, window_ms=50, max_batch=3)
    tasks = [asyncio.create_task(batcher.embed(f"q{i}")) for i in range(4)]
    await asyncio.gather(*tasks)
    # the third question filled a batch before the window closed; the fourth waited
    assert encode.calls == [["q0", "q1", "q2"], ["q3"]]


async def test_an_error_reaches_every_caller_of_that_call_only() -> None:
    encode = Recording()
    batcher = QueryBatcher(encode)
    encode.hold.clear()
    encode.fail = True
    first = asyncio.create_task(batcher.embed("a"))
    await _until(encode.entered)
    later = [asyncio.create_task(batcher.embed(t)) for t in ("b", "c")]
    await _queued(batcher, 2)
    encode.hold.set()
    with pytest.raises(RuntimeError, match="model failed"):
        await first
    for task in later:  # their own call failed too: the encoder still fails
        with pytest.raises(RuntimeError, match="model failed"):
            await task
    encode.fail = False
    assert (await batcher.embed("d")).shape == (64,)


async def test_a_cancelled_caller_is_skipped_and_the_others_are_answered() -> None:
    encode = Recording()
    batcher = QueryBatcher(encode)
    encode.hold.clear()
    first = asyncio.create_task(batcher.embed("a"))
    await _until(encode.entered)
    gone = asyncio.create_task(batcher.embed("gone"))
    kept = asyncio.create_task(batcher.embed("kept"))
    await _queued(batcher, 2)
    gone.cancel()
    encode.hold.set()
    await first
    np.testing.assert_allclose(await kept, MODEL.encode(["kept"])[0])
    assert gone.cancelled()
    assert encode.calls == [["a"], ["kept"]]
