"""Who gets a FastAGI session (issue 11): strangers refused, a connection cap, a session deadline.

Real sockets; the stranger is a client bound to 127.0.0.2 (any 127/8 address is local on Linux) while
only 127.0.0.1 is allowed.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging

from callcenter.simulator import PbxSimulator, QueueSpec, SimulatorConfig, Timing
from tests.integration.agi_peer import STALL, AsteriskPeer, asterisk_env
from tests.integration.ivr_support import EVENT_TIMEOUT, cards, make_settings

VIP_CARD = {"customer_id": 42, "name": "Li Na", "customer_type": "vip", "value_class": "major",
            "account_manager": "Zhang Wei", "credit_status": "good", "language": "zh"}
STRANGER = "127.0.0.2"


async def test_a_strangers_connection_is_closed_before_anything_is_read(start_ivr, caplog):
    identify = cards(VIP_CARD)
    ivr = await start_ivr(identify, make_settings(fastagi={"port": 0, "allow": ["127.0.0.1"]}))
    port = ivr.server.port

    record = await AsteriskPeer(["1"]).call(port, asterisk_env(port), source=STRANGER)

    assert record.closed_by_server and record.commands == []      # not one command: nothing learnt
    assert identify.asked == []                                   # no lookup of the number
    assert ivr.inbox.empty()                                      # no call reported to the engine
    assert ivr.server.counts.refused_stranger == 1
    assert "FastAGI connection from 127.0.0.2 refused: not in fastagi.allow" in caplog.text

    # Asterisk itself is still served.
    record = await AsteriskPeer(["1"]).call(port, asterisk_env(port))
    assert record.variables["CC_QUEUE"] == "vip"
    assert ivr.server.counts.accepted == 1


async def test_a_stranger_hammering_is_logged_once_and_counted_every_time(start_ivr, caplog):
    ivr = await start_ivr(cards(), make_settings(fastagi={"port": 0, "allow": ["127.0.0.1"]}))
    port = ivr.server.port
    for _ in range(20):
        record = await AsteriskPeer().call(port, asterisk_env(port), source=STRANGER)
        assert record.closed_by_server and record.commands == []
    assert ivr.server.counts.refused_stranger == 20
    lines = [r for r in caplog.records if "not in fastagi.allow" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING


async def test_a_cidr_or_a_host_name_on_the_list_is_let_in(start_ivr):
    for allow in (["127.0.0.0/30"], ["localhost"]):
        ivr = await start_ivr(cards(VIP_CARD), make_settings(fastagi={"port": 0, "allow": allow}))
        port = ivr.server.port
        source = STRANGER if allow == ["127.0.0.0/30"] else None
        record = await AsteriskPeer(["1"]).call(port, asterisk_env(port), source=source)
        assert record.variables["CC_QUEUE"] == "vip", allow


async def test_by_default_loopback_and_the_ami_host_are_let_in_and_others_not(start_ivr):
    ivr = await start_ivr(cards(VIP_CARD), make_settings(ami={"host": "192.0.2.10"}))
    port = ivr.server.port
    record = await AsteriskPeer(["1"]).call(port, asterisk_env(port))
    assert record.variables["CC_QUEUE"] == "vip"
    record = await AsteriskPeer(["1"]).call(port, asterisk_env(port), source=STRANGER)
    assert record.commands == [] and ivr.server.counts.refused_stranger == 1


async def test_over_the_cap_a_new_connection_is_closed_at_once_and_served_again_later(start_ivr, caplog):
    ivr = await start_ivr(cards(VIP_CARD), make_settings(fastagi={"port": 0, "max_connections": 2}),
                          media_timeout=30)
    port = ivr.server.port
    stuck = [AsteriskPeer([STALL]) for _ in range(2)]
    calls = [asyncio.create_task(p.call(port, asterisk_env(port), timeout=30)) for p in stuck]
    for peer in stuck:
        await asyncio.wait_for(peer.stalled.wait(), EVENT_TIMEOUT)

    record = await AsteriskPeer(["1"]).call(port, asterisk_env(port))
    assert record.closed_by_server and record.commands == []
    assert ivr.server.counts.refused_over_cap == 1
    assert "fastagi.max_connections" in caplog.text

    # One session ends (Asterisk hangs up): a call gets a session again once the server let it go.
    calls[0].cancel()
    await asyncio.gather(calls[0], return_exceptions=True)
    await asyncio.wait_for(ivr.inbox.get(), EVENT_TIMEOUT)         # the hung-up call is reported
    loop = asyncio.get_running_loop()
    deadline = loop.time() + EVENT_TIMEOUT
    while True:     # a deadline, not a sleep used as synchronisation: each try is a real connection
        record = await AsteriskPeer(["1"]).call(port, asterisk_env(port, agi_uniqueid="1795458099.7"))
        if record.commands or loop.time() > deadline:
            break
        await asyncio.sleep(0.02)
    assert record.variables["CC_QUEUE"] == "vip"
    calls[1].cancel()
    await asyncio.gather(calls[1], return_exceptions=True)


async def test_a_session_over_the_deadline_is_ended_and_the_dialplan_goes_on(start_ivr, caplog):
    ivr = await start_ivr(cards(VIP_CARD), make_settings(fastagi={"port": 0, "session_seconds": 0.5}),
                          media_timeout=30)
    port = ivr.server.port
    peer = AsteriskPeer([STALL])
    record = await peer.call(port, asterisk_env(port), timeout=EVENT_TIMEOUT)

    assert peer.stalled.is_set() and record.closed_by_server
    assert ivr.server.counts.over_deadline == 1
    assert "lasted over fastagi.session_seconds (0.5s)" in caplog.text
    assert "1795458074.1" in caplog.text
    # Nothing reported: the queue join (or the Hangup) tells the engine, as with the server down.
    assert ivr.inbox.empty()


async def test_a_refused_session_still_queues_the_caller_in_the_default_queue(start_ivr):
    """The simulator plays Asterisk's dialplan (extensions.conf.j2): CC_QUEUE/CC_PRIORITY get their
    defaults before AGI(); res_agi.c returns 0 from AGI() whether the server closed at once (an EOF:
    ``AGISTATUS=SUCCESS``) or the connection failed (``FAILURE``), so the caller goes on to Queue()."""
    ivr = await start_ivr(cards(VIP_CARD), make_settings(fastagi={"port": 0, "allow": ["127.0.0.2"]}))
    timing = Timing(prompt_seconds=0.02, digit_seconds=0.01, timeout_scale=0.01, answer_after=0.05,
                    member_timeout=0.3, retry=0.05, agi_idle_timeout=5.0)
    config = SimulatorConfig(queues={"vip": QueueSpec(), "standard": QueueSpec()}, default_queue="standard",
                             timing=timing, seed=3)
    sim = PbxSimulator(dataclasses.replace(config, agi_port=ivr.server.port))
    await sim.start()
    try:
        call = await sim.place_call("13800000001", "Li Na", dnid="100", digits=("1",))
        assert await call.wait_joined() == ("standard", 0)     # not vip: the IVR never ran
        assert call.agi_log == [] and ivr.server.counts.refused_stranger == 1
        assert ivr.inbox.empty()
    finally:
        await sim.stop()
