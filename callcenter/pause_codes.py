"""Pause codes (VICIdial's "pause codes"): why an agent is out of the queues, and for how long they may be.

Theory of operation. ``console.pause_reasons`` in ``config.yaml`` lists the codes an agent (or a
supervisor) may choose, each with an optional time limit in minutes::

    pause_reasons:
      - lunch                              # no limit
      - {code: break, limit_minutes: 15}

The server sets a few *system* codes itself: ``wrap-up`` (after a call), ``callback`` and ``outbound``
(held out of the queues for a call on the agent's phone), ``connection_lost`` (the agent's desk is
gone, ``callcenter/model/presence.py``). They can never be chosen, so ``config.yaml`` may not name
them. This module imports nothing of the application (it sits beside the settings, at the bottom).
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CONNECTION_LOST = "connection_lost"
# Set by the server, never chosen: wrap-up (callcenter.ami.actions.WRAP_UP_REASON), a callback or a
# click-to-dial on the agent's phone (callcenter.model.callbacks / control), the desk gone.
SYSTEM_CODES = ("wrap-up", "callback", "outbound", CONNECTION_LOST)
CODE_PATTERN = r"^[a-z][a-z0-9_\-]{0,31}$"


class PauseCode(BaseModel):
    """One code an agent may pause with; ``limit_minutes`` None: no limit."""
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=CODE_PATTERN)
    limit_minutes: float | None = Field(None, gt=0, le=24 * 60)

    @property
    def limit_seconds(self) -> int | None:
        return None if self.limit_minutes is None else round(self.limit_minutes * 60)


def limits_of(codes: tuple[PauseCode, ...]) -> dict[str, int | None]:
    """code -> its limit in seconds (None: no limit); system codes have none."""
    return {c.code: c.limit_seconds for c in codes}


def over_limit_seconds(paused_seconds: float, limit_seconds: int | None) -> float:
    """How much of a pause of *paused_seconds* went beyond its limit (0 without a limit)."""
    if limit_seconds is None:
        return 0.0
    return max(0.0, paused_seconds - limit_seconds)
