"""Names of every dialplan variable shared between the IVR and ``extensions.conf``.

The sample dialplan (``callcenter/data/extensions.conf``) and the PBX simulator read these; nothing
else in the code spells them.
"""

# Set by the IVR (and given defaults by the dialplan before the AGI runs, so a dead AGI server
# still routes the caller somewhere).
QUEUE = "CC_QUEUE"
PRIORITY = "CC_PRIORITY"
LANGUAGE = "CC_LANGUAGE"
CUSTOMER_ID = "CC_CUSTOMER_ID"
MENU_CHOICE = "CC_MENU"
IVR_STATUS = "CC_IVR_STATUS"       # "ok" or "fallback"
ACTION = "CC_ACTION"               # "" = queue the caller; "closed" = play a goodbye and hang up
CLOSED_REASON = "CC_CLOSED_REASON"  # why the queue is closed ("outside hours", "holiday: ...")

# Values of ACTION the dialplan tests.
ACTION_CLOSED = "closed"

# Asterisk's own: app_queue takes the caller's queue priority from QUEUE_PRIO.
ASTERISK_QUEUE_PRIORITY = "QUEUE_PRIO"
# Set by Asterisk after AGI(): SUCCESS, FAILURE (server unreachable), NOTFOUND, HANGUP.
ASTERISK_AGI_STATUS = "AGISTATUS"

# The FastAGI script name in ``AGI(agi://host:port/inbound)``.
INBOUND_SCRIPT = "inbound"
