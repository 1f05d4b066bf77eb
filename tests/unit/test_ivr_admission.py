"""The FastAGI allow-list, the refusal log's rate limit and the fastagi settings (pure, no sockets)."""
from __future__ import annotations

import asyncio

import pytest

from callcenter.errors import ConfigError
from callcenter.settings import settings_from_mapping
from ivr.admission import AllowList, RefusalLog, network_of, resolve


@pytest.mark.parametrize(("entries", "peer", "allowed"), [
    (["127.0.0.1"], "127.0.0.1", True),
    (["127.0.0.1"], "127.0.0.2", False),
    (["10.0.0.0/24"], "10.0.0.77", True),
    (["10.0.0.0/24"], "10.0.1.1", False),
    (["10.0.0.5"], "::ffff:10.0.0.5", True),          # a dual-stack listener's view of an IPv4 peer
    (["::1"], "::1", True),
    (["::1"], "127.0.0.1", False),
    (["fe80::/64"], "fe80::1%eth0", True),
    (["10.0.0.5"], "", False),
    (["10.0.0.5"], "not an address", False),
    ([], "127.0.0.1", False),
])
def test_allow_list(entries, peer, allowed):
    nets = tuple(n for n in (network_of(e) for e in entries) if n is not None)
    assert AllowList(nets).allows(peer) is allowed


def test_a_host_name_is_not_a_network_and_is_resolved_at_start():
    assert network_of("pbx.example.com") is None

    async def run() -> AllowList:
        return await resolve(["localhost", "10.0.0.0/8"], asyncio.get_running_loop())

    allow = asyncio.run(run())
    assert allow.allows("127.0.0.1") and allow.allows("10.9.8.7") and not allow.allows("192.0.2.1")


def test_a_name_that_does_not_resolve_is_logged_with_its_key_path_and_left_out(caplog):
    async def run() -> AllowList:
        return await resolve(["127.0.0.1", "no-such-host.invalid"], asyncio.get_running_loop())

    allow = asyncio.run(run())
    assert allow.allows("127.0.0.1")
    assert "fastagi.allow.1: cannot resolve 'no-such-host.invalid'" in caplog.text


def test_refusal_log_first_then_once_per_interval_with_the_count_held_back():
    refusals = RefusalLog(interval=60.0)
    assert refusals.note("10.0.0.9", 0.0) == 1
    assert [refusals.note("10.0.0.9", t) for t in (1.0, 2.0, 59.0)] == [None, None, None]
    assert refusals.note("10.0.0.8", 3.0) == 1            # another address is reported on its own
    assert refusals.note("10.0.0.9", 60.0) == 4           # this one plus the three held back
    assert refusals.note("10.0.0.9", 61.0) is None


def test_refusal_log_memory_is_bounded():
    refusals = RefusalLog(interval=60.0, max_keys=3)
    for i in range(1000):
        refusals.note(f"10.0.{i // 256}.{i % 256}", float(i) / 1000)
    assert len(refusals._seen) == 3


def test_fastagi_settings_defaults_and_the_default_allow_list():
    fastagi = settings_from_mapping({}).fastagi
    assert (fastagi.max_connections, fastagi.session_seconds, fastagi.unconfirmed_call_seconds) == (256, 600.0, 60.0)
    assert fastagi.allow is None
    assert fastagi.allowed_peers("192.0.2.10") == ("192.0.2.10", "127.0.0.1", "::1")
    assert fastagi.allowed_peers("127.0.0.1") == ("127.0.0.1", "::1")


def test_fastagi_allow_from_the_environment_is_a_comma_separated_list():
    settings = settings_from_mapping({}, {"CC_FASTAGI_ALLOW": "10.0.0.5, pbx.example.com 10.1.0.0/16"})
    assert settings.fastagi.allow == ("10.0.0.5", "pbx.example.com", "10.1.0.0/16")
    assert settings.fastagi.allowed_peers("127.0.0.1") == settings.fastagi.allow    # no loopback added


@pytest.mark.parametrize(("fastagi", "path"), [
    ({"allow": ["10.0.0.5", "10.0.0.0/33"]}, "fastagi.allow.1"),
    ({"allow": ["bad host!"]}, "fastagi.allow.0"),
    ({"allow": []}, "fastagi.allow"),
    ({"max_connections": 0}, "fastagi.max_connections"),
    ({"session_seconds": 0}, "fastagi.session_seconds"),
    ({"unconfirmed_call_seconds": -1}, "fastagi.unconfirmed_call_seconds"),
])
def test_fastagi_config_errors_name_the_key_path(fastagi, path):
    with pytest.raises(ConfigError) as err:
        settings_from_mapping({"fastagi": fastagi})
    assert err.value.key_path == path
