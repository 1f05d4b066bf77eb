"""Server-side console sessions.

Theory of operation: a login creates a :class:`Session` under a random token (256 bits from
``secrets``); the browser only ever holds that token, in an HttpOnly, SameSite=Strict cookie (Secure
when the console is served over HTTPS). Everything else (who, which role, which language) stays on
the server. A session ends ``lifetime`` seconds after login (absolute, not sliding), on logout, or when
the process restarts. Expired sessions are dropped when looked up and swept now and then on create.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

SESSION_COOKIE = "cc_session"
_SWEEP_EVERY_SECONDS = 60.0


@dataclass(slots=True)
class Session:
    token: str
    agent_id: int
    login: str
    name: str
    role: str          # agent | supervisor | admin
    language: str      # zh | en
    expires_at: float  # same clock as the store's


class SessionStore:
    def __init__(self, lifetime_seconds: float, *, clock: Callable[[], float] = time.time) -> None:
        if lifetime_seconds <= 0:
            raise ValueError("session lifetime must be positive")
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._next_sweep = clock() + _SWEEP_EVERY_SECONDS

    def create(self, *, agent_id: int, login: str, name: str, role: str, language: str) -> Session:
        now = self._clock()
        if now >= self._next_sweep:
            self.purge_expired()
            self._next_sweep = now + _SWEEP_EVERY_SECONDS
        session = Session(secrets.token_urlsafe(32), agent_id, login, name, role, language,
                          now + self.lifetime_seconds)
        self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session for *token*, or ``None`` (unknown, malformed or expired)."""
        if not token:
            return None
        session = self._sessions.get(token)
        if session is None:
            return None
        if self._clock() >= session.expires_at:
            del self._sessions[token]
            return None
        return session

    def set_language(self, token: str, language: str) -> None:
        session = self.get(token)
        if session is not None:
            session.language = language

    def delete(self, token: str | None) -> Session | None:
        if not token:
            return None
        return self._sessions.pop(token, None)

    def purge_expired(self) -> int:
        now = self._clock()
        expired = [token for token, session in self._sessions.items() if now >= session.expires_at]
        for token in expired:
            del self._sessions[token]
        return len(expired)

    def __len__(self) -> int:
        return len(self._sessions)


def token_from_request(request: web.BaseRequest) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


def set_session_cookie(response: web.StreamResponse, session: Session, *, secure: bool, max_age: float) -> None:
    response.set_cookie(SESSION_COOKIE, session.token, max_age=int(max_age), path="/",
                        httponly=True, secure=secure, samesite="Strict")


def clear_session_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    response.del_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="Strict")
