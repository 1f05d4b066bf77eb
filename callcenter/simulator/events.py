"""Builders for the channel-level AMI events, header for header as Asterisk 22 writes them.

Pure: snapshots and numbers in, :class:`Event` out. The header names, their casing and their order
were taken from the recordings in ``shared/asterisk`` (``queue_call.ami.txt`` and friends); the unit
tests compare them field by field. Queue and agent events live in :mod:`.queue_events`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .channels import CAUSE_TEXT, STATE_DESC, Bridge, Snapshot
from .protocol import privilege

Header = tuple[str, str]
CALLING_PRES = "0 (Presentation Allowed, Not Screened)"


@dataclass(frozen=True)
class Event:
    name: str
    event_class: str            # the AMI class a session must subscribe to (``call``, ``agent`` ...)
    headers: tuple[Header, ...]

    def pairs(self) -> tuple[Header, ...]:
        return (("Event", self.name), ("Privilege", privilege(self.event_class)), *self.headers)

    def get(self, name: str, default: str = "") -> str:
        return next((v for k, v in self.headers if k == name), default)


def snapshot_headers(s: Snapshot, prefix: str = "") -> list[Header]:
    return [(f"{prefix}Channel", s.name), (f"{prefix}ChannelState", str(s.state)),
            (f"{prefix}ChannelStateDesc", STATE_DESC.get(s.state, "Unknown")),
            (f"{prefix}CallerIDNum", s.caller_num), (f"{prefix}CallerIDName", s.caller_name),
            (f"{prefix}ConnectedLineNum", s.connected_num), (f"{prefix}ConnectedLineName", s.connected_name),
            (f"{prefix}Language", s.language), (f"{prefix}AccountCode", s.account_code),
            (f"{prefix}Context", s.context), (f"{prefix}Exten", s.exten), (f"{prefix}Priority", str(s.priority)),
            (f"{prefix}Uniqueid", s.uniqueid), (f"{prefix}Linkedid", s.linkedid)]


def _channel_event(name: str, s: Snapshot, extra: Sequence[Header] = (), event_class: str = "call") -> Event:
    return Event(name, event_class, (*snapshot_headers(s), *extra))


def newchannel(s: Snapshot) -> Event:
    return _channel_event("Newchannel", s)


def newstate(s: Snapshot) -> Event:
    return _channel_event("Newstate", s)


def newcallerid(s: Snapshot) -> Event:
    return _channel_event("NewCallerid", s, [("CID-CallingPres", CALLING_PRES)])


def newconnectedline(s: Snapshot) -> Event:
    return _channel_event("NewConnectedLine", s)


def local_bridge(one: Snapshot, two: Snapshot, context: str, exten: str) -> Event:
    return Event("LocalBridge", "call", (*snapshot_headers(one, "LocalOne"), *snapshot_headers(two, "LocalTwo"),
                                         ("Context", context), ("Exten", exten), ("LocalOptimization", "No")))


def _dial(name: str, caller: Snapshot | None, dest: Snapshot, tail: Sequence[Header]) -> Event:
    head = snapshot_headers(caller) if caller is not None else []
    return Event(name, "call", (*head, *snapshot_headers(dest, "Dest"), *tail))


def dial_begin(caller: Snapshot | None, dest: Snapshot, dial_string: str) -> Event:
    """``caller`` is ``None`` for the first leg of an Originate (no calling channel)."""
    return _dial("DialBegin", caller, dest, [("DialString", dial_string)])


def dial_state(caller: Snapshot | None, dest: Snapshot, status: str) -> Event:
    return _dial("DialState", caller, dest, [("DialStatus", status)])


def dial_end(caller: Snapshot | None, dest: Snapshot, status: str) -> Event:
    return _dial("DialEnd", caller, dest, [("DialStatus", status)])


def soft_hangup_request(s: Snapshot, cause: int = 16) -> Event:
    """``Cause`` here is app-internal (16 = explicit/end of dialplan, 4 = shutdown), not a Q.850 cause."""
    return _channel_event("SoftHangupRequest", s, [("Cause", str(cause))])


def hangup_request(s: Snapshot, cause: int) -> Event:
    return _channel_event("HangupRequest", s, [("Cause", str(cause))])


def hangup(s: Snapshot, cause: int) -> Event:
    return _channel_event("Hangup", s, [("Cause", str(cause)), ("Cause-txt", CAUSE_TEXT.get(cause, "Unknown"))])


def moh_start(s: Snapshot, moh_class: str = "default") -> Event:
    return _channel_event("MusicOnHoldStart", s, [("Class", moh_class)])


def moh_stop(s: Snapshot) -> Event:
    return _channel_event("MusicOnHoldStop", s)


def bridge_headers(bridge: Bridge, count: int) -> list[Header]:
    return [("BridgeUniqueid", bridge.uniqueid), ("BridgeType", "basic"), ("BridgeTechnology", "simple_bridge"),
            ("BridgeCreator", "<unknown>"), ("BridgeName", "<unknown>"), ("BridgeNumChannels", str(count)),
            ("BridgeVideoSourceMode", "none")]


def bridge_create(bridge: Bridge) -> Event:
    return Event("BridgeCreate", "call", tuple(bridge_headers(bridge, 0)))


def bridge_enter(bridge: Bridge, count: int, s: Snapshot) -> Event:
    return Event("BridgeEnter", "call", (*bridge_headers(bridge, count), *snapshot_headers(s)))


def bridge_leave(bridge: Bridge, count: int, s: Snapshot) -> Event:
    return Event("BridgeLeave", "call", (*bridge_headers(bridge, count), *snapshot_headers(s)))


def bridge_destroy(bridge: Bridge) -> Event:
    return Event("BridgeDestroy", "call", tuple(bridge_headers(bridge, 0)))


def originate_response(action_id: str, ok: bool, channel: str, context: str, exten: str, reason: int,
                       uniqueid: str, caller_num: str, caller_name: str) -> Event:
    head: list[Header] = [("ActionID", action_id)] if action_id else []
    return Event("OriginateResponse", "call", (
        *head, ("Response", "Success" if ok else "Failure"), ("Channel", channel), ("Context", context),
        ("Exten", exten), ("Reason", str(reason)), ("Uniqueid", uniqueid), ("CallerIDNum", caller_num),
        ("CallerIDName", caller_name)))


def fully_booted(uptime: int, last_reload: int) -> Event:
    return Event("FullyBooted", "system", (("Uptime", str(uptime)), ("LastReload", str(last_reload)),
                                           ("Status", "Fully Booted")))


def successful_auth(event_tv: str, account: str, session_id: str, local: tuple[str, int],
                    remote: tuple[str, int], using_password: bool) -> Event:
    return Event("SuccessfulAuth", "security", (
        ("EventTV", event_tv), ("Severity", "Informational"), ("Service", "AMI"), ("EventVersion", "1"),
        ("AccountID", account), ("SessionID", session_id), ("LocalAddress", f"IPV4/TCP/{local[0]}/{local[1]}"),
        ("RemoteAddress", f"IPV4/TCP/{remote[0]}/{remote[1]}"), ("UsingPassword", "1" if using_password else "0"),
        ("SessionTV", event_tv)))


def agi_exec_start(s: Snapshot, command_id: int, command: str) -> Event:
    return _channel_event("AGIExecStart", s, [("CommandId", str(command_id)), ("Command", command)], "agi")


def agi_exec_end(s: Snapshot, command_id: int, command: str, code: int, result: str) -> Event:
    return _channel_event("AGIExecEnd", s, [("CommandId", str(command_id)), ("Command", command),
                                            ("ResultCode", str(code)), ("Result", result)], "agi")


def dtmf_begin(s: Snapshot, digit: str) -> Event:
    return _channel_event("DTMFBegin", s, [("Digit", digit), ("Direction", "Received")], "dtmf")


def dtmf_end(s: Snapshot, digit: str, duration_ms: int = 100) -> Event:
    return _channel_event("DTMFEnd", s, [("Digit", digit), ("DurationMs", str(duration_ms)),
                                         ("Direction", "Received")], "dtmf")
