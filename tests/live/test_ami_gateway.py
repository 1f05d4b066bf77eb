"""The AMI gateway against the simulator and a real Asterisk: login, resync, and a member's round trip
(QueueAdd, QueuePause with a reason, QueueRemove) translated from what the PBX answers."""
from __future__ import annotations

import asyncio
import pytest

from callcenter import domain
from callcenter.ami import actions
from callcenter.ami.gateway import AmiGateway
from callcenter.settings import AmiSettings

from .conftest import SECRET, USERNAME

pytestmark = pytest.mark.live
QUEUE = "standard"
INTERFACE = "Local/8999@agent-phones/n"


async def _next(inbox: asyncio.Queue, kind: type, timeout: float = 5.0):
    async def wait():
        while True:
            event = await inbox.get()
            if isinstance(event, kind):
                return event
    return await asyncio.wait_for(wait(), timeout)


@pytest.fixture
async def gateway(pbx):
    inbox: asyncio.Queue = asyncio.Queue()
    gw = AmiGateway(AmiSettings(host="127.0.0.1", port=pbx.ami_port, username=USERNAME, secret=SECRET),
                    inbox.put_nowait)
    await gw.start()
    await _next(inbox, domain.AmiConnected, 10)
    yield gw, inbox
    await gw.stop()


async def test_login_resync_and_a_member_round_trip(gateway):
    gw, inbox = gateway
    snapshot = await _next(inbox, domain.QueueSnapshot)
    assert all(m.queue and m.interface for m in snapshot.members)
    await _next(inbox, domain.ChannelsSnapshot)
    try:
        await gw.send(actions.queue_add(QUEUE, INTERFACE, "live-test"))
        added = await _next(inbox, domain.MemberAdded)
        assert (added.queue, added.interface, added.paused) == (QUEUE, INTERFACE, False)
        await gw.send(actions.queue_pause(INTERFACE, True, "lunch", QUEUE))
        paused = await _next(inbox, domain.MemberPaused)
        assert paused.paused and paused.reason == "lunch"
    finally:
        await gw.send(actions.queue_remove(QUEUE, INTERFACE))
    removed = await _next(inbox, domain.MemberRemoved)
    assert removed.interface == INTERFACE
