"""Routing: where a call goes, and why, as a pure function.

Theory of operation. ``decide(facts, agents, rules, now)`` picks the ladder that applies (the special
cases in ``rules.special_order`` first — blacklist, credit-suspended, complaint — then the caller's tier
ladder) and walks it once against a snapshot of agent availability:

* an **agent step** is kept only when that agent is *available* (can take a call now); otherwise it is
  skipped with the reason (on a call, ringing, wrap-up, paused + reason, logged out, not known, no
  account manager / deputy / complaint owner on file, already tried);
* a **queue step** is kept when at least one member of the queue is *logged in* (a member whose state
  is not ``logged_out``; paused, busy and wrap-up members count, they come back); an unstaffed queue is
  skipped at once (overflow). The ladder's last queue step is always kept, so the caller always waits
  somewhere even when nobody is logged in anywhere.

The result is the usable plan in order (agent steps ring ``seconds``; a queue step with ``seconds`` hands
over to the next step after that wait), the first target, the queue and priority for the dialplan, and
a one-line trace in English and Chinese that names every skipped step and its reason. No clock, no
randomness, no I/O: ``now`` is passed in and only stamped on the decision.

Priority is time credit. A queue step's priority is its configured base plus the value-class bonus plus
:func:`aged_priority` of the credit the caller already has (``facts.credit_seconds``, e.g. a callback
keeping its original wait). While the caller waits, the engine re-computes
``aged_priority(base, waited, rules)`` when :func:`next_aging_in` says it changes, and sends
``QueueChangePriorityCaller`` (``Immediate: yes``) so Asterisk re-positions the caller.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from callcenter.routing_rules import Ladder, RoutingRules, Step

AGENT_STATES = ("available", "paused", "ringing", "on_call", "wrap_up", "logged_out")
IDENTIFIED_BY = ("number", "account_pin", "none")


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True, slots=True)
class CallerFacts:
    """What the IVR knows of the caller. ``number`` is E.164 when it could be normalised, else as
    received; ``card`` is the screen-pop card (``crm_bridge.cards``) or ``None`` for an unknown caller."""
    number: str
    card: Mapping[str, Any] | None = None
    identified_by: str = "none"
    menu_choice: str = ""
    language: str = "en"
    blacklisted: bool = False           # the IVR may know better; the rules' list is checked as well
    credit_seconds: int = 0             # waiting time already earned (a callback keeps its place)

    def __post_init__(self) -> None:
        if self.identified_by not in IDENTIFIED_BY:
            raise ValueError(f"identified_by {self.identified_by!r}: expected one of {list(IDENTIFIED_BY)}")


@dataclass(frozen=True, slots=True)
class AgentPresence:
    """One agent as the engine sees them now. ``queues``: the queues they are a member of."""
    login: str
    state: str
    queues: frozenset[str] = frozenset()
    reason: str = ""                    # pause reason
    name: str = ""
    interface: str = ""                 # what Dial() rings for an agent step (Local/1001@agent-phones/n)

    def __post_init__(self) -> None:
        if self.state not in AGENT_STATES:
            raise ValueError(f"agent {self.login!r}: state {self.state!r}, expected one of {list(AGENT_STATES)}")


@dataclass(frozen=True, slots=True)
class AgentAvailability:
    """A snapshot of every agent, by login. Build it with :meth:`of`."""
    by_login: Mapping[str, AgentPresence] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, agents: Iterable[AgentPresence]) -> AgentAvailability:
        return cls(MappingProxyType({a.login: a for a in agents}))

    def get(self, login: str) -> AgentPresence | None:
        return self.by_login.get(login)

    def staffing(self, queue: str) -> tuple[int, int]:
        """(logged in, available) members of *queue*."""
        members = [a for a in self.by_login.values() if queue in a.queues and a.state != "logged_out"]
        return len(members), sum(a.state == "available" for a in members)


# --------------------------------------------------------------------------- outputs
@dataclass(frozen=True, slots=True)
class PlannedStep:
    """``kind`` agent: ring ``target`` (a login) for ``seconds``. ``kind`` queue: wait in ``target`` at
    ``priority``; ``seconds`` = overflow to the next step after that wait (``None``: until answered)."""
    kind: str
    target: str
    seconds: int | None
    priority: int = 0
    role: str = ""                      # account_manager | deputy | complaint_owner | agent ("" for queues)
    name: str = ""
    staffed: bool = True                # queue steps: someone is logged in


@dataclass(frozen=True, slots=True)
class SkippedStep:
    """A ladder step not usable now. ``reason`` is a stable id (see ``_REASONS``)."""
    index: int
    kind: str
    target: str                         # login or queue; "" when the role could not be resolved
    role: str
    reason: str
    detail: str = ""                    # the pause reason
    name: str = ""


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    action: str                         # route | reject
    case: str                           # tier | menu | blacklist | credit_suspended | complaint
    tier: str                           # the ladder used: vip, group, family, individual, unknown
    plan: tuple[PlannedStep, ...]
    skipped: tuple[SkippedStep, ...]
    queue: str                          # for the dialplan ("" when rejected)
    priority: int
    trace_en: str
    trace_zh: str
    decided_at: datetime
    message: str = ""                   # prompt played before hanging up a rejected call
    credit_seconds: int = 0             # waiting time the caller came with (already in the priorities)

    @property
    def first(self) -> PlannedStep | None:
        return self.plan[0] if self.plan else None

    @property
    def first_target(self) -> str:
        return self.plan[0].target if self.plan else ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the interaction record, the screen pop and the supervisor view."""
        return {
            "action": self.action, "case": self.case, "tier": self.tier, "queue": self.queue,
            "priority": self.priority, "message": self.message, "decided_at": self.decided_at.isoformat(),
            "first_target": self.first_target, "credit_seconds": self.credit_seconds,
            "plan": [{"kind": s.kind, "target": s.target, "seconds": s.seconds, "priority": s.priority,
                      "role": s.role, "name": s.name, "staffed": s.staffed} for s in self.plan],
            "skipped": [{"index": s.index, "kind": s.kind, "target": s.target, "role": s.role,
                         "reason": s.reason, "detail": s.detail} for s in self.skipped],
            "trace": {"en": self.trace_en, "zh": self.trace_zh},
        }


# --------------------------------------------------------------------------- priority as time credit
def aged_priority(base: int, waited_seconds: float, rules: RoutingRules) -> int:
    """``base`` + ``aging.step`` per full ``aging.every_seconds`` waited, the bonus capped at
    ``aging.max_bonus``. Defaults (+1 per 30 s, cap 12, VIP base 10, individual 0): a Mass caller who
    waited 330 s (11) outranks a VIP who just arrived (10); a VIP who waited as long stays ahead."""
    aging = rules.aging
    steps = max(int(waited_seconds), 0) // aging.every_seconds
    return base + min(steps * aging.step, aging.max_bonus)


def next_aging_in(waited_seconds: float, rules: RoutingRules) -> int | None:
    """Seconds until :func:`aged_priority` next changes for a caller who waited *waited_seconds*;
    ``None`` once the bonus is capped (or aging is off): the engine's timer for QueueChangePriorityCaller."""
    aging = rules.aging
    waited = max(int(waited_seconds), 0)
    if aging.step == 0 or (waited // aging.every_seconds) * aging.step >= aging.max_bonus:
        return None
    return aging.every_seconds - waited % aging.every_seconds


# --------------------------------------------------------------------------- the decision
def decide(facts: CallerFacts, agents: AgentAvailability, rules: RoutingRules, now: datetime) -> RoutingDecision:
    card = facts.card
    tier = str(card.get("customer_type") or "unknown") if card else "unknown"
    head = [_head(tier, facts)]
    for case in rules.special_order:
        if case == "blacklist" and _blacklisted(facts, rules):
            return _blacklist_decision(tier, facts, agents, rules, now)
        if case == "credit_suspended" and rules.credit_suspended and card \
                and card.get("credit_status") in rules.credit_suspended.statuses:
            head.append(_t("credit suspended", "信用停机"))
            return _walk("credit_suspended", tier, rules.credit_suspended.ladder, facts, agents, rules, now, head)
        if case == "complaint" and rules.complaint:
            complaint = _open_complaint(card, rules)
            if complaint is not None:
                head.append(_t(f"open complaint #{complaint.get('id')}", f"未结投诉 #{complaint.get('id')}"))
                return _walk("complaint", tier, rules.complaint.ladder, facts, agents, rules, now, head)
            if facts.menu_choice and facts.menu_choice in rules.complaint.menu_choices:
                head.append(_t(f"menu: {facts.menu_choice}", f"菜单选择：{facts.menu_choice}"))
                return _walk("complaint", tier, rules.complaint.ladder, facts, agents, rules, now, head)
    ladder_tier, ladder = rules.ladder_for(tier)
    return _walk("tier", ladder_tier, ladder, facts, agents, rules, now, head)


def to_queue(facts: CallerFacts, queue: str, agents: AgentAvailability, rules: RoutingRules,
             now: datetime) -> RoutingDecision:
    """The caller chose a queue in the voice menu ("2 for billing"): that queue, at the priority of
    the caller's tier (its ladder's first queue step) with the value-class bonus and the time credit.
    Blacklisted callers are still refused first."""
    card = facts.card
    tier = str(card.get("customer_type") or "unknown") if card else "unknown"
    if "blacklist" in rules.special_order and _blacklisted(facts, rules):
        return _blacklist_decision(tier, facts, agents, rules, now)
    _, base = rules.entry_route(tier)
    priority = base + rules.value_bonus.get(str((card or {}).get("value_class") or ""), 0) \
        + aged_priority(0, facts.credit_seconds, rules)
    step = PlannedStep("queue", queue, None, priority, staffed=agents.staffing(queue)[0] > 0)
    en, zh = _join([_head(tier, facts), _t(f"menu: {facts.menu_choice}", f"菜单选择：{facts.menu_choice}"),
                    _queue_text(step)])
    return RoutingDecision("route", "menu", tier, (step,), (), queue, priority, en, zh, now,
                           credit_seconds=facts.credit_seconds)


def _blacklisted(facts: CallerFacts, rules: RoutingRules) -> bool:
    numbers = rules.blacklist.numbers
    card_number = facts.card.get("number") if facts.card else None
    return facts.blacklisted or facts.number in numbers or (card_number is not None and card_number in numbers)


def _blacklist_decision(tier: str, facts: CallerFacts, agents: AgentAvailability, rules: RoutingRules,
                        now: datetime) -> RoutingDecision:
    rule = rules.blacklist
    if rule.action == "reject":
        en, zh = _join([_t("blocked number", "黑名单号码"), _t(f"rejected (prompt {rule.message})",
                                                                f"拒接（提示音 {rule.message}）")])
        return RoutingDecision("reject", "blacklist", tier, (), (), "", 0, en, zh, now, rule.message)
    queue = rule.queue or rules.default_queue
    step = PlannedStep("queue", queue, None, rule.priority, staffed=agents.staffing(queue)[0] > 0)
    en, zh = _join([_t("blocked number", "黑名单号码"), _queue_text(step)])
    return RoutingDecision("route", "blacklist", tier, (step,), (), queue, rule.priority, en, zh, now)


def _open_complaint(card: Mapping[str, Any] | None, rules: RoutingRules) -> Mapping[str, Any] | None:
    """The card's most severe open complaint (the card lists them most severe first)."""
    if not card or rules.complaint is None:
        return None
    statuses = rules.complaint.open_statuses
    return next((c for c in card.get("open_complaints") or () if c.get("status") in statuses), None)


def _resolve(step: Step, facts: CallerFacts, rules: RoutingRules) -> tuple[str, str, str]:
    """(role, login or "", name from the card) of an agent step."""
    card = facts.card or {}
    manager = card.get("account_manager_login") or ""
    if step.agent == "account_manager":
        return "account_manager", manager, card.get("account_manager") or ""
    if step.agent == "deputy":
        deputy = card.get("account_manager_deputy_login") or rules.deputies.get(manager, "")
        return "deputy", deputy, card.get("account_manager_deputy") or ""
    if step.agent == "complaint_owner":
        complaint = _open_complaint(facts.card, rules) or {}
        return "complaint_owner", complaint.get("owner_login") or "", complaint.get("owner_name") or ""
    return "agent", step.agent or "", ""


_MISSING = {"account_manager": "no_account_manager", "deputy": "no_deputy", "complaint_owner": "no_owner",
            "agent": "unknown_agent"}


def _walk(case: str, tier: str, ladder: Ladder, facts: CallerFacts, agents: AgentAvailability,
          rules: RoutingRules, now: datetime, head: list[tuple[str, str]]) -> RoutingDecision:
    bonus = rules.value_bonus.get(str((facts.card or {}).get("value_class") or ""), 0)
    credit = aged_priority(0, facts.credit_seconds, rules)
    last_queue = max(i for i, s in enumerate(ladder) if s.is_queue)
    plan: list[PlannedStep] = []
    skipped: list[SkippedStep] = []
    tried: set[str] = set()
    parts = list(head)
    for i, step in enumerate(ladder):
        if step.agent is not None:
            role, login, card_name = _resolve(step, facts, rules)
            presence = agents.get(login) if login else None
            name = (presence.name if presence else "") or card_name or login
            if not login:
                skip = SkippedStep(i, "agent", "", role, _MISSING[role], name=name)
            elif login in tried:
                skip = SkippedStep(i, "agent", login, role, "repeated", name=name)
            elif presence is None:
                skip = SkippedStep(i, "agent", login, role, "unknown_agent", name=name)
            elif presence.state != "available":
                skip = SkippedStep(i, "agent", login, role, presence.state, presence.reason, name)
            else:
                skip = None
            if login:
                tried.add(login)
            if skip is not None:
                skipped.append(skip)
                parts.append(_skip_text(skip))
                continue
            planned = PlannedStep("agent", login, step.seconds, role=role, name=name)
            plan.append(planned)
            parts.append(_agent_text(planned))
            continue
        queue = step.queue or rules.default_queue
        logged_in, _ = agents.staffing(queue)
        if logged_in == 0 and i != last_queue:
            skip = SkippedStep(i, "queue", queue, "", "unstaffed")
            skipped.append(skip)
            parts.append(_skip_text(skip))
            continue
        planned = PlannedStep("queue", queue, step.overflow_after, step.base_priority + bonus + credit,
                              staffed=logged_in > 0)
        plan.append(planned)
        parts.append(_queue_text(planned))
    entry = next(s for s in plan if s.kind == "queue")
    en, zh = _join(parts)
    return RoutingDecision("route", case, tier, tuple(plan), tuple(skipped), entry.target, entry.priority,
                           en, zh, now, credit_seconds=facts.credit_seconds)


# --------------------------------------------------------------------------- the trace, en + zh
_TIERS = {"vip": ("VIP", "VIP客户"), "group": ("Group", "集团客户"), "family": ("Family", "家庭客户"),
          "individual": ("Individual", "个人客户"), "unknown": ("Unknown caller", "未识别来电")}
_BY = {"number": ("by number", "按号码识别"), "account_pin": ("by account + PIN", "按账号和密码识别"),
       "none": ("", "")}
_ROLES = {"account_manager": ("account manager", "客户经理"), "deputy": ("deputy", "副经理"),
          "complaint_owner": ("complaint owner", "投诉负责人"), "agent": ("agent", "坐席")}
_REASONS = {
    "on_call": ("busy (on a call)", "忙（通话中）"),
    "ringing": ("busy (ringing)", "忙（振铃中）"),
    "wrap_up": ("in wrap-up", "话后整理中"),
    "paused": ("paused", "暂停"),
    "logged_out": ("logged out", "未登录"),
    "unknown_agent": ("not a known agent", "不是已知坐席"),
    "no_account_manager": ("none on file", "未分配"),
    "no_deputy": ("none named", "未指定"),
    "no_owner": ("none on the complaint", "投诉未指定负责人"),
    "repeated": ("already tried", "已尝试过"),
    "unstaffed": ("nobody logged in, overflow", "无坐席登录，溢出"),
    "available": ("available", "空闲"),
}
_PAUSE_REASONS_ZH = {"lunch": "午餐", "training": "培训", "meeting": "会议", "break": "休息"}


def _t(en: str, zh: str) -> tuple[str, str]:
    return en, zh


def _join(parts: list[tuple[str, str]]) -> tuple[str, str]:
    return " → ".join(p[0] for p in parts if p[0]), " → ".join(p[1] for p in parts if p[1])


def _head(tier: str, facts: CallerFacts) -> tuple[str, str]:
    label_en, label_zh = _TIERS.get(tier, (tier, tier))
    by_en, by_zh = _BY[facts.identified_by] if facts.card else ("", "")
    return (f"{label_en} {by_en}".strip(), f"{label_zh}（{by_zh}）" if by_zh else label_zh)


def _who(role: str, name: str) -> tuple[str, str]:
    en, zh = _ROLES[role]
    return (f"{en} {name}" if name else en, f"{zh} {name}" if name else zh)


def _skip_text(skip: SkippedStep) -> tuple[str, str]:
    en, zh = _REASONS.get(skip.reason, (skip.reason, skip.reason))
    if skip.reason == "paused" and skip.detail:
        en, zh = f"{en} ({skip.detail})", f"{zh}（{_PAUSE_REASONS_ZH.get(skip.detail, skip.detail)}）"
    if skip.kind == "queue":
        return f"queue {skip.target}: {en}", f"{skip.target} 队列：{zh}"
    who_en, who_zh = _who(skip.role, skip.name)
    return f"{who_en} {en}", f"{who_zh} {zh}"


def _agent_text(step: PlannedStep) -> tuple[str, str]:
    who_en, who_zh = _who(step.role, step.name)
    return f"{who_en} rings {step.seconds} s", f"{who_zh} 振铃 {step.seconds} 秒"


def _queue_text(step: PlannedStep) -> tuple[str, str]:
    en = f"queue {step.target} (priority {step.priority})"
    zh = f"{step.target} 队列（优先级 {step.priority}）"
    if step.seconds is not None:
        en, zh = f"{en} for {step.seconds} s", f"{zh} 等待 {step.seconds} 秒"
    if not step.staffed:
        en, zh = f"{en}, nobody logged in yet", f"{zh}，暂无坐席登录"
    return en, zh
