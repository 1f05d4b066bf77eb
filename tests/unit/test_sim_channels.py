"""Channel naming and numbering of the simulator, as Asterisk 22 does it."""
from __future__ import annotations

from callcenter.simulator.channels import ChannelRegistry, parse_local


def registry() -> ChannelRegistry:
    return ChannelRegistry(clock=lambda: 0.0, wall=lambda: 1795458074.9)


def test_local_pairs_share_a_hex_counter_and_uniqueids_one_counter():
    reg = registry()
    one, two = reg.new_local_pair("100", "inbound")
    assert (one.name, two.name) == ("Local/100@inbound-00000000;1", "Local/100@inbound-00000000;2")
    assert (one.uniqueid, two.uniqueid) == ("1795458074.0", "1795458074.1")
    assert one.linkedid == two.linkedid == one.uniqueid
    assert (one.state, two.state) == (0, 4)
    a1, a2 = reg.new_local_pair("1001", "agent-phones", linkedid=one.linkedid)
    assert a1.name == "Local/1001@agent-phones-00000001;1"
    assert (a1.uniqueid, a2.uniqueid) == ("1795458074.2", "1795458074.3")
    assert a1.linkedid == a2.linkedid == "1795458074.0"


def test_other_technologies_count_per_technology():
    reg = registry()
    first = reg.new_channel("PJSIP/1001", "default", "s")
    second = reg.new_channel("PJSIP/1002", "default", "s")
    assert (first.name, second.name) == ("PJSIP/1001-00000000", "PJSIP/1002-00000001")
    assert reg.new_local_pair("1", "x")[0].name == "Local/1@x-00000000;1"


def test_registry_lookup_and_forget():
    reg = registry()
    one, two = reg.new_local_pair("100", "inbound")
    assert reg.get(two.name) is two and reg.by_uniqueid(one.uniqueid) is one
    reg.forget(one)
    assert reg.get(one.name) is None and len(reg) == 1


def test_parse_local():
    assert parse_local("Local/1001@agent-phones/n") == ("1001", "agent-phones")
    assert parse_local("local/vip@queue-direct") == ("vip", "queue-direct")
    assert parse_local("PJSIP/1001") is None
