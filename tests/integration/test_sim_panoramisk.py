"""panoramisk 1.4 (the client our server uses) against the simulator."""
from __future__ import annotations

import asyncio

import pytest
from panoramisk import Manager

from callcenter.simulator import PbxSimulator, QueueSpec, SimulatorConfig, Timing

CONFIG = SimulatorConfig(username="callcenter", secret="s3cret", queues={"vip": QueueSpec(), "standard": QueueSpec()},
                         default_queue="standard", agi_port=None, timing=Timing(prompt_seconds=0.01, answer_after=0.05))


@pytest.fixture
async def sim():
    async with PbxSimulator(CONFIG) as simulator:
        yield simulator


@pytest.fixture
async def manager(sim):
    loop = asyncio.get_running_loop()
    logged_in = loop.create_future()
    mgr = Manager(loop=loop, host="127.0.0.1", port=sim.ami_port, username="callcenter", secret="s3cret",
                  ping_delay=0, events="agent,call,system",
                  on_login=lambda m: logged_in.done() or logged_in.set_result(m))
    received: list[str] = []
    mgr.register_event("*", lambda m, event: received.append(event.event))
    mgr.received = received
    await mgr.connect()
    await asyncio.wait_for(logged_in, 5)
    yield mgr
    mgr.close()
    await asyncio.sleep(0)


async def test_queue_add_status_pause_with_panoramisk(sim, manager):
    added = await asyncio.wait_for(manager.send_action(
        {"Action": "QueueAdd", "Queue": "vip", "Interface": "Local/1001@agent-phones/n", "MemberName": "agent1001"},
        as_list=False), 5)
    assert added.success and added.message == "Added interface to queue"
    again = await asyncio.wait_for(manager.send_action(
        {"Action": "QueueAdd", "Queue": "vip", "Interface": "Local/1001@agent-phones/n"}, as_list=False), 5)
    assert not again.success and again.message == "Unable to add interface: Already there"
    status = await asyncio.wait_for(manager.send_action({"Action": "QueueStatus", "Queue": "vip"}), 5)
    assert [m.event for m in status[1:]] == ["QueueParams", "QueueMember", "QueueStatusComplete"]
    assert status[2].name == "agent1001" and status[2].location == "Local/1001@agent-phones/n"
    paused = await asyncio.wait_for(manager.send_action(
        {"Action": "QueuePause", "Interface": "Local/1001@agent-phones/n", "Paused": "true", "Reason": "lunch"},
        as_list=False), 5)
    assert paused.message == "Interface paused successfully"
    assert sim.queue_state("vip").paused == ("Local/1001@agent-phones/n",)
    # app_queue's manager_pause_queue_member: a member of no queue, or not of the queue named, is an error.
    for frame in ({"Interface": "Local/1005@agent-phones/n"}, {"Interface": "Local/1001@agent-phones/n",
                                                               "Queue": "standard"}):
        refused = await asyncio.wait_for(manager.send_action(
            {"Action": "QueuePause", "Paused": "true", "Reason": "outbound", **frame}, as_list=False), 5)
        assert (refused.response, refused.message) == ("Error", "Interface not found")
    removed = await asyncio.wait_for(manager.send_action(
        {"Action": "QueueRemove", "Queue": "vip", "Interface": "Local/1001@agent-phones/n"}, as_list=False), 5)
    assert removed.message == "Removed interface from queue"
    for _ in range(50):
        if "QueueMemberRemoved" in manager.received:
            break
        await asyncio.sleep(0.01)
    assert manager.received[-3:] == ["QueueMemberAdded", "QueueMemberPause", "QueueMemberRemoved"][-3:]


async def test_async_originate_returns_the_response_and_originate_response(sim, manager):
    result = await asyncio.wait_for(manager.send_action({
        "Action": "Originate", "Channel": "Local/1001@agent-phones/n", "Context": "customer-out",
        "Exten": "13900000001", "Priority": "1", "CallerID": '"agent1001" <1001>', "Async": "true"}), 5)
    assert [m.response for m in result] == ["Success", "Success"]
    assert result[1].event == "OriginateResponse" and result[1].reason == "4"


async def test_a_panoramisk_fast_agi_server_routes_the_caller(sim):
    from panoramisk import fast_agi

    loop = asyncio.get_running_loop()
    results: list[dict] = []

    async def inbound(request):
        results.append(await request.send_command("GET DATA welcome 1000 1"))
        await request.send_command('SET VARIABLE CC_QUEUE "vip"')
        await request.send_command('SET VARIABLE CC_PRIORITY "10"')

    app = fast_agi.Application(loop=loop)
    app.add_route("inbound", inbound)
    server = await asyncio.start_server(app.handler, "127.0.0.1", 0)
    try:
        sim.set_agi_target("127.0.0.1", server.sockets[0].getsockname()[1])
        call = await sim.place_call("13800000001", "Pano", digits=("1",))
        assert await call.wait_joined() == ("vip", 10)
        assert results[0]["status_code"] == 200 and results[0]["result"] == ("1", "")
        sim.hangup(call)
        await call.wait_ended()
    finally:
        server.close()
        await server.wait_closed()
