"""Who may open a FastAGI session: the allow-list of Asterisk addresses, and quiet refusals.

Theory of operation. Only Asterisk has a reason to connect to the FastAGI port, and what a session
can do (look a number up, file a callback, report a call to the engine) must not be open to anyone
else on the network. ``fastagi.allow`` lists IP addresses, CIDR networks and host names; host names are
resolved once, when the server starts (:func:`resolve`), into an :class:`AllowList` of networks that
:meth:`AllowList.allows` checks against the peer's address with no I/O. A connection from anywhere else
is closed before a byte is read.

A refused peer may try again thousands of times a second: :class:`RefusalLog` decides when a refusal
is worth a log line (the first from an address, then at most one per ``interval`` with the number
held back), in bounded memory. :class:`AdmissionCounts` keeps the totals an operator can read.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])     # fe80::1%eth0: the scope is not the host
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped            # a dual-stack listener sees ::ffff:10.0.0.5
    return address


def network_of(entry: str) -> Network | None:
    """The network an allow-list entry names, ``None`` when it is a host name."""
    try:
        net = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None
    if isinstance(net, ipaddress.IPv6Network) and net.prefixlen == 128:
        mapped = _address(str(net.network_address))
        if mapped is not None and mapped.version == 4:
            return ipaddress.ip_network(mapped)
    return net


@dataclass(frozen=True, slots=True)
class AllowList:
    networks: tuple[Network, ...]

    def allows(self, peer_host: str) -> bool:
        address = _address(peer_host)
        if address is None:          # a Unix socket or something stranger: not Asterisk over TCP
            return False
        return any(address.version == net.version and address in net for net in self.networks)

    def __str__(self) -> str:
        return ", ".join(str(net) for net in self.networks) or "(nobody)"


async def resolve(entries: Iterable[str], loop: asyncio.AbstractEventLoop) -> AllowList:
    """Turn the configured entries into networks, resolving host names now (once).

    A name that does not resolve is logged with its key path and left out: the server still starts
    (for the other entries and a DNS that comes back after a restart), and connections from that host
    are refused and logged, which says what is wrong."""
    networks: list[Network] = []
    for i, entry in enumerate(entries):
        net = network_of(entry)
        if net is not None:
            networks.append(net)
            continue
        try:
            infos = await loop.getaddrinfo(entry, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            log.error("fastagi.allow.%d: cannot resolve %r (%s); connections from it will be refused",
                      i, entry, exc)
            continue
        for info in infos:
            address = _address(str(info[4][0]))
            if address is not None:
                networks.append(ipaddress.ip_network(address))
    return AllowList(tuple(dict.fromkeys(networks)))


@dataclass(slots=True)
class AdmissionCounts:
    """Totals since start: sessions served, connections refused (and why), sessions cut short."""
    accepted: int = 0
    refused_stranger: int = 0
    refused_over_cap: int = 0
    over_deadline: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"accepted": self.accepted, "refused_stranger": self.refused_stranger,
                "refused_over_cap": self.refused_over_cap, "over_deadline": self.over_deadline}


@dataclass(slots=True)
class RefusalLog:
    """When to log a refusal: the first one per key, then one per ``interval`` seconds carrying the
    number held back since. At most ``max_keys`` keys are remembered (the stalest forgotten first), so
    a scan from many addresses costs bounded memory and at worst a few more log lines."""
    interval: float = 60.0
    max_keys: int = 1024
    _seen: OrderedDict[str, tuple[float, int]] = field(default_factory=OrderedDict)

    def note(self, key: str, now: float) -> int | None:
        """Count one refusal; the number to report now (this one included), or ``None`` to stay quiet."""
        last = self._seen.get(key)
        if last is not None and now - last[0] < self.interval:
            self._seen[key] = (last[0], last[1] + 1)
            return None
        held = last[1] if last is not None else 0
        self._seen[key] = (now, 0)
        self._seen.move_to_end(key)
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return held + 1
