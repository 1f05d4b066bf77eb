"""Wallboard under load: 100 supervisors watching while 50 new calls/s hit the floor.

Setup, three processes on this machine, everything over loopback sockets:

* **simulator** (this process): the PBX simulator (AMI server, dialplan, app_queue, agent phones that
  answer), the seeded demo CRM plus ``--agents`` extra agents in every queue, and the load: short calls
  placed at ``--rate`` per second (IVR over FastAGI, then a queue); callers hang up after a short talk
  or give up after a short patience, so the floor has waiting, ringing, answered and abandoned calls.
  A listener timestamps every ``QueueCallerJoin`` and ``QueueCallerLeave`` as the simulator emits it.
* **server** (a subprocess, so that its CPU time is its own): the real ``create_app`` (AMI gateway,
  FastAGI IVR, engine, recorder, hub, console websocket); it logs the agents in (``AgentGoAvailable``)
  and reports its own ``getrusage`` (every thread of it) when asked.
* **supervisors** (a subprocess): ``--supervisors`` websocket clients on ``/ws?view=supervisor``, each
  timestamping every ``wallboard`` frame on arrival and noting when each call first appears in a queue's
  waiting list and when it is gone from it.

Measured over the ``--seconds`` of load (clock: ``time.monotonic``, CLOCK_MONOTONIC, shared by the
processes):

* **join latency**: ``QueueCallerJoin`` emitted by the simulator -> a supervisor receives the first
  wallboard frame that lists the call as waiting (one sample per call and supervisor);
* **leave latency**: ``QueueCallerLeave`` (answered or abandoned) -> the first frame without it;
* frames per second per supervisor (the hub coalesces: at most one snapshot per ``wallboard_interval``,
  0.25 s, whatever the event rate), bytes per frame, and the server's CPU time / wall time.

Run:  python -m tests.bench.bench_wallboard [--supervisors 100] [--agents 40] [--rate 50] [--seconds 30]
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from callcenter.simulator.config import SimulatorConfig, Timing
from callcenter.simulator.events import Event
from callcenter.simulator.simulator import PbxSimulator

FIRST_AGENT = 3000
QUEUES = ("vip", "enterprise", "standard")
# Short calls: the IVR takes ~0.1 s, phones answer after 0.4 s, talks last 1-2 s, wrap-up 1 s; callers
# who wait 1.5-4 s give up. 40 agents then answer ~13 calls/s of the 50: the rest queue and abandon.
TIMING = Timing(prompt_seconds=0.02, digit_seconds=0.01, answer_after=0.4, talk_seconds=1.5, member_timeout=5.0,
                retry=0.2, agi_idle_timeout=10.0)
PATIENCE = (1.5, 4.0)
TALK = (1.0, 2.0)


def _settings_mapping(db: Path, ami_port: int) -> dict[str, Any]:
    return {
        "database": {"url": f"sqlite+aiosqlite:///{db}"},
        "ami": {"port": ami_port, "username": "callcenter", "secret": "sim-secret", "ping_interval": 5,
                "reconnect_seconds": 1},
        "fastagi": {"port": 0}, "http": {"port": 0},
        "queues": {q: {"wrapup_seconds": 1} for q in QUEUES},
        "ivr": {"menus": {"timeout_ms": 1000}},
        "callbacks": {"abandoned_after": 0},       # abandons are not called back (that would take agents)
    }


def rusage_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ---------------------------------------------------------------------------------------- server
def server_main(mapping: dict[str, Any], agent_ids: list[int], supervisor_id: int, supervisors: int, conn) -> None:
    asyncio.run(_serve(mapping, agent_ids, supervisor_id, supervisors, conn))


async def _serve(mapping: dict[str, Any], agent_ids: list[int], supervisor_id: int, supervisors: int, conn) -> None:
    import logging

    from aiohttp import web

    from callcenter import appkeys, domain
    from callcenter.app import create_app
    from callcenter.settings import settings_from_mapping
    from console.web import SESSIONS

    logging.basicConfig(level=logging.ERROR)
    app = create_app(settings_from_mapping(mapping))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sessions = app[SESSIONS]
    tokens = [sessions.create(agent_id=supervisor_id, login="9001", name="supervisor", role="supervisor", language="zh").token
              for _ in range(supervisors)]
    loop = asyncio.get_running_loop()
    conn.send({"http": runner.addresses[0][1], "agi": app[appkeys.IVR].port, "tokens": tokens})
    engine, hub = app[appkeys.ENGINE], app[appkeys.HUB]
    # Time the hub's two steps per frame: the engine's snapshot, and encoding it once + queueing it
    # on every supervisor socket (the sockets' writer tasks send it afterwards, not timed here).
    spent = {"build": 0.0, "broadcast": 0.0, "frames": 0}
    build, broadcast = hub._wallboard, hub.broadcast_supervisors
    assert build is not None

    def timed_build() -> dict[str, Any]:
        t = time.perf_counter()
        try:
            return build()
        finally:
            spent["build"] += time.perf_counter() - t

    def timed_broadcast(kind: str, data: dict[str, Any]) -> int:
        t = time.perf_counter()
        try:
            return broadcast(kind, data)
        finally:
            spent["broadcast"] += time.perf_counter() - t
            spent["frames"] += 1

    hub._wallboard, hub.broadcast_supervisors = timed_build, timed_broadcast
    try:
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "agents":
                for agent_id in agent_ids:
                    engine.post(domain.AgentGoAvailable(agent_id))
                conn.send("ok")
            elif command == "cpu":
                conn.send((rusage_seconds(), time.monotonic(), dict(spent)))
            elif command == "available":
                board = engine.wallboard()
                conn.send(sum(1 for a in board["agents"] if a["state"] == "available"))
            else:
                break
    finally:
        await runner.cleanup()
        conn.send("stopped")


# ---------------------------------------------------------------------------------------- supervisors
def supervisors_main(port: int, tokens: list[str], conn) -> None:
    asyncio.run(_supervisors(port, tokens, conn))


class Watcher:
    """One supervisor's socket, reduced to what the bench needs."""

    __slots__ = ("frames", "gone", "present", "recording", "seen")

    def __init__(self) -> None:
        self.recording = False
        self.frames: list[tuple[float, int]] = []     # (arrival, bytes) of every wallboard frame
        self.seen: dict[str, float] = {}      # call id -> first frame listing it as waiting
        self.gone: dict[str, float] = {}      # call id -> first frame after that without it
        self.present: set[str] = set()

    def frame(self, t: float, raw: str, board: dict[str, Any]) -> None:
        now_waiting = {c["call_id"] for q in board.get("queues", ()) for c in q.get("waiting", ())}
        if self.recording:
            self.frames.append((t, len(raw.encode())))
            for call_id in now_waiting - self.present:
                self.seen.setdefault(call_id, t)
            for call_id in self.present - now_waiting:
                self.gone.setdefault(call_id, t)
        self.present = now_waiting


async def _supervisors(port: int, tokens: list[str], conn) -> None:
    from console.sessions import SESSION_COOKIE

    origin = f"http://127.0.0.1:{port}"
    watchers = [Watcher() for _ in tokens]
    hellos = 0
    all_hello = asyncio.Event()

    async def one(session: aiohttp.ClientSession, token: str, watcher: Watcher) -> None:
        nonlocal hellos
        async with session.ws_connect(f"{origin}/ws?view=supervisor", headers={
                "Origin": origin, "Cookie": f"{SESSION_COOKIE}={token}"}, max_msg_size=0) as ws:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                t = time.monotonic()
                m = orjson.loads(msg.data)
                if m["type"] == "wallboard":
                    watcher.frame(t, msg.data, m["data"])
                elif m["type"] == "hello":
                    hellos += 1
                    if hellos == len(tokens):
                        all_hello.set()

    started = rusage_seconds()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tasks = [asyncio.create_task(one(session, token, w)) for token, w in zip(tokens, watchers)]
        await asyncio.wait_for(all_hello.wait(), 60)
        conn.send("ready")
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, conn.recv) == "record"
        for w in watchers:
            w.recording = True
        assert await loop.run_in_executor(None, conn.recv) == "finish"
        conn.send({"frames": [w.frames for w in watchers],
                   "seen": [w.seen for w in watchers], "gone": [w.gone for w in watchers],
                   "closed": sum(t.done() for t in tasks), "cpu": rusage_seconds() - started})
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# ---------------------------------------------------------------------------------------- simulator side
async def prepare_db(db: Path, agents: int) -> tuple[list[tuple[str, str]], list[int], int]:
    """The demo CRM plus *agents* agents in every queue; returns the callers and the agents' ids."""
    from callcenter.demo import _national
    from crm_bridge import models
    from crm_bridge.seed import seed_demo
    from crm_bridge.store import Store

    store = Store(f"sqlite+aiosqlite:///{db}")
    await store.open()
    try:
        await seed_demo(store)
        async with store.engine.begin() as conn:
            await conn.execute(models.Agent.__table__.insert(), [
                {"login": str(FIRST_AGENT + i), "name": f"坐席 {i:02d}", "role": "agent", "language": "zh",
                 "interface": f"Local/{FIRST_AGENT + i}@agent-phones/n", "queues": list(QUEUES), "password_hash": ""}
                for i in range(agents)])
        everyone = await store.list_agents()
        ids = [a.id for a in everyone if a.login.isdigit() and int(a.login) >= FIRST_AGENT]
        supervisor = next(a.id for a in everyone if a.login == "9001")
        callers = [(_national(n), name) for n, name in await store.callers(300)]
    finally:
        await store.close()
    return callers, ids, supervisor


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


async def ask(conn, message: Any) -> Any:
    conn.send(message)
    return await asyncio.get_running_loop().run_in_executor(None, conn.recv)


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-wallboard-"))
    callers, agent_ids, supervisor_id = await prepare_db(tmp / "bench.db", args.agents)
    rng = random.Random(1)

    joins: dict[str, float] = {}
    leaves: dict[str, float] = {}
    events = 0

    def listen(event: Event) -> None:
        nonlocal events
        events += 1
        if event.name == "QueueCallerJoin":
            joins.setdefault(event.get("Uniqueid"), time.monotonic())
        elif event.name == "QueueCallerLeave":
            leaves.setdefault(event.get("Uniqueid"), time.monotonic())

    placeholder = _settings_mapping(tmp / "bench.db", 0)
    from callcenter.settings import settings_from_mapping
    sim = PbxSimulator(SimulatorConfig.from_settings(settings_from_mapping(placeholder), timing=TIMING,
                                                     agi_port=None, seed=1))
    await sim.start("127.0.0.1", 0)
    ctx = mp.get_context("spawn")
    server_conn, child = ctx.Pipe()
    server = ctx.Process(target=server_main, args=(_settings_mapping(tmp / "bench.db", sim.ami_port), agent_ids,
                                                   supervisor_id, args.supervisors, child))
    server.start()
    loop = asyncio.get_running_loop()
    info = await loop.run_in_executor(None, server_conn.recv)
    sim.set_agi_target("127.0.0.1", info["agi"])
    await ask(server_conn, "agents")
    deadline = time.monotonic() + 30
    while await ask(server_conn, "available") < args.agents:     # Asterisk confirmed every login
        if time.monotonic() > deadline:
            raise SystemExit("the agents did not all become available within 30 s")
        await asyncio.sleep(0.2)

    sup_conn, sup_child = ctx.Pipe()
    sups = ctx.Process(target=supervisors_main, args=(info["http"], info["tokens"], sup_child))
    sups.start()
    assert await loop.run_in_executor(None, sup_conn.recv) == "ready"

    sim.add_listener(listen)
    sup_conn.send("record")
    cpu0, wall0, spent0 = await ask(server_conn, "cpu")
    sim_cpu0 = rusage_seconds()
    interval, placed = 1.0 / args.rate, 0
    t_next = time.monotonic()
    end = t_next + args.seconds
    while time.monotonic() < end:
        number, name = rng.choice(callers)
        await sim.place_call(number, name, digits=("1",), patience=rng.uniform(*PATIENCE),
                             talk_seconds=rng.uniform(*TALK), hangup_by="caller")
        placed += 1
        t_next += interval
        await asyncio.sleep(max(0.0, t_next - time.monotonic()))
    cpu1, wall1, spent1 = await ask(server_conn, "cpu")
    sim_cpu = rusage_seconds() - sim_cpu0
    load_events = events
    # Let the last callers leave the queues and the last frames arrive (bounded: patience + ring + talk).
    drain_until = time.monotonic() + PATIENCE[1] + 2.0
    while time.monotonic() < drain_until and any(c not in leaves for c in joins):
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.6)          # two wallboard intervals: the frame after the last change is out
    outcomes = Counter(call.outcome or "in progress" for call in sim.calls)
    sup_conn.send("finish")
    result = await loop.run_in_executor(None, sup_conn.recv)
    sups.join(30)
    sim.remove_listener(listen)
    await ask(server_conn, "stop")
    server.join(30)
    answered = sum(sim.queue_state(q).completed for q in QUEUES)
    abandoned = sum(sim.queue_state(q).abandoned for q in QUEUES)
    await sim.stop()

    wall = wall1 - wall0
    join_lat = [(seen[c] - t) * 1000 for seen in result["seen"] for c, t in joins.items() if c in seen]
    leave_lat = [(gone[c] - t) * 1000 for gone in result["gone"] for c, t in leaves.items() if c in gone]
    never = sum(1 for c in joins for seen in result["seen"] if c not in seen)
    # Frames and bytes over the load only (the drain after it is quieter).
    frames = [[(t, n) for t, n in per if wall0 <= t <= wall1] for per in result["frames"]]
    total_frames, total_bytes = sum(map(len, frames)), sum(n for per in frames for _, n in per)
    fps = [len(per) / wall for per in frames]
    server_cpu = (cpu1 - cpu0) / wall

    print(f"wallboard: {args.supervisors} supervisors, {args.agents} agents, {args.rate:g} new calls/s for "
          f"{args.seconds:g} s ({placed} calls placed; {len(joins)} queued, {answered} answered, {abandoned} "
          f"abandoned; {load_events} AMI events emitted = {load_events / wall:.0f}/s)")
    print(f"  join  -> frame  n={len(join_lat):>6}  p50={pct(join_lat, 50):7.1f} ms  p99={pct(join_lat, 99):7.1f} ms"
          f"  max={max(join_lat, default=float('nan')):7.1f} ms  (calls never shown: {never} of "
          f"{len(joins) * len(frames)} call x supervisor)")
    print(f"  leave -> frame  n={len(leave_lat):>6}  p50={pct(leave_lat, 50):7.1f} ms  p99={pct(leave_lat, 99):7.1f} ms"
          f"  max={max(leave_lat, default=float('nan')):7.1f} ms")
    print(f"  frames per supervisor per second: median {pct(fps, 50):.2f}  min {min(fps):.2f}  max {max(fps):.2f}"
          f"   (AMI events per wallboard frame: {load_events / max(1, pct(fps, 50) * wall):.0f})")
    print(f"  bytes per frame: mean {total_bytes / max(1, total_frames):,.0f}  "
          f"-> {total_bytes / wall / 1e6:.2f} MB/s to all supervisors; sockets closed early: {result['closed']}")
    print(f"  CPU / wall over the load: server {server_cpu:.2f} (of 2 cores)   simulator {sim_cpu / wall:.2f}   "
          f"supervisor clients {result['cpu'] / wall:.2f} (their whole life)")
    built = spent1["frames"] - spent0["frames"]
    build_ms = (spent1["build"] - spent0["build"]) * 1000
    cast_ms = (spent1["broadcast"] - spent0["broadcast"]) * 1000
    print(f"  server, per wallboard snapshot ({built} built): engine.wallboard() {build_ms / max(1, built):.2f} ms, "
          f"encode once + queue on {args.supervisors} sockets {cast_ms / max(1, built):.2f} ms;  "
          f"together {(build_ms + cast_ms) / 1000 / (cpu1 - cpu0):.1%} of the server's CPU time")
    print(f"  calls as the simulator ended them (after the drain): {dict(sorted(outcomes.items()))}")
    print(f"  ratios: join p99 / wallboard interval (250 ms) = {pct(join_lat, 99) / 250:.2f};  "
          f"server CPU ms per call = {(cpu1 - cpu0) * 1000 / max(1, placed):.2f};  "
          f"server CPU ms per wallboard frame sent = {(cpu1 - cpu0) * 1000 / max(1, total_frames):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--supervisors", type=int, default=100)
    ap.add_argument("--agents", type=int, default=40)
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
