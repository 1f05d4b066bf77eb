"""One real call, end to end over sockets: simulated caller -> FastAGI IVR -> queue -> pop -> outcome in the DB."""
from __future__ import annotations

import contextlib
import json

import pytest

from crm_bridge.seed import DEMO_UNKNOWN_NUMBER, DEMO_VIP_EN_NUMBER, DEMO_VIP_NUMBER
from tests.e2e.stack import Console, eventually, running_stack

AGENT = "Local/1002@agent-phones/n"
VIP_LOCAL = DEMO_VIP_NUMBER.removeprefix("+86")       # the caller ID as a Chinese carrier delivers it


async def go_available(console: Console) -> None:
    reply = await console.send("available")
    assert reply["ok"], reply
    await console.next("agent", where=lambda a: a["state"] == "available")


@contextlib.asynccontextmanager
async def available_desk(stack):
    """Agent 1002 (not the VIP caller's account manager, so the call goes through the vip queue)'s browser: logged in, Available confirmed by Asterisk; closed on exit."""
    console = Console(stack.base_url)
    try:
        await console.login("1002", "demo1002")
        await go_available(console)
        yield console
    finally:
        await console.close()


async def pause_and_leave_the_desk(stack, reason: str) -> None:
    """Agent 1002 (not the VIP caller's account manager, so the call goes through the vip queue) goes available, pauses with *reason* (confirmed by Asterisk) and closes the page."""
    async with available_desk(stack) as console:
        assert (await console.send("pause", {"reason": reason}))["ok"]
        await console.next("agent", where=lambda a: a["state"] == "paused")


async def test_vip_call_pops_before_answer_and_the_outcome_is_stored(tmp_path):
    async with running_stack(tmp_path) as stack:
        console = Console(stack.base_url)
        try:
            hello = await console.login("1002", "demo1002")
            agent_id = hello["user"]["agent_id"]
            await go_available(console)
            stack.sim.phone(AGENT).answer_after = 0.5

            call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.3)
            queue, priority = await call.wait_joined(10)
            assert (queue, priority) == ("vip", 10)         # VIP queue with VIP priority, as app_queue saw it

            pop = await console.next("pop")
            assert not call.answered.is_set(), "the pop must reach the agent while the phone still rings"
            assert pop["call_id"] == call.call_id
            assert pop["card"]["name"] == "李娜"
            assert pop["card"]["customer_type"] == "vip"
            assert pop["ivr"]["digits"] == ["1"] and pop["ivr"]["menu_choice"] == "service"

            await console.next("call", where=lambda c: c["state"] == "connected")
            ended = await console.next("call", where=lambda c: c["state"] == "ended")
            reply = await console.send("disposition", {
                "call_id": call.call_id, "interaction_id": ended["interaction_id"], "outcome": "resolved",
                "notes": "asked about roaming charges", "complaint": None})
            assert reply["ok"], reply
            row = await stack.store.interaction(ended["interaction_id"])
            assert row["outcome"] == "resolved" and row["notes"] == "asked about roaming charges"
            assert row["queue"] == "vip" and row["agent_id"] == agent_id and row["priority"] == 10
            assert row["call_id"] == call.call_id
            # The saved outcome may land before the recorder's batch with the call's end (each writes
            # its own columns): wait for the row the recorder completed.
            row = await eventually(lambda: _row_with(stack, ended["interaction_id"], "ended_at", "completed"),
                                   what="call times recorded")
            assert row["started_at"] <= row["answered_at"] < row["ended_at"]
            assert row["status"] == "completed" and row["customer_type"] == "vip"
            # The saved outcome releases the agent from wrap-up.
            await console.next("agent", where=lambda a: a["state"] == "available")
        finally:
            await console.close()


async def test_an_invalid_digit_then_a_valid_one_still_reaches_the_queue(tmp_path):
    async with running_stack(tmp_path) as stack:
        async with available_desk(stack) as console:
            stack.sim.phone(AGENT).answer_after = 0.5
            call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("9", "2"), talk_seconds=0.2)
            assert await call.wait_joined(10) == ("vip", 10)
            pop = await console.next("pop", where=lambda p: p["call_id"] == call.call_id)
            assert pop["ivr"]["digits"] == ["9", "2"] and pop["ivr"]["menu_choice"] == "complaint"


async def _row_with(stack, interaction_id: str, field: str, status: str | None = None):
    row = await stack.store.interaction(interaction_id)
    return row if row and row.get(field) and (status is None or row.get("status") == status) else None


async def test_a_crashing_ivr_still_routes_the_caller_to_the_default_queue(tmp_path):
    async def broken_lookup(number: str):
        raise RuntimeError("CRM exploded")

    async with running_stack(tmp_path, identify=broken_lookup) as stack:
        call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), patience=0.2)
        queue, priority = await call.wait_joined(10)
        assert queue == stack.settings.routing.default_queue and priority == 0
        assert call.variables.get("CC_IVR_STATUS") == "fallback"


async def test_an_unreachable_fastagi_server_still_routes_the_caller(tmp_path):
    async with running_stack(tmp_path) as stack:
        stack.sim.set_agi_target("127.0.0.1", None)          # connection refused: AGISTATUS=FAILURE
        call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), patience=0.2)
        queue, _ = await call.wait_joined(10)
        assert queue == stack.settings.routing.default_queue
        assert call.agi_status == "FAILURE"


async def test_an_abandoned_call_is_stored_as_abandoned(tmp_path):
    async with running_stack(tmp_path) as stack:
        call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("2",), patience=0.3)
        # Nobody is logged in anywhere: the VIP ladder skips the account manager and the unstaffed vip
        # pool and leaves the caller in its last queue, standard, at the VIP priority.
        assert await call.wait_joined(10) == ("standard", 10)
        await call.wait_ended(10)
        assert call.outcome == "abandoned"

        async def abandoned_row():
            rows = await stack.store.recent_interactions(20, status="abandoned")
            return next((r for r in rows if r["call_id"] == call.call_id), None)

        row = await eventually(abandoned_row, what="abandoned interaction row")
        assert row["queue"] == "standard" and row["agent_id"] is None and row["menu_choice"] == "complaint"
        assert row["ended_at"] is not None and row["outcome"] is None
        trace = json.loads(row["routing_trace"])["trace"]["en"]
        assert "account manager 王伟 logged out" in trace and "queue vip: nobody logged in, overflow" in trace


@pytest.mark.parametrize("garbage", [b"\xff\xfe\x00garbage\r\n\r\n", b"Event: QueueCallerJoin\r\nPosition: x\r\n\r\n"])
async def test_a_malformed_ami_frame_does_not_stop_the_next_call(tmp_path, garbage):
    async with running_stack(tmp_path) as stack:
        async with available_desk(stack) as console:
            stack.sim.pbx.broadcast_raw(garbage)
            call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.2)
            pop = await console.next("pop")
            assert pop["call_id"] == call.call_id


async def test_after_asterisk_restarts_the_agent_is_put_back_and_gets_the_next_pop(tmp_path):
    """Dynamic members vanish in a restart; the server re-tells Asterisk what the agent asked for."""
    async with running_stack(tmp_path) as stack:
        async with available_desk(stack) as console:
            await stack.sim.restart(close_after=0.1, down_for=0.2)

            async def member_again():
                view = stack.sim.queue_state("vip")
                return view.member(AGENT) is not None and not view.member(AGENT).paused

            await eventually(member_again, what="agent re-added to vip after the restart")
            call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=0.2)
            pop = await console.next("pop", where=lambda p: p["call_id"] == call.call_id)
            assert pop["card"]["name"] == "李娜"


async def test_a_call_that_ends_while_the_ami_link_is_down_still_reaches_wrap_up(tmp_path):
    """Events of an AMI gap are lost; after the reconnect CoreShowChannels shows the call is gone."""
    async with running_stack(tmp_path) as stack:
        async with available_desk(stack) as console:
            call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), talk_seconds=60)
            connected = await console.next("call", where=lambda c: c["state"] == "connected")
            async with stack.sim.ami_outage():
                stack.sim.hangup(call)
                await call.wait_ended(5)
            ended = await console.next("call", where=lambda c: c["state"] == "ended")
            assert ended["call_id"] == call.call_id and ended["reason"] == "lost"
            reply = await console.send("disposition", {"call_id": call.call_id, "interaction_id":
                                                       connected["interaction_id"], "outcome": "resolved"})
            assert reply["ok"], reply


async def test_pause_with_a_reason_reaches_asterisk_and_the_phone_stays_quiet(tmp_path):
    async with running_stack(tmp_path) as stack:
        async with available_desk(stack) as console:
            assert (await console.send("pause", {"reason": "lunch"}))["ok"]
            agent = await console.next("agent", where=lambda a: a["state"] == "paused")
            assert agent["reason"] == "lunch"
            member = stack.sim.queue_state("vip").member(AGENT)
            assert member.paused and member.paused_reason == "lunch"      # as Asterisk holds it

            call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",), patience=0.5)
            assert await call.wait_ended(10) == "abandoned"                # nobody rang the paused agent
            assert stack.sim.queue_state("vip").member(AGENT).calls_taken == 0
            seen = []
            while not console.frames.empty():
                seen.append(console.frames.get_nowait()["type"])
            assert "pop" not in seen


async def test_restarting_the_server_mid_shift_keeps_agents_in_their_queues(tmp_path):
    """A deploy restarts our server, not Asterisk: agents must stay logged in and paused as they were."""
    async with running_stack(tmp_path) as stack:
        await pause_and_leave_the_desk(stack, "training")
        async with stack.restarted_server() as again:
            console = Console(again.base_url)
            try:
                hello = await console.login("1002", "demo1002")
                state = hello["snapshot"]["agent"]
                if state["state"] != "paused":      # the resync may still be on its way
                    state = await console.next("agent", where=lambda a: a["state"] == "paused")
                assert state["reason"] == "training"
                removed = [e for e in again.sim_events if e.name == "QueueMemberRemoved"]
                assert not removed, "a server restart must not log agents out of their queues"
                member = again.sim.queue_state("vip").member(AGENT)
                assert member.paused and member.paused_reason == "training"
            finally:
                await console.close()


async def test_what_agents_asked_for_survives_a_restart_of_both_sides(tmp_path):
    """Asterisk restarts (dynamic members gone) while our server is down: the saved wish is re-told."""
    async with running_stack(tmp_path) as stack:
        await pause_and_leave_the_desk(stack, "meeting")

        async def saved():
            record = await stack.store.agent_by_login("1002")
            return record.presence == "paused" and record.presence_reason == "meeting"

        await eventually(saved, what="presence saved")
        await stack.runner.cleanup()
        stack.runner = None
        await stack.sim.restart(close_after=0.05, down_for=0.05)
        assert stack.sim.queue_state("vip").member(AGENT) is None
        async with stack.restarted_server() as again:

            async def paused_member_back():
                member = again.sim.queue_state("vip").member(AGENT)
                return member is not None and member.paused and member.paused_reason == "meeting"

            await eventually(paused_member_back, what="agent re-added, paused for the meeting")


async def test_a_caller_out_of_hours_hears_the_closed_message_and_is_never_queued(tmp_path):
    """The standard line keeps no hours at all here: the IVR says so and the dialplan hangs up."""
    hours = {"hours": {"timezone": "Asia/Shanghai", "country": "", "queues": {"standard": {"weekly": {}}}}}
    async with running_stack(tmp_path, config=hours) as stack:
        call = await stack.sim.place_call("13800000006", "Liu Qiang", digits=("1",))     # an individual: standard
        assert await call.wait_ended(10) == "ivr_hangup"
        assert not call.joined.is_set()
        assert call.variables.get("CC_ACTION") == "closed"
        assert "STREAM FILE closed" in " ".join(call.agi_commands)

        async def recorded_as_ended_in_ivr():
            rows = await stack.store.recent_interactions(20, status="ivr_hangup")
            return next((r for r in rows if r["call_id"] == call.call_id), None)

        row = await eventually(recorded_as_ended_in_ivr, what="closed call recorded as ended in the IVR")
        assert row["queue"] == "standard" and row["agent_id"] is None


async def test_an_unknown_number_identified_by_account_and_pin_pops_the_customer(tmp_path):
    from crm_bridge.seed import DEMO_PIN, DEMO_VIP_ACCOUNT

    async with running_stack(tmp_path) as stack:
        async with available_desk(stack) as console:
            call = await stack.sim.place_call("13999990001", "Li Na (mobile of a friend)",
                                              digits=(DEMO_VIP_ACCOUNT + "#", DEMO_PIN + "#", "1"), talk_seconds=0.2)
            assert await call.wait_joined(10) == ("vip", 10)
            pop = await console.next("pop", where=lambda p: p["call_id"] == call.call_id)
            assert pop["card"]["name"] == "李娜"
            assert pop["ivr"]["digits"] == ["1"]          # the account and PIN are not shown


async def test_the_main_menu_plays_in_the_callers_language(tmp_path):
    # Asterisk plays sounds/<CHANNEL(language)>/<name> as of the moment a prompt starts: the IVR sets it
    # before the main menu, to the card's language, else the menus' default (zh-CN), never Asterisk's "en".
    async with running_stack(tmp_path) as stack:
        heard = {}
        for who, number in (("zh", VIP_LOCAL), ("en", DEMO_VIP_EN_NUMBER.removeprefix("+86")),
                            ("unknown", DEMO_UNKNOWN_NUMBER.removeprefix("+86"))):
            call = await stack.sim.place_call(number, who, digits=("1",))

            async def menu_played(call=call):
                return call.played[:1]
            [heard[who]] = await eventually(menu_played, what=f"the main menu played to {who}")
            stack.sim.hangup(call)
            await call.wait_ended(10)
    # An unknown caller is first asked for an account number: in the default language too.
    assert heard == {"zh": ("menu", "zh"), "en": ("menu", "en"), "unknown": ("enter-account", "zh")}


async def test_the_stored_call_starts_when_it_reached_the_ivr_not_when_the_menu_ended(tmp_path):
    import asyncio
    from datetime import UTC, datetime

    looking_up, go_on = asyncio.Event(), asyncio.Event()

    async def slow_lookup(number: str):        # holds the IVR in its lookup until the test has looked at the clock
        looking_up.set()
        await go_on.wait()
        return await stack.store.identify(number)

    async with running_stack(tmp_path, identify=slow_lookup) as stack:
        call = await stack.sim.place_call(VIP_LOCAL, "Li Na", digits=("1",))
        await asyncio.wait_for(looking_up.wait(), 10)
        in_the_ivr = datetime.now(UTC)
        go_on.set()

        async def menu_played():
            return any(sound == "menu" for sound, _ in call.played)
        await eventually(menu_played, what="the main menu")
        stack.sim.hangup(call)

        async def row():
            rows = await stack.store.recent_interactions(10)
            return next((r for r in rows if r["call_id"] == call.call_id and r["ended_at"]), None)
        stored = await eventually(row, what="the interaction row")
        started = stored["started_at"].replace(tzinfo=stored["started_at"].tzinfo or UTC)
        assert started <= in_the_ivr      # the arrival, not the end of the voice menu
