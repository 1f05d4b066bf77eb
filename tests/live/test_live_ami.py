"""Against a real Asterisk: skipped unless CC_LIVE_AMI is set. Not collected by CI (see testpaths).

    CC_LIVE_AMI=127.0.0.1:5038 CC_LIVE_AMI_USER=callcenter CC_LIVE_AMI_SECRET=... \\
    CC_LIVE_QUEUE=standard .venv/bin/python -m pytest tests/live

Uses a queue from ``callcenter asterisk-config`` and a throw-away member interface; it adds, pauses
and removes that member and checks the gateway's translation of what Asterisk answers.
"""
from __future__ import annotations

import asyncio
import os

import pytest

from callcenter import domain
from callcenter.ami import actions
from callcenter.ami.gateway import AmiGateway
from callcenter.settings import AmiSettings

LIVE = os.environ.get("CC_LIVE_AMI")
pytestmark = [pytest.mark.live, pytest.mark.skipif(not LIVE, reason="CC_LIVE_AMI not set (host:port of a real AMI)")]
QUEUE = os.environ.get("CC_LIVE_QUEUE", "standard")
INTERFACE = "Local/8999@agent-phones/n"


async def _next(inbox: asyncio.Queue, kind: type, timeout: float = 5.0):
    async def wait():
        while True:
            event = await inbox.get()
            if isinstance(event, kind):
                return event
    return await asyncio.wait_for(wait(), timeout)


@pytest.fixture
async def gateway():
    host, _, port = (LIVE or "").rpartition(":")
    inbox: asyncio.Queue = asyncio.Queue()
    gw = AmiGateway(AmiSettings(host=host, port=int(port), username=os.environ.get("CC_LIVE_AMI_USER", "callcenter"),
                                secret=os.environ.get("CC_LIVE_AMI_SECRET", "")), inbox.put_nowait)
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
