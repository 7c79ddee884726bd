"""Query embeddings of concurrent requests, micro-batched: one model call for many.

A question that arrives while no model call is running is encoded at once, alone, so a
lone request waits for nothing. Questions that arrive while a call runs wait for it to end
(at most ``window_ms`` more when ``window_ms`` > 0) and then go together in the next call,
up to ``max_batch`` texts. Under load this turns N calls of one short text into a few
calls of many: the model's fixed cost per call (tokenising, session set-up, thread
hand-overs) is paid once per batch. Results and errors go back to each caller; a caller
that gave up (cancelled) is skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import anyio.to_thread
from anyio import CapacityLimiter

from apfa.providers.embeddings import Vectors

Waiting = tuple[str, "asyncio.Future[Vectors]"]
Encode = Callable[[list[str]], Vectors]


class QueryBatcher:
    def __init__(
        self,
        encode: Encode,
        *,
        max_batch: int = 32,
        window_ms: float = 0.0,
        limiter: CapacityLimiter | None = None,
    ) -> None:
        """``encode`` takes a list of texts and returns one vector per text; it runs in a
        worker thread (under ``limiter`` when given)."""
        self._encode = encode
        self._max_batch = max(1, max_batch)
        self._window = max(0.0, window_ms) / 1000
        self._limiter = limiter
        self._waiting: list[Waiting] = []
        self._running = False
        self._timer: asyncio.TimerHandle | None = None

    @property
    def waiting(self) -> int:
        """Questions queued for the next call."""
        return len(self._waiting)

    async def embed(self, text: str) -> Vectors:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Vectors] = loop.create_future()
        self._waiting.append((text, future))
        if not self._running:
            if self._window and len(self._waiting) < self._max_batch:
                if self._timer is None:
                    self._timer = loop.call_later(self._window, self._start)
            else:
                self._start()
        return await future

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running or not self._waiting:
            return
        batch = self._waiting[: self._max_batch]
        del self._waiting[: self._max_batch]
        self._running = True
        asyncio.get_running_loop().create_task(self._run(batch))

    async def _run(self, batch: list[Waiting]) -> None:
        live = [(text, future) for text, future in batch if not future.done()]
        try:
            if live:
                texts = [text for text, _ in live]
                vectors = await anyio.to_thread.run_sync(self._encode, texts, limiter=self._limiter)
                for (_, future), vector in zip(live, vectors, strict=True):
                    if not future.done():
                        future.set_result(vector)
        except asyncio.CancelledError:  # shutting down: the callers are cancelled too
            for _, future in live:
                future.cancel()
            raise
        except Exception as exc:  # every waiting caller gets the error
            for _, future in live:
                if not future.done():
                    future.set_exception(exc)
        finally:
            self._running = False
            if self._waiting:
                self._start()
