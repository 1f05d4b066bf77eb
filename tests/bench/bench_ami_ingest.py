"""P1: AMI ingest, events/s on one core, measured side by side in one run.

Stream: the raw bytes recorded from a real Asterisk 22 for one queue call with ``Events: on``
(``queue_call.ami.txt``, ~190 events, mostly VarSet/Newexten), repeated N times, fed in 64 KiB reads.

* minimal   - split on the blank line, split every header on ``': '`` (the practical Python limit)
* panoramisk - panoramisk 1.4 ``AMIProtocol.data_received`` (parse + Message objects), no callbacks
* ours      - ``FastAMIProtocol`` + translation + the pure model applying every domain event

Run:  python -m tests.bench.bench_ami_ingest [--repeat 500] [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from panoramisk.ami_protocol import AMIProtocol

from callcenter import domain
from callcenter.ami import translate
from callcenter.ami.protocol import FastAMIProtocol
from callcenter.model.state import Model
from callcenter.settings import settings_from_mapping
from tests.recordings import recording

CHUNK = 65536


class _Transport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


class _Factory:
    def dispatch(self, message) -> None:
        pass

    def connection_lost(self, exc) -> None:
        pass


def build_stream(repeat: int, only_used: bool = False) -> tuple[bytes, int]:
    one = recording("queue_call.ami.txt")
    if only_used:  # worst case for us: nothing to drop, every frame is parsed, translated and applied
        frames = one.split(b"\r\n\r\n")[:-1]
        kept = [f for f in frames if f.startswith(b"Event: ") and
                f[7:f.find(b"\r\n")].decode() in translate.WANTED_EVENTS]
        one = b"".join(f + b"\r\n\r\n" for f in kept)
    return one * repeat, one.count(b"\r\n\r\n") * repeat


def chunks(data: bytes) -> list[bytes]:
    return [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]


def minimal(parts: list[bytes]) -> int:
    rest, n = "", 0
    for part in parts:
        text = rest + part.decode("utf-8", "replace")
        frames = text.split("\r\n\r\n")
        rest = frames.pop()
        for frame in frames:
            headers = {}
            for line in frame.split("\r\n"):
                k, _, v = line.partition(": ")
                headers[k] = v
            n += 1
    return n


def panoramisk(parts: list[bytes]) -> int:
    protocol = AMIProtocol()
    protocol.connection_made(_Transport())
    protocol.factory = _Factory()
    for part in parts:
        protocol.data_received(part)
    return 0


def ours(parts: list[bytes]) -> int:
    settings = settings_from_mapping({})
    model = Model(settings)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    model.apply(domain.AgentsLoaded((domain.AgentInfo(1, "agent1001", "A", "Local/1001@agent-phones/n", ("vip",)),)), now)
    applied = 0

    def sink(headers: dict[str, str]) -> None:
        nonlocal applied
        for event in translate.translate(headers):
            model.apply(event, now)
            applied += 1

    protocol = FastAMIProtocol()
    protocol.sink = sink
    protocol.wanted = translate.WANTED_EVENTS
    protocol.connection_made(_Transport())
    protocol.factory = _Factory()
    for part in parts:
        protocol.data_received(part)
    return applied


def measure(fn, parts: list[bytes], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(parts)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for only_used, title in ((False, "as recorded with Events: on"), (True, "only the events we use (worst case)")):
        data, events = build_stream(args.repeat, only_used)
        parts = chunks(data)
        results = {name: events / measure(fn, parts, args.runs)
                   for name, fn in (("minimal", minimal), ("panoramisk", panoramisk), ("ours", ours))}
        print(f"AMI ingest, {title}: {events} events ({args.repeat} x queue_call), median of {args.runs} runs")
        for name, rate in results.items():
            print(f"  {name:<11} {rate:>12,.0f} events/s")
        print(f"  ours / minimal    = {results['ours'] / results['minimal']:.2f}   (target >= 0.70)")
        print(f"  ours / panoramisk = {results['ours'] / results['panoramisk']:.2f}   (target >= 2.0)")
    print(f"  domain events applied per call: {ours(chunks(recording('queue_call.ami.txt')))}")


if __name__ == "__main__":
    main()
