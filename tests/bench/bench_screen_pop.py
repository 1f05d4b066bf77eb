"""P2: screen-pop latency, ``AgentCalled`` bytes in -> ``pop`` frame read by the agent's websocket client.

Setup, all on this machine over loopback:

* a minimal fake Asterisk (AMI server in this process) that answers Login/QueueStatus/Ping and writes
  the recorded event shapes ``QueueCallerJoin`` then ``AgentCalled`` for each call, and a moment later
  ``QueueCallerAbandon``/``QueueCallerLeave``/``Hangup`` so the state stays small;
* the real server (``create_app``: AMI gateway, engine, hub, console websocket) in this process, with
  the IVR result (the caller's card) posted before the call joins the queue, as the IVR does;
* N agent consoles (websocket clients) in a *separate process*, timestamping each pop on arrival.

The clock is ``time.monotonic`` (CLOCK_MONOTONIC, shared by processes). Two phases in one run:

* ``hub only``  - the server calls ``hub.send_to_agent`` directly (websocket fan-out alone);
* ``end to end`` - the AgentCalled bytes are written to the AMI socket.

Run:  python -m tests.bench.bench_screen_pop [--consoles 1000] [--rate 50] [--seconds 20]
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson
from aiohttp import web

from callcenter import appkeys, domain
from callcenter.app import create_app
from callcenter.settings import settings_from_mapping
from console.sessions import SESSION_COOKIE
from console.web import SESSIONS
from crm_bridge import models
from crm_bridge.store import Store

CARD = {
    "customer_id": None, "name": "李娜 Li Na", "customer_type": "vip", "value_class": "major",
    "account_manager": "王伟", "account_manager_login": "1001", "credit_status": "normal", "language": "zh",
    "number": "+8613800000001",
    "open_complaints": [{"id": 11, "category": "billing", "severity": "high", "status": "open",
                         "created_at": "2026-11-20T09:12:00+00:00"}],
    "recent": [{"interaction_id": "f" * 32, "started_at": "2026-11-19T10:00:00+00:00", "queue": "vip",
                "status": "completed", "outcome": "resolved", "agent": "王伟"}] * 3,
}


def frame(headers: list[tuple[str, str]]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode()


def caller(call_id: str, n: int) -> list[tuple[str, str]]:
    chan = f"Local/100@inbound-{n:08x};2"
    return [("Channel", chan), ("ChannelState", "6"), ("ChannelStateDesc", "Up"), ("CallerIDNum", "13800000001"),
            ("CallerIDName", "Li Na"), ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"),
            ("Language", "en"), ("AccountCode", ""), ("Context", "inbound"), ("Exten", "100"), ("Priority", "8"),
            ("Uniqueid", call_id), ("Linkedid", call_id)]


class FakeAsterisk:
    """Just enough AMI to log in and be fed events (formats as in ../shared/asterisk)."""

    def __init__(self) -> None:
        self.writer: asyncio.StreamWriter | None = None
        self.ready = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        buf = b""
        while True:
            data = await reader.read(65536)
            if not data:
                return
            buf += data
            while b"\r\n\r\n" in buf:
                raw, buf = buf.split(b"\r\n\r\n", 1)
                h = dict(line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line)
                action, aid = h.get("Action", ""), h.get("ActionID", "")
                if action == "Login":
                    writer.write(frame([("Response", "Success"), ("ActionID", aid),
                                        ("Message", "Authentication accepted")]))
                    writer.write(frame([("Event", "FullyBooted"), ("Privilege", "system,all"), ("Status", "Fully Booted")]))
                    self.writer = writer
                    self.ready.set()
                elif action == "QueueStatus":
                    writer.write(frame([("Response", "Success"), ("ActionID", aid), ("EventList", "start"),
                                        ("Message", "Queue status will follow")]))
                    writer.write(frame([("Event", "QueueStatusComplete"), ("ActionID", aid),
                                        ("EventList", "Complete"), ("ListItems", "0")]))
                elif action == "Ping":
                    writer.write(frame([("Response", "Success"), ("ActionID", aid), ("Ping", "Pong"),
                                        ("Timestamp", f"{time.time():.6f}")]))
                else:
                    writer.write(frame([("Response", "Success"), ("ActionID", aid)]))

    def call(self, n: int, agent: int) -> tuple[bytes, bytes, bytes]:
        call_id = f"1795458074.{n}"
        c = caller(call_id, n)
        join = frame([("Event", "QueueCallerJoin"), ("Privilege", "agent,all"), *c, ("Queue", "vip"),
                      ("Position", "1"), ("Count", "1")])
        iface = f"Local/{agent}@agent-phones/n"
        called = frame([("Event", "AgentCalled"), ("Privilege", "agent,all"), *c,
                        ("DestChannel", f"Local/{agent}@agent-phones-{n:08x};1"), ("DestUniqueid", f"{call_id}9"),
                        ("Queue", "vip"), ("Interface", iface), ("MemberName", str(agent))])
        gone = (frame([("Event", "QueueCallerAbandon"), ("Privilege", "agent,all"), *c, ("Queue", "vip"),
                       ("Position", "1"), ("OriginalPosition", "1"), ("HoldTime", "1")])
                + frame([("Event", "QueueCallerLeave"), ("Privilege", "agent,all"), *c, ("Queue", "vip"),
                         ("Position", "1"), ("Count", "0")])
                + frame([("Event", "Hangup"), ("Privilege", "call,all"), *c, ("Cause", "16"),
                         ("Cause-txt", "Normal Clearing")]))
        return join, called, gone


# ---------------------------------------------------------------------------------------- consoles
def consoles_main(port: int, tokens: list[str], conn, expected: int) -> None:
    asyncio.run(_consoles(port, tokens, conn, expected))


async def _consoles(port: int, tokens: list[str], conn, expected: int) -> None:
    arrivals: dict[str, float] = {}
    hellos = 0
    done = asyncio.Event()
    all_hello = asyncio.Event()
    origin = f"http://127.0.0.1:{port}"

    async def one(session: aiohttp.ClientSession, token: str) -> None:
        nonlocal hellos
        async with session.ws_connect(f"{origin}/ws?view=agent", headers={
                "Origin": origin, "Cookie": f"{SESSION_COOKIE}={token}"}, autoping=True) as ws:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                t = time.monotonic()
                m = orjson.loads(msg.data)
                if m["type"] == "pop":
                    arrivals[m["data"]["call_id"]] = t
                    if len(arrivals) >= expected:
                        done.set()
                elif m["type"] == "hello":
                    hellos += 1
                    if hellos == len(tokens):
                        all_hello.set()

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(one(session, t)) for t in tokens]
        await asyncio.wait_for(all_hello.wait(), 120)
        conn.send("ready")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)          # "finish" from the server side
        conn.send(arrivals)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# ---------------------------------------------------------------------------------------- server
async def store_agents(url: str, agents: list[domain.AgentInfo]) -> None:
    """The agents exist in the CRM, as in production (interaction rows refer to them)."""
    store = Store(url)
    await store.open()
    async with store.engine.begin() as conn:
        await conn.execute(models.Agent.__table__.insert(), [
            {"id": a.agent_id, "login": a.login, "name": a.name, "interface": a.interface, "queues": list(a.queues),
             "role": "agent", "language": "en", "password_hash": ""} for a in agents])
    await store.close()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run(args: argparse.Namespace) -> None:
    fake = FakeAsterisk()
    ami = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    ami_port = ami.sockets[0].getsockname()[1]
    tmp = Path(tempfile.mkdtemp())
    settings = settings_from_mapping({
        "database": {"url": f"sqlite+aiosqlite:///{tmp / 'bench.db'}"}, "ami": {"port": ami_port, "secret": "x", "auth": "plain"},
        "fastagi": {"port": 0}, "http": {"port": 0}})
    first = 10000
    agents = [domain.AgentInfo(first + i, str(first + i), f"agent {i}", f"Local/{first + i}@agent-phones/n", ("vip",))
              for i in range(args.consoles)]
    await store_agents(settings.database.url, agents)
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    engine, hub = app[appkeys.ENGINE], app[appkeys.HUB]
    await asyncio.wait_for(fake.ready.wait(), 10)
    sessions = app[SESSIONS]
    tokens = [sessions.create(agent_id=a.agent_id, login=a.login, name=a.name, role="agent", language="en").token
              for a in agents]
    n_calls = int(args.rate * args.seconds)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=consoles_main, args=(port, tokens, child, 2 * n_calls))
    proc.start()
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, parent.recv) == "ready"
    interval = 1.0 / args.rate

    # Phase 1: hub only (the websocket fan-out alone).
    sent_hub: dict[str, float] = {}
    t_next = time.monotonic()
    for n in range(n_calls):
        agent = agents[n % len(agents)]
        call_id = f"hub.{n}"
        sent_hub[call_id] = time.monotonic()
        hub.send_to_agent(agent.agent_id, "pop", {"call_id": call_id, "card": CARD, "queue": "vip"})
        t_next += interval
        await asyncio.sleep(max(0.0, t_next - time.monotonic()))

    # Phase 2: end to end through AMI bytes, translation, engine, hub.
    sent_ami: dict[str, float] = {}
    writer = fake.writer
    assert writer is not None
    pending: list[tuple[float, bytes]] = []
    for n in range(n_calls):
        agent = agents[n % len(agents)]
        call_id = f"1795458074.{n}"
        join, called, gone = fake.call(n, agent.agent_id)
        engine.post(domain.IvrCompleted(call_id, "+8613800000001", "vip", 10, CARD, ("1",), "service", "zh"))
        writer.write(join)
        sent_ami[call_id] = time.monotonic()
        writer.write(called)
        pending.append((time.monotonic() + 0.2, gone))
        while pending and pending[0][0] <= time.monotonic():
            writer.write(pending.pop(0)[1])
        t_next += interval
        await asyncio.sleep(max(0.0, t_next - time.monotonic()))
    for _, gone in pending:
        writer.write(gone)
    await asyncio.sleep(1.0)   # let the last pops arrive before asking for the results
    parent.send("finish")
    arrivals = await loop.run_in_executor(None, parent.recv)
    proc.join(30)
    await runner.cleanup()
    ami.close()
    await ami.wait_closed()

    def report(name: str, sent: dict[str, float]) -> tuple[float, float]:
        lat = [(arrivals[k] - t) * 1000 for k, t in sent.items() if k in arrivals]
        lost = len(sent) - len(lat)
        p50, p99 = pct(lat, 50), pct(lat, 99)
        print(f"  {name:<11} n={len(lat):>5}  lost={lost}  p50={p50:6.2f} ms  p99={p99:6.2f} ms  max={max(lat):6.2f} ms")
        return p50, p99

    print(f"screen pop, {args.consoles} consoles connected, {args.rate:g} calls/s for {args.seconds:g} s")
    _, hub_p99 = report("hub only", sent_hub)
    _, e2e_p99 = report("end to end", sent_ami)
    print(f"  end-to-end p99 / hub-only p99 = {e2e_p99 / hub_p99:.2f}   (target: end-to-end p99 <= 5 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--consoles", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
