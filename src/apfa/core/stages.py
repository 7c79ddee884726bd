"""Three overlapping stages over groups of items: while group k is encoded, group k+1 is
prepared and group k-1 written, so the stage in the middle (a model call) rarely waits.

Used by both ingestion paths (uploads and ``apfa kb ingest``), so they batch and overlap
their work the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K")
G = TypeVar("G")
V = TypeVar("V")
R = TypeVar("R")
T = TypeVar("T")


@dataclass
class GroupSizer:
    """How many items the next group takes: ``first`` at the start, so the model starts
    early and large inputs are sized before much of them is read; then about ``texts``
    texts, from the texts per item seen so far; never more than ``most`` items."""

    most: int
    texts: int
    first: int
    seen_items: int = 0
    seen_texts: int = 0

    def next_size(self) -> int:
        if not self.seen_items:
            return min(self.most, self.first)
        if not self.seen_texts:
            return self.most
        per_item = self.seen_texts / self.seen_items
        return max(1, min(self.most, int(self.texts / per_item)))

    def saw(self, items: int, texts: int) -> None:
        self.seen_items += items
        self.seen_texts += texts


async def run_stages(
    items: Sequence[K],
    next_size: Callable[[], int],
    prepare: Callable[[list[K]], Awaitable[G]],
    encode: Callable[[G], Awaitable[V]],
    write: Callable[[G, V], Awaitable[R]],
    written: Callable[[R], Awaitable[None]],
) -> None:
    """Run the three stages over ``items`` in groups; ``written`` is awaited with each
    group's result, in order. A failing stage cancels the others and its error is raised."""
    position = 0

    def start_next() -> asyncio.Task[G] | None:
        nonlocal position
        if position >= len(items):
            return None
        size = max(1, next_size())
        group, position = list(items[position : position + size]), position + size
        return asyncio.create_task(_awaited(prepare(group)))

    preparing = start_next()
    writing: asyncio.Task[R] | None = None
    try:
        while preparing is not None:
            group = await preparing
            preparing = start_next()
            encoded = await encode(group)
            if writing is not None:
                previous = await writing
                writing = None
                await written(previous)
            writing = asyncio.create_task(_awaited(write(group, encoded)))
        if writing is not None:
            last = await writing
            writing = None
            await written(last)
    finally:
        await _stop(preparing, writing)


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _stop(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel the stages still running after a failure, and wait for them to end."""
    left = [task for task in tasks if task is not None and not task.done()]
    for task in left:
        task.cancel()
    if left:
        await asyncio.gather(*left, return_exceptions=True)
