"""The circuit breaker's state machine, driven by a fake clock."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from apfa.providers.breaker import BreakerState, CircuitBreaker, CircuitOpenError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Boom(Exception):
    pass


def make(name: str, clock: Clock, threshold: int = 5, open_seconds: float = 60.0) -> CircuitBreaker:
    return CircuitBreaker(name, failure_threshold=threshold, open_seconds=open_seconds, clock=clock)


def fail(breaker: CircuitBreaker) -> None:
    with pytest.raises(Boom), breaker.guard():
        raise Boom


def succeed(breaker: CircuitBreaker) -> None:
    with breaker.guard():
        pass


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value("apfa_circuit_breaker_state", {"name": name})


def test_five_consecutive_failures_open_it() -> None:
    clock = Clock()
    breaker = make("unit-open", clock)
    for _ in range(4):
        fail(breaker)
    assert breaker.state is BreakerState.CLOSED
    assert gauge("unit-open") == 0
    fail(breaker)
    assert breaker.state is BreakerState.OPEN
    assert gauge("unit-open") == 2


def test_a_success_resets_the_count() -> None:
    breaker = make("unit-reset", Clock())
    for _ in range(4):
        fail(breaker)
    succeed(breaker)
    for _ in range(4):
        fail(breaker)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.consecutive_failures == 4


def test_open_fails_fast_without_running_the_call() -> None:
    clock = Clock()
    breaker = make("unit-fast", clock, threshold=1)
    fail(breaker)
    clock.now += 10
    ran = False
    with pytest.raises(CircuitOpenError) as caught, breaker.guard():
        ran = True
    assert not ran
    assert caught.value.retry_in == pytest.approx(50.0)


def test_half_open_admits_exactly_one_trial_and_success_closes() -> None:
    clock = Clock()
    breaker = make("unit-trial", clock, threshold=1)
    fail(breaker)
    clock.now += 60
    assert breaker.state is BreakerState.HALF_OPEN
    assert gauge("unit-trial") == 1
    with breaker.guard():
        with pytest.raises(CircuitOpenError), breaker.guard():
            pass
        assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.state is BreakerState.CLOSED
    assert gauge("unit-trial") == 0
    succeed(breaker)


def test_failed_trial_reopens_for_a_fresh_period() -> None:
    clock = Clock()
    breaker = make("unit-reopen", clock, threshold=1)
    fail(breaker)
    clock.now += 61
    fail(breaker)
    assert breaker.state is BreakerState.OPEN
    clock.now += 59
    assert breaker.state is BreakerState.OPEN
    clock.now += 1
    assert breaker.state is BreakerState.HALF_OPEN


async def test_concurrent_callers_fail_fast_during_the_trial() -> None:
    clock = Clock()
    breaker = make("unit-concurrent", clock, threshold=1)
    fail(breaker)
    clock.now += 60
    release = asyncio.Event()
    calls = 0

    async def call() -> None:
        nonlocal calls
        with breaker.guard():
            calls += 1
            await release.wait()

    tasks = [asyncio.create_task(call()) for _ in range(10)]
    await asyncio.sleep(0.01)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert calls == 1
    assert sum(isinstance(r, CircuitOpenError) for r in results) == 9
    assert breaker.state is BreakerState.CLOSED


async def test_a_cancelled_trial_gives_no_verdict() -> None:
    clock = Clock()
    breaker = make("unit-cancel", clock, threshold=1)
    fail(breaker)
    clock.now += 60

    async def hang() -> None:
        with breaker.guard():
            await asyncio.sleep(10)

    task = asyncio.create_task(hang())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is BreakerState.HALF_OPEN
    succeed(breaker)
    assert breaker.state is BreakerState.CLOSED


def test_only_failures_it_is_told_about_count() -> None:
    breaker = CircuitBreaker(
        "unit-filter", failure_threshold=1, is_failure=lambda e: isinstance(e, Boom)
    )
    with pytest.raises(KeyError), breaker.guard():
        raise KeyError("not the dependency's fault")
    assert breaker.state is BreakerState.CLOSED
    fail(breaker)
    assert breaker.state is BreakerState.OPEN


async def test_late_results_from_an_earlier_state_are_ignored() -> None:
    clock = Clock()
    breaker = make("unit-stale", clock, threshold=2)
    slow_done = asyncio.Event()

    async def slow(outcome: Exception | None) -> None:
        with breaker.guard():
            await slow_done.wait()
            if outcome is not None:
                raise outcome

    late_failure = asyncio.create_task(slow(Boom()))
    late_success = asyncio.create_task(slow(None))
    await asyncio.sleep(0)
    fail(breaker)
    fail(breaker)
    opened_at = clock.now
    clock.now += 30
    slow_done.set()
    results = await asyncio.gather(late_failure, late_success, return_exceptions=True)
    assert isinstance(results[0], Boom)
    # Neither restarted the open period nor closed the breaker.
    assert breaker.state is BreakerState.OPEN
    clock.now = opened_at + 60
    assert breaker.state is BreakerState.HALF_OPEN


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker("unit-bad", failure_threshold=0)
