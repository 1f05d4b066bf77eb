"""Fair share (issue 11): one agent floods the server while 20 others work; their pops arrive within the
p99 measured without the flood in the same run, their saves within 1 s, and the flooding socket is
closed (4430). A bounded run (``CC_FLOOD_COMMANDS``, default 20,000 commands); the figures with 100k:
``python -m tests.bench.bench_flood``."""
from __future__ import annotations

import os

import pytest

from console import protocol
from tests.e2e.flood import pct, run_floor

pytestmark = pytest.mark.flood

AGENTS = 20
CALLS = 80          # per phase (the p99 of 80 is the second worst: one scheduling hiccup of the machine is not the flood)
RATE = 10.0         # calls a second
COMMANDS = int(os.environ.get("CC_FLOOD_COMMANDS", "20000"))
# Two shared cores: scheduling noise alone moves a p99 of a few ms between two phases of one run (and
# the flooder's own process takes CPU from the server here, as it would not from another machine).
P99_SLACK_MS, P99_SLACK_RATIO = 5.0, 1.25


async def test_one_agents_flood_does_not_delay_the_others_pops_or_saves(tmp_path):
    run = await run_floor(tmp_path, agents=AGENTS, calls=CALLS, rate=RATE, commands=COMMANDS)
    normal_p99, flood_p99 = pct(run.normal, 99), pct(run.flooded, 99)
    print(f"\npops without flood n={len(run.normal)} p50={pct(run.normal, 50):.2f} ms p99={normal_p99:.2f} ms; "
          f"with flood n={len(run.flooded)} p50={pct(run.flooded, 50):.2f} ms p99={flood_p99:.2f} ms; "
          f"saves under flood max {max(run.flood_saves):.3f} s (quiet {max(run.quiet_saves):.3f} s); "
          f"loop lag {run.lag}; flood {run.flood}")
    assert run.unrung == 0, "every call rang an agent"
    assert not run.missing and not run.failed_saves, (run.missing, run.failed_saves)
    assert max(run.flood_saves) < 1.0
    assert flood_p99 <= max(normal_p99 + P99_SLACK_MS, normal_p99 * P99_SLACK_RATIO), (normal_p99, flood_p99)
    assert run.flood["closes"] and run.flood["closes"][0][0] == protocol.CLOSE_FLOODING, run.flood["closes"]
    assert run.flood["replies"].get("rate-limited", 0) > 0


async def test_a_shutdown_during_a_flood_ends_within_seconds_and_nothing_spins(tmp_path):
    run = await run_floor(tmp_path, agents=4, calls=4, rate=4.0, commands=10**6, flood_seconds=3.0,
                          shutdown_under_flood=True, close_after=10**6)   # the flooder's socket stays open
    print(f"\nshutdown during a flood: {run.shutdown_seconds:.2f} s, CPU in the second after: "
          f"{run.cpu_after_shutdown:.3f} s; flooder {run.flood['after_shutdown']}")
    assert run.shutdown_seconds is not None and run.shutdown_seconds < 5.0
    assert run.cpu_after_shutdown is not None and run.cpu_after_shutdown < 0.3
    assert run.flood["after_shutdown"]["closes"][0][0] == protocol.CLOSE_GOING_AWAY
