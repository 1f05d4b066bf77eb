"""Commands per second for every console socket and every user: token buckets, pure (the caller passes
the time), no I/O.

Theory of operation. Each socket has a bucket and each user has one shared by all their tabs; a
command takes a token from both or from neither. A refused command is answered ``rate-limited`` by the
caller. A socket whose commands keep being refused (``flood_close_after`` in a row, with no accepted
command between) is flooding: :meth:`SocketAllowance.take` says :data:`CLOSE`, the socket is closed,
and for ``flood_penalty_seconds`` the user's new sockets are refused (:meth:`RateLimits.may_open`)
before they cost the server anything (a reconnect loop is a flood too). User buckets are kept after the
user's last socket closes (one per login that ever connected: bounded by the agents table), so a
reconnect never refills them. A desk used by a person never gets near either limit (a few commands a minute, a burst of a
few when a call ends). Presence commands (available, pause, ...) also take a token from the user's
presence bucket (:meth:`SocketAllowance.take_presence`): each one costs a store write and an Asterisk
action, so a pause/available storm is held to ``presence_rate`` a second.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from callcenter.settings import FairShareSettings

Verdict = Literal["ok", "refuse", "close"]
OK: Verdict = "ok"
REFUSE: Verdict = "refuse"
CLOSE: Verdict = "close"


@dataclass(slots=True)
class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; starts full."""
    rate: float
    burst: float
    tokens: float = -1.0
    at: float | None = None

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = float(self.burst)

    def refill(self, now: float) -> None:
        if self.at is not None and now > self.at:
            self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        if self.at is None or now > self.at:
            self.at = now

    def has_token(self, now: float) -> bool:
        self.refill(now)
        return self.tokens >= 1.0

    def take(self) -> None:
        self.tokens -= 1.0


class RateLimits:
    """The server's buckets: one per user (kept while they have a socket) and one per socket."""

    def __init__(self, settings: FairShareSettings) -> None:
        self._settings = settings
        self._users: dict[int, tuple[TokenBucket, set[SocketAllowance]]] = {}
        self._presence: dict[int, TokenBucket] = {}
        self._penalty: dict[int, float] = {}         # user -> refused until (monotonic seconds)

    def may_open(self, user_id: int, now: float) -> bool:
        """False while *user_id* is paying for a flood (their new sockets are closed at once)."""
        until = self._penalty.get(user_id)
        if until is None:
            return True
        if now >= until:
            del self._penalty[user_id]
            return True
        return False

    def flooded(self, user_id: int, now: float) -> None:
        """*user_id*'s socket was closed for flooding: refuse their new sockets for a while."""
        self._penalty[user_id] = now + self._settings.flood_penalty_seconds

    def open(self, user_id: int) -> SocketAllowance:
        """A new socket of *user_id*; :meth:`SocketAllowance.release` when it closes."""
        s = self._settings
        entry = self._users.get(user_id)
        if entry is None:
            entry = self._users[user_id] = (TokenBucket(s.user_rate, s.user_burst), set())
        presence = self._presence.get(user_id)
        if presence is None:
            presence = self._presence[user_id] = TokenBucket(s.presence_rate, s.presence_burst)
        allowance = SocketAllowance(self, user_id, entry[0], TokenBucket(s.socket_rate, s.socket_burst),
                                    s.flood_close_after, presence)
        entry[1].add(allowance)
        return allowance

    def _release(self, allowance: SocketAllowance) -> None:
        entry = self._users.get(allowance.user_id)
        if entry is not None:
            entry[1].discard(allowance)

    def sockets(self, user_id: int) -> int:
        entry = self._users.get(user_id)
        return 0 if entry is None else len(entry[1])


class SocketAllowance:
    __slots__ = ("_limits", "user_id", "_user", "_socket", "_close_after", "_presence", "refused_in_row", "refused")

    def __init__(self, limits: RateLimits, user_id: int, user: TokenBucket, socket: TokenBucket,
                 close_after: int, presence: TokenBucket) -> None:
        self._limits = limits
        self.user_id = user_id
        self._user = user
        self._socket = socket
        self._close_after = close_after
        self._presence = presence
        self.refused_in_row = 0
        self.refused = 0

    def take(self, now: float) -> Verdict:
        """May this socket's next command run at *now* (monotonic seconds)?"""
        if self._socket.has_token(now) and self._user.has_token(now):
            self._socket.take()
            self._user.take()
            self.refused_in_row = 0
            return OK
        self.refused += 1
        self.refused_in_row += 1
        return CLOSE if self.refused_in_row >= self._close_after else REFUSE

    def take_presence(self, now: float) -> bool:
        """May this user change their presence at *now* (after :meth:`take` said OK)?"""
        if self._presence.has_token(now):
            self._presence.take()
            return True
        return False

    def release(self) -> None:
        self._limits._release(self)
