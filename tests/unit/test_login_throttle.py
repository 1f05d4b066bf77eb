"""The login throttle (per (login, address) and per address, fixed memory), with a fake clock."""
from __future__ import annotations

import pytest

from console.login_throttle import LoginThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_pair_is_held_after_its_failures_and_gets_one_try_back_as_the_bucket_drains() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(3, 60, clock=clock, key=b"k")
    for _ in range(3):
        assert throttle.retry_after("Alice", "10.0.0.9") == 0
        throttle.failed("alice", "10.0.0.9")
    assert throttle.retry_after("ALICE", "10.0.0.9") == pytest.approx(20)      # 3 per 60 s: one every 20 s
    clock.now += 20
    assert throttle.retry_after("alice", "10.0.0.9") == 0
    throttle.failed("alice", "10.0.0.9")
    assert throttle.retry_after("alice", "10.0.0.9") == pytest.approx(20)


def test_the_real_user_on_another_address_is_never_held_back_by_someone_elses_failures() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(5, 60, address_failures=1000, clock=clock, key=b"k")
    for n in range(10_000):                                   # a botnet guessing alice's password
        throttle.failed("alice", f"198.51.{n // 250}.{n % 250}")
    assert throttle.retry_after("alice", "10.0.0.9") == 0


def test_one_address_is_held_across_logins() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(5, 60, address_failures=10, clock=clock, key=b"k")
    for n in range(10):
        throttle.failed(f"user{n}", "203.0.113.5")
    assert throttle.retry_after("someone-new", "203.0.113.5") > 0
    assert throttle.retry_after("someone-new", "203.0.113.6") == 0


def test_memory_is_fixed_and_a_flood_of_junk_keys_does_not_flush_a_record() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(5, 60, address_failures=10**5, clock=clock, key=b"k", slots=4096)
    cells = throttle.memory_cells
    for _ in range(5):
        throttle.failed("alice", "203.0.113.5")
    for n in range(50_000):
        throttle.failed(f"junk{n}", f"192.0.2.{n % 200}")
    assert throttle.memory_cells == cells
    assert throttle.retry_after("alice", "203.0.113.5") > 0


def test_a_long_attack_does_not_lock_a_pair_for_longer_than_about_one_window() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(5, 60, clock=clock, key=b"k")
    for _ in range(1000):
        throttle.failed("alice", "203.0.113.5")
    assert throttle.retry_after("alice", "203.0.113.5") <= 24.0 + 1e-6
