"""Done when (issue 5): the live wallboard and the day report agree, on hand-computed values.

Known calls through the PBX simulator and the real server (SL threshold 1 s, short abandons under
0.5 s, so the test runs in seconds): vip answered fast, standard answered late, vip abandoned at once
(a short abandon), standard abandoned after 1.5 s. By hand:

* vip: offered 2, answered 1, abandoned 0, short 1 -> SL = 1 / (2 - 1) = 100 %, abandon rate 0
* standard: offered 2, answered 1, abandoned 1 -> SL = 0 / 2 = 0 %, abandon rate 50 %
* the day: offered 4, answered 2, abandoned 1, short 1 -> SL = 1 / 3
"""
from __future__ import annotations

from callcenter import appkeys
from tests.e2e.stack import Console, running_stack
from tests.e2e.test_one_call import go_available

AGENT = "Local/1002@agent-phones/n"          # Emily Chen: vip + standard
VIP = "13800000001"
INDIVIDUAL = "13800000006"                   # routed to standard
METRICS = {"metrics": {"sl_seconds": 1.0, "short_abandon_seconds": 0.5, "sl_target": 0.8}}


async def _answered(stack, number: str, answer_after: float) -> str:
    stack.sim.phone(AGENT).answers = True
    stack.sim.phone(AGENT).answer_after = answer_after
    call = await stack.sim.place_call(number, digits=("1",), talk_seconds=0.2, hangup_by="caller")
    await call.wait_joined(10)
    assert await call.wait_ended(15) == "completed"
    return call.call_id


async def _abandoned(stack, number: str, patience: float) -> str:
    stack.sim.phone(AGENT).answers = False
    call = await stack.sim.place_call(number, digits=("1",), patience=patience)
    await call.wait_joined(10)
    assert await call.wait_ended(15) == "abandoned"
    return call.call_id


async def _get(console: Console, path: str) -> dict:
    async with console.http.get(f"{console.base_url}{path}") as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_the_wallboard_and_the_day_report_give_the_same_hand_computed_figures(tmp_path):
    async with running_stack(tmp_path, wrapup=0, config=METRICS) as stack:
        desk, sup = Console(stack.base_url), Console(stack.base_url)
        try:
            await desk.login("1002", "demo1002")
            await go_available(desk)
            await sup.login("9001", "demo9001", view="supervisor")
            await _answered(stack, VIP, 0.05)
            await desk.next("agent", where=lambda a: a["state"] == "available")
            await _answered(stack, INDIVIDUAL, 1.6)
            await desk.next("agent", where=lambda a: a["state"] == "available")
            await _abandoned(stack, VIP, 0.05)
            await _abandoned(stack, INDIVIDUAL, 1.5)

            def settled(board: dict) -> bool:
                today = {q["name"]: q["today"] for q in board["queues"]}
                return today["vip"]["offered"] + today["standard"]["offered"] == 4 and \
                    not any(q["waiting"] for q in board["queues"])
            board = await sup.next("wallboard", where=settled)
            live = {q["name"]: q["today"] for q in board["queues"]}
            assert {q["name"]: q["waiting_count"] for q in board["queues"]} == {"vip": 0, "enterprise": 0,
                                                                                "standard": 0}
            agents = {a["login"]: a["answered_today"] for a in board["agents"]}
            assert agents["1002"] == 2

            await stack.app[appkeys.RECORDER].flushed()
            day = await _get(sup, "/api/reports?by=day")
            by_queue = {r["key"]: r for r in (await _get(sup, "/api/reports?by=queue"))["rows"]}
            keys = ("offered", "answered", "abandoned", "short_abandoned", "sl", "asa", "abandon_rate")

            assert [live["vip"][k] for k in keys[:5]] == [2, 1, 0, 1, 1.0]
            assert [live["standard"][k] for k in keys[:5]] == [2, 1, 1, 0, 0.0]
            assert live["vip"]["abandon_rate"] == 0.0 and live["standard"]["abandon_rate"] == 0.5
            assert live["vip"]["asa"] < 1.0 <= live["standard"]["asa"] < 2.0      # fast vs late answer
            for queue in ("vip", "standard"):
                assert {k: by_queue[queue][k] for k in keys} == {k: live[queue][k] for k in keys}, queue
            (only_day,) = day["rows"]
            (only_hour,) = (await _get(sup, "/api/reports?by=hour_of_day"))["rows"]   # today's calls, one hour
            assert isinstance(only_hour["key"], int) and only_hour["label"] == f"{only_hour['key']:02d}:00"
            assert [only_hour[k] for k in keys[:5]] == [only_day[k] for k in keys[:5]]
            assert [only_day[k] for k in keys[:5]] == [4, 2, 1, 1, round(1 / 3, 4)]
            async with sup.http.get(f"{sup.base_url}/api/reports.csv?by=queue") as resp:
                lines = (await resp.text()).lstrip("\ufeff").splitlines()
            assert lines[0].startswith("key,label,offered,answered,abandoned") and lines[-1].startswith("total,total,4,2,1")
            async with sup.http.get(f"{sup.base_url}/api/reports?by=week&from=2024-13-01") as resp:
                assert resp.status == 400
                assert set((await resp.json())["error"]["details"]["fields"]) == {"by", "from"}
            async with sup.http.get(f"{sup.base_url}/reports") as resp:
                assert resp.status == 200 and "report-table" in await resp.text()
            async with desk.http.get(f"{desk.base_url}/api/reports") as resp:
                assert resp.status == 403                     # agents do not see reports
            tiers = {t["tier"]: t["today"] for t in board["tiers"]}
            assert tiers["vip"]["offered"] == 2 and tiers["individual"]["offered"] == 2
            assert tiers["vip"]["sl"] == 1.0 and tiers["individual"]["sl"] == 0.0
        finally:
            await desk.close()
            await sup.close()

        async with stack.restarted_server() as again:     # a restart does not zero the wall
            sup = Console(again.base_url)
            try:
                hello = await sup.login("9001", "demo9001", view="supervisor")
                board = hello.get("wallboard") or await sup.next("wallboard")
                assert {q["name"]: q["today"]["offered"] for q in board["queues"]}["vip"] == 2
                assert {q["name"]: q["today"]["sl"] for q in board["queues"]} == {
                    "vip": 1.0, "enterprise": None, "standard": 0.0}
            finally:
                await sup.close()

