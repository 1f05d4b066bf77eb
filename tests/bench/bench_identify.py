"""P3: IVR identify + routing decision with 1,000,000 customers, against a live-looking agent floor.

The store is an SQLite file with N customers (built once and cached; ``--rebuild`` to redo), one
mobile number each, 300k past interactions, 50k open complaints and the agents of the floor below.
VIP and group customers mostly have an account manager (90 % / 80 %), one of the floor's agents, so
the VIP and group ladders ring real agents.

The floor: ``AGENTS`` (300) agents over the configured queues (40 in vip + standard, 60 in
enterprise + standard, 200 in standard), in mixed states drawn once (available, paused with a
reason, on_call, wrap_up, logged_out), the account managers among them; ``routing.deputies`` pairs
every VIP manager with another. The routing rules are ``config.yaml``'s (tier ladders; no
complaint / credit special cases, as shipped) plus those deputies. Every measure that routes uses
that one snapshot (the IVR gets ``availability=lambda: snapshot``).

Measures, in one run, over the same random numbers (80 % known callers, 20 % unknown):

* ``sqlite3``   - the reference: one indexed SELECT with the stdlib driver, no async, no ORM;
* ``identify``  - ``Store.identify`` (what the IVR awaits): the card, on the store's sync reader thread;
* ``decide``    - ``routing.decide`` alone (ladders, special cases, bilingual trace) on those cards;
* ``route``     - ``ivr.menu.route``: what the IVR runs per call (decide + the plan as Dial/Queue steps
  + the trace as a dict);
* ``snapshot``  - building an ``AgentAvailability`` of the 300 agents (what ``Engine.availability()``
  does per call in the server; the bench hands the IVR a prebuilt one, so it is *not* in ``ivr``);
* ``ivr``       - the whole FastAGI exchange on the server: a client sends the ``agi_*`` environment,
  answers every command at once with ``200 result=1`` (the caller presses 1 = service immediately)
  and stops the clock when the **last** ``SET VARIABLE`` of the routing arrives (``CC_SURVEY`` with
  the shipped config, after CC_QUEUE ... CC_IVR_STATUS, the CC_STEP_<i>_* and CC_STEPS, see
  ``ivr.menu.assignments``): identify, the menu, ``availability()`` + ``menu.route``, the hours
  check and every variable's round trip. Also reported: ``ivr@queue`` (clock stopped at
  ``SET VARIABLE CC_QUEUE``, the stop point of the earlier figures) and ``ivr@end`` (the server closed
  the session: the event posted to the engine too);
* ``ivr+snap``  - ``ivr`` on a second server whose ``availability()`` builds the 300-agent snapshot per
  call, like the engine's; its calls alternate with ``ivr``'s.

Run:  python -m tests.bench.bench_identify [--customers 1000000] [--lookups 2000]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import create_engine

from callcenter.routing import AgentAvailability, AgentPresence, CallerFacts, decide
from callcenter.settings import Settings, settings_from_mapping
from crm_bridge import models
from crm_bridge.store import Store
from ivr import menu
from ivr.menus import MenuFlow, Outcome
from ivr.server import IvrServer

# Bump when build() changes what it writes: a cached file of another version is rebuilt.
DB_VERSION = 2
CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"

TYPES = ("vip", "group", "family", "individual")
CLASSES = ("major", "named", "non_named", "mass")

# The floor: agent k (1..AGENTS) has id k and login str(1000 + k).
AGENTS = 300
VIP_AGENTS = range(1, 41)             # vip + standard
GROUP_AGENTS = range(41, 101)         # enterprise + standard; the rest: standard
VIP_MANAGERS = range(1, 31)           # account managers of VIP customers
GROUP_MANAGERS = range(41, 71)        # account managers of group customers
STATE_WEIGHTS = {"available": 30, "paused": 15, "on_call": 35, "wrap_up": 10, "logged_out": 10}
PAUSE_REASONS = ("lunch", "training", "meeting", "break")
FloorRow = tuple[str, str, frozenset[str], str, str, str]   # login, state, queues, reason, name, interface


def number(i: int) -> str:
    return f"+86139{i:08d}"


def login(agent_id: int) -> str:
    return str(1000 + agent_id)


def agent_queues(agent_id: int) -> list[str]:
    if agent_id in VIP_AGENTS:
        return ["vip", "standard"]
    if agent_id in GROUP_AGENTS:
        return ["enterprise", "standard"]
    return ["standard"]


def manager_of(i: int) -> int | None:
    """Customer *i*'s account manager (an agent id): 90 % of VIPs, 80 % of groups, nobody else."""
    k = i // 4
    if TYPES[i % 4] == "vip" and k % 10:
        return VIP_MANAGERS[k % len(VIP_MANAGERS)]
    if TYPES[i % 4] == "group" and k % 5:
        return GROUP_MANAGERS[k % len(GROUP_MANAGERS)]
    return None


def build(path: Path, customers: int) -> None:
    """Create the schema with the real models, then bulk-insert through Core (Python defaults apply)."""
    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    models.Base.metadata.create_all(engine)
    rng = random.Random(3)
    now = datetime.now(UTC).replace(tzinfo=None)
    batch = 50_000
    with engine.begin() as conn:
        conn.execute(models.Agent.__table__.insert(), [
            {"id": k, "login": login(k), "name": f"坐席{login(k)}", "interface": f"Local/{login(k)}@agent-phones/n",
             "queues": agent_queues(k), "role": "agent", "language": "zh", "password_hash": ""}
            for k in range(1, AGENTS + 1)])
        for start in range(0, customers, batch):
            ids = range(start + 1, min(customers, start + batch) + 1)
            conn.execute(models.Customer.__table__.insert(), [
                {"id": i, "name": f"客户{i}", "name_initials": "kh", "customer_type": TYPES[i % 4],
                 "value_class": CLASSES[(i // 4) % 4], "credit_status": "normal", "language": "zh",
                 "account_manager_id": manager_of(i), "created_at": now} for i in ids])
            conn.execute(models.Phone.__table__.insert(), [
                {"customer_id": i, "e164": number(i), "kind": "mobile"} for i in ids])
            print(f"  customers {ids[-1]:,}/{customers:,}", end="\r", flush=True)
        conn.execute(models.Interaction.__table__.insert(), [
            {"id": uuid.uuid4().hex, "call_id": f"b.{k}", "customer_id": rng.randint(1, customers),
             "queue": "standard", "status": "completed", "caller_number": "x",
             "started_at": now - timedelta(minutes=k)} for k in range(300_000)])
        conn.execute(models.Complaint.__table__.insert(), [
            {"customer_id": rng.randint(1, customers), "category": "billing", "severity": "medium",
             "description": "bench", "status": "open", "owner_agent_id": rng.randint(1, AGENTS), "created_at": now}
            for _ in range(50_000)])
        conn.exec_driver_sql(f"PRAGMA user_version = {DB_VERSION}")
    engine.dispose()
    print()


def cached(path: Path, customers: int) -> str:
    """Why the cached file cannot be used ("" = it can)."""
    if not path.exists():
        return "no cached file"
    db = sqlite3.connect(path)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != DB_VERSION:
            return f"cached file is version {version}, the bench writes {DB_VERSION}"
        count = db.execute("select max(id) from customers").fetchone()[0] or 0
        if count != customers:
            return f"cached file has {count:,} customers"
    except sqlite3.Error as exc:
        return f"cached file unreadable ({exc})"
    finally:
        db.close()
    return ""


# --------------------------------------------------------------------------- the floor and the rules
def floor_rows() -> list[FloorRow]:
    """(login, state, queues, reason, name, interface) of every agent, states drawn once (seed 5)."""
    rng = random.Random(5)
    states = rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()), k=AGENTS)
    return [(login(k), state, frozenset(agent_queues(k)), rng.choice(PAUSE_REASONS) if state == "paused" else "",
             f"坐席{login(k)}", f"Local/{login(k)}@agent-phones/n")
            for k, state in zip(range(1, AGENTS + 1), states)]


def snapshot_of(rows: list[FloorRow]) -> AgentAvailability:
    return AgentAvailability.of(AgentPresence(login=a, state=s, queues=q, reason=r, name=n, interface=i)
                                for a, s, q, r, n, i in rows)


def bench_settings() -> Settings:
    """config.yaml as shipped, on an ephemeral port, every VIP manager backed by the next one."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data.setdefault("fastagi", {})["port"] = 0
    managers = [login(k) for k in VIP_MANAGERS]
    data.setdefault("routing", {})["deputies"] = {m: managers[(n + 1) % len(managers)]
                                                  for n, m in enumerate(managers)}
    return settings_from_mapping(data, env={}, source=str(CONFIG))


def describe(rows: list[FloorRow], snapshot: AgentAvailability) -> str:
    states = Counter(s for _, s, *_ in rows)
    managers = Counter(a.state for k in (*VIP_MANAGERS, *GROUP_MANAGERS) if (a := snapshot.get(login(k))))
    staffing = ", ".join(f"{q} {'/'.join(map(str, snapshot.staffing(q)))}" for q in ("vip", "enterprise", "standard"))
    return (f"floor: {len(rows)} agents {dict(states)}; logged in/available: {staffing}; "
            f"the {sum(managers.values())} account managers: {dict(managers)}")


# --------------------------------------------------------------------------- measures
def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def sample(customers: int, n: int) -> list[str]:
    rng = random.Random(11)
    return [number(rng.randint(1, customers)) if rng.random() < 0.8 else number(customers + rng.randint(1, 10**6))
            for _ in range(n)]


def reference(path: Path, numbers: list[str]) -> list[float]:
    db = sqlite3.connect(path)
    out = []
    for n in numbers:
        t0 = time.perf_counter()
        db.execute("select c.id, c.name, c.customer_type, c.value_class from phones p join customers c "
                   "on c.id = p.customer_id where p.e164 = ?", (n,)).fetchall()
        out.append((time.perf_counter() - t0) * 1000)
    db.close()
    return out


async def via_store(store: Store, numbers: list[str]) -> list[float]:
    out = []
    for n in numbers:
        t0 = time.perf_counter()
        await store.identify(n)
        out.append((time.perf_counter() - t0) * 1000)
    return out


@dataclass(slots=True)
class AgiTiming:
    at_queue: float      # ms to SET VARIABLE CC_QUEUE
    at_last_set: float   # ms to the last SET VARIABLE
    at_end: float        # ms to the server closing the session
    sets: list[str]      # the SET VARIABLE lines, in order


async def one_agi_call(port: int, caller: str, uniqueid: str) -> AgiTiming:
    env = {"agi_network": "yes", "agi_network_script": "inbound", "agi_request": f"agi://127.0.0.1:{port}/inbound",
           "agi_channel": f"Local/100@inbound-{uniqueid[-8:]};2", "agi_language": "en", "agi_type": "Local",
           "agi_uniqueid": uniqueid, "agi_version": "22.10.1", "agi_callerid": caller.removeprefix("+86"),
           "agi_calleridname": "Bench", "agi_dnid": "unknown", "agi_context": "inbound", "agi_extension": "100",
           "agi_priority": "4", "agi_arg_1": "100"}
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sets: list[str] = []
    at_queue = at_last = 0.0
    t0 = time.perf_counter()
    writer.write("".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
    while raw := await reader.readline():
        now = time.perf_counter()
        if raw.startswith(b"SET VARIABLE "):
            at_last = now
            if not sets:
                at_queue = now
            sets.append(raw.decode().rstrip("\n"))
        writer.write(b"200 result=1\n")     # GET DATA: "1" pressed; everything else: success
    at_end = time.perf_counter()
    writer.close()
    await writer.wait_closed()
    assert sets and sets[0].startswith("SET VARIABLE CC_QUEUE "), f"the IVR set {sets[:1]} first, not CC_QUEUE"
    return AgiTiming((at_queue - t0) * 1000, (at_last - t0) * 1000, (at_end - t0) * 1000, sets)


async def via_ivr(settings: Settings, store: Store, rows: list[FloorRow],
                  snapshot: AgentAvailability, numbers: list[str]) -> tuple[list[AgiTiming], list[AgiTiming]]:
    """Each number twice, alternately: on a server given the prebuilt snapshot (``lambda: snapshot``),
    then on one that builds the snapshot of the 300 agents per call, as ``Engine.availability()`` does."""
    static = IvrServer(settings, identify=store.identify, post=lambda event: None, availability=lambda: snapshot)
    fresh = IvrServer(settings, identify=store.identify, post=lambda event: None,
                      availability=lambda: snapshot_of(rows))
    await static.start()
    await fresh.start()
    try:
        for i, n in enumerate(numbers[:50]):            # warm-up, not timed
            await one_agi_call(static.port, n, f"1795458000.{i}")
            await one_agi_call(fresh.port, n, f"1795458001.{i}")
        out: tuple[list[AgiTiming], list[AgiTiming]] = ([], [])
        for i, n in enumerate(numbers):
            out[0].append(await one_agi_call(static.port, n, f"1795458074.{i}"))
            out[1].append(await one_agi_call(fresh.port, n, f"1795458075.{i}"))
        return out
    finally:
        await static.stop()
        await fresh.stop()


def decisions(settings: Settings, snapshot: AgentAvailability, found: list[list[dict]],
              numbers: list[str]) -> tuple[list[float], list[float], Counter[str]]:
    """``routing.decide`` alone, then ``menu.route`` (what the IVR calls), on the cards identify returned."""
    now = datetime.now(UTC)
    outcomes: dict[str, Outcome] = {}
    decide_ms, route_ms = [], []
    skipped: Counter[str] = Counter()
    for number_, cards in zip(numbers, found):
        card = menu.best_card(cards)
        lang = menu.language(settings.ivr.menus, card)
        if lang not in outcomes:
            flow = MenuFlow(settings.ivr.menus, lang)
            flow.start()
            pressed = flow.press("1")
            assert isinstance(pressed, Outcome)
            outcomes[lang] = pressed
        outcome = outcomes[lang]
        first = menu.decide(settings, card, outcome, lang)
        facts = CallerFacts(number=number_, card=card, identified_by="number" if card else "none",
                            menu_choice=first.menu_choice, language=first.language)
        t0 = time.perf_counter()
        result = decide(facts, snapshot, settings.routing, now)
        decide_ms.append((time.perf_counter() - t0) * 1000)
        skipped.update(f"{s.role or s.kind} {s.reason}" for s in result.skipped)
        t0 = time.perf_counter()
        menu.route(settings, first, card, outcome, number=number_, identified_by="number",
                   availability=snapshot, now=now)
        route_ms.append((time.perf_counter() - t0) * 1000)
    return decide_ms, route_ms, skipped


def snapshots(rows: list[FloorRow], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        snapshot_of(rows)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def plan_summary(timings: list[AgiTiming]) -> str:
    kinds: Counter[str] = Counter()
    last: Counter[str] = Counter()
    with_agent = 0
    for t in timings:
        last[t.sets[-1].split()[2]] += 1
        steps = [s.split()[2:] for s in t.sets if s.split()[2].endswith("_KIND")]
        kinds[f"{len(steps)} steps"] += 1
        with_agent += any(v == '"agent"' for _, v in steps)
    sets = [len(t.sets) for t in timings]
    return (f"plans: {with_agent} of {len(timings)} calls have an agent step; "
            f"{dict(sorted(kinds.items()))}; SET VARIABLEs per call {min(sets)}..{max(sets)} "
            f"(mean {sum(sets) / len(sets):.1f}); last one: {dict(last)}")


async def run(args: argparse.Namespace) -> None:
    path = Path(args.db)
    why = "--rebuild" if args.rebuild else cached(path, args.customers)
    if why:
        print(f"building {path} with {args.customers:,} customers ({why})...")
        t0 = time.perf_counter()
        build(path, args.customers)
        print(f"  built in {time.perf_counter() - t0:.0f} s")
    settings = bench_settings()
    rows = floor_rows()
    snapshot = snapshot_of(rows)
    numbers = sample(args.customers, args.lookups)
    ref = reference(path, numbers)
    store = Store(f"sqlite+aiosqlite:///{path}")
    await store.open()
    try:
        await via_store(store, numbers[:100])          # warm the page cache and the pool
        ident = await via_store(store, numbers)
        agi, agi_fresh = await via_ivr(settings, store, rows, snapshot, numbers)
        found = [await store.identify(n) for n in numbers]
    finally:
        await store.close()
    decide_ms, route_ms, skipped = decisions(settings, snapshot, found, numbers)
    snap_ms = snapshots(rows, args.lookups)
    ivr = [t.at_last_set for t in agi]
    at_queue = [t.at_queue for t in agi]
    at_end = [t.at_end for t in agi]
    fresh = [t.at_last_set for t in agi_fresh]
    known = sum(bool(f) for f in found)
    managed = sum(bool(f and f[0].get("account_manager_login")) for f in found)
    print(f"P3 identify + route, {args.customers:,} customers, {args.lookups} calls "
          f"({known} known, {managed} with an account manager), ms:")
    print(f"  {describe(rows, snapshot)}")
    print(f"  {plan_summary(agi)}")
    print(f"  skipped ladder steps (decide): {dict(skipped.most_common())}")
    for name, values in (("sqlite3", ref), ("identify", ident), ("decide", decide_ms), ("route", route_ms),
                         ("snapshot", snap_ms), ("ivr@queue", at_queue), ("ivr", ivr), ("ivr@end", at_end),
                         ("ivr+snap", fresh)):
        print(f"  {name:<9} p50={pct(values, 50):6.2f}  p99={pct(values, 99):6.2f}  max={max(values):6.2f}")
    print(f"  ivr p99 / sqlite3 p99 = {pct(ivr, 99) / pct(ref, 99):.1f}   "
          f"identify p99 / sqlite3 p99 = {pct(ident, 99) / pct(ref, 99):.1f}   "
          f"ivr p99 / ivr@queue p99 = {pct(ivr, 99) / pct(at_queue, 99):.2f}")
    print(f"  ivr p99 = {pct(ivr, 99):.2f} ms   (target: ivr p99 <= 3 ms: "
          f"{'met' if pct(ivr, 99) <= 3 else 'NOT met'})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--db", default="/tmp/callcenter-bench-identify.db",
                    help="the cached database (rebuilt when it was written by another version of this bench)")
    ap.add_argument("--rebuild", action="store_true")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
