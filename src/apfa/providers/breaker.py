"""A circuit breaker for one outside dependency, for asyncio callers.

Closed: calls go through; ``failure_threshold`` consecutive failures open it. Open: calls
fail fast with ``CircuitOpenError`` for ``open_seconds``. Half-open: exactly one trial call
goes through while every other caller keeps failing fast; its success closes the breaker,
its failure opens it again.

The libraries we looked at (aiobreaker, aiocircuitbreaker, purgatory) either let every
caller through while half-open or track no per-call generation, so this is our own. The
event loop is the only caller, so the state needs no lock: nothing awaits between the check
and the update.

A call's result only counts in the state it started in: a slow call that fails after the
breaker has already opened does not restart the open period, and one that succeeds late does
not close a breaker that a newer trial is testing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum

from apfa.core.resources import Resource
from apfa.observability import metrics as m


class BreakerState(StrEnum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


GAUGE_VALUES = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


class CircuitOpenError(Exception):
    def __init__(self, name: str, retry_in: float) -> None:
        super().__init__(f"circuit {name!r} is open; next trial in {retry_in:.1f}s")
        self.name = name
        self.retry_in = retry_in


def _any_exception(exc: BaseException) -> bool:
    return isinstance(exc, Exception)


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        open_seconds: float = 60.0,
        is_failure: Callable[[BaseException], bool] = _any_exception,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or open_seconds <= 0:
            raise ValueError("failure_threshold must be >= 1 and open_seconds > 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.open_seconds = open_seconds
        self._is_failure = is_failure
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._generation = 0
        self._trial_running = False
        self._publish()

    @property
    def state(self) -> BreakerState:
        """The current state; an open breaker whose time is up reads as half-open."""
        if (
            self._state is BreakerState.OPEN
            and self._clock() - self._opened_at >= self.open_seconds
        ):
            self._move(BreakerState.HALF_OPEN)
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Wrap one call: raises ``CircuitOpenError`` instead of running it when open."""
        generation, trial = self._admit()
        try:
            yield
        except BaseException as exc:
            if self._is_failure(exc):
                self._on_failure(generation, trial)
            elif trial:
                # Cancelled or abandoned: no verdict, so the next caller may try instead.
                self._trial_running = False
            raise
        else:
            self._on_success(generation, trial)

    def _admit(self) -> tuple[int, bool]:
        state = self.state
        if state is BreakerState.CLOSED:
            return self._generation, False
        if state is BreakerState.HALF_OPEN and not self._trial_running:
            self._trial_running = True
            return self._generation, True
        retry_in = max(0.0, self._opened_at + self.open_seconds - self._clock())
        raise CircuitOpenError(self.name, retry_in)

    def _on_success(self, generation: int, trial: bool) -> None:
        if generation != self._generation:
            return
        self._failures = 0
        if trial:
            self._trial_running = False
            self._move(BreakerState.CLOSED)

    def _on_failure(self, generation: int, trial: bool) -> None:
        if generation != self._generation:
            return
        self._failures += 1
        if trial or self._failures >= self.failure_threshold:
            self._trial_running = False
            self._opened_at = self._clock()
            self._move(BreakerState.OPEN)

    def _move(self, state: BreakerState) -> None:
        self._state = state
        self._generation += 1
        if state is BreakerState.CLOSED:
            self._failures = 0
        self._publish()

    def _publish(self) -> None:
        m.CIRCUIT_BREAKER_STATE.labels(self.name).set(GAUGE_VALUES[self._state])


# Every breaker of the process by name (LLM providers, the cache tier); readiness reads them.
BREAKERS = Resource[dict[str, CircuitBreaker]]("circuit breakers")
