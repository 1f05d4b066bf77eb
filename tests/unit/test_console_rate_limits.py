"""Token buckets per socket and per user (console/rate_limits.py), with literal times."""
from __future__ import annotations

from callcenter.settings import FairShareSettings
from console.rate_limits import CLOSE, OK, REFUSE, RateLimits, TokenBucket


def limits(**kw: float) -> RateLimits:
    base = {"socket_rate": 1, "socket_burst": 2, "user_rate": 10, "user_burst": 10, "flood_close_after": 3}
    return RateLimits(FairShareSettings(**{**base, **kw}))


def test_a_bucket_starts_full_and_refills_at_its_rate_up_to_its_burst() -> None:
    bucket = TokenBucket(rate=2, burst=3)
    for _ in range(3):
        assert bucket.has_token(0.0)
        bucket.take()
    assert not bucket.has_token(0.0)
    assert bucket.has_token(0.5)            # one token after half a second at 2/s
    assert bucket.has_token(100.0) and bucket.tokens == 3


def test_over_the_socket_rate_is_refused_then_a_flood_closes() -> None:
    socket = limits().open(1)
    assert [socket.take(0.0) for _ in range(5)] == [OK, OK, REFUSE, REFUSE, CLOSE]
    assert socket.refused == 3


def test_an_accepted_command_resets_the_flood_count() -> None:
    socket = limits().open(1)
    assert [socket.take(0.0) for _ in range(4)] == [OK, OK, REFUSE, REFUSE]
    assert socket.take(1.0) == OK
    assert [socket.take(1.0) for _ in range(2)] == [REFUSE, REFUSE]


def test_the_user_bucket_is_shared_by_their_tabs_and_not_by_others() -> None:
    rates = limits(socket_burst=100, user_rate=1, user_burst=3)
    tab1, tab2, other = rates.open(1), rates.open(1), rates.open(2)
    assert [tab1.take(0.0), tab2.take(0.0), tab1.take(0.0)] == [OK, OK, OK]
    assert tab2.take(0.0) == REFUSE
    assert other.take(0.0) == OK


def test_the_user_bucket_outlives_their_sockets_so_a_reconnect_does_not_refill_it() -> None:
    rates = limits(socket_burst=100, user_rate=1, user_burst=2)
    first = rates.open(1)
    assert [first.take(0.0), first.take(0.0)] == [OK, OK]
    first.release()
    assert rates.sockets(1) == 0
    assert rates.open(1).take(0.0) == REFUSE


def test_a_flood_bars_the_users_new_sockets_for_the_penalty() -> None:
    rates = limits(flood_penalty_seconds=5)
    assert rates.may_open(1, 0.0)
    rates.flooded(1, 10.0)
    assert not rates.may_open(1, 14.9) and rates.may_open(2, 14.9)
    assert rates.may_open(1, 15.0)


def test_presence_commands_have_their_own_slower_bucket_per_user() -> None:
    rates = limits(socket_burst=100, user_burst=100, presence_rate=1, presence_burst=2)
    tab1, tab2 = rates.open(1), rates.open(1)
    assert [tab1.take_presence(0.0), tab2.take_presence(0.0), tab1.take_presence(0.0)] == [True, True, False]
    assert rates.open(2).take_presence(0.0)
    assert tab2.take_presence(1.0)
