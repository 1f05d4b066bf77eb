"""Issue 11, fair share: one agent floods the server (100k commands by default, from its own process, as
fast as its socket takes them) while N agents work normally on the PBX simulator; the same calls are
placed once without and once with the flood, in one run. Prints pop latency (simulator ``AgentCalled``
-> pop frame read by the desk) p50/p99 per phase, save latency, the event loop's worst lag, what became
of the flooder's sockets, and how long a shutdown during a second flood takes. Figures, not pass/fail.

Run:  python -m tests.bench.bench_flood [--agents 20] [--calls 60] [--rate 8] [--commands 100000]
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from tests.e2e.flood import pct, run_floor


async def main(args: argparse.Namespace) -> None:
    run = await run_floor(Path(tempfile.mkdtemp()), agents=args.agents, calls=args.calls, rate=args.rate,
                          commands=args.commands, flood_seconds=args.seconds, shutdown_under_flood=True)
    print(f"flood bench: {args.agents} working agents, {args.calls} calls per phase at {args.rate:g}/s, "
          f"flooder up to {args.commands} commands in {args.seconds:g} s")
    for name, lat in (("no flood", run.normal), ("flood", run.flooded)):
        print(f"  pop {name:<9} n={len(lat):>4}  p50={pct(lat, 50):7.2f} ms  p99={pct(lat, 99):7.2f} ms  "
              f"max={max(lat, default=float('nan')):7.2f} ms")
    for name, saves in (("no flood", run.quiet_saves), ("flood", run.flood_saves)):
        print(f"  save {name:<8} n={len(saves):>4}  p50={pct(saves, 50) * 1000:7.1f} ms  "
              f"max={max(saves, default=float('nan')) * 1000:7.1f} ms")
    print(f"  loop lag (worst, ms): {', '.join(f'{k} {v:.1f}' for k, v in run.lag.items())}")
    print(f"  outcomes not saved: {len(run.missing)}, failed saves: {len(run.failed_saves)} "
          f"{dict(Counter(e.get('id') for e in run.failed_saves))}, calls that rang nobody: {run.unrung}")
    flood = run.flood
    codes = Counter(code for code, _ in flood["closes"])
    print(f"  flooder: {flood['sent']} commands written over {flood['sockets']} sockets; closes {dict(codes)}; "
          f"first socket lived {flood['closes'][0][1] if flood['closes'] else float('nan')} s; replies {flood['replies']}")
    print(f"  p99 with flood / without = {pct(run.flooded, 99) / pct(run.normal, 99):.2f}")
    after = flood.get("after_shutdown", {})
    print(f"  shutdown during a second flood: {run.shutdown_seconds:.2f} s; process CPU in the second after it: "
          f"{run.cpu_after_shutdown:.3f} s; the flooder saw closes {[c for c, _ in after.get('closes', [])]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--rate", type=float, default=8.0)
    parser.add_argument("--commands", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    asyncio.run(main(parser.parse_args()))
