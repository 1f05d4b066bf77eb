"""The state machines, as tables: ``{state: {event type: new state}}``.

A (state, event) pair missing from a table is an illegal transition: the model reports it as a
``Problem`` effect naming the call or agent, the state and the event, and leaves the state alone.
Tests are parametrised over these tables.
"""
from __future__ import annotations

from enum import StrEnum

from callcenter import domain as d


class CallState(StrEnum):
    IVR = "ivr"                 # in the voice menu (we only know it from IvrCompleted)
    QUEUED = "queued"           # waiting in a queue
    DIALING = "dialing"         # a ladder's agent step: Dial() rings one agent directly
    RINGING = "ringing"         # at least one agent phone rings
    CONNECTED = "connected"     # talking to an agent
    CONSULTING = "consulting"   # attended transfer: on hold while the agent consults the target (Atxfer)
    COMPLETED = "completed"     # the agent call ended (AgentComplete)
    TRANSFERRED = "transferred"  # blind-transferred: the agent's part ended, the caller goes on (queue/agent/number)
    ABANDONED = "abandoned"     # hung up while waiting (decided by the caller channel's Hangup)
    LEFT = "left"               # out of a queue (or a Dial step) unanswered: the next step (overflow) or the Hangup
    IVR_HANGUP = "ivr_hangup"   # hung up in the voice menu


class Activity(StrEnum):
    """What an agent is doing with calls; their queue memberships are kept beside it."""
    IDLE = "idle"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"


class AgentState(StrEnum):
    """What the console and the wallboard show: derived from memberships + activity."""
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    PAUSED = "paused"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"


CALL_TERMINAL = frozenset({CallState.COMPLETED, CallState.ABANDONED, CallState.IVR_HANGUP})

CALL_TRANSITIONS: dict[CallState, dict[type, CallState]] = {
    CallState.IVR: {
        d.CallerJoined: CallState.QUEUED,
        d.DialStarted: CallState.DIALING,
        d.ChannelHungUp: CallState.IVR_HANGUP,
        d.UnconfirmedCallDue: CallState.IVR_HANGUP,    # FastAGI said it, Asterisk never did: dropped
    },
    CallState.DIALING: {
        d.DialStarted: CallState.DIALING,
        d.DialFinished: CallState.DIALING,         # the model moves on: CONNECTED on ANSWER, else LEFT
        d.CallerJoined: CallState.QUEUED,
        d.ChannelHungUp: CallState.ABANDONED,      # hung up while the agent's phone rang
    },
    CallState.QUEUED: {
        d.CallerJoined: CallState.QUEUED,          # QueueStatus resync re-reports waiting callers
        d.DialStarted: CallState.QUEUED,           # app_queue's own dials (AgentCalled tells us more)
        d.DialFinished: CallState.QUEUED,
        d.AgentRinging: CallState.RINGING,
        d.CallerAbandoned: CallState.LEFT,         # a Queue() timeout sends it too: what follows decides
        d.CallerLeft: CallState.LEFT,
        d.ChannelHungUp: CallState.ABANDONED,      # hang-up with no QueueCallerAbandon (link gap)
    },
    CallState.RINGING: {
        d.AgentRinging: CallState.RINGING,         # ringall: several phones ring
        d.DialStarted: CallState.RINGING,
        d.DialFinished: CallState.RINGING,
        d.AgentNoAnswer: CallState.RINGING,        # the model drops back to QUEUED when none rings
        d.CallerLeft: CallState.RINGING,           # Asterisk sends QueueCallerLeave before AgentConnect
        d.AgentAnswered: CallState.CONNECTED,
        d.CallerAbandoned: CallState.LEFT,         # hung up while a phone rang: the Hangup follows
        d.ChannelHungUp: CallState.ABANDONED,
    },
    CallState.CONNECTED: {
        d.CallCompleted: CallState.COMPLETED,
        d.CallTransferred: CallState.TRANSFERRED,  # BlindTransfer: the caller leaves the agent's bridge
        d.TransferCall: CallState.CONSULTING,      # attended (Atxfer sent): the caller is held, the target rings
        d.DialStarted: CallState.CONNECTED,
        d.DialFinished: CallState.CONNECTED,
        d.CallerLeft: CallState.CONNECTED,
        d.ChannelHungUp: CallState.CONNECTED,      # AgentComplete follows the caller's Hangup
    },
    CallState.CONSULTING: {
        d.LegDialEnded: CallState.CONSULTING,      # the consultation leg answered (or not)
        d.ChannelUnheld: CallState.CONNECTED,      # cancelled / target gone / no answer: back with the agent
        d.CallAttendedTransferred: CallState.CONNECTED,  # the target has the caller now (a number: TRANSFERRED)
        d.CallCompleted: CallState.COMPLETED,      # the caller hung up while held (AgentComplete Reason: caller)
        d.DialStarted: CallState.CONSULTING,
        d.DialFinished: CallState.CONSULTING,
        d.CallerLeft: CallState.CONSULTING,
        d.ChannelHungUp: CallState.CONSULTING,     # AgentComplete follows the caller's Hangup
    },
    # Asterisk 22 sends QueueCallerAbandon + QueueCallerLeave for a Queue() timeout and for a caller's
    # hang-up alike (app_queue.c record_abandoned): only what comes next tells an overflow from an abandon.
    CallState.LEFT: {
        d.CallerLeft: CallState.LEFT,              # QueueCallerLeave follows QueueCallerAbandon
        d.CallerJoined: CallState.QUEUED,          # overflow into the next queue
        d.DialStarted: CallState.DIALING,          # overflow into the next step: an agent rings
        d.ChannelHungUp: CallState.ABANDONED,      # the caller's channel hung up: in the queue or between steps
    },
    CallState.TRANSFERRED: {
        d.CallerJoined: CallState.QUEUED,          # transferred to a queue
        d.DialStarted: CallState.DIALING,          # transferred to an agent: Dial() rings them (pop)
        d.DialFinished: CallState.TRANSFERRED,     # a number dialled (not an agent): nothing to follow
        d.CallerLeft: CallState.TRANSFERRED,
        d.ChannelHungUp: CallState.COMPLETED,      # the caller's call ends after the transfer
    },
    CallState.COMPLETED: {
        d.ChannelHungUp: CallState.COMPLETED,
        d.DialFinished: CallState.COMPLETED,
        d.CallerLeft: CallState.COMPLETED,
    },
    CallState.ABANDONED: {
        d.DialFinished: CallState.ABANDONED,       # DialEnd CANCEL after the caller's hang-up
        d.CallerLeft: CallState.ABANDONED,         # QueueCallerLeave follows QueueCallerAbandon
        d.ChannelHungUp: CallState.ABANDONED,
    },
    CallState.IVR_HANGUP: {
        d.ChannelHungUp: CallState.IVR_HANGUP,
    },
}

ACTIVITY_TRANSITIONS: dict[Activity, dict[type, Activity]] = {
    Activity.IDLE: {
        d.AgentRinging: Activity.RINGING,
        d.DialStarted: Activity.RINGING,           # rung directly by a ladder's agent step
        d.TransferCall: Activity.RINGING,          # the target of an attended transfer: consultation rings
    },
    Activity.RINGING: {
        d.DialFinished: Activity.RINGING,          # the model moves on: ON_CALL on ANSWER, else IDLE
        d.AgentRinging: Activity.RINGING,          # a second call offered (ring-in-use)
        d.AgentNoAnswer: Activity.IDLE,
        d.CallerAbandoned: Activity.IDLE,
        d.ChannelHungUp: Activity.IDLE,
        d.AgentAnswered: Activity.ON_CALL,
        d.LegDialEnded: Activity.ON_CALL,          # the target answered the consultation
        d.ChannelUnheld: Activity.IDLE,            # the consultation was cancelled before an answer
    },
    Activity.ON_CALL: {
        d.CallCompleted: Activity.WRAP_UP,
        d.ChannelUnheld: Activity.IDLE,            # the target's consultation was cancelled
    },
    Activity.WRAP_UP: {
        d.DispositionSaved: Activity.IDLE,
        d.WrapUpExpired: Activity.IDLE,
        d.AgentRinging: Activity.RINGING,          # wrap-up of 0 s, or a manual unpause: a new call rings
        d.DialStarted: Activity.RINGING,
    },
}
