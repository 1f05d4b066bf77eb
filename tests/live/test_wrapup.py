"""Wrap-up that cannot be cut short, on the simulator and on a real Asterisk: with callers waiting, an
agent whose call ended is not rung until they save the outcome; the save is what lets the next caller
ring them. The pause is placed when the call connects (app_queue with ``ringinuse=no`` skips the
in-use member meanwhile), so it is in place before the hang-up."""
from __future__ import annotations

from typing import Any

import pytest

from crm_bridge.seed import DEMO_INDIVIDUAL_NUMBER

from .desks import desks, save_outcome

pytestmark = pytest.mark.live
LIU = DEMO_INDIVIDUAL_NUMBER.removeprefix("+86")        # 刘强, individual: the standard queue
PHONE = "Local/1005@agent-phones/n"
WRAPUP = 120        # longer than the scenario: only the save can end it
QUIET = 4.0         # seconds the waiting caller must not ring the agent in wrap-up (app_queue rechecks each second)


@pytest.fixture
def server_overrides() -> dict[str, Any]:
    return {"queues": {q: {"wrapup_seconds": WRAPUP, "member_timeout": 4} for q in ("vip", "enterprise", "standard")}}


async def test_an_agent_in_wrap_up_is_not_rung_by_waiting_callers_until_the_outcome_is_saved(live):
    pbx = live.pbx
    async with desks(live, "1005") as (desk,):
        first = await pbx.call_in(LIU, digits=["1"])
        await desk.next("call", where=lambda c: c["call_id"] == first.call_id and c["state"] == "connected", timeout=15)
        await pbx.event("AgentConnect", Uniqueid=first.call_id)
        # Out of the queue from the connect, while the desk still says "on call".
        pause = await pbx.event("QueueMemberPause", Interface=PHONE, Paused="1")
        # app_queue pauses a member on a call as any other: the call goes on. (Not compared: the event's
        # InCall and Status. app_queue marks the member in call just after publishing AgentConnect, and
        # the Local channel's device state follows on its own thread: a pause sent at once may see either.)
        assert pause.get("PausedReason") == "wrap-up"
        member = (await pbx.members("standard"))[PHONE]
        assert (member.get("Paused"), member.get("PausedReason"), member.get("InCall")) == ("1", "wrap-up", "1")
        await desk.next("agent", where=lambda a: a["state"] == "on_call", timeout=5)

        second = await pbx.call_in(LIU, digits=["1"])
        await pbx.event("QueueCallerJoin", Uniqueid=second.call_id)
        await pbx.hang_up(first)
        ended = await desk.next("call", where=lambda c: c["call_id"] == first.call_id and c["state"] == "ended",
                                timeout=15)
        complete = await pbx.event("AgentComplete", Uniqueid=first.call_id)
        wrapup = await desk.next("agent", timeout=10)       # the desk said "on call" until now, never "paused"
        assert wrapup["state"] == "wrap_up" and wrapup["wrapup_ends_at"]
        # A caller is waiting and the phone is free: app_queue still does not ring the agent.
        since = pbx.mark()
        with pytest.raises(TimeoutError):
            await pbx.event("AgentCalled", since=since, Uniqueid=second.call_id, timeout=QUIET)
        assert not pbx.events("AgentCalled", Uniqueid=second.call_id)
        member = (await pbx.members("standard"))[PHONE]
        assert (member.get("Paused"), member.get("InCall")) == ("1", "0")
        assert complete.get("Reason") == "caller"

        await save_outcome(desk, ended)
        called = await pbx.event("AgentCalled", since=since, Uniqueid=second.call_id, timeout=15)
        assert called.get("Interface") == PHONE
        pop = await desk.next("pop", where=lambda p: p["call_id"] == second.call_id, timeout=15)
        assert pop["queue"] == "standard"
        await desk.next("call", where=lambda c: c["call_id"] == second.call_id and c["state"] == "connected",
                        timeout=15)
        await pbx.hang_up(second)
        await desk.next("call", where=lambda c: c["call_id"] == second.call_id and c["state"] == "ended", timeout=15)

