"""Builders for app_queue's AMI events and for the list items of QueueStatus/QueueSummary/CoreShowChannels.

Pure, like :mod:`.events`. Two header spellings differ between events on purpose, as in Asterisk:
member events say ``MemberName`` then ``Interface`` while ``Agent*`` events say ``Interface`` then
``MemberName`` and ``QueueMember`` list items say ``Name``/``Location``; ``QueueParams`` says
``Holdtime`` and ``QueueSummary`` ``HoldTime``. List items carry no ``Privilege`` and put ``ActionID``
last, except ``CoreShowChannel`` and the ``*Complete`` events, which put it first.
"""
from __future__ import annotations

from .channels import Snapshot
from .events import Event, Header, snapshot_headers
from .queues import Entry, Member, QueueState


def _flag(value: bool) -> str:
    return "1" if value else "0"


def member_headers(queue: str, m: Member) -> list[Header]:
    return [("Queue", queue), ("MemberName", m.name), ("Interface", m.interface),
            ("StateInterface", m.state_interface), ("Membership", m.membership), ("Penalty", str(m.penalty)),
            ("CallsTaken", str(m.calls_taken)), ("LastCall", str(m.last_call)), ("LastPause", str(m.last_pause)),
            ("LoginTime", str(m.login_time)), ("InCall", _flag(m.in_call)), ("Status", str(m.status)),
            ("Paused", _flag(m.paused)), ("PausedReason", m.paused_reason), ("Ringinuse", "0"),
            ("Wrapuptime", "0")]


def member_event(name: str, queue: str, m: Member) -> Event:
    """QueueMemberAdded / QueueMemberRemoved / QueueMemberPause / QueueMemberStatus (same headers)."""
    return Event(name, "agent", tuple(member_headers(queue, m)))


def queue_caller_join(s: Snapshot, queue: str, position: int, count: int) -> Event:
    return Event("QueueCallerJoin", "agent", (*snapshot_headers(s), ("Queue", queue), ("Position", str(position)),
                                              ("Count", str(count))))


def queue_caller_leave(s: Snapshot, queue: str, position: int, count: int) -> Event:
    return Event("QueueCallerLeave", "agent", (*snapshot_headers(s), ("Queue", queue),
                                               ("Position", str(position)), ("Count", str(count))))


def queue_caller_abandon(s: Snapshot, queue: str, position: int, original: int, holdtime: int) -> Event:
    return Event("QueueCallerAbandon", "agent", (*snapshot_headers(s), ("Queue", queue), ("Position", str(position)),
                                                 ("OriginalPosition", str(original)), ("HoldTime", str(holdtime))))


def _agent(name: str, caller: Snapshot, dest: Snapshot, queue: str, interface: str, member_name: str,
           tail: list[Header]) -> Event:
    return Event(name, "agent", (*snapshot_headers(caller), *snapshot_headers(dest, "Dest"), ("Queue", queue),
                                 ("Interface", interface), ("MemberName", member_name), *tail))


def agent_called(caller: Snapshot, dest: Snapshot, queue: str, interface: str, member_name: str) -> Event:
    return _agent("AgentCalled", caller, dest, queue, interface, member_name, [])


def agent_connect(caller: Snapshot, dest: Snapshot, queue: str, interface: str, member_name: str,
                  holdtime: int, ringtime: int) -> Event:
    """``RingTime`` in seconds (AgentRingNoAnswer's is in milliseconds)."""
    return _agent("AgentConnect", caller, dest, queue, interface, member_name,
                  [("HoldTime", str(holdtime)), ("RingTime", str(ringtime))])


def agent_ring_no_answer(caller: Snapshot, dest: Snapshot, queue: str, interface: str, member_name: str,
                         ringtime_ms: int) -> Event:
    return _agent("AgentRingNoAnswer", caller, dest, queue, interface, member_name, [("RingTime", str(ringtime_ms))])


def agent_complete(caller: Snapshot, dest: Snapshot, queue: str, interface: str, member_name: str,
                   holdtime: int, talktime: int, reason: str) -> Event:
    return _agent("AgentComplete", caller, dest, queue, interface, member_name,
                  [("HoldTime", str(holdtime)), ("TalkTime", str(talktime)), ("Reason", reason)])


# -- list items (responses to actions: no Privilege) -------------------------------------------------
def queue_params(q: QueueState, action_id: list[Header]) -> list[Header]:
    perf, perf2 = q.service_level_perf()
    return [("Event", "QueueParams"), ("Queue", q.name), ("Max", "0"), ("Strategy", q.spec.strategy),
            ("Calls", str(len(q.entries))), ("Holdtime", str(q.holdtime)), ("TalkTime", str(q.talktime)),
            ("Completed", str(q.completed)), ("Abandoned", str(q.abandoned)),
            ("ServiceLevel", str(q.spec.servicelevel)), ("ServicelevelPerf", perf), ("ServicelevelPerf2", perf2),
            ("Weight", str(q.spec.weight)), *action_id]


def queue_member(queue: str, m: Member, action_id: list[Header]) -> list[Header]:
    return [("Event", "QueueMember"), ("Queue", queue), ("Name", m.name), ("Location", m.interface),
            ("StateInterface", m.state_interface), ("Membership", m.membership), ("Penalty", str(m.penalty)),
            ("CallsTaken", str(m.calls_taken)), ("LastCall", str(m.last_call)), ("LastPause", str(m.last_pause)),
            ("LoginTime", str(m.login_time)), ("InCall", _flag(m.in_call)), ("Status", str(m.status)),
            ("Paused", _flag(m.paused)), ("PausedReason", m.paused_reason), ("Wrapuptime", "0"), *action_id]


def queue_entry(queue: str, position: int, e: Entry, s: Snapshot, wait: int, action_id: list[Header]) -> list[Header]:
    return [("Event", "QueueEntry"), ("Queue", queue), ("Position", str(position)), ("Channel", s.name),
            ("Uniqueid", s.uniqueid), ("CallerIDNum", s.caller_num), ("CallerIDName", s.caller_name),
            ("ConnectedLineNum", s.connected_num), ("ConnectedLineName", s.connected_name),
            ("Wait", str(wait)), ("Priority", str(e.priority)), *action_id]


def queue_summary(q: QueueState, longest_hold: int, action_id: list[Header]) -> list[Header]:
    return [("Event", "QueueSummary"), ("Queue", q.name), ("LoggedIn", str(q.logged_in())),
            ("Available", str(q.available_count())), ("Callers", str(len(q.entries))),
            ("HoldTime", str(q.holdtime)), ("TalkTime", str(q.talktime)), ("LongestHoldTime", str(longest_hold)),
            *action_id]


def list_complete(name: str, items: int, action_id: list[Header]) -> list[Header]:
    return [("Event", name), *action_id, ("EventList", "Complete"), ("ListItems", str(items))]


def core_show_channel(s: Snapshot, bridge_id: str, application: str, app_data: str, duration: int,
                      action_id: list[Header]) -> list[Header]:
    hours, rest = divmod(max(duration, 0), 3600)
    return [("Event", "CoreShowChannel"), *action_id, *snapshot_headers(s), ("BridgeId", bridge_id),
            ("Application", application), ("ApplicationData", app_data),
            ("Duration", f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}")]
