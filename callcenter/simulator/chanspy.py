"""``ChanSpy`` run by an originated supervisor phone (``Originate ... Application: ChanSpy``).

Theory of operation, from ``chanspy.ami.txt``: once the spyer's phone answered (``OriginateResponse``,
``DialEnd``), ``ChanSpyStart`` names the spyer (the originated ``;1`` half) and the spied channel (the
first live channel whose name starts with ChanSpy's first argument: the agent's leg,
``Local/1001@agent-phones-0000003c;1``). Spying goes on until the supervisor hangs up (an AMI ``Hangup``
of their channel: ``ChanSpyStop`` comes before the spyer's ``HangupRequest``/``Hangup``) or, with
option ``E``, until the spied channel hangs up (``ChanSpyStop`` just before its ``Hangup``, after which
the spyer hangs up too). Options ``q``, ``w`` (whisper) and ``B`` (barge) change only the audio, which
the simulator has none of. The real ChanSpy may hold ``ChanSpyStop`` until the spied channel hangs up
when that channel carries no media (README); a client must not rely on it coming earlier.
"""
from __future__ import annotations

import asyncio

from .calls import wait_any
from .channels import Channel
from .events import Event, snapshot_headers
from .pbx import Pbx


def chanspy_event(name: str, spyer: Channel, spyee: Channel) -> Event:
    """``ChanSpyStart`` / ``ChanSpyStop``: the spyer's snapshot headers prefixed ``Spyer``, the spied
    channel's prefixed ``Spyee`` (class ``call``)."""
    return Event(name, "call", (*snapshot_headers(spyer.snapshot(), "Spyer"),
                                *snapshot_headers(spyee.snapshot(), "Spyee")))


def find_spyee(pbx: Pbx, prefix: str, spyer: Channel) -> Channel | None:
    exact = pbx.channels.get(prefix)
    if exact is not None:
        return exact
    return next((c for c in pbx.channels if c.name.startswith(prefix) and c is not spyer), None)


async def run_chanspy(pbx: Pbx, spyer: Channel, data: str, spyer_gone: asyncio.Future[int], limit: float) -> None:
    """Spy until the spyer hangs up, or (option ``E``) the spied channel does, or *limit* seconds."""
    prefix, _, options = data.partition(",")
    spyee = find_spyee(pbx, prefix.strip(), spyer) if prefix.strip() else None
    if spyee is None:                 # nothing to spy on: ChanSpy keeps scanning; the phone just waits
        await wait_any([spyer_gone], limit)
        return
    spyee_gone: asyncio.Future[int] = pbx.loop.create_future()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            pbx.emit(chanspy_event("ChanSpyStop", spyer, spyee))

    def spied_hung_up() -> None:
        stop()
        if not spyee_gone.done():
            spyee_gone.set_result(16)

    pbx.emit(chanspy_event("ChanSpyStart", spyer, spyee))
    pbx.before_hangup.setdefault(spyee.name, []).append(spied_hung_up)
    waits = [spyer_gone, spyee_gone] if "E" in options else [spyer_gone]
    try:
        await wait_any(waits, limit)
    finally:
        hooks = pbx.before_hangup.get(spyee.name)
        if hooks and spied_hung_up in hooks:
            hooks.remove(spied_hung_up)
            if not hooks:
                pbx.before_hangup.pop(spyee.name, None)
        stop()
