"""The in-process moving window counts exactly, whatever the limit, and forgets idle keys."""

from __future__ import annotations

import pytest

from apfa.core.ratelimit import SWEEP_EVERY_SECONDS, LocalMovingWindow, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_moving_window_counts_the_last_window_exactly() -> None:
    clock = Clock()
    window = LocalMovingWindow(clock)
    key = ("3/minute", "advice", "7")
    results = []
    for step in (0.0, 10.0, 20.0, 30.0):
        clock.now += step
        results.append(window.hit(key, 3, 60))
    # Hits at t=0, 10 and 30 are counted; at t=60 the first one still counts.
    assert [r[0] for r in results] == [True, True, True, False]
    assert [r[1] for r in results] == [2, 1, 0, 0]
    assert results[0][2] == 60
    assert results[3][2] == pytest.approx(0.0)  # the first hit leaves the window now
    clock.now += 0.001
    allowed, remaining, reset = window.hit(key, 3, 60)
    assert (allowed, remaining) == (True, 0)
    assert reset == pytest.approx(10 - 0.001)  # until the hit at t=10 leaves
    assert window.hit(key, 3, 60)[0] is False
    # Other keys are counted apart.
    assert window.hit(("3/minute", "advice", "8"), 3, 60) == (True, 2, 60)


def test_a_burst_straddling_two_minutes_is_still_limited() -> None:
    """What a fixed or sliding-counter window would let through; a moving one does not."""
    clock = Clock()
    window = LocalMovingWindow(clock)
    key = ("10/minute", "advice", "1")
    clock.now = 59.0
    assert all(window.hit(key, 10, 60)[0] for _ in range(10))
    clock.now = 61.0
    assert not any(window.hit(key, 10, 60)[0] for _ in range(10))
    clock.now = 119.01
    assert all(window.hit(key, 10, 60)[0] for _ in range(10))


def test_idle_keys_are_swept() -> None:
    clock = Clock()
    window = LocalMovingWindow(clock)
    for user in range(100):
        window.hit(("1/second", "advice", str(user)), 1, 1)
    assert len(window) == 100
    clock.now += SWEEP_EVERY_SECONDS
    window.hit(("1/second", "advice", "0"), 1, 1)
    assert len(window) == 1


async def test_rate_limiter_reports_the_window_in_headers() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    verdicts = [await limiter.hit("2/minute", "advice", "9") for _ in range(3)]
    assert [v.allowed for v in verdicts] == [True, True, False]
    assert verdicts[0].headers() == {
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "1",
        "X-RateLimit-Reset": "60",
    }
    assert verdicts[2].headers()["Retry-After"] == "60"
    clock.now += 30.5
    assert (await limiter.hit("2/minute", "advice", "9")).reset_after == 30
