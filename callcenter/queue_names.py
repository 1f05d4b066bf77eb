"""What may not name a queue, as app_queue sees it: ``[general]`` is queues.conf's settings section, so a
queue named ``general`` can never exist (seen on a real Asterisk 22, ../shared/asterisk/). A leaf module:
the settings, the routing rules, the IVR's menus and hours and the simulator all check names with it."""
from __future__ import annotations

RESERVED_QUEUE_NAMES = frozenset({"general"})
