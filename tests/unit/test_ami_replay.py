"""Replay the raw bytes recorded from a real Asterisk 22 through our AMI protocol and translation."""
from __future__ import annotations

import random

import pytest

from callcenter import domain as d
from callcenter.ami import translate
from callcenter.ami.protocol import FastAMIProtocol
from tests.recordings import recording


class _Transport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


class _Factory:
    def __init__(self) -> None:
        self.dispatched: list = []

    def dispatch(self, message) -> None:
        self.dispatched.append(message)

    def connection_lost(self, exc) -> None:
        pass


def replay(name: str, *, chunk_seed: int | None = None) -> tuple[list, FastAMIProtocol]:
    events: list = []
    protocol = FastAMIProtocol()
    protocol.sink = lambda headers: events.extend(translate.translate(headers))
    protocol.wanted = translate.WANTED_EVENTS
    protocol.connection_made(_Transport())
    protocol.factory = _Factory()
    data = recording(name)
    if chunk_seed is None:
        protocol.data_received(data)
    else:  # TCP may cut anywhere: feed random slices
        rng, i = random.Random(chunk_seed), 0
        while i < len(data):
            n = rng.randint(1, 700)
            protocol.data_received(data[i:i + n])
            i += n
    return events, protocol


AGENT = "Local/1001@agent-phones/n"
CALL = "1795458074.1"

QUEUE_CALL_EXPECTED = [
    d.MemberAdded("vip", AGENT, "agent1001", False, ""),
    d.CallerJoined(CALL, "vip", "Local/100@inbound-00000000;2", "13800000001", "Test", 1, 1, "1795458074.0"),
    d.AgentRinging(CALL, "vip", AGENT, "agent1001", "Local/1001@agent-phones-00000001;1"),
    d.DialStarted(CALL, "1795458077.2", "Local/1001@agent-phones-00000001;1", AGENT, "Local/100@inbound-00000000;2"),
    d.DialFinished(CALL, "1795458077.2", "ANSWER"),
    d.CallerLeft(CALL, "vip", 0),
    d.AgentAnswered(CALL, "vip", AGENT, "agent1001", 1, 1, "Local/1001@agent-phones-00000001;1"),
    d.MemberStatus("vip", AGENT, "agent1001", 2, False, True),
    d.HangupRequested(CALL, "Local/100@inbound-00000000;2", 16),           # its ;1 half hung up
    d.CallCompleted(CALL, "vip", AGENT, "agent1001", 1, 3, "caller"),
    d.ChannelHungUp("1795458074.0", "Local/100@inbound-00000000;1", 16),
    d.ChannelHungUp(CALL, "Local/100@inbound-00000000;2", 16),
    d.HangupRequested("1795458077.3", "Local/1001@agent-phones-00000001;2", 16),
    d.ChannelHungUp("1795458077.2", "Local/1001@agent-phones-00000001;1", 16),
    d.MemberStatus("vip", AGENT, "agent1001", 1, False, False),
    d.ChannelHungUp("1795458077.3", "Local/1001@agent-phones-00000001;2", 16),
    d.MemberRemoved("vip", AGENT, "agent1001"),
]

ABANDON_CALL = "1795458083.5"
QUEUE_ABANDON_EXPECTED = [
    d.CallerJoined(ABANDON_CALL, "enterprise", "Local/100@inbound-00000002;2", "13800000002", "Abandoner", 1, 1,
                   "1795458083.4"),
    d.HangupRequested(ABANDON_CALL, "Local/100@inbound-00000002;2", 0),
    d.ChannelHungUp("1795458083.4", "Local/100@inbound-00000002;1", 0),
    d.CallerAbandoned(ABANDON_CALL, "enterprise", 1, 5),
    d.CallerLeft(ABANDON_CALL, "enterprise", 0),
    d.ChannelHungUp(ABANDON_CALL, "Local/100@inbound-00000002;2", 0),
]


@pytest.mark.parametrize("chunk_seed", [None, 1, 2, 3])
def test_queue_call_recording_yields_the_domain_events(chunk_seed):
    events, protocol = replay("queue_call.ami.txt", chunk_seed=chunk_seed)
    assert events == QUEUE_CALL_EXPECTED
    assert protocol.dropped > 150           # VarSet/Newexten/... never parsed
    assert protocol.malformed == 0


@pytest.mark.parametrize("chunk_seed", [None, 4])
def test_queue_abandon_recording_yields_the_domain_events(chunk_seed):
    events, _ = replay("queue_abandon.ami.txt", chunk_seed=chunk_seed)
    assert events == QUEUE_ABANDON_EXPECTED


def test_ring_no_answer_recording_moves_the_call_to_the_second_member():
    events, _ = replay("ring_no_answer.ami.txt")
    kinds = [(type(e).__name__, getattr(e, "interface", "")) for e in events
             if isinstance(e, (d.AgentRinging, d.AgentNoAnswer, d.AgentAnswered, d.CallCompleted))]
    assert kinds == [
        ("AgentRinging", "Local/2001@agent-noanswer/n"),
        ("AgentNoAnswer", "Local/2001@agent-noanswer/n"),
        ("AgentRinging", "Local/1001@agent-phones/n"),
        ("AgentAnswered", "Local/1001@agent-phones/n"),
        ("CallCompleted", "Local/1001@agent-phones/n"),
    ]
    (rna,) = [e for e in events if isinstance(e, d.AgentNoAnswer)]
    assert rna.ring_ms == 15000


def test_shutdown_goes_through_panoramisk_dispatch():
    _, protocol = replay("restart.conn1.ami.txt")
    names = [m["Event"] for m in protocol.factory.dispatched]
    assert "Shutdown" in names and "FullyBooted" in names


def test_garbage_between_frames_is_counted_not_fatal():
    events: list = []
    protocol = FastAMIProtocol()
    protocol.sink = lambda h: events.extend(translate.translate(h))
    protocol.wanted = translate.WANTED_EVENTS
    protocol.connection_made(_Transport())
    protocol.factory = _Factory()
    protocol.data_received(b"Asterisk Call Manager/11.0.0\r\n\xff\xfe garbage\r\n\r\n"
                           b"Event: Hangup\r\nUniqueid: 1.5\r\nChannel: X\r\nCause: nope\r\n\r\n")
    assert protocol.malformed == 1
    assert events == [d.ChannelHungUp("1.5", "X", 0)]


async def test_list_events_answering_our_action_reach_its_future():
    """QueueStatus's QueueParams/QueueMember/QueueEntry/QueueStatusComplete carry our ActionID: they must not be
    dropped as noise (the reconnect resync depends on them)."""
    from panoramisk.actions import Action

    _, protocol = replay("login_md5.ami.txt")        # any stream: sets up a protocol
    action = Action({"Action": "QueueStatus", "ActionID": "lab-7", "Queue": "enterprise"}, as_list=True)
    protocol.responses["lab-7"] = action
    protocol.data_received(recording("priority.ami.txt"))
    assert action.future.done()
    snapshot = translate.queue_snapshot([m for m in action.future.result() if "event" in m])
    assert [w.call_id for w in snapshot.waiting] == ["1795461070.13", "1795461071.15", "1795461068.11"]
    assert snapshot.members[0].reason == "lunch" and snapshot.members[0].paused
