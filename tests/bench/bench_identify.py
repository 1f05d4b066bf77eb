"""P3: IVR identify + routing decision with 1,000,000 customers (AGI request -> queue variables set).

The store is an SQLite file with N customers (built once and cached; ``--rebuild`` to redo), one
mobile number each, 300k past interactions and 50k open complaints. Three measures in one run, over
the same random numbers (80 % known callers, 20 % unknown):

* ``sqlite3``   - the reference: one indexed SELECT with the stdlib driver, no async, no ORM;
* ``identify``  - ``Store.identify`` (what the IVR awaits): async SQLAlchemy over aiosqlite;
* ``decide``    - the pure routing decision (ladders, special cases, bilingual trace) on those cards;
* ``ivr``       - the whole FastAGI exchange on the server: a client sends the ``agi_*`` environment,
  answers every command at once (the caller presses 1 immediately) and stops the clock when
  ``SET VARIABLE CC_QUEUE`` arrives: identify, menu bookkeeping and the routing decision.

Run:  python -m tests.bench.bench_identify [--customers 1000000] [--lookups 2000]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine

from callcenter.settings import settings_from_mapping
from crm_bridge import models
from crm_bridge.store import Store
from ivr.server import IvrServer

TYPES = ("vip", "group", "family", "individual")
CLASSES = ("major", "named", "non_named", "mass")


def number(i: int) -> str:
    return f"+86139{i:08d}"


def build(path: Path, customers: int) -> None:
    """Create the schema with the real models, then bulk-insert through Core (Python defaults apply)."""
    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    models.Base.metadata.create_all(engine)
    rng = random.Random(3)
    now = datetime.now(UTC).replace(tzinfo=None)
    batch = 50_000
    with engine.begin() as conn:
        conn.execute(models.Agent.__table__.insert(), [{"id": 1, "login": "1001", "name": "Bench Agent",
                                                        "interface": "Local/1001@agent-phones/n", "queues": ["standard"],
                                                        "role": "agent", "language": "zh", "password_hash": ""}])
        for start in range(0, customers, batch):
            ids = range(start + 1, min(customers, start + batch) + 1)
            conn.execute(models.Customer.__table__.insert(), [
                {"id": i, "name": f"客户{i}", "name_initials": "kh", "customer_type": TYPES[i % 4],
                 "value_class": CLASSES[(i // 4) % 4], "credit_status": "normal", "language": "zh",
                 "created_at": now} for i in ids])
            conn.execute(models.Phone.__table__.insert(), [
                {"customer_id": i, "e164": number(i), "kind": "mobile"} for i in ids])
            print(f"  customers {ids[-1]:,}/{customers:,}", end="\r", flush=True)
        conn.execute(models.Interaction.__table__.insert(), [
            {"id": uuid.uuid4().hex, "call_id": f"b.{k}", "customer_id": rng.randint(1, customers),
             "queue": "standard", "status": "completed", "caller_number": "x",
             "started_at": now - timedelta(minutes=k)} for k in range(300_000)])
        conn.execute(models.Complaint.__table__.insert(), [
            {"customer_id": rng.randint(1, customers), "category": "billing", "severity": "medium",
             "description": "bench", "status": "open", "owner_agent_id": 1, "created_at": now}
            for _ in range(50_000)])
    engine.dispose()
    print()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


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


async def one_agi_call(port: int, caller: str, uniqueid: str) -> float:
    env = {"agi_network": "yes", "agi_network_script": "inbound", "agi_request": f"agi://127.0.0.1:{port}/inbound",
           "agi_channel": f"Local/100@inbound-{uniqueid[-8:]};2", "agi_language": "en", "agi_type": "Local",
           "agi_uniqueid": uniqueid, "agi_version": "22.10.1", "agi_callerid": caller.removeprefix("+86"),
           "agi_calleridname": "Bench", "agi_dnid": "unknown", "agi_context": "inbound", "agi_extension": "100",
           "agi_priority": "4", "agi_arg_1": "100"}
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    t0 = time.perf_counter()
    elapsed = None
    writer.write("".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
    while raw := await reader.readline():
        line = raw.decode().rstrip("\n")
        if line.startswith("SET VARIABLE CC_QUEUE ") and elapsed is None:
            elapsed = (time.perf_counter() - t0) * 1000
        writer.write(b"200 result=1\n" if line.startswith("GET DATA") else b"200 result=1\n")
    writer.close()
    await writer.wait_closed()
    assert elapsed is not None, "the IVR never set CC_QUEUE"
    return elapsed


async def via_ivr(store: Store, numbers: list[str]) -> list[float]:
    settings = settings_from_mapping({"fastagi": {"port": 0}})
    ivr = IvrServer(settings, identify=store.identify, post=lambda event: None)
    await ivr.start()
    try:
        return [await one_agi_call(ivr.port, n, f"1795458074.{i}") for i, n in enumerate(numbers)]
    finally:
        await ivr.stop()


def decisions(store_cards: list[list[dict]], numbers: list[str]) -> list[float]:
    """The pure routing decision (ladders, special cases, trace) on the cards identify returned,
    with 60 agents in mixed states: what the IVR adds once the ladder is on the live path."""
    from callcenter.routing import AgentAvailability, AgentPresence, CallerFacts, decide
    from callcenter.settings import load_settings

    rules = load_settings("config.yaml", env={}).routing
    states = ("available", "paused", "on_call", "wrap_up", "logged_out")
    agents = AgentAvailability.of(AgentPresence(str(1000 + i), states[i % 5], frozenset({"vip", "standard"}),
                                                "lunch" if i % 5 == 1 else "", f"Agent {i}") for i in range(60))
    now = datetime.now(UTC)
    out = []
    for number_, cards in zip(numbers, store_cards):
        facts = CallerFacts(number=number_, card=cards[0] if cards else None,
                            identified_by="number" if cards else "none", menu_choice="service")
        t0 = time.perf_counter()
        decide(facts, agents, rules, now)
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def run(args: argparse.Namespace) -> None:
    path = Path(args.db)
    if args.rebuild or not path.exists():
        print(f"building {path} with {args.customers:,} customers (once)...")
        t0 = time.perf_counter()
        build(path, args.customers)
        print(f"  built in {time.perf_counter() - t0:.0f} s")
    numbers = sample(args.customers, args.lookups)
    ref = reference(path, numbers)
    store = Store(f"sqlite+aiosqlite:///{path}")
    await store.open()
    try:
        await via_store(store, numbers[:100])          # warm the page cache and the pool
        ident = await via_store(store, numbers)
        ivr = await via_ivr(store, numbers)
        found = [await store.identify(n) for n in numbers]
    finally:
        await store.close()
    print(f"P3 identify + route, {args.customers:,} customers, {args.lookups} calls (80 % known), ms:")
    for name, values in (("sqlite3", ref), ("identify", ident), ("ivr", ivr), ("decide", decisions(found, numbers))):
        print(f"  {name:<9} p50={pct(values, 50):6.2f}  p99={pct(values, 99):6.2f}  max={max(values):6.2f}")
    print(f"  ivr p99 / sqlite3 p99 = {pct(ivr, 99) / pct(ref, 99):.1f}   (target: ivr p99 <= 3 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--db", default="/tmp/callcenter-bench-identify.db")
    ap.add_argument("--rebuild", action="store_true")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
