"""Random inbound traffic for the demo: callers drawn from a list, Poisson arrivals, seeded; and
``run_simulator``, a simulator with that traffic until cancelled (the demo, ``callcenter simulator``)."""
from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable, Sequence

from .calls import SimCall
from .config import SimulatorConfig
from .simulator import PbxSimulator

DEFAULT_DIGITS: tuple[tuple[str | None, ...], ...] = (("1",), ("2",), ("1",), (None,))


class TrafficGenerator:
    """Places calls at ``calls_per_second`` on average until stopped.

    ``callers`` are ``(number, name)`` pairs (the demo passes seeded customers); ``digit_choices`` are
    caller scripts (one entry per prompt that reads digits); ``patience`` and ``talk`` are (low, high)
    ranges in seconds (``patience=None``: callers wait forever).
    """

    def __init__(self, sim: PbxSimulator, callers: Sequence[tuple[str, str]], calls_per_second: float,
                 seed: int | None = None, digit_choices: Sequence[Sequence[str | None]] = DEFAULT_DIGITS,
                 patience: tuple[float, float] | None = (30.0, 180.0), talk: tuple[float, float] = (10.0, 90.0),
                 dnid: str = "100", agent_hangup_share: float = 0.3) -> None:
        if not callers:
            raise ValueError("TrafficGenerator needs at least one (number, name) caller")
        if calls_per_second <= 0:
            raise ValueError("calls_per_second must be > 0")
        self.sim = sim
        self.callers = list(callers)
        self.rate = calls_per_second
        self.rng = random.Random(seed)
        self.digit_choices = [tuple(d) for d in digit_choices] or [(None,)]
        self.patience, self.talk, self.dnid = patience, talk, dnid
        self.agent_hangup_share = agent_hangup_share
        self.placed: deque[SimCall] = deque(maxlen=1000)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start placing calls; the simulator owns the task too, so ``sim.stop()`` ends it as well."""
        if self._task is None or self._task.done():
            self._task = self.sim.pbx.spawn(self._run(), name="traffic-generator")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def place_one(self) -> SimCall:
        number, name = self.rng.choice(self.callers)
        patience = self.rng.uniform(*self.patience) if self.patience else None
        call = await self.sim.place_call(
            number, name, self.dnid, digits=self.rng.choice(self.digit_choices), patience=patience,
            talk_seconds=self.rng.uniform(*self.talk),
            hangup_by="agent" if self.rng.random() < self.agent_hangup_share else "caller")
        self.placed.append(call)
        return call

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(self.rate))
            await self.place_one()


async def run_simulator(config: SimulatorConfig, host: str = "127.0.0.1", port: int = 5038, *,
                        callers: Sequence[tuple[str, str]] = (), calls_per_second: float = 0.0,
                        ready: Callable[[PbxSimulator], None] | None = None) -> None:
    """Run a simulator (and optional random traffic) until cancelled; ``ready`` gets it once listening."""
    sim = PbxSimulator(config)
    await sim.start(host, port)
    traffic = None
    try:
        if callers and calls_per_second > 0:
            traffic = TrafficGenerator(sim, callers, calls_per_second, seed=config.seed)
            traffic.start()
        if ready is not None:
            ready(sim)
        await asyncio.Event().wait()
    finally:
        if traffic is not None:
            await traffic.stop()
        await sim.stop()
