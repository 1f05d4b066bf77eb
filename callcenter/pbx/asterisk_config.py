"""Asterisk's configuration files, rendered from the server's settings.

Theory of operation. :func:`render` is pure: it turns :class:`Settings` (plus the AMI secret when it
may be shown, the address Asterisk reaches the FastAGI server at, and the agents' phone extensions)
into ``{file name: text}`` for ``/etc/asterisk``. The texts are jinja2 templates shipped beside this
module (``templates/<name>.j2``), commented for the person who pastes them; this module only computes
the values they print. What the server and the simulator rely on in those files has one spelling:
the ``[transfer]`` context and its outside-number prefix come from :mod:`callcenter.ami.actions`, the
dialplan's variable and script names from :mod:`ivr.variables`.

Nothing here is secret by default: ``secret=None`` leaves manager.conf's secret line commented out
(nobody can log in until it is filled in). SIP passwords of the agents' phones are generated at random
on every render, never a fixed value that would work for anyone who read this source.
"""
from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from functools import cache
from typing import Any

import jinja2

from callcenter.ami.actions import TRANSFER_NUMBER_PREFIX
from callcenter.settings import Settings
from ivr import menu
from ivr import variables as dv

FILES = ("extensions.conf", "queues.conf", "manager.conf", "features.conf", "musiconhold.conf", "pjsip.conf")
ATXFER_CODE = "*2"                     # features.conf [featuremap] atxfer: what AMI Atxfer "dials" first
TRANSFER_DIGIT_TIMEOUT = 3             # seconds; only an outside number's transfer waits for it
PASSWORD_BYTES = 18                    # 24 URL-safe characters per SIP password
_ANY_ADDRESS = {"0.0.0.0", "::", ""}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@cache
def _templates() -> jinja2.Environment:
    # No autoescaping: the output is Asterisk config, not HTML. StrictUndefined: a misspelt value
    # fails the render instead of leaving a blank in a file that would still load.
    return jinja2.Environment(loader=jinja2.PackageLoader("callcenter.pbx", "templates"), autoescape=False,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def render(settings: Settings, *, secret: str | None = None, agi_host: str | None = None,
           phones: Sequence[str] = ()) -> dict[str, str]:
    """``{file name: text}`` for :data:`FILES`.

    *secret*: the AMI secret to write into manager.conf; ``None`` writes a commented placeholder.
    *agi_host*: where Asterisk reaches the FastAGI server (default: ``fastagi.host``, with a wildcard
    bind address read as 127.0.0.1). *phones*: the agents' phone extensions (digits), one PJSIP
    endpoint each; none gives a commented example."""
    values: dict[str, dict[str, Any]] = {
        "extensions.conf": _extensions(settings, agi_host),
        "queues.conf": _queues(settings),
        "manager.conf": _manager(settings, secret, agi_host),
        "features.conf": {"atxfer_code": ATXFER_CODE, "digit_timeout": TRANSFER_DIGIT_TIMEOUT},
        "musiconhold.conf": {},
        "pjsip.conf": _pjsip(settings, phones),
    }
    env = _templates()
    return {name: env.get_template(f"{name}.j2").render(**values[name]) for name in FILES}


# --------------------------------------------------------------------------- per file
def agi_address(settings: Settings, agi_host: str | None = None) -> str:
    """``host:port`` of the FastAGI server as Asterisk dials it."""
    host = agi_host or settings.fastagi.host
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"            # the server listens everywhere: Asterisk on the same box uses loopback
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"            # an IPv6 literal
    return f"{host}:{settings.fastagi.port}"


def _extensions(settings: Settings, agi_host: str | None) -> dict[str, Any]:
    note = ""
    if agi_host:
        note = f"reached at {agi_host} (--agi-host), the server listens on {settings.fastagi.host}"
    elif settings.fastagi.host in _ANY_ADDRESS:
        note = f"the server listens on every address ({settings.fastagi.host or 'any'}): Asterisk on the same " \
               "machine reaches it at 127.0.0.1; elsewhere render with --agi-host <server address>"
    return {"default_queue": settings.routing.default_queue, "agi_address": agi_address(settings, agi_host),
            "agi_note": note, "inbound_script": dv.INBOUND_SCRIPT, "survey_script": dv.SURVEY_SCRIPT,
            "callback_context": settings.callbacks.context, "number_prefix": TRANSFER_NUMBER_PREFIX,
            "transfer_ring_seconds": settings.routing.transfer_ring_seconds}


def _queues(settings: Settings) -> dict[str, Any]:
    queues = [{"name": name, "label": " ".join(q.label_text.split()), "strategy": q.strategy,
               "timeout": q.member_timeout, "weight": q.weight, "wrapup": q.wrapup_seconds}
              for name, q in settings.queues.items()]
    return {"queues": queues, "servicelevel": round(settings.metrics.sl_seconds)}


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _manager(settings: Settings, secret: str | None, agi_host: str | None) -> dict[str, Any]:
    ami_host = settings.ami.host
    ip = _ip(ami_host)
    if ami_host.lower() in _LOOPBACK_NAMES or (ip is not None and ip.is_loopback):
        bindaddr, bind_note = "127.0.0.1", "ami.host is this machine: AMI listens on loopback only"
    elif ip is not None and ip.version == 4 and str(ip) not in _ANY_ADDRESS:
        bindaddr, bind_note = str(ip), f"ami.host: the server connects to {ip}"
    else:
        bindaddr, bind_note = "0.0.0.0", (f"ami.host {ami_host!r} is not an IPv4 address of this machine: "
                                          "listen on every address and rely on permit below")
    # The server's address as Asterisk sees it: where Asterisk reaches its FastAGI listener.
    server = _ip(agi_host or settings.fastagi.host)
    permit = ["127.0.0.1/255.255.255.255"]
    if server is not None and server.version == 4 and not server.is_loopback and str(server) not in _ANY_ADDRESS:
        permit.append(f"{server}/255.255.255.255")
        permit_note = f"this machine and the server at {server} (its FastAGI address)"
    elif bindaddr == "127.0.0.1":
        permit_note = "this machine"
    else:
        permit_note = "this machine; add the server's address (permit = <ip>/255.255.255.255)"
    return {"port": settings.ami.port, "bindaddr": bindaddr, "bind_note": bind_note,
            "username": settings.ami.username, "secret": _conf_value(secret) if secret else "",
            "permit": permit, "permit_note": permit_note}


def _conf_value(value: str) -> str:
    """A value as Asterisk's config parser reads it back: ';' starts a comment unless escaped."""
    if any(ch in value for ch in "\r\n"):
        raise ValueError("a value in an Asterisk config file cannot span lines")
    return value.replace(";", "\\;")


def _pjsip(settings: Settings, phones: Sequence[str]) -> dict[str, Any]:
    extens = list(dict.fromkeys(phones))
    bad = [p for p in extens if not p.isdigit()]
    if bad:
        raise ValueError(f"phone extensions are digits only: {', '.join(bad)}")
    listed = [{"exten": p, "password": secrets.token_urlsafe(PASSWORD_BYTES)} for p in extens]
    note = f"{len(listed)} phone(s): {', '.join(extens)}" if extens else "no phones"
    return {"phones": listed, "phones_note": note,
            "language": menu.base_language(settings.ivr.menus.default_language)}
