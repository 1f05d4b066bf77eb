"""The login throttle: failures per (login, address) and per address, in fixed memory.

Theory of operation. Each key (a ``(login, address)`` pair, or an address) has a leaky bucket: a
failure adds 1, the level drains at ``limit / window`` per second, and a key whose level is at the
limit waits (``retry_after``) until one more failure fits. The throttle is consulted *before* any
password hashing, so a throttled guess costs the server nothing.

The buckets live in a count-min sketch: two rows of a fixed number of slots (``array('d')``,
allocated once), each key hashed to one slot per row with a keyed BLAKE2b whose key is random per
process, and a key's level is the lower of its two slots. Nothing is ever evicted, so no volume of
requests can flush a record (the old dict was flushed by 10,000 junk logins); a collision can only
add someone else's failures to a slot, and the per-process key means an attacker cannot aim one.
Success does not empty a slot for the same reason: the slot may be shared, and emptying it would
forgive a stranger's guesses. A real user on another address has their own pair and their own
address: failures from elsewhere never hold them back.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from array import array
from collections.abc import Callable

DEFAULT_SLOTS = 1 << 14


class _Sketch:
    def __init__(self, limit: int, window_seconds: float, slots: int, key: bytes,
                 clock: Callable[[], float]) -> None:
        self._limit = float(limit)
        self._rate = limit / window_seconds
        self._slots = slots
        self._key = key
        self._clock = clock
        self._level = array("d", bytes(8 * 2 * slots))
        self._since = array("d", bytes(8 * 2 * slots))

    def _cells(self, name: str) -> tuple[int, int]:
        digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=16, key=self._key).digest()
        return (int.from_bytes(digest[:8], "big") % self._slots,
                self._slots + int.from_bytes(digest[8:], "big") % self._slots)

    def _drained(self, cell: int, now: float) -> float:
        return max(0.0, self._level[cell] - (now - self._since[cell]) * self._rate)

    def level(self, name: str) -> float:
        now = self._clock()
        return min(self._drained(cell, now) for cell in self._cells(name))

    def retry_after(self, name: str) -> float:
        excess = self.level(name) - (self._limit - 1.0)
        return excess / self._rate if excess > 1e-9 else 0.0

    def add(self, name: str) -> None:
        now = self._clock()
        for cell in self._cells(name):
            # Capped a little above the limit: a long attack must not lock a slot for hours.
            self._level[cell] = min(self._drained(cell, now) + 1.0, self._limit + 1.0)
            self._since[cell] = now

    @property
    def memory_cells(self) -> int:
        return len(self._level) + len(self._since)


class LoginThrottle:
    """At most ``login_failures`` failed logins per (login, address) and ``address_failures`` per
    address, within ``window_seconds`` (leaky buckets: the allowance comes back gradually)."""

    def __init__(self, login_failures: int = 5, window_seconds: float = 60.0, *, address_failures: int = 30,
                 clock: Callable[[], float] = time.monotonic, slots: int = DEFAULT_SLOTS,
                 key: bytes | None = None) -> None:
        key = key if key is not None else secrets.token_bytes(32)
        self._pairs = _Sketch(login_failures, window_seconds, slots, key, clock)
        self._addresses = _Sketch(address_failures, window_seconds, slots, key, clock)

    def retry_after(self, login: str, address: str) -> float:
        """Seconds until *login* may be tried again from *address* (0 = now)."""
        return max(self._pairs.retry_after(_pair(login, address)), self._addresses.retry_after(_address(address)))

    def failed(self, login: str, address: str) -> None:
        self._pairs.add(_pair(login, address))
        self._addresses.add(_address(address))

    @property
    def memory_cells(self) -> int:
        """How many numbers the throttle holds: fixed at construction."""
        return self._pairs.memory_cells + self._addresses.memory_cells


def _pair(login: str, address: str) -> str:
    return f"p\0{login.casefold()}\0{address}"


def _address(address: str) -> str:
    return f"a\0{address}"
