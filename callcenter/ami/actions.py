"""AMI action builders, pure: domain intent -> header dict (``{'Action': ..., ...}``)."""
from __future__ import annotations

# Asterisk keeps this reason on the member while we hold an agent out of the queue after a call.
WRAP_UP_REASON = "wrap-up"


def queue_add(queue: str, interface: str, member_name: str, *, paused: bool = False, reason: str = "") -> dict[str, str]:
    headers = {"Action": "QueueAdd", "Queue": queue, "Interface": interface, "MemberName": member_name,
               "Penalty": "0", "Paused": "true" if paused else "false"}
    if paused and reason:
        headers["Reason"] = reason
    return headers


def queue_remove(queue: str, interface: str) -> dict[str, str]:
    return {"Action": "QueueRemove", "Queue": queue, "Interface": interface}


def queue_pause(interface: str, paused: bool, reason: str = "", queue: str | None = None) -> dict[str, str]:
    """Pause or unpause a member; without *queue* Asterisk applies it to every queue of the member."""
    headers = {"Action": "QueuePause", "Interface": interface, "Paused": "true" if paused else "false"}
    if queue:
        headers["Queue"] = queue
    if reason:
        headers["Reason"] = reason
    return headers


def queue_status(queue: str | None = None) -> dict[str, str]:
    headers = {"Action": "QueueStatus"}
    if queue:
        headers["Queue"] = queue
    return headers


def core_show_channels() -> dict[str, str]:
    return {"Action": "CoreShowChannels"}


def ping() -> dict[str, str]:
    return {"Action": "Ping"}


def queue_change_priority(queue: str, channel: str, priority: int) -> dict[str, str]:
    """Re-rank a waiting caller now (``Immediate``): the time credit of ``routing.aged_priority``."""
    return {"Action": "QueueChangePriorityCaller", "Queue": queue, "Caller": channel,
            "Priority": str(priority), "Immediate": "yes"}


def originate_callback(agent_interface: str, number: str, *, context: str, channel_id: str, caller_id: str,
                       ring_seconds: int, variables: dict[str, str] | None = None) -> dict[str, str]:
    """Ring the agent's phone first, then (``context``/``number``) the customer: a callback that can
    never be taken by the queue in between. ``ChannelId`` names the agent leg's Uniqueid, so the
    DialBegin/DialEnd/Hangup that follow are tied back to the callback."""
    headers = {"Action": "Originate", "Channel": agent_interface, "Context": context, "Exten": number,
               "Priority": "1", "Async": "true", "Timeout": str(ring_seconds * 1000), "CallerID": caller_id,
               "ChannelId": channel_id}
    if variables:
        headers["Variable"] = ",".join(f"{k}={v}" for k, v in variables.items())
    return headers


# --------------------------------------------------------------------------- call control (issue 4)
# Dialplan contexts of extensions.conf (callcenter/pbx/templates) that call control relies on.
TRANSFER_CONTEXT = "transfer"          # exten: an agent login, a queue name or a prefixed number to dial
# An outside number in [transfer] is "*" + the digits: no agent login (4 digits) is then the start of a
# longer extension, so the atxfer feature behind AMI Atxfer stops collecting digits at the login's
# last one instead of waiting features.conf's transferdigittimeout for more.
TRANSFER_NUMBER_PREFIX = "*"
HOLD_CONTEXT = "cc-hold"               # the caller hears music on hold
HOLD_AGENT_CONTEXT = "cc-hold-agent"   # the agent's leg waits in silence until Bridge joins them again
HOLD_AFTER_AGENT_PRIORITY = 2          # [cc-hold] after the agent left: the survey when asked, then Hangup()


def phone_side(agent_channel: str) -> str:
    """The channel to hang up to end a call as the agent's phone hanging up does: the ``;2`` half of a
    Local member (``Local/1001@agent-phones-0000001a;1`` -> ``...;2``), else the channel itself.

    An AMI ``Hangup`` of the ``;1`` half app_queue bridged is a soft hang-up that publishes no hangup
    request, and app_queue ends the member's call only on those: no ``AgentComplete`` until the caller
    leaves the dialplan (STYLE.md trap). The ``;2`` half hanging up queues one on ``;1``:
    ``AgentComplete Reason: agent`` at once, and the caller goes on (Queue option ``c``)."""
    if agent_channel.startswith("Local/") and agent_channel.endswith(";1"):
        return agent_channel[:-1] + "2"
    return agent_channel


def blind_transfer(agent_channel: str, exten: str, context: str = TRANSFER_CONTEXT) -> dict[str, str]:
    """``BlindTransfer`` on the agent's leg: the caller continues in *context*/*exten*; app_queue reports
    ``AgentComplete Reason: transfer`` (``blind_transfer_action.ami.txt``)."""
    return {"Action": "BlindTransfer", "Channel": agent_channel, "Context": context, "Exten": exten}


def hold(caller_channel: str, agent_channel: str) -> dict[str, str]:
    """Asterisk 22 has no AMI Hold: a ``Redirect`` takes the caller to music on hold and, with
    ``ExtraChannel``, parks the agent's leg in a silent wait, both out of their bridge."""
    return {"Action": "Redirect", "Channel": caller_channel, "Context": HOLD_CONTEXT, "Exten": "s",
            "Priority": "1", "ExtraChannel": agent_channel, "ExtraContext": HOLD_AGENT_CONTEXT,
            "ExtraExten": "s", "ExtraPriority": "1"}


def after_hold(caller_channel: str) -> dict[str, str]:
    """Send a held caller on to ``[cc-hold]`` priority 2 (the survey when asked, then goodbye): its agent's
    parked leg is gone, and a channel in ``MusicOnHold()`` would never notice."""
    return {"Action": "Redirect", "Channel": caller_channel, "Context": HOLD_CONTEXT, "Exten": "s",
            "Priority": str(HOLD_AFTER_AGENT_PRIORITY)}


def resume(caller_channel: str, agent_channel: str) -> dict[str, str]:
    """``Bridge`` the held caller and the waiting agent leg together again."""
    return {"Action": "Bridge", "Channel1": caller_channel, "Channel2": agent_channel, "Tone": "no"}


def hangup(channel: str, cause: int = 16) -> dict[str, str]:
    return {"Action": "Hangup", "Channel": channel, "Cause": str(cause)}


def atxfer(agent_channel: str, exten: str, context: str = TRANSFER_CONTEXT) -> dict[str, str]:
    """``Atxfer`` on the agent's leg: Asterisk holds the caller and rings *context*/*exten* in a
    consultation bridge with the agent (``atxfer.ami.txt``). Needs an ``atxfer`` code in
    features.conf and ``Queue()`` option ``t``; a ``Hangup`` of the agent's leg completes it, a
    ``Hangup`` of the consultation leg cancels it (the agent is back with the caller)."""
    return {"Action": "Atxfer", "Channel": agent_channel, "Context": context, "Exten": exten}


_ERE_SPECIAL = frozenset(".[]()*+?{}|^$\\")


def consultation_leg_pattern(exten: str, context: str = TRANSFER_CONTEXT) -> str:
    """The consultation leg's name before we saw it (``Local/<exten>@<context>-XXXXXXXX;1``), as the
    ``/regex/`` form AMI ``Hangup`` accepts."""
    escaped = "".join("\\" + ch if ch in _ERE_SPECIAL else ch for ch in f"Local/{exten}@{context}-")
    return f"/^{escaped}[0-9a-f]+;1$/"


# --------------------------------------------------------------------------- supervision (issue 5)
# ChanSpy options: q (no beep / channel name announced), w whisper to the spied channel, B barge (talk to
# both), E exit when the spied channel hangs up (as recorded in chanspy.actions.txt).
SPY_OPTIONS = {"listen": "qE", "whisper": "qwE", "barge": "qBE"}


def chanspy(supervisor_interface: str, agent_channel: str, mode: str, *, caller_id: str,
            ring_seconds: int = 15) -> dict[str, str]:
    """``Originate`` the supervisor's phone into ``ChanSpy(<agent's leg>,<options>)``, as
    ``chanspy.actions.txt`` did (Application/Data; the leg is e.g. ``Local/1001@agent-phones-0000003c;1``)."""
    return {"Action": "Originate", "Channel": supervisor_interface, "Application": "ChanSpy",
            "Data": f"{agent_channel},{SPY_OPTIONS[mode]}", "CallerID": caller_id, "Async": "true",
            "Timeout": str(ring_seconds * 1000)}
