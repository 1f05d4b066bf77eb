"""Configuration of the PBX simulator: queues, timings, agent phones.

``SimulatorConfig`` is frozen (it is what ``queues.conf``/``manager.conf``/``extensions.conf`` would say);
``PhoneSettings`` is deliberately mutable: a test or the demo changes how a simulated agent phone
behaves while calls are running (``sim.phone("Local/1001@agent-phones/n").answers = False``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from callcenter.queue_names import RESERVED_QUEUE_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from callcenter.settings import Settings

Strategy = Literal["ringall", "rrmemory", "leastrecent", "fewestcalls", "random", "linear"]
STRATEGIES: tuple[str, ...] = ("ringall", "rrmemory", "leastrecent", "fewestcalls", "random", "linear")


@dataclass(frozen=True)
class QueueSpec:
    """One ``[queue]`` section of queues.conf (the options the simulator honours)."""

    strategy: Strategy = "rrmemory"
    timeout: float = 15.0          # seconds a member rings before AgentRingNoAnswer
    retry: float = 5.0             # seconds to wait before trying members again
    weight: int = 0
    servicelevel: int = 30
    wrapuptime: int = 0

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown queue strategy {self.strategy!r}; expected one of {STRATEGIES}")
        if self.timeout <= 0 or self.retry < 0:
            raise ValueError("queue timeout must be > 0 and retry >= 0")


@dataclass(frozen=True)
class Timing:
    """How long simulated things take. Short values make tests fast; defaults feel like a real call."""

    prompt_seconds: float = 1.0        # one played prompt (STREAM FILE, the prompt of GET DATA, SAY ...)
    digit_seconds: float = 0.3         # a caller pressing one key
    timeout_scale: float = 1.0         # multiplies the AGI's own timeouts (GET DATA 5000 ms, WAIT FOR DIGIT)
    answer_after: float = 1.0          # default ring time of an agent phone before it answers
    talk_seconds: float = 30.0         # default conversation length
    customer_answer_seconds: float = 2.0   # click-to-dial: the customer picks up after this
    member_timeout: float | None = None    # overrides every QueueSpec.timeout when set
    retry: float | None = None             # overrides every QueueSpec.retry when set
    agi_connect_timeout: float = 3.0
    agi_idle_timeout: float = 30.0     # a FastAGI server silent for this long is cut off
    originate_timeout: float = 30.0    # default ``Timeout`` of an Originate, seconds


@dataclass
class PhoneSettings:
    """How one simulated agent phone behaves when it rings (mutable on purpose)."""

    answer_after: float | None = None          # None: Timing.answer_after
    answers: bool = True                       # False: rings until the member timeout (ring-no-answer)
    talk_seconds: float | None = None          # None: the call's or Timing.talk_seconds
    hangup_by: Literal["caller", "agent"] | None = None   # None: the call's choice
    signals_ringing: bool | None = None        # None: only phones that never answer show "Ringing"


@dataclass(frozen=True)
class SimulatorConfig:
    """What a real deployment spreads over manager.conf, queues.conf and extensions.conf."""

    username: str = "callcenter"
    secret: str = ""
    queues: Mapping[str, QueueSpec] = field(
        default_factory=lambda: {"vip": QueueSpec(), "enterprise": QueueSpec(), "standard": QueueSpec()})
    default_queue: str = "standard"
    transfer_ring_seconds: float = 30.0    # extensions.conf [transfer]: Dial(...,<this>,g), then back to CC_QUEUE
    agi_host: str = "127.0.0.1"
    agi_port: int | None = 4573        # None: no FastAGI server (every call gets AGISTATUS=FAILURE)
    agi_script: str = "inbound"
    timing: Timing = Timing()
    login_failure_delay: float = 1.0   # Asterisk waits ~1 s before "Authentication failed"
    seed: int | None = None            # random strategy, MD5 challenges, AGI thread ids
    system_name: str = ""

    def __post_init__(self) -> None:
        if not self.queues:
            raise ValueError("at least one queue is needed")
        for name in self.queues:
            if name.lower() in RESERVED_QUEUE_NAMES:
                raise ValueError(f"a queue cannot be named {name!r}: [general] is app_queue's settings section")
        if self.default_queue not in self.queues:
            raise ValueError(f"default_queue {self.default_queue!r} is not one of {sorted(self.queues)}")
        object.__setattr__(self, "queues", MappingProxyType(dict(self.queues)))

    def member_timeout(self, queue: str) -> float:
        return self.timing.member_timeout if self.timing.member_timeout is not None else self.queues[queue].timeout

    def retry(self, queue: str) -> float:
        return self.timing.retry if self.timing.retry is not None else self.queues[queue].retry

    @classmethod
    def from_settings(cls, settings: Settings, timing: Timing | None = None, **overrides: object) -> SimulatorConfig:
        """The simulator an application configured with *settings* expects to find."""
        queues = {name: QueueSpec(strategy=q.strategy, timeout=float(q.member_timeout), weight=q.weight)
                  for name, q in settings.queues.items()}
        values: dict[str, object] = dict(
            username=settings.ami.username, secret=settings.ami.secret, queues=queues,
            default_queue=settings.routing.default_queue,
            transfer_ring_seconds=float(settings.routing.transfer_ring_seconds), agi_host=settings.fastagi.host,
            agi_port=settings.fastagi.port, timing=timing or Timing())
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
