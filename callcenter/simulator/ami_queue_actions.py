"""app_queue's AMI actions: QueueAdd, QueueRemove, QueuePause, QueuePenalty, QueueStatus, QueueSummary,
QueueChangePriorityCaller.

Messages are app_queue's (Asterisk 22) word for word; list actions answer "... will follow" with
``EventList: start``, then their items, then ``*Complete`` with ``ListItems`` (every item counted:
QueueParams, QueueMember and QueueEntry alike), all carrying the ActionID.
"""
from __future__ import annotations

from . import events as ev
from . import queue_events as qev
from .agi_commands import to_int
from .ami_server import Session
from .pbx import Pbx
from .protocol import Pairs, error, header, list_start, success, with_action_id
from .queues import Member, QueueState

_TRUE = {"yes", "true", "y", "t", "1", "on"}


def _penalty(text: str) -> int:
    value = to_int(text) if text else 0
    return value if value is not None and value >= 0 else 0


def _ringing_for(pbx: Pbx, state_interface: str) -> str | None:
    for queue in pbx.queues.values():
        for member in queue.members.values():
            if member.state_interface == state_interface and member.ringing_for is not None:
                return member.ringing_for
    return None


async def action_queue_add(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    name, interface = header(frame, "Queue"), header(frame, "Interface")
    if not name:
        session.send(error(frame, "'Queue' not specified."))
        return
    if not interface:
        session.send(error(frame, "'Interface' not specified."))
        return
    queue = pbx.queues.get(name)
    if queue is None:
        session.send(error(frame, "Unable to add interface to queue: No such queue"))
        return
    if interface in queue.members:
        session.send(error(frame, "Unable to add interface: Already there"))
        return
    paused = header(frame, "Paused").lower() in _TRUE
    state_interface = header(frame, "StateInterface") or interface
    now = pbx.wall()
    member = Member(interface, header(frame, "MemberName") or interface, state_interface,
                    penalty=_penalty(header(frame, "Penalty")), paused=paused,
                    paused_reason=header(frame, "Reason") if paused else "", login_time=now,
                    last_pause=now if paused else 0, status=pbx.device(state_interface),
                    ringing_for=_ringing_for(pbx, state_interface))
    queue.members[interface] = member
    session.send(success(frame, "Added interface to queue"))
    pbx.emit(qev.member_event("QueueMemberAdded", name, member))
    pbx.queue_changed()


async def action_queue_remove(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    name, interface = header(frame, "Queue"), header(frame, "Interface")
    if not name or not interface:
        session.send(error(frame, "Need 'Queue' and 'Interface' parameters."))
        return
    queue = pbx.queues.get(name)
    if queue is None:
        session.send(error(frame, "Unable to remove interface from queue: No such queue"))
        return
    member = queue.members.get(interface)
    if member is None:
        session.send(error(frame, "Unable to remove interface: Not there"))
        return
    if member.membership != "dynamic":
        session.send(error(frame, f"Unable to remove interface '{interface}' from queue '{name}': "
                                  "Not a dynamic member"))
        return
    del queue.members[interface]
    session.send(success(frame, "Removed interface from queue"))
    pbx.emit(qev.member_event("QueueMemberRemoved", name, member))
    pbx.queue_changed()


async def action_queue_pause(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    interface, paused_text = header(frame, "Interface"), header(frame, "Paused")
    if not interface or not paused_text:
        session.send(error(frame, "Need 'Interface' and 'Paused' parameters."))
        return
    name, reason = header(frame, "Queue"), header(frame, "Reason")
    paused = paused_text.lower() in _TRUE
    targets = [q for q in pbx.queues.values() if (not name or q.name == name) and interface in q.members]
    if not targets:
        session.send(error(frame, "Interface not found"))
        return
    session.send(success(frame, "Interface paused successfully" if paused else "Interface unpaused successfully"))
    for queue in targets:
        member = queue.members[interface]
        member.paused, member.paused_reason = paused, reason
        if paused:
            member.last_pause = pbx.wall()
        pbx.emit(qev.member_event("QueueMemberPause", queue.name, member))
    pbx.queue_changed()


async def action_queue_penalty(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    interface, penalty_text, name = header(frame, "Interface"), header(frame, "Penalty"), header(frame, "Queue")
    penalty = to_int(penalty_text) if penalty_text else None
    targets = [q for q in pbx.queues.values() if (not name or q.name == name) and interface in q.members]
    if not interface or penalty is None or penalty < 0 or not targets:
        session.send(error(frame, "Invalid interface, queuename or penalty"))
        return
    session.send(success(frame, "Interface penalty set successfully"))
    for queue in targets:
        queue.members[interface].penalty = penalty
        pbx.emit(ev.Event("QueueMemberPenalty", "agent", (("Queue", queue.name), ("Interface", interface),
                                                            ("Penalty", str(penalty)))))
    pbx.queue_changed()


async def action_queue_change_priority_caller(session: Session, frame: Pairs) -> None:
    """A waiting caller's queue priority; ``Immediate: yes`` also moves it to its new place now
    (no event: other callers' positions change silently, as in app_queue)."""
    pbx = session.pbx
    name, caller, priority_text = header(frame, "Queue"), header(frame, "Caller"), header(frame, "Priority")
    for value, label in ((name, "Queue"), (caller, "Caller"), (priority_text, "Priority")):
        if not value:
            session.send(error(frame, f"'{label}' not specified."))
            return
    priority = to_int(priority_text)
    if priority is None:
        session.send(error(frame, "'Priority' need integer."))
        return
    queue = pbx.queues.get(name)
    if queue is None:
        session.send(error(frame, "Unable to change priority caller on queue: No such queue"))
        return
    entry = next((e for e in queue.entries if getattr(getattr(e.owner, "chan", None), "name", None) == caller), None)
    if entry is None:
        session.send(error(frame, "Unable to change priority caller on queue: No such caller"))
        return
    entry.priority = priority
    if header(frame, "Immediate").lower() in _TRUE:
        original = entry.original_position
        queue.entries.remove(entry)
        queue.join(entry)
        entry.original_position = original
    session.send(success(frame, "Priority change for caller on queue"))
    pbx.queue_changed()


def _selected(pbx: Pbx, name: str) -> list[QueueState]:
    return [q for q in pbx.queues.values() if not name or q.name == name]


async def action_queue_status(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    action_id = with_action_id(frame)
    wanted_member = header(frame, "Member")
    session.send(list_start(frame, "Queue status will follow"))
    items = 0
    for queue in _selected(pbx, header(frame, "Queue")):
        session.send(qev.queue_params(queue, action_id))
        items += 1
        for member in queue.members.values():
            if wanted_member and wanted_member not in (member.interface, member.name):
                continue
            session.send(qev.queue_member(queue.name, member, action_id))
            items += 1
        for position, entry in enumerate(queue.entries, start=1):
            chan = getattr(entry.owner, "chan", None)
            if chan is None:
                continue
            session.send(qev.queue_entry(queue.name, position, entry, chan.snapshot(),
                                         int(pbx.now() - entry.joined), action_id))
            items += 1
    session.send(qev.list_complete("QueueStatusComplete", items, action_id))


async def action_queue_summary(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    action_id = with_action_id(frame)
    session.send(list_start(frame, "Queue summary will follow"))
    queues = _selected(pbx, header(frame, "Queue"))
    for queue in queues:
        longest = max((int(pbx.now() - e.joined) for e in queue.entries), default=0)
        session.send(qev.queue_summary(queue, longest, action_id))
    session.send(qev.list_complete("QueueSummaryComplete", len(queues), action_id))


QUEUE_ACTIONS = {"QueueAdd": action_queue_add, "QueueRemove": action_queue_remove,
                 "QueuePause": action_queue_pause, "QueuePenalty": action_queue_penalty,
                 "QueueStatus": action_queue_status, "QueueSummary": action_queue_summary,
                 "QueueChangePriorityCaller": action_queue_change_priority_caller}
