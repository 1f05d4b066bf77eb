"""A flood on the floor, shared by ``tests/e2e/test_flood.py`` (a bounded run) and
``tests/bench/bench_flood.py`` (the figures).

One agent's browser sends commands as fast as its socket takes them (a pause/available storm, with
``tasks`` and garbage mixed in) from a *separate process*, as a real browser would: in this process it
would stall the test's own loop, not the server's. Meanwhile ``n`` other agents work normally on the
simulator: go available, get calls (the pop is timed from the simulator's ``AgentCalled`` to the frame
read by the desk), and save each outcome once the call ends (timed from send to reply). The same calls
are placed once without the flood and once with it, in one run.
"""
from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from console.sessions import SESSION_COOKIE
from console.web import SESSIONS
from crm_bridge import models
from crm_bridge.seed import DEMO_UNKNOWN_NUMBER
from crm_bridge.store import Store

FLOODER = "3999"            # in the vip queue only: the standard queue's calls never ring it
FIRST_WORKER = 3001
CALLER = DEMO_UNKNOWN_NUMBER.removeprefix("+86")      # an unknown caller goes to the standard queue


def worker_logins(n: int) -> list[str]:
    return [str(FIRST_WORKER + i) for i in range(n)]


def prepare(n: int) -> Any:
    async def add_agents(store: Store) -> None:
        rows = [{"login": login, "name": f"Agent {login}", "interface": f"Local/{login}@agent-phones/n",
                 "queues": ["standard"], "role": "agent", "language": "en", "password_hash": ""}
                for login in worker_logins(n)]
        rows.append({"login": FLOODER, "name": "Flooder", "interface": f"Local/{FLOODER}@agent-phones/n",
                     "queues": ["vip"], "role": "agent", "language": "en", "password_hash": ""})
        async with store.engine.begin() as conn:
            await conn.execute(models.Agent.__table__.insert(), rows)
    return add_agents


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def token_for(app: Any, store: Store, login: str) -> str:
    record = await store.agent_by_login(login)
    assert record is not None, login
    return app[SESSIONS].create(agent_id=record.id, login=login, name=record.name, role="agent",
                                language="en").token


# ---------------------------------------------------------------------------------------- workers
@dataclass
class Figures:
    called: dict[tuple[str, str], float] = field(default_factory=dict)    # (call_id, login) -> AgentCalled at
    popped: dict[tuple[str, str], float] = field(default_factory=dict)    # (call_id, login) -> pop read at
    saves: list[float] = field(default_factory=list)                      # seconds, send -> ok reply
    failed_saves: list[dict[str, Any]] = field(default_factory=list)

    def pops(self, calls: set[str]) -> list[float]:
        return [(self.popped[k] - t) * 1000 for k, t in self.called.items() if k[0] in calls and k in self.popped]

    def listen(self, event: Any) -> None:
        if event.name == "AgentCalled":
            login = event.get("Interface").removeprefix("Local/").split("@")[0]
            self.called[(event.get("Uniqueid"), login)] = time.monotonic()


class WorkingDesk:
    """An agent at work: available, reads pops, saves every ended call's outcome at once."""

    def __init__(self, base_url: str, token: str, login: str, figures: Figures) -> None:
        self.base_url, self.token, self.login, self.figures = base_url, token, login, figures
        self.available = asyncio.Event()
        self.saved: set[str] = set()
        self._sent: dict[int, float] = {}
        self._save_ids: dict[int, str] = {}         # command id -> the call whose outcome it saves
        self._ids = 0
        self._task: asyncio.Task[None] | None = None
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def start(self) -> None:
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(f"{self.base_url}/ws?view=agent", headers={
            "Origin": self.base_url, "Cookie": f"{SESSION_COOKIE}={self.token}"})
        self._task = asyncio.create_task(self._read())
        await self._send("available", {})

    async def _send(self, kind: str, data: dict[str, Any]) -> None:
        assert self.ws is not None
        self._ids += 1
        self._sent[self._ids] = time.monotonic()
        await self.ws.send_str(orjson.dumps({"type": kind, "id": self._ids, "data": data}).decode())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            at = time.monotonic()
            frame = orjson.loads(msg.data)
            kind, data = frame["type"], frame.get("data") or {}
            if kind == "pop":
                self.figures.popped.setdefault((data["call_id"], self.login), at)
            elif kind == "agent" and data.get("state") == "available":
                self.available.set()
            elif kind == "call" and data.get("state") == "ended" and data.get("interaction_id"):
                await self._send("disposition", {"call_id": data["call_id"], "interaction_id": data["interaction_id"],
                                                 "outcome": "resolved", "notes": "flood test", "complaint": None})
                self._save_ids[self._ids] = data["call_id"]
            elif kind == "reply":
                sent = self._sent.pop(frame["re"], None)
                call_id = self._save_ids.pop(frame["re"], None)
                if call_id is not None and sent is not None:
                    if frame["ok"]:
                        self.figures.saves.append(at - sent)
                        self.saved.add(call_id)
                    else:
                        self.figures.failed_saves.append(frame["error"])

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self.http is not None:
            await self.http.close()


# ---------------------------------------------------------------------------------------- the flooder
def flood_main(base_url: str, token: str, total: int, seconds: float, conn: Any) -> None:
    """Process entry: flood until *total* commands are written or *seconds* pass; send back the figures."""
    conn.send(asyncio.run(_flood(base_url, token, total, seconds, conn)))


async def _flood(base_url: str, token: str, total: int, seconds: float, conn: Any) -> dict[str, Any]:
    kinds = [("pause", {"reason": "lunch"}), ("available", {}), ("tasks", {}), ("ping", {})]
    frames = [orjson.dumps({"type": k, "id": i, "data": d}).decode()
              for i, (k, d) in enumerate(kinds * 64)] + ["not json {"]
    sent, sockets, replies = 0, 0, Counter[str]()
    closes: list[tuple[int | None, float]] = []        # (close code, seconds the socket lived)
    deadline = time.monotonic() + seconds
    conn.send("ready")
    async with aiohttp.ClientSession() as http:
        while sent < total and time.monotonic() < deadline:
            opened = time.monotonic()
            try:
                ws = await http.ws_connect(f"{base_url}/ws?view=agent", headers={
                    "Origin": base_url, "Cookie": f"{SESSION_COOKIE}={token}"})
            except aiohttp.ClientError:
                await asyncio.sleep(0.5)
                continue
            sockets += 1

            async def read(ws: aiohttp.ClientWebSocketResponse = ws) -> None:
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        frame = orjson.loads(msg.data)
                        if frame["type"] == "reply":
                            replies["ok" if frame["ok"] else frame["error"]["id"]] += 1

            reader = asyncio.create_task(read())
            i = 0
            try:
                while sent < total and not ws.closed and time.monotonic() < deadline:
                    await ws.send_str(frames[i % len(frames)])
                    sent += 1
                    i += 1
                    if i % 64 == 0:      # let this process read the replies and the close frame
                        await asyncio.sleep(0)
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                pass
            await asyncio.wait({reader}, timeout=10)
            reader.cancel()
            closes.append((int(ws.close_code) if ws.close_code is not None else None, round(time.monotonic() - opened, 3)))
            await ws.close()
            await asyncio.sleep(1.0)        # a reconnect soon after, as a desk that backs off little
    return {"sent": sent, "sockets": sockets, "closes": closes, "replies": dict(replies)}


class Flood:
    """The flooder process: ``start`` returns once it is about to send."""

    def __init__(self, base_url: str, token: str, total: int, seconds: float) -> None:
        ctx = mp.get_context("spawn")
        self._parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=flood_main, args=(base_url, token, total, seconds, child), daemon=True)

    async def start(self) -> None:
        self._proc.start()
        assert await asyncio.get_running_loop().run_in_executor(None, self._parent.recv) == "ready"

    async def result(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(None, self._parent.recv)
        await loop.run_in_executor(None, self._proc.join, 10)
        return result


# ---------------------------------------------------------------------------------------- a phase
async def place_calls(stack: Any, n: int, rate: float, desks: list[WorkingDesk], timeout: float) -> set[str]:
    """Place *n* calls at *rate* a second; return their ids once every one was saved (or at *timeout*)."""
    calls: list[str] = []
    began = time.monotonic()
    for k in range(n):
        call = await stack.sim.place_call(CALLER, "Flood Test", digits=("1",), talk_seconds=0.3)
        calls.append(call.call_id)
        await asyncio.sleep(max(0.0, began + (k + 1) / rate - time.monotonic()))
    ids = set(calls)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ids <= set().union(*(d.saved for d in desks)):
            break
        await asyncio.sleep(0.05)
    else:
        missing = ids - set().union(*(d.saved for d in desks))
        print(f"{len(missing)} of {n} calls not saved after {timeout} s: {sorted(missing)[:5]}")
    return ids


# ---------------------------------------------------------------------------------------- the whole run
@dataclass
class FloorRun:
    normal: list[float]              # pop latencies (ms) without the flood
    flooded: list[float]             # the same with it
    quiet_saves: list[float]         # seconds
    flood_saves: list[float]
    failed_saves: list[dict[str, Any]]
    missing: set[str]                # calls whose outcome was not saved
    unrung: int                      # calls of the flood phase that rang nobody
    flood: dict[str, Any]
    lag: dict[str, float] = field(default_factory=dict)   # the event loop's worst delay per phase (ms)
    shutdown_seconds: float | None = None
    cpu_after_shutdown: float | None = None      # process CPU seconds in the second after it


async def run_floor(tmp_path: Any, *, agents: int, calls: int, rate: float, commands: int,
                    flood_seconds: float = 20.0, shutdown_under_flood: bool = False,
                    close_after: int | None = None) -> FloorRun:
    """Calls without and then with a flood on the same server; optionally a shutdown during a second flood.
    *close_after* (``console.limits.flood_close_after``): a large value keeps the flooder's socket open, so
    that the shutdown meets a socket still flooding."""
    from tests.e2e.stack import running_stack
    limits: dict[str, Any] = {"flood_penalty_seconds": 1.0} if shutdown_under_flood else {}
    if close_after is not None:
        limits["flood_close_after"] = close_after
    config = {"console": {"limits": limits}} if limits else None
    async with running_stack(tmp_path, prepare=prepare(agents), wrapup=1, config=config) as stack:
        figures = Figures()
        stack.sim.add_listener(figures.listen)
        desks = [WorkingDesk(stack.base_url, await token_for(stack.app, stack.store, login), login, figures)
                 for login in worker_logins(agents)]
        shutdown = cpu = None
        lags: list[float] = []
        monitor = asyncio.create_task(_watch_lag(lags))
        phase_lag: dict[str, float] = {}
        try:
            for desk in desks:
                await desk.start()
            for desk in desks:
                await asyncio.wait_for(desk.available.wait(), 20)
            lags.clear()
            quiet = await place_calls(stack, calls, rate, desks, timeout=30)
            phase_lag["quiet"] = max(lags, default=0.0)
            quiet_saves = len(figures.saves)
            flood = Flood(stack.base_url, await token_for(stack.app, stack.store, FLOODER), commands, flood_seconds)
            await flood.start()
            lags.clear()
            flooded = await place_calls(stack, calls, rate, desks, timeout=30)
            phase_lag["flood"] = max(lags, default=0.0)
            result = await flood.result()
            if shutdown_under_flood:
                await asyncio.sleep(1.0)            # the penalty is over: the flooder gets a socket again
                second = Flood(stack.base_url, await token_for(stack.app, stack.store, FLOODER), commands, 10.0)
                await second.start()
                await asyncio.sleep(0.5)            # it is connected and sending
                began = time.monotonic()
                runner, stack.runner = stack.runner, None
                assert runner is not None
                await runner.cleanup()
                shutdown = time.monotonic() - began
                cpu0 = time.process_time()
                await asyncio.sleep(1.0)
                cpu = time.process_time() - cpu0
                result["after_shutdown"] = await second.result()
        finally:
            monitor.cancel()
            for desk in desks:
                await desk.close()
    saved = {c for d in desks for c in d.saved}
    return FloorRun(figures.pops(quiet), figures.pops(flooded), figures.saves[:quiet_saves], figures.saves[quiet_saves:],
                    figures.failed_saves, (quiet | flooded) - saved,
                    calls - len({k[0] for k in figures.called if k[0] in flooded}), result, phase_lag, shutdown, cpu)


async def _watch_lag(lags: list[float], every: float = 0.01) -> None:
    """How late the event loop wakes a 10 ms timer (ms): a stall of the server shows here."""
    while True:
        began = time.monotonic()
        await asyncio.sleep(every)
        lags.append((time.monotonic() - began - every) * 1000)
