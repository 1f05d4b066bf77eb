"""The pure decisions of crm_bridge/customer_access.py: who sees everyone, which search strategies an
agent's own customers limit, what the result says, deputies and the desk's live call."""
from __future__ import annotations

import pytest

from crm_bridge.customer_access import Scope, deputised, desk_facts, limitation, may_export, restricted, sees_all

KINDS = ("phone", "account", "name", "name_prefix", "initials", "initials_prefix", "name_contains", "digits")
# (role, agent_search) -> the strategy kinds that search everyone
UNRESTRICTED = {
    ("agent", "all"): set(KINDS),
    ("agent", "number_only"): {"phone", "account"},
    ("agent", "own"): set(),
    ("supervisor", "own"): set(KINDS),
    ("admin", "number_only"): set(KINDS),
}


@pytest.mark.parametrize(("role", "mode"), list(UNRESTRICTED))
def test_which_strategies_search_everyone(role: str, mode: str) -> None:
    scope = Scope(role=role, agent_id=5, search_mode=mode)
    assert {k for k in KINDS if not restricted(scope, k)} == UNRESTRICTED[(role, mode)]


@pytest.mark.parametrize(("role", "mode", "said"), [
    ("agent", "number_only", "number_only"), ("agent", "own", "own"), ("agent", "all", None),
    ("supervisor", "own", None), ("admin", "own", None)])
def test_the_result_says_how_it_was_limited(role: str, mode: str, said: str | None) -> None:
    scope = Scope(role=role, search_mode=mode)
    assert limitation(scope) == said and sees_all(scope) == (said is None)


@pytest.mark.parametrize(("role", "allowed"), [("agent", False), ("supervisor", True), ("admin", True)])
def test_only_supervisors_and_admins_export(role: str, allowed: bool) -> None:
    assert may_export(role) is allowed


def test_deputies_are_read_from_the_routing_table() -> None:
    assert deputised({"1001": "1005", "1003": "1005", "1006": "1002"}, "1005") == ("1001", "1003")
    assert deputised({}, "1005") == ()


def test_the_desk_brings_its_live_and_wrap_up_calls() -> None:
    snapshot = {"agent": {"all_queues": ["vip", "standard"], "queues": ["vip"]},
                "call": {"caller_number": "+8613800000001", "card": {"customer_id": 1}},
                "pending": [{"caller_number": "+8613800000009", "card": None}]}
    assert desk_facts(snapshot) == (("vip", "standard"), (1,), ("+8613800000001", "+8613800000009"))
    assert desk_facts({"agent": None, "call": None}) == ((), (), ())
