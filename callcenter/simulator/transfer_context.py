"""The ``[transfer]`` context of extensions.conf (callcenter/pbx/templates): where an extension rings.

    exten = a queue name         -> Queue(${EXTEN},t)                                (call_control)
    exten = 4 digits (a login)   -> Dial(Local/${EXTEN}@agent-phones/n,30,g)
    exten = "*" + digits         -> Dial(Local/${EXTEN:1}@customer-phones/n,30,g)     (an outside number)

No extension is the start of a longer one, so the atxfer feature stops collecting digits at once
(features.c / bridge_basic.c: it waits for more only while a longer extension could still match).
"""
from __future__ import annotations

import re

AGENT_PHONES, CUSTOMER_PHONES = "agent-phones", "customer-phones"
NUMBER_PREFIX = "*"                    # the server's callcenter.ami.actions.TRANSFER_NUMBER_PREFIX
_AGENT = re.compile(r"\d{4}")
_NUMBER = re.compile(re.escape(NUMBER_PREFIX) + r"\d{2,}")


def phone_destination(exten: str) -> tuple[str, str] | None:
    """``(context, exten)`` the ``Dial()`` of ``[transfer]`` rings for *exten*; ``None``: no such
    extension (a queue name is looked up by the caller first)."""
    if _AGENT.fullmatch(exten):
        return AGENT_PHONES, exten
    if _NUMBER.fullmatch(exten):
        return CUSTOMER_PHONES, exten[len(NUMBER_PREFIX):]
    return None
