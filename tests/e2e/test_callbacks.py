"""Callbacks end to end: a caller asks to be called back in the voice menu, keeps their place, and is
called when an agent is free, ahead of a caller who came later; an abandoned caller lands on the list.

Simulated callers -> FastAGI IVR (menu key 4 = call me back) -> the store's callbacks -> the engine
places the callback (Originate: the agent's phone first, then the customer's number) -> pop, talk,
wrap-up -> the caller who came later is served after it.
"""
from __future__ import annotations

import json

from tests.e2e.stack import Console, eventually, running_stack

LIU_QIANG = "13800000006"        # individual: the standard queue
LATER = "13800000007"            # another individual, who calls after Liu Qiang asked for a callback
AGENT = "Local/1005@agent-phones/n"


async def open_callbacks(stack):
    return await stack.store.list_callbacks(statuses=("pending", "dialing"))


async def test_a_callback_is_placed_only_when_an_agent_is_free_and_ahead_of_later_callers(tmp_path):
    async with running_stack(tmp_path, wrapup=1, config={"callbacks": {"abandoned_after": 0}}) as stack:
        desk = Console(stack.base_url)
        supervisor = Console(stack.base_url)
        try:
            await desk.login("1005", "demo1005")
            await supervisor.login("9001", "demo9001", view="supervisor")
            assert (await desk.send("available"))["ok"]
            await desk.next("agent", where=lambda a: a["state"] == "available")
            assert (await desk.send("pause", {"reason": "training"}))["ok"]
            await desk.next("agent", where=lambda a: a["state"] == "paused")

            asked = await stack.sim.place_call(LIU_QIANG, "Liu Qiang", digits=("4",))
            assert await asked.wait_ended(10) == "ivr_hangup"            # thanked and let go, never queued
            assert asked.variables["CC_ACTION"] == "callback" and not asked.joined.is_set()
            [pending] = await eventually(lambda: open_callbacks(stack), what="the callback saved")
            assert (pending["number"], pending["queue"], pending["source"]) == (LIU_QIANG, "standard", "ivr")

            later = await stack.sim.place_call(LATER, "Later", digits=("1",))
            assert (await later.wait_joined(10))[0] == "standard"

            def board_shows(board):
                standard = next(q for q in board["queues"] if q["name"] == "standard")
                return standard["callbacks"] == 1 and any(c["call_id"] == later.call_id for c in standard["waiting"])
            await supervisor.next("wallboard", where=board_shows)
            # Nobody is free: nothing was dialled for the callback.
            assert not [e for e in stack.sim_events if e.get("Uniqueid", "").startswith("cb-")]
            assert (await open_callbacks(stack))[0]["status"] == "pending"

            # The agent comes back: the callback takes them, although a later caller is waiting.
            assert (await desk.send("available"))["ok"]
            pop = await desk.next("pop")
            assert pop["call_id"].startswith("cb-") and pop["caller_number"] == LIU_QIANG
            assert pop["card"]["name"] and pop["trace"]["en"].startswith(f"callback #{pending['id']} (ivr)")
            connected = await desk.next("call", where=lambda c: c["state"] == "connected")
            assert connected["call_id"] == pop["call_id"]
            assert later.agent_interface is None                       # still waiting meanwhile
            assert [e for e in stack.sim_events if e.get("Uniqueid") == pop["call_id"]]   # the agent leg we named
            await desk.next("call", where=lambda c: c["state"] == "ended" and c["call_id"] == pop["call_id"])

            # Then the caller who came later is served by the same agent.
            pop_later = await desk.next("pop", where=lambda p: p["call_id"] == later.call_id, timeout=15)
            assert pop_later["caller_number"] == LATER
            assert await later.wait_answered(10) == AGENT

            async def done():
                rows = await stack.store.list_callbacks(statuses=("done",))
                return rows[0] if rows else None
            row = await eventually(done, what="the callback marked done")
            assert row["attempts"] == 1
            interactions = await stack.store.recent_interactions(20, status="completed")
            callback_row = next(r for r in interactions if r["call_id"] == pop["call_id"])
            assert callback_row["menu_choice"] == "callback" and callback_row["agent_login"] == "1005"
            assert json.loads(callback_row["routing_trace"])["case"] == "callback"
        finally:
            await desk.close()
            await supervisor.close()


async def test_an_abandoned_caller_lands_on_the_callback_list(tmp_path):
    async with running_stack(tmp_path, config={"callbacks": {"abandoned_after": 1}}) as stack:
        call = await stack.sim.place_call(LIU_QIANG, "Liu Qiang", digits=("1",), patience=1.3)
        assert (await call.wait_joined(10))[0] == "standard"
        assert await call.wait_ended(10) == "abandoned"
        [row] = await eventually(lambda: open_callbacks(stack), what="the abandoned caller on the list")
        assert (row["number"], row["source"], row["queue"], row["call_id"]) == (LIU_QIANG, "abandoned", "standard",
                                                                               call.call_id)


async def test_on_a_public_holiday_the_caller_hears_closed_and_is_called_back_when_we_open(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo
    national_day = datetime(2026, 10, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))       # 国庆节, a Thursday
    hours = {"hours": {"timezone": "Asia/Shanghai", "country": "CN",
                       "default": {"weekly": {"daily": ["08:00-20:00"]}, "holidays": True}}}
    async with running_stack(tmp_path, config=hours, clock=lambda: national_day) as stack:
        call = await stack.sim.place_call(LIU_QIANG, "Liu Qiang", digits=("1", "1"))     # service, then "call me back"
        assert await call.wait_ended(10) == "ivr_hangup"
        assert not call.joined.is_set()
        assert call.variables["CC_ACTION"] == "closed" and call.variables["CC_CLOSED_REASON"].startswith("holiday")
        commands = call.agi_commands
        assert commands.index('STREAM FILE closed ""') < next(i for i, c in enumerate(commands)
                                                             if c.startswith("GET DATA callback-offer"))
        [row] = await eventually(lambda: open_callbacks(stack), what="the out-of-hours callback")
        assert row["source"] == "out_of_hours" and row["not_before"] is not None
        opens = row["not_before"].astimezone(ZoneInfo("Asia/Shanghai"))
        assert opens > national_day and opens.hour == 8                # the next working morning


async def test_a_menu_timeout_then_a_key_still_reaches_the_queue(tmp_path):
    async with running_stack(tmp_path) as stack:
        call = await stack.sim.place_call(LIU_QIANG, "Liu Qiang", digits=(None, "1"), patience=0.5)
        assert (await call.wait_joined(10))[0] == "standard"
        assert [c for c in call.agi_commands if c.startswith("GET DATA menu")] == ["GET DATA menu 1000 1"] * 2
        await call.wait_ended(10)
        async def stored():
            rows = await stack.store.recent_interactions(20, status="abandoned")
            return next((r for r in rows if r["call_id"] == call.call_id), None)
        row = await eventually(stored, what="the call stored")
        assert row["ivr_digits"] == "1" and row["menu_choice"] == "service"      # the timeout pressed nothing
