"""The connection sections of config.yaml: ``ami:`` (the manager login and its watchdog), ``fastagi:``
(where the voice menus listen and who may connect), ``http:`` (the console, behind HTTPS or a proxy) and
``database:`` (the CRM store and its outage spool). :mod:`callcenter.settings` embeds them (and
re-exports the names)."""
from __future__ import annotations

import ipaddress
import os
import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callcenter.errors import PathError as _PathError


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AmiSettings(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(5038, ge=0, le=65535)
    username: str = "callcenter"
    secret: str = ""
    # plain: Login with Secret (panoramisk's way); md5: Challenge, then Login with md5(challenge+secret),
    # so the secret never crosses the wire.
    auth: Literal["plain", "md5"] = "md5"
    # AMI event classes we subscribe to: agent (queue events) + call (Hangup, channels) + system
    # (FullyBooted/Shutdown). Leaves out ``dialplan`` (VarSet/Newexten, ~75 % of a call's events).
    events: str = "agent,call,system"
    ping_interval: float = Field(5.0, gt=0)
    ping_timeout: float = Field(3.0, gt=0)
    reconnect_seconds: float = Field(2.0, gt=0)
    action_timeout: float = Field(5.0, gt=0)


_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


class FastAgiSettings(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(4573, ge=0, le=65535)
    header_timeout: float = Field(5.0, gt=0)
    # Who may open a FastAGI session: IP addresses, CIDR networks (10.0.0.0/24) or host names (resolved
    # once at start). ``None`` (the default): ami.host and the loopback addresses. Anyone else is
    # closed on before a byte is read. The environment takes a comma-separated list (CC_FASTAGI_ALLOW).
    allow: tuple[str, ...] | None = None
    # Sessions open at once; one more is closed at once (Asterisk then goes on with the dialplan's
    # defaults). Well under the usual 1,024 open-file limit.
    max_connections: int = Field(256, ge=1, le=65536)
    # A session (the whole voice menu, or the survey) that lasts longer is ended: the caller goes on
    # in the dialplan with what was set so far, or the defaults.
    session_seconds: float = Field(600.0, gt=0)
    # A call the engine learnt of only from a FastAGI session is dropped when Asterisk (AMI) has said
    # nothing about it this long after the session's result: a stranger cannot make calls up.
    unconfirmed_call_seconds: float = Field(60.0, gt=0)

    @field_validator("allow", mode="before")
    @classmethod
    def _split_allow(cls, value: Any) -> Any:
        if isinstance(value, str):          # CC_FASTAGI_ALLOW="10.0.0.5, pbx.example.com"
            return tuple(part for part in re.split(r"[\s,]+", value) if part)
        return value

    @field_validator("allow")
    @classmethod
    def _check_allow(cls, entries: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if entries is None:
            return None
        if not entries:
            raise _PathError((), "expected at least one address (an empty list would refuse Asterisk too); "
                                 "leave the key out for ami.host and loopback")
        for i, entry in enumerate(entries):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                if "/" in entry or not _HOSTNAME.match(entry):
                    raise _PathError((str(i),), f"expected an IP address, a CIDR network (10.0.0.0/24) or a "
                                                f"host name (got {entry!r})") from None
        return entries

    def allowed_peers(self, ami_host: str) -> tuple[str, ...]:
        """The allow-list as configured, or its default: the AMI host and loopback."""
        if self.allow is not None:
            return self.allow
        return tuple(dict.fromkeys((ami_host, "127.0.0.1", "::1")))


class HttpSettings(_Frozen):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # Always give the session cookie the Secure flag (it also gets it on any request known to be HTTPS:
    # ``public_url`` says https, or a trusted proxy's ``proto_header`` does).
    secure_cookies: bool = False
    session_hours: float = Field(12.0, gt=0)
    # The address browsers use, e.g. https://cc.example.com (scheme, host, port): POST and websocket
    # ``Origin`` checks compare against it, and https turns on Secure cookies and HSTS. Empty: the
    # request's own scheme and Host.
    public_url: str = ""
    # Reverse proxies whose headers are believed (addresses or networks). Only a request whose TCP peer
    # is one of them has its client address taken from ``client_address_header`` (the right-most
    # entry: the one the proxy added) and its scheme from ``proto_header``.
    trusted_proxies: tuple[str, ...] = ()
    client_address_header: str = "X-Forwarded-For"
    proto_header: str = "X-Forwarded-Proto"
    hsts_seconds: int = Field(31_536_000, ge=0)      # Strict-Transport-Security max-age over HTTPS (0: none)
    # Login throttle, checked before any password hashing: failures per (login, address) and per address
    # within the window. A real user on another address is never held back by someone else's failures.
    login_failures: int = Field(5, ge=1, le=1000)
    address_failures: int = Field(30, ge=1, le=100_000)
    login_window_seconds: float = Field(60.0, gt=0, le=86_400)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str) -> str:
        if not url:
            return url
        parts = urlsplit(url)
        try:
            parts.port
        except ValueError:
            raise ValueError("expected a port from 1 to 65535") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
                or parts.query or parts.fragment or parts.username is not None:
            raise ValueError("expected http(s)://host[:port] with no path")
        return url.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, proxies: tuple[str, ...]) -> tuple[str, ...]:
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"expected IP addresses or networks like 10.0.0.0/8 (got {proxy!r})") from None
        return proxies

    @field_validator("client_address_header", "proto_header")
    @classmethod
    def _header_name(cls, name: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", name):
            raise ValueError("expected an HTTP header name (letters, digits, -)")
        return name


class DatabaseSettings(_Frozen):
    url: str = "sqlite+aiosqlite:///callcenter.db"
    echo: bool = False
    # Where writes wait while the database is away (crm_bridge/spool/); "" = a "spool" folder beside
    # the SQLite file, or in the working directory for PostgreSQL.
    spool_dir: str = ""
    # How long a caller's or an agent's write waits for the database before it is spooled instead.
    spool_after_seconds: float = Field(3.0, gt=0, le=60)

    def spool_path(self) -> str:
        if self.spool_dir:
            return self.spool_dir
        if self.url.startswith("sqlite+aiosqlite:///") and ":memory:" not in self.url:
            return os.path.join(os.path.dirname(self.url.removeprefix("sqlite+aiosqlite:///")) or ".", "spool")
        return "spool"

    @field_validator("url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        if not (url.startswith("sqlite+aiosqlite://") or url.startswith("postgresql+asyncpg://")):
            raise ValueError("expected sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db")
        return url
