"""Server-side sessions: random tokens, absolute expiry, logout, language switch."""
from __future__ import annotations

import pytest

from console.sessions import SessionStore


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def new(store: SessionStore, agent_id: int = 1):
    return store.create(agent_id=agent_id, login="alice", name="Alice", role="agent", language="en")


def test_a_session_is_found_by_its_token_until_it_expires() -> None:
    clock = FakeClock()
    store = SessionStore(12 * 3600, clock=clock)
    session = new(store)
    assert store.get(session.token) is session
    clock.now += 12 * 3600 - 1
    assert store.get(session.token) is session
    clock.now += 1
    assert store.get(session.token) is None
    assert len(store) == 0                     # dropped when found expired


def test_expiry_is_absolute_not_sliding() -> None:
    clock = FakeClock()
    store = SessionStore(60, clock=clock)
    session = new(store)
    for _ in range(5):
        clock.now += 15
        store.get(session.token)
    assert store.get(session.token) is None


def test_tokens_are_long_random_and_unique() -> None:
    store = SessionStore(60)
    tokens = {new(store).token for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(token) >= 40 for token in tokens)


@pytest.mark.parametrize("token", [None, "", "nope", "x" * 500])
def test_unknown_tokens_give_nothing(token: str | None) -> None:
    store = SessionStore(60)
    new(store)
    assert store.get(token) is None


def test_logout_deletes_and_language_switch_sticks() -> None:
    store = SessionStore(60)
    session = new(store)
    store.set_language(session.token, "zh")
    assert store.get(session.token).language == "zh"
    assert store.delete(session.token) is session
    assert store.get(session.token) is None
    assert store.delete(session.token) is None


def test_expired_sessions_are_swept_on_create() -> None:
    clock = FakeClock()
    store = SessionStore(30, clock=clock)
    for agent_id in range(10):
        new(store, agent_id)
    clock.now += 120
    fresh = new(store, 99)
    assert len(store) == 1 and store.get(fresh.token) is fresh


def test_lifetime_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SessionStore(0)
