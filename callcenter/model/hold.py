"""Hold and resume from the agent desk, and how a call taken out of app_queue's bridge ends.

``ControlHandlers`` (``control.py``) inherits these handlers. Theory of operation:

* **hold**: Asterisk 22 has no AMI Hold. A ``Redirect`` takes the caller to ``[cc-hold]`` (music on
  hold) and, with ``ExtraChannel``, the agent's leg to ``[cc-hold-agent]`` (a silent ``Wait()``);
  **resume** joins the two with the ``Bridge`` action. The hold is a flag the desk shows; the call
  stays CONNECTED.
* **who ends the call then** (STYLE.md, "Traps found on a real Asterisk 22.10.1"; issue 9): once the
  caller left app_queue's bridge, ``AgentComplete`` may come late (while held, when a side hangs up)
  or never (after a ``Bridge``: the action masquerades both channels and app_queue loses them). So a
  call that was ever held is *detached*: it ends at the first of ``AgentComplete``, the ``Hangup`` of
  the caller's channel (``Reason: caller``) or the ``Hangup`` of either half of the agent's leg
  (``Reason: agent``), with the talk time counted here; a later ``AgentComplete`` is ignored. The
  channels keep their names and Uniqueids through the masquerade, so the agent's leg is known by
  name (its ``;1`` half and the phone side ``;2``).
* **a side left alone on hold**: a channel in ``MusicOnHold()``/``Wait()`` does not notice its partner
  go. When the held caller hangs up, the server hangs up the agent's parked leg (else Asterisk counts
  the member in use for up to an hour while the desk says available). When the parked leg goes (the
  agent's phone hung up, or the desk's hang-up while held), the agent's part ends and the caller is
  sent on to ``[cc-hold]`` priority 2: the survey when the IVR asked for it, then goodbye -- as when
  an agent hangs up a call in the queue (option ``c``). Not re-queued: the agent ended the call.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from callcenter import domain as d
from callcenter import effects as fx
from callcenter.ami import actions
from callcenter.model.consult import refusal
from callcenter.model.entities import Agent, Call
from callcenter.model.tables import CallState

Effects = list[Any]
_ENDS_HERE = (CallState.CONNECTED, CallState.CONSULTING)


class HoldHandlers:
    calls: dict[str, Call]
    detached_legs: dict[str, str]
    connected_call: Callable[..., tuple[Agent | None, Call | None, dict[str, Any] | None]]
    _refuse: Callable[..., Effects]
    _call_frame: Callable[..., fx.SendToAgent]
    _complete_direct: Callable[..., Effects]

    # ------------------------------------------------------------------ desk commands
    def _hold(self, e: d.HoldCall, now: datetime) -> Effects:
        agent, call, error = self.connected_call(e.agent_id)
        if error is not None or call is None or agent is None:
            return self._refuse(e.agent_id, error or {})
        if call.held:
            return self._refuse(e.agent_id, refusal("already-on-hold", "the call is already on hold"))
        if not call.channel or not call.agent_channel or call.agent_first:
            return self._refuse(e.agent_id, refusal("cannot-hold", "this call cannot be put on hold",
                                                    call_id=call.call_id))
        call.held, call.detached, call.parked = True, True, call.agent_channel
        for name in {call.agent_channel, actions.phone_side(call.agent_channel)}:
            self.detached_legs[name] = call.call_id
        call.route_log.append(("on hold", "保持"))
        return [fx.AmiAction(actions.hold(call.channel, call.agent_channel), e.agent_id,
                             on_failure=d.ControlFailed(e.agent_id, call.call_id, "hold")),
                self._call_frame(agent, call, now), fx.SupervisorsChanged()]

    def _resume(self, e: d.ResumeCall, now: datetime) -> Effects:
        agent, call, error = self.connected_call(e.agent_id)
        if error is not None or call is None or agent is None:
            return self._refuse(e.agent_id, error or {})
        if not call.held:
            return self._refuse(e.agent_id, refusal("not-on-hold", "the call is not on hold"))
        call.held, call.parked = False, ""
        call.route_log.append(("resumed", "恢复通话"))
        return [fx.AmiAction(actions.resume(call.channel, call.agent_channel), e.agent_id,
                             on_failure=d.ControlFailed(e.agent_id, call.call_id, "resume")),
                self._call_frame(agent, call, now), fx.SupervisorsChanged()]

    def _hold_refused(self, call: Call, action: str) -> None:
        """Undo what was assumed when Asterisk refused the Redirect (hold) or the Bridge (resume)."""
        call.held = action == "resume"
        call.parked = call.agent_channel if call.held else ""

    # ------------------------------------------------------------------ the end of a detached call
    def _detached_leg_hung_up(self, e: d.ChannelHungUp, now: datetime) -> Effects | None:
        """The agent's leg of a detached call hung up (``None``: not such a leg)."""
        call_id = self.detached_legs.get(e.channel)
        if call_id is None:
            return None
        call = self.calls.get(call_id)
        if call is None:
            self._forget_legs(call_id)
            return []
        self._forget_legs(call_id)
        effects: Effects = []
        if call.state is CallState.CONNECTED:
            # After the caller's HangupRequest this Hangup is only the bridge coming apart (live 22.10.1
            # sends the agent leg's Hangup before the caller's in some runs): the caller ended the call.
            effects += self._complete_direct(call, "caller" if call.hangup_requested else "agent", now)
        # (CONSULTING: the transferer's leg hangs up to complete an attended transfer; not an end.)
        if call.parked and call.channel:
            # The caller would hear music for ever: on to the survey or goodbye.
            call.parked = ""
            effects.append(fx.AmiAction(actions.after_hold(call.channel)))
        return effects

    def _detached_caller_hung_up(self, call: Call, now: datetime) -> Effects:
        """The caller's channel of a detached call hung up: the agent's parked leg too, and the call
        ends here unless ``AgentComplete`` already ended it."""
        effects: Effects = []
        if call.parked:
            effects.append(fx.AmiAction(actions.hangup(actions.phone_side(call.parked))))
            call.parked = ""
        self._forget_legs(call.call_id)
        if call.state in _ENDS_HERE:
            effects += self._complete_direct(call, "caller", now)
        return effects

    def _forget_hold(self, call: Call) -> None:
        """A new part of the call begins (a transfer): app_queue / app_dial own it again."""
        call.detached, call.parked = False, ""
        self._forget_legs(call.call_id)

    def _forget_legs(self, call_id: str) -> None:
        for name in [n for n, owner in self.detached_legs.items() if owner == call_id]:
            del self.detached_legs[name]
