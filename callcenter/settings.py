"""Settings: loaded once, typed, validated, frozen.

Layers, lowest first: the defaults below < ``config.yaml`` < environment variables (for secrets and
for what differs per machine). A wrong value stops start-up with :class:`ConfigError`, whose message
names the key path (``routing.ladders.vip``) and what was expected.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from callcenter.errors import ConfigError
from callcenter.errors import PathError as _PathError
from callcenter.queue_names import RESERVED_QUEUE_NAMES
from callcenter.connection_settings import AmiSettings, DatabaseSettings, FastAgiSettings, HttpSettings  # noqa: F401 (re-exported)
from callcenter.console_settings import ConsoleSettings, FairShareSettings, PresenceSettings, PrivacySettings  # noqa: F401 (re-exported)
from callcenter.routing_rules import CUSTOMER_TYPES, VALUE_CLASSES, RoutingRules, check_rules  # noqa: F401 (re-exported)
from callcenter.tiers import TierModel
from ivr.hours import BusinessHours
from ivr.menu_tree import MenuTree

# ``general`` is the global-settings section of app_queue's queues.conf: no queue can have that name.

# Environment variable -> key path it overrides.
ENV_OVERRIDES = {
    "CC_AMI_HOST": ("ami", "host"),
    "CC_AMI_PORT": ("ami", "port"),
    "CC_AMI_USERNAME": ("ami", "username"),
    "CC_AMI_SECRET": ("ami", "secret"),
    "CC_FASTAGI_HOST": ("fastagi", "host"),
    "CC_FASTAGI_PORT": ("fastagi", "port"),
    "CC_FASTAGI_ALLOW": ("fastagi", "allow"),
    "CC_HTTP_HOST": ("http", "host"),
    "CC_HTTP_PORT": ("http", "port"),
    "CC_DATABASE_URL": ("database", "url"),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class QueueSettings(_Frozen):
    strategy: Literal["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear"] = "rrmemory"
    wrapup_seconds: int = Field(30, ge=0, le=3600)
    member_timeout: int = Field(15, ge=1, le=600)
    # queues.conf weight: an agent in several queues is rung for the heavier queue's callers first.
    weight: int = Field(0, ge=0, le=1000)
    # What people read for this queue: one text, or one per console language ({zh: 普通客户, en: Standard}).
    label: str | dict[str, str] = ""

    @field_validator("label")
    @classmethod
    def _label_languages(cls, label: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(label, dict):
            unknown = sorted(set(label) - {"zh", "en"})
            if unknown:
                raise _PathError((unknown[0],), f"unknown language {unknown[0]!r}; expected zh and/or en")
        return label

    def label_in(self, language: str) -> str:
        """The label in *language* (zh / en), else the other language's, else ``""``."""
        if isinstance(self.label, str):
            return self.label
        return self.label.get(language) or next(iter(self.label.values()), "")

    @property
    def label_text(self) -> str:
        """Every language's label on one line (a comment in queues.conf)."""
        return self.label if isinstance(self.label, str) else " / ".join(self.label.values())


class TierRoute(_Frozen):
    """Where a tier's caller is queued first: the first queue step of its routing ladder."""
    queue: str
    priority: int = 0


class AccountPinSettings(_Frozen):
    """Identification by account number + PIN when the caller's number is unknown or shared."""
    enabled: bool = True
    account_prompt: str = "enter-account"     # GET DATA; the caller ends the number with '#'
    pin_prompt: str = "enter-pin"
    invalid_prompt: str = "account-invalid"
    max_tries: int = Field(3, ge=1, le=5)
    account_max_digits: int = Field(16, ge=4, le=32)
    pin_max_digits: int = Field(8, ge=4, le=16)
    timeout_ms: int = Field(8000, ge=1000, le=30000)
    verify_timeout: float = Field(2.0, gt=0)  # argon2 on a busy box: never a stuck call


_SOUND = r"^[^\s&,|\"']+$"


class SurveySettings(_Frozen):
    """The post-call satisfaction survey: when the agent hangs up first, the caller stays on the line
    and is asked for a score from 1 to 5 (one GET DATA), stored with the interaction."""
    enabled: bool = True
    prompt: str = Field("survey", pattern=_SOUND)            # "rate this call from 1 to 5"
    thanks_prompt: str = Field("survey-thanks", pattern=_SOUND)
    timeout_ms: int = Field(6000, ge=1000, le=30000)


class CallbackSettings(_Frozen):
    """Calling callers back: asked in the menu (``callback`` action), offered out of hours, or after an
    abandoned wait. A callback is placed when an agent of its queue is free and no caller who came
    before it is still waiting: the agent's phone rings first (``Originate`` to the agent, then the
    customer's number), so the agent is never taken by the queue in between."""
    enabled: bool = True
    offer_when_closed: bool = True          # out of hours: "press 1 to be called back when we open"
    offer_prompt: str = Field("callback-offer", pattern=_SOUND)
    confirm_prompt: str = Field("callback-confirmed", pattern=_SOUND)
    abandoned_after: int = Field(10, ge=0, le=3600)     # abandons after this many seconds are called back; 0 = never
    max_attempts: int = Field(3, ge=1, le=10)
    retry_seconds: int = Field(300, ge=5, le=86400)     # after the customer did not answer
    ring_seconds: int = Field(30, ge=5, le=300)         # how long the Originate rings the agent, then the customer
    context: str = Field("customer-out", pattern=r"^[A-Za-z0-9_-]+$")   # dialplan context that dials the customer


class IvrSettings(_Frozen):
    default_region: str = "CN"
    lookup_timeout: float = Field(0.5, gt=0)
    # Played when the caller's queue is out of hours (ivr/hours.py); the dialplan then hangs up.
    closed_prompt: str = Field("closed", pattern=r"^[^\s&,|\"']+$")
    # When the caller's number is unknown or shared: account number + PIN (PINs stored hashed).
    account_pin: AccountPinSettings = AccountPinSettings()
    # The nested voice menus (ivr/menu_tree.py), walked by the inbound script.
    menus: MenuTree = MenuTree()
    survey: SurveySettings = SurveySettings()


COMPLAINT_SEVERITIES = ("low", "medium", "high", "critical")     # crm_bridge.models mirrors this


class ComplaintSettings(_Frozen):
    """Complaint deadlines and the callback visit (回访) after a resolution.

    A complaint's SLA deadline is set when it is filed: ``sla_hours[severity] x customer_factor[type]``
    after that moment (a VIP's critical complaint: 4 h x 0.5 = 2 h). Resolving it books a callback
    visit for its owner ``callback_visit_after_hours`` later; a visit nobody answered is booked again
    ``callback_visit_retry_hours`` later.

    Escalation (callcenter/escalation.py, every ``escalation_check_seconds``): an open or in-progress
    complaint that has used up ``escalation_after[i]`` of its SLA time (1.0 = at the deadline) reaches
    level ``i + 1`` (1 = the supervisors, 2 = the call-center manager), but never beyond
    ``escalation_max_level[severity]`` (a low complaint stops at the supervisors)."""
    sla_hours: dict[str, float] = Field(default_factory=lambda: {"critical": 4.0, "high": 24.0, "medium": 72.0,
                                                                 "low": 168.0})
    customer_factor: dict[str, float] = Field(default_factory=lambda: {"vip": 0.5, "group": 0.75, "family": 1.0,
                                                                       "individual": 1.0})
    callback_visit_after_hours: float = Field(24.0, ge=0, le=24 * 90)
    callback_visit_retry_hours: float = Field(4.0, gt=0, le=24 * 30)
    escalation_after: tuple[float, ...] = (1.0, 1.5)
    escalation_max_level: dict[str, int] = Field(default_factory=lambda: {"critical": 2, "high": 2, "medium": 1,
                                                                          "low": 1})
    escalation_check_seconds: float = Field(30.0, gt=0, le=3600)

    @field_validator("sla_hours")
    @classmethod
    def _every_severity(cls, hours: dict[str, float]) -> dict[str, float]:
        return _complete_table(hours, COMPLAINT_SEVERITIES, "hours")

    @field_validator("customer_factor")
    @classmethod
    def _every_customer_type(cls, factors: dict[str, float]) -> dict[str, float]:
        return _complete_table(factors, CUSTOMER_TYPES, "factor")

    @field_validator("escalation_after")
    @classmethod
    def _ascending(cls, levels: tuple[float, ...]) -> tuple[float, ...]:
        if any(level <= 0 for level in levels) or list(levels) != sorted(set(levels)):
            raise ValueError("expected increasing positive fractions of the SLA time, e.g. [1.0, 1.5]")
        return levels

    @model_validator(mode="after")
    def _levels_exist(self) -> ComplaintSettings:
        levels = self.escalation_max_level
        for name in levels:
            if name not in COMPLAINT_SEVERITIES:
                raise _PathError(("escalation_max_level", name),
                                 f"unknown severity {name!r}; expected {', '.join(COMPLAINT_SEVERITIES)}")
        for name in COMPLAINT_SEVERITIES:
            if name not in levels:
                raise _PathError(("escalation_max_level", name), "missing: every severity needs its highest level")
            if not 0 <= levels[name] <= len(self.escalation_after):
                raise _PathError(("escalation_max_level", name),
                                 f"expected a level from 0 to {len(self.escalation_after)} (one per escalation_after "
                                 f"step), got {levels[name]!r}")
        return self


SUPERVISOR_ACTIONS = ("available", "logout", "queue_close", "reassign")


class SupervisionSettings(_Frozen):
    """Stuck-agent detection on the wallboard (``callcenter/model/supervision.py``): an agent in one of
    these states longer than its limit is flagged for the supervisor."""
    paused_minutes: float = Field(15.0, gt=0, le=24 * 60)
    wrapup_minutes: float = Field(5.0, gt=0, le=24 * 60)
    on_call_minutes: float = Field(30.0, gt=0, le=24 * 60)
    ringing_seconds: float = Field(60.0, gt=0, le=3600)
    # The reasons a supervisor picks from in the wallboard's dialogs, per action (labels
    # ``sup_reason.<code>`` in both languages; a code without a label shows as written). ``other`` opens
    # a free-text box. A forced pause picks from ``console.pause_reasons`` instead.
    action_reasons: dict[str, tuple[str, ...]] = Field(default_factory=lambda: {
        "available": ("pause_over", "stuck_state", "queue_busy", "other"),
        "logout": ("shift_end", "left_without_logout", "technical", "other"),
        "queue_close": ("system_outage", "emergency", "staff_shortage", "other"),
        "reassign": ("owner_absent", "workload", "expertise", "other"),
    })

    @field_validator("action_reasons")
    @classmethod
    def _known_actions(cls, table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for action, codes in table.items():
            if action not in SUPERVISOR_ACTIONS:
                raise _PathError((action,), f"unknown action {action!r}; expected {', '.join(SUPERVISOR_ACTIONS)}")
            for i, code in enumerate(codes):
                if not re.fullmatch(r"[a-z0-9_-]{1,40}", code):
                    raise _PathError((action, str(i)), f"expected a reason code of a-z, 0-9, _ or - (got {code!r})")
        return {action: tuple(dict.fromkeys(codes)) for action, codes in table.items()}


class MetricsSettings(_Frozen):
    """The wallboard's and the reports' formulas (callcenter/metrics.py; README "Metrics"): a call
    answered within ``sl_seconds`` of joining its queue meets the service level, ``sl_target`` is the
    share the wallboard colours against, and a caller who hangs up within ``short_abandon_seconds``
    counts as a short abandon (left out of SL and the abandon rate)."""
    sl_seconds: float = Field(20.0, gt=0, le=3600)
    sl_target: float = Field(0.8, gt=0, le=1)
    short_abandon_seconds: float = Field(5.0, ge=0, le=600)
    # How often the wallboard's day series (waiting callers, SL per queue) takes a sample.
    sample_seconds: float = Field(60.0, ge=0.1, le=3600)


def _complete_table(table: dict[str, float], names: tuple[str, ...], what: str) -> dict[str, float]:
    for name in table:
        if name not in names:
            raise _PathError((name,), f"unknown name {name!r}; expected {', '.join(names)}")
    for name in names:
        if name not in table:
            raise _PathError((name,), f"missing: every one of {', '.join(names)} needs its {what}")
        if not table[name] > 0:
            raise _PathError((name,), f"expected a {what} above 0 (got {table[name]!r})")
    return dict(table)


class Settings(_Frozen):
    ami: AmiSettings = AmiSettings()
    fastagi: FastAgiSettings = FastAgiSettings()
    http: HttpSettings = HttpSettings()
    database: DatabaseSettings = DatabaseSettings()
    queues: dict[str, QueueSettings] = Field(
        default_factory=lambda: {"vip": QueueSettings(), "enterprise": QueueSettings(), "standard": QueueSettings()}
    )
    routing: RoutingRules = RoutingRules()
    ivr: IvrSettings = IvrSettings()
    hours: BusinessHours = BusinessHours()
    tiers: TierModel = TierModel()
    console: ConsoleSettings = ConsoleSettings()
    callbacks: CallbackSettings = CallbackSettings()
    complaints: ComplaintSettings = ComplaintSettings()
    metrics: MetricsSettings = MetricsSettings()
    supervision: SupervisionSettings = SupervisionSettings()
    privacy: PrivacySettings = PrivacySettings()

    @field_validator("queues")
    @classmethod
    def _queue_names(cls, queues: dict[str, QueueSettings]) -> dict[str, QueueSettings]:
        if not queues:
            raise ValueError("at least one queue is needed")
        for name in queues:
            if name.lower() in RESERVED_QUEUE_NAMES:
                raise _PathError(("queues", name), f"a queue cannot be named {name!r}: [general] is app_queue's "
                                                   "settings section in queues.conf")
            if not name.replace("_", "").replace("-", "").isalnum():
                raise _PathError(("queues", name), f"queue name {name!r} may only hold letters, digits, '-' and '_'")
        return queues

    @model_validator(mode="after")
    def _routes_name_known_queues(self) -> Settings:
        known = set(self.queues)
        check_rules(self.routing, known)
        for path, queue in self.ivr.menus.queue_refs():
            if queue not in known:
                raise _PathError(("ivr", "menus", *path), f"{queue!r} is not in queues {sorted(known)}")
        for queue in self.hours.queues:
            if queue not in known:
                raise _PathError(("hours", "queues", queue), f"{queue!r} is not in queues {sorted(known)}")
        return self

    def route_for(self, tier: str | None) -> TierRoute:
        """The queue and priority a tier's caller joins first (its ladder's first queue step)."""
        queue, priority = self.routing.entry_route(tier)
        return TierRoute(queue=queue, priority=priority)


def _set_path(data: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ConfigError(".".join(path), f"cannot apply the environment override: {key} is not a mapping")
    node[path[-1]] = value


def settings_from_mapping(data: Mapping[str, Any] | None, env: Mapping[str, str] | None = None,
                          source: str = "config") -> Settings:
    """Validate a parsed config mapping (plus environment overrides) into frozen :class:`Settings`."""
    raw: dict[str, Any] = dict(data or {})
    if not isinstance(data or {}, Mapping):
        raise ConfigError("(top level)", f"{source}: expected a mapping of sections, got {type(data).__name__}")
    for var, path in ENV_OVERRIDES.items():
        if env and var in env:
            _set_path(raw, path, env[var])
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _PathError):
            # Sections validate with paths of their own (relative) or the whole key (absolute).
            loc = tuple(str(p) for p in err["loc"])
            path = ctx_error.path if tuple(ctx_error.path[:len(loc)]) == loc else (*loc, *ctx_error.path)
            raise ConfigError(".".join(path), f"{source}: {ctx_error}") from None
        path = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (misspelt?)"
        elif "input" in err and err["type"] != "missing" and not isinstance(err["input"], (dict, list)):
            message = f"{message} (got {err['input']!r})"
        raise ConfigError(path, f"{source}: {message}") from None


def load_settings(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read ``config.yaml`` (or *path*) and the environment. Missing file = defaults."""
    env = os.environ if env is None else env
    data: Any = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError("(file)", f"cannot read {path}: {exc.strerror}") from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise ConfigError("(syntax)", f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(data, dict):
            raise ConfigError("(top level)", f"{path}: expected a mapping of sections")
    return settings_from_mapping(data, env, source)
