"""Loop stall under an AMI flood: 20,000 ``QueueCallerJoin`` sent by the peer in one burst.

Over loopback TCP, a fake Asterisk writes the whole burst at once; our ``FastAMIProtocol`` reads it,
translates every frame and posts the domain events into an inbox that an engine-like task drains into
the pure ``Model`` (as ``Engine._run`` does: no yield between queued events). Beside it a ticker asks
for a 1 ms sleep again and again: how late it wakes is how long websocket sends and the AMI watchdog
would have waited; and the longest single callback in which the AMI side held the loop. Not measured:
the websocket sends themselves and the effects of each event.

Printed side by side in one run: ``frames_per_turn`` as shipped vs no turns at all (every read
handled whole, the behaviour before issue 11). Figures, not a pass/fail test.

Run:  python -m tests.bench.bench_ami_flood [--joins 20000] [--runs 5]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

from callcenter import domain
from callcenter.ami import translate
from callcenter.ami.protocol import FastAMIProtocol
from callcenter.model.state import Model
from callcenter.settings import settings_from_mapping


class _Factory:
    def dispatch(self, message) -> None:
        pass

    def connection_lost(self, exc) -> None:
        pass


def burst(joins: int) -> bytes:
    return b"".join(
        (f"Event: QueueCallerJoin\r\nPrivilege: agent,all\r\nChannel: Local/100@inbound-{i:08x};2\r\n"
         f"ChannelState: 6\r\nChannelStateDesc: Up\r\nCallerIDNum: 138{i:08d}\r\nCallerIDName: 张伟{i}\r\n"
         f"ConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: zh\r\nAccountCode: \r\n"
         f"Context: inbound\r\nExten: 100\r\nPriority: 15\r\nUniqueid: 1796645298.{i}\r\n"
         f"Linkedid: 1796645297.{i}\r\nQueue: vip\r\nPosition: {i + 1}\r\nCount: {i + 1}\r\n\r\n").encode()
        for i in range(joins))


async def one_run(data: bytes, joins: int, frames_per_turn: int) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    now = datetime(2026, 11, 23, tzinfo=UTC)
    model = Model(settings_from_mapping({}))
    inbox: asyncio.Queue = asyncio.Queue()
    applied = 0
    done = asyncio.Event()

    async def engine() -> None:
        nonlocal applied
        while True:
            event = await inbox.get()
            model.apply(event, now)
            applied += 1
            while not inbox.empty():
                model.apply(inbox.get_nowait(), now)
                applied += 1
            if applied >= joins:
                done.set()

    def sink(headers: dict[str, str]) -> None:
        for event in translate.translate(headers):
            inbox.put_nowait(event)

    lates: list[float] = []

    async def ticker() -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.001)
            lates.append(time.perf_counter() - t0 - 0.001)

    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()

    server = await asyncio.start_server(peer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    holds: list[float] = []

    class Timed(FastAMIProtocol):
        """Times each callback in which the AMI side holds the loop (a read, or a later turn)."""

        def data_received(self, data: bytes) -> None:
            t = time.perf_counter()
            super().data_received(data)
            holds.append(time.perf_counter() - t)

        def _resume(self) -> None:
            t = time.perf_counter()
            super()._resume()
            holds.append(time.perf_counter() - t)

    protocol_class = type("Bench", (Timed,), {
        "sink": staticmethod(sink), "wanted": translate.WANTED_EVENTS, "frames_per_turn": frames_per_turn})
    tasks = [asyncio.create_task(engine()), asyncio.create_task(ticker())]
    await asyncio.sleep(0.05)
    lates.clear()
    t0 = time.perf_counter()
    transport, protocol = await loop.create_connection(protocol_class, "127.0.0.1", port)
    protocol.factory = _Factory()
    await asyncio.wait_for(done.wait(), 120)
    elapsed = time.perf_counter() - t0
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    transport.close()
    server.close()
    await server.wait_closed()
    lates.sort()
    return {"stall_ms": lates[-1] * 1000, "p99_ms": lates[int(len(lates) * 0.99)] * 1000,
            "p50_ms": lates[len(lates) // 2] * 1000, "hold_ms": max(holds) * 1000, "elapsed_s": elapsed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--joins", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    data = burst(args.joins)
    shipped = FastAMIProtocol.frames_per_turn
    print(f"AMI flood: {args.joins} QueueCallerJoin in one burst ({len(data) / 1e6:.1f} MB) over loopback, "
          f"median of {args.runs} runs")
    figures = {}
    for label, per_turn in ((f"turns of {shipped} frames", shipped), ("no turns (before)", 10**9)):
        runs = [asyncio.run(one_run(data, args.joins, per_turn)) for _ in range(args.runs)]
        figures[label] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        f = figures[label]
        print(f"  {label:<22} longest AMI callback {f['hold_ms']:6.1f} ms | 1 ms timer late: longest "
              f"{f['stall_ms']:6.1f} ms, p99 {f['p99_ms']:6.1f} ms, p50 {f['p50_ms']:5.2f} ms | "
              f"all applied in {f['elapsed_s']:.2f} s")
    a, b = figures.values()
    print(f"  no turns / turns: longest AMI callback {b['hold_ms'] / a['hold_ms']:.1f}x, "
          f"longest timer lateness {b['stall_ms'] / max(a['stall_ms'], 0.001):.1f}x; "
          f"time to apply all, turns / no turns = {a['elapsed_s'] / b['elapsed_s']:.2f}")
    print("  (the longest lateness also holds garbage collection and the other processes of a shared machine)")


if __name__ == "__main__":
    main()
