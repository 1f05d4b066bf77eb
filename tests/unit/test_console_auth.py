"""The per-login throttle and the Origin check, with a fake clock."""
from __future__ import annotations

import pytest

from console.auth import LoginThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_throttle_blocks_after_max_failures_then_lets_go_after_the_window() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(max_failures=3, window_seconds=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("Alice") == 0
        throttle.failed("alice")
    assert throttle.retry_after("ALICE") == pytest.approx(60)
    assert throttle.retry_after("bob") == 0
    clock.now += 30
    assert throttle.retry_after("alice") == pytest.approx(30)
    clock.now += 30
    assert throttle.retry_after("alice") == 0


def test_success_clears_the_count() -> None:
    throttle = LoginThrottle(max_failures=2, clock=FakeClock())
    throttle.failed("alice")
    throttle.succeeded("alice")
    throttle.failed("alice")
    assert throttle.retry_after("alice") == 0


def test_memory_is_bounded() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(max_failures=2, clock=clock, max_tracked=100)
    for n in range(1000):
        throttle.failed(f"user{n}")
    assert len(throttle._failures) <= 100
