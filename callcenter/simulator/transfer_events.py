"""What app_queue / app_dial emit when the agent's leg is blind-transferred out of the bridge.

Order of ``blind_transfer_action.ami.txt``: the response "Transfer succeeded" has left already, then
``Unhold`` on the transferer (the agent's leg), ``BlindTransfer``, ``AgentComplete Reason: transfer``
(app_queue only), the caller's ``BridgeLeave``; the caller goes on in the dialplan at once (its
``QueueCallerJoin`` comes before the agent's side is torn down), then the agent's ``BridgeLeave``,
``BridgeDestroy`` and the agent's hang-up.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import events as ev
from .calls import REDIRECTED
from .channels import Bridge, Snapshot
from .pbx import Pbx
from .ringing import hang_up_agent_side



def unhold(s: Snapshot) -> ev.Event:
    return ev.Event("Unhold", "call", tuple(ev.snapshot_headers(s)))


def blind_transfer(transferer: Snapshot, transferee: Snapshot, bridge: Bridge, context: str, exten: str,
                   count: int = 2) -> ev.Event:
    return ev.Event("BlindTransfer", "call", (
        ("Result", "Success"), *ev.snapshot_headers(transferer, "Transferer"),
        *ev.snapshot_headers(transferee, "Transferee"), *ev.bridge_headers(bridge, count),
        ("IsExternal", "Yes"), ("Context", context), ("Extension", exten)))


def blind_transferred(pbx: Pbx, call: Any, bridge: Bridge, leg: Any, complete: Callable[[str], None] | None) -> str:
    """The caller leaves the bridge for ``call.transfer`` (already set as its redirect location)."""
    chan = call.chan
    context, exten = call.transfer
    call.transfer = None
    pbx.emit(unhold(leg.dial.snapshot()))
    pbx.emit(blind_transfer(leg.dial.snapshot(), chan.snapshot(), bridge, context, exten))
    if complete is not None:
        complete("transfer")
    chan.at(context, exten, 1)
    pbx.emit(ev.bridge_leave(bridge, 1, chan.snapshot()))
    chan.bridge_id = ""

    left = False

    def leave_bridge() -> None:
        nonlocal left
        if not left:
            left = True
            pbx.emit(ev.bridge_leave(bridge, 0, leg.dial.snapshot()))
            pbx.emit(ev.bridge_destroy(bridge))

    # As recorded: a caller sent to a queue joins it before the agent's side leaves the bridge, and the
    # queue rings its next member only after that; the agent's channels hang up a moment later.
    call.on_join.append(leave_bridge)

    async def agent_side() -> None:
        leave_bridge()
        hang_up_agent_side(pbx, leg, 16)

    pbx.spawn(agent_side(), name=f"transfer-agent-side-{leg.dial.name}")
    return REDIRECTED
