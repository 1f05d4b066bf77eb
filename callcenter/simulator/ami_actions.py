"""Core AMI actions: Ping, CoreStatus, CoreSettings, CoreShowChannels, Command, Hangup, Redirect,
Getvar and Setvar, answered with Asterisk 22's messages (``ami_basic_actions.ami.txt``)."""
from __future__ import annotations

from typing import Any

import time

from .agi_commands import to_int
from .ami_server import Session
from .protocol import Pairs, error, header, list_start, success, with_action_id
from .queue_events import core_show_channel, list_complete

AMI_VERSION, ASTERISK_VERSION = "11.0.0", "22.10.1"
_VERSION_LINE = f"Asterisk {ASTERISK_VERSION} built by root @ simulator on a x86_64 running Linux"


async def action_ping(session: Session, frame: Pairs) -> None:
    session.send(success(frame, None, [("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")]))


async def action_core_status(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    started = time.localtime(pbx.started_wall)
    date, clock = time.strftime("%Y-%m-%d", started), time.strftime("%H:%M:%S", started)
    live = sum(1 for call in pbx.calls.values() if call.outcome is None)
    session.send(success(frame, None, [
        ("CoreStartupDate", date), ("CoreStartupTime", clock), ("CoreReloadDate", date),
        ("CoreReloadTime", clock), ("CoreCurrentCalls", str(live)), ("CoreProcessedCalls", str(pbx.processed_calls))]))


async def action_core_settings(session: Session, frame: Pairs) -> None:
    session.send(success(frame, None, [
        ("AMIversion", AMI_VERSION), ("AsteriskVersion", ASTERISK_VERSION),
        ("SystemName", session.pbx.config.system_name), ("CoreMaxCalls", "0"), ("CoreMaxLoadAvg", "0.000000"),
        ("CoreRunUser", ""), ("CoreRunGroup", ""), ("CoreMaxFilehandles", "0"), ("CoreRealTimeEnabled", "Yes"),
        ("CoreCDRenabled", "Yes"), ("CoreHTTPenabled", "No"), ("SoundsSearchCustomDir", "No")]))


async def action_core_show_channels(session: Session, frame: Pairs) -> None:
    pbx = session.pbx
    action_id = with_action_id(frame)
    session.send(list_start(frame, "Channels will follow"))
    count = 0
    for chan in pbx.channels:
        session.send(core_show_channel(chan.snapshot(), chan.bridge_id, chan.application, chan.app_data,
                                       int(pbx.now() - chan.created), action_id))
        count += 1
    session.send(list_complete("CoreShowChannelsComplete", count, action_id))


async def action_command(session: Session, frame: Pairs) -> None:
    command = " ".join(header(frame, "Command").split()).lower()
    outputs = {"core show version": [_VERSION_LINE],
               "core show uptime": [f"System uptime: {int(session.pbx.now() - session.pbx.started)} seconds"],
               "core show channels count": [f"{len(session.pbx.channels)} active channels"]}
    lines = outputs.get(command)
    if lines is None:
        session.send(error(frame, "Command output follows")
                     + [("Output", f"No such command '{command}' (type 'core show help {command}' for other "
                                   "possible commands)")])
        return
    session.send(success(frame, "Command output follows", [("Output", line) for line in lines]))


async def action_hangup(session: Session, frame: Pairs) -> None:
    name = header(frame, "Channel")
    if not name:
        session.send(error(frame, "No channel specified"))
        return
    chan = session.pbx.channels.get(name)
    if chan is None:
        session.send(error(frame, "No such channel"))
        return
    cause = to_int(header(frame, "Cause")) or 0
    session.send(success(frame, "Channel Hungup"))
    owner = chan.owner
    by_channel = getattr(owner, "hang_up_channel", None)      # an agent leg: which half matters
    if by_channel is not None:
        by_channel(chan, cause)
    elif owner is not None and hasattr(owner, "hang_up"):
        owner.hang_up(cause)
    else:                                       # a channel nothing drives: it just goes away
        session.pbx.hangup_channel(chan, cause)


async def action_redirect(session: Session, frame: Pairs) -> None:
    name = header(frame, "Channel")
    if not name:
        session.send(error(frame, "Channel not specified"))
        return
    chan = session.pbx.channels.get(name)
    if chan is None:
        session.send(error(frame, f"Channel does not exist: {name}"))
        return
    context, exten, priority_text = header(frame, "Context"), header(frame, "Exten"), header(frame, "Priority")
    priority = to_int(priority_text) if priority_text else 1
    if priority is None or priority < 1:
        session.send(error(frame, "Invalid priority"))
        return
    if not context or not exten:
        session.send(error(frame, "Redirect failed"))
        return
    redirect = getattr(chan.owner, "redirect", None)
    if redirect is not None and not redirect.done():
        redirect.set_result((context, exten, priority))
    session.send(success(frame, "Redirect successful"))


def _variable_target(session: Session, frame: Pairs) -> tuple[bool, Any]:
    """(ok, channel or None for a global) for Getvar/Setvar; an error was sent when not ok."""
    variable, name = header(frame, "Variable"), header(frame, "Channel")
    if not variable:
        session.send(error(frame, "No variable specified"))
        return False, None
    chan = session.pbx.channels.get(name) if name else None
    if name and chan is None:
        session.send(error(frame, "No such channel"))
        return False, None
    return True, chan


async def action_getvar(session: Session, frame: Pairs) -> None:
    ok, chan = _variable_target(session, frame)
    if not ok:
        return
    variable = header(frame, "Variable")
    value = session.pbx.get_var(chan, variable) or ""
    session.send(success(frame, None, [("Variable", variable), ("Value", value)]))


async def action_setvar(session: Session, frame: Pairs) -> None:
    ok, chan = _variable_target(session, frame)
    if not ok:
        return
    variable = header(frame, "Variable")
    (chan.variables if chan is not None else session.pbx.global_vars)[variable] = header(frame, "Value")
    session.send(success(frame, "Variable Set"))


CORE_ACTIONS = {"Ping": action_ping, "CoreStatus": action_core_status, "CoreSettings": action_core_settings,
                "CoreShowChannels": action_core_show_channels, "Command": action_command,
                "Hangup": action_hangup, "Redirect": action_redirect, "Getvar": action_getvar,
                "Setvar": action_setvar}
