"""Who is asking and from where: the site's own origin, the same-origin check, the client's address.

Theory of operation. The site's origin is ``http.public_url`` when set (scheme, host and port as the
browsers see them, e.g. behind a TLS-terminating proxy), otherwise the request's own scheme and
``Host``. A request's headers about the outside world (``X-Forwarded-For``, ``X-Forwarded-Proto``)
are believed only when its TCP peer is one of ``http.trusted_proxies``: anyone can send such headers,
only our proxy's are true. Every parser here takes whatever the network sent and answers ``None`` or
``False`` for anything malformed; nothing raises (a malformed ``Origin`` once gave a 500).

One check for everything that changes state from a browser: the websocket handshake, the JSON POSTs
(``same_origin``: the ``Origin`` header must be there and name the site) and the login/logout form
posts (``form_post_allowed``: ``Origin``, or ``Referer`` from browsers that omit it; neither is refused).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from callcenter.settings import HttpSettings

MAX_HEADER_CHARS = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    port: int


def parse_origin(value: str | None) -> Origin | None:
    """``scheme://host[:port]`` (any path is ignored, as for a Referer) or None when malformed."""
    if not value or len(value) > MAX_HEADER_CHARS:
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
        host = parts.hostname
    except ValueError:                 # a port that is not a number or out of range, a broken [v6]
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None or port == 0:
        return None
    return Origin(scheme, host.lower(), port or _DEFAULT_PORTS[scheme])


class Site:
    """The ``http:`` settings that say what this site is and whom to believe (immutable)."""

    def __init__(self, http: HttpSettings) -> None:
        self.public = parse_origin(http.public_url) if http.public_url else None
        self._proxies = tuple(ipaddress.ip_network(p, strict=False) for p in http.trusted_proxies)
        self._address_header = http.client_address_header
        self._proto_header = http.proto_header
        self.always_secure_cookies = http.secure_cookies
        self.hsts_seconds = http.hsts_seconds

    def _trusted(self, address: str | None) -> bool:
        if not address or not self._proxies:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._proxies)

    def scheme(self, request: web.BaseRequest) -> str:
        if self.public is not None:
            return self.public.scheme
        if self._trusted(request.remote):
            proto = request.headers.get(self._proto_header, "").rpartition(",")[2].strip().lower()
            if proto in _DEFAULT_PORTS:
                return proto
        return "https" if request.secure else "http"

    def is_https(self, request: web.BaseRequest) -> bool:
        return self.scheme(request) == "https"

    def served_origin(self, request: web.BaseRequest) -> Origin | None:
        if self.public is not None:
            return self.public
        host = request.headers.get("Host") or request.host
        if not host or any(c in host for c in "/?#@\\"):
            return None
        return parse_origin(f"{self.scheme(request)}://{host}")

    def same_origin(self, request: web.BaseRequest) -> bool:
        """The ``Origin`` header names this site: scheme, host and port."""
        return self._matches(request.headers.get("Origin"), request)

    def form_post_allowed(self, request: web.BaseRequest) -> bool:
        """A form POST from our own pages: ``Origin``, else ``Referer``; neither at all is refused."""
        origin = request.headers.get("Origin")
        if origin is not None:
            return self._matches(origin, request)
        return self._matches(request.headers.get("Referer"), request)

    def _matches(self, header: str | None, request: web.BaseRequest) -> bool:
        claimed = parse_origin(header)
        return claimed is not None and claimed == self.served_origin(request)

    def client_address(self, request: web.BaseRequest) -> str:
        """The client's address: the TCP peer, or what our trusted proxies say the client was."""
        peer = request.remote or "unknown"
        if not self._trusted(peer):
            return peer
        chain = request.headers.get(self._address_header, "")[:MAX_HEADER_CHARS].split(",")
        for entry in reversed(chain):          # right to left: each proxy appends the address it saw
            candidate = entry.strip()
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                return peer                     # a broken chain: believe only our own peer
            if not self._trusted(candidate):
                return candidate
        return peer


SITE: web.AppKey[Site] = web.AppKey("console_site", Site)


def site_of(request: web.Request) -> Site:
    """The app's :class:`Site` (``console.web.setup_console`` puts it there); defaults without one."""
    site = request.config_dict.get(SITE)
    return site if site is not None else Site(HttpSettings())


def same_origin(request: web.Request) -> bool:
    return site_of(request).same_origin(request)


def form_post_allowed(request: web.Request) -> bool:
    return site_of(request).form_post_allowed(request)
