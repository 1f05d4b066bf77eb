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
