"""The ``console:`` and ``privacy:`` sections of config.yaml: outcomes and pause codes, presence when a
desk goes away, each connection's fair share of the server, and who sees which customer.
:mod:`callcenter.settings` embeds them (and re-exports the names)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from callcenter.errors import PathError as _PathError
from callcenter.pause_codes import SYSTEM_CODES, PauseCode, limits_of


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PresenceSettings(_Frozen):
    """Presence follows the person (``callcenter/model/presence.py``): once every desk (browser tab) of
    an agent has been gone ``disconnect_pause_seconds``, the agent is paused with ``connection_lost``;
    after ``disconnect_logout_seconds`` (counted from the same moment) logged out of the queues. The
    agent's next desk restores what they had. 0 turns a step off."""
    disconnect_pause_seconds: float = Field(60.0, ge=0, le=3600)
    disconnect_logout_seconds: float = Field(900.0, ge=0, le=24 * 3600)

    @model_validator(mode="after")
    def _logout_after_pause(self) -> PresenceSettings:
        pause, logout = self.disconnect_pause_seconds, self.disconnect_logout_seconds
        if pause and logout and logout <= pause:
            raise _PathError(("disconnect_logout_seconds",),
                             f"expected more than disconnect_pause_seconds ({pause:g}), or 0 (never), got {logout:g}")
        return self


class FairShareSettings(_Frozen):
    """One connection's fair share of the server (``console/rate_limits.py``, ``console/work_limits.py``).

    Commands per second are token buckets: ``*_rate`` tokens a second, up to ``*_burst`` saved up. A
    command over either bucket (the socket's, or the user's over all their tabs) is answered
    ``rate-limited``; so is a presence command (available, pause, ...: each one is a write to the store
    and an action to Asterisk) over the user's ``presence_*`` bucket. A socket that goes on sending ``flood_close_after`` refused commands in a row is
    closed with 4430 (the desk reconnects later), and the user's new sockets are closed with 4430 at once,
    before any work, for ``flood_penalty_seconds``. Store work (task lists, saves, the board) runs at most
    ``store_concurrency`` at a time; beyond ``store_queue_per_user`` waiting or running for one user,
    or ``store_queue_total`` for everyone, a command is answered ``busy`` at once."""
    socket_rate: float = Field(20.0, gt=0, le=10_000)
    socket_burst: int = Field(40, ge=1, le=100_000)
    user_rate: float = Field(30.0, gt=0, le=10_000)
    user_burst: int = Field(60, ge=1, le=100_000)
    presence_rate: float = Field(1.0, gt=0, le=10_000)
    presence_burst: int = Field(5, ge=1, le=100_000)
    flood_close_after: int = Field(200, ge=1, le=1_000_000)
    flood_penalty_seconds: float = Field(5.0, ge=0, le=3600)
    store_concurrency: int = Field(4, ge=1, le=256)
    store_queue_per_user: int = Field(8, ge=1, le=10_000)
    store_queue_total: int = Field(128, ge=1, le=100_000)

    @model_validator(mode="after")
    def _total_not_below_per_user(self) -> FairShareSettings:
        if self.store_queue_total < self.store_queue_per_user:
            raise _PathError(("store_queue_total",), f"expected at least store_queue_per_user "
                                                     f"({self.store_queue_per_user}), got {self.store_queue_total}")
        return self


class PrivacySettings(_Frozen):
    """Least privilege for customer data (crm_bridge/customer_access.py). An agent always sees the
    customers of their calls, their tasks and their portfolio; ``agent_search`` says what else they
    find: ``all`` (everyone), ``number_only`` (anyone by an exact phone or account number, names and
    pinyin only among their own) or ``own`` (their own only). Supervisors and admins see everyone."""
    agent_search: Literal["all", "own", "number_only"] = "number_only"


class ConsoleSettings(_Frozen):
    outcomes: tuple[str, ...] = ("resolved", "follow_up", "transferred", "information", "complaint_logged")
    # Pause codes, each a name or {code, limit_minutes} (callcenter/pause_codes.py).
    pause_reasons: tuple[PauseCode, ...] = (PauseCode(code="lunch", limit_minutes=60),
                                            PauseCode(code="training"), PauseCode(code="meeting"),
                                            PauseCode(code="break", limit_minutes=15))
    presence: PresenceSettings = PresenceSettings()
    limits: FairShareSettings = FairShareSettings()

    @field_validator("pause_reasons", mode="before")
    @classmethod
    def _plain_names(cls, value: Any) -> Any:
        """``lunch`` is short for ``{code: lunch}`` (the form of earlier releases)."""
        if isinstance(value, (list, tuple)):
            return [{"code": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("pause_reasons")
    @classmethod
    def _distinct_codes(cls, codes: tuple[PauseCode, ...]) -> tuple[PauseCode, ...]:
        seen: set[str] = set()
        for i, c in enumerate(codes):
            if c.code in SYSTEM_CODES:
                raise _PathError((str(i), "code"), f"{c.code!r} is set by the server itself; "
                                                   f"choose a name other than {', '.join(SYSTEM_CODES)}")
            if c.code in seen:
                raise _PathError((str(i), "code"), f"{c.code!r} is listed twice")
            seen.add(c.code)
        return codes

    @property
    def pause_codes(self) -> tuple[str, ...]:
        """The codes an agent may choose, in order."""
        return tuple(c.code for c in self.pause_reasons)

    @property
    def pause_limits(self) -> dict[str, int | None]:
        """code -> limit in seconds (None: no limit)."""
        return limits_of(self.pause_reasons)
