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
