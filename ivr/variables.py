"""Names of every dialplan variable shared between the IVR and ``extensions.conf``.

The rendered dialplan (``callcenter/pbx/templates/extensions.conf.j2``) and the PBX simulator read
these; nothing else in the code spells them.
"""

# Set by the IVR (and given defaults by the dialplan before the AGI runs, so a dead AGI server
# still routes the caller somewhere).
QUEUE = "CC_QUEUE"
PRIORITY = "CC_PRIORITY"
LANGUAGE = "CC_LANGUAGE"
CUSTOMER_ID = "CC_CUSTOMER_ID"
MENU_CHOICE = "CC_MENU"
IVR_STATUS = "CC_IVR_STATUS"       # "ok" or "fallback"
ACTION = "CC_ACTION"               # "" = route the caller; "closed" (the IVR said goodbye) and others: hang up
CLOSED_REASON = "CC_CLOSED_REASON"  # why the queue is closed ("outside hours", "holiday: ...")

# The routing plan the dialplan walks: CC_STEPS steps, step i described by CC_STEP_<i>_KIND (agent |
# queue), _TARGET (login | queue), _DIAL (agent: what Dial() rings), _SECONDS (agent: ring time; queue:
# the Queue() timeout before the next step, empty = until answered), _PRIORITY (queue: QUEUE_PRIO).
STEPS = "CC_STEPS"
STEP = "CC_STEP"                   # the dialplan's loop counter
SURVEY = "CC_SURVEY"               # "yes": the caller is asked to rate the call if the agent hangs up first


def step(index: int, field: str) -> str:
    return f"CC_STEP_{index}_{field}"


# Values of ACTION the dialplan tests.
ACTION_CLOSED = "closed"
ACTION_REJECT = "reject"           # a blocked number: the IVR played why; the dialplan hangs up
ACTION_CALLBACK = "callback"       # the caller asked to be called back: the dialplan hangs up

# Asterisk's own: app_queue takes the caller's queue priority from QUEUE_PRIO.
ASTERISK_QUEUE_PRIORITY = "QUEUE_PRIO"
# Asterisk's own: the channel language picks the prompt folder (sounds/zh/, sounds/en/ from
# `callcenter prompts`) when a prompt *starts*; the IVR sets it before its first prompt and again
# whenever the caller switches language in the menu.
ASTERISK_CHANNEL_LANGUAGE = "CHANNEL(language)"
# Set by Asterisk after AGI(): SUCCESS, FAILURE (server unreachable), NOTFOUND, HANGUP.
ASTERISK_AGI_STATUS = "AGISTATUS"

# The FastAGI script names in ``AGI(agi://host:port/inbound)``.
INBOUND_SCRIPT = "inbound"
SURVEY_SCRIPT = "survey"
