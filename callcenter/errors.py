"""Errors with stable ids, mapped once at each edge (HTTP, websocket, AGI, config)."""
from __future__ import annotations

from typing import Any


class CallCenterError(Exception):
    """An error a user or operator can act on. ``error_id`` is stable; the message is for humans."""

    def __init__(self, error_id: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.message = message
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.error_id, "message": self.message, "details": self.details}


class PathError(ValueError):
    """A configuration rule broken at a key path (``("routing", "ladders", "vip", "2", "queue")``),
    raised inside the settings' validators; :func:`callcenter.settings.load` turns it into a
    :class:`ConfigError` naming the whole path."""

    def __init__(self, path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


class ConfigError(CallCenterError):
    """A bad configuration value; the message names the key path."""

    def __init__(self, key_path: str, message: str) -> None:
        super().__init__("invalid-config", f"{key_path}: {message}", {"key": key_path})
        self.key_path = key_path

    def __str__(self) -> str:
        return f"configuration error at {self.message}"


class ValidationFailed(CallCenterError):
    """Input from a browser or API client that does not fit; ``details`` names the fields."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__("invalid-input", message, {"fields": fields or {}})


class NotFound(CallCenterError):
    def __init__(self, what: str, key: Any) -> None:
        super().__init__(f"no-such-{what}", f"no {what} {key!r}", {what: key})


class AmiUnavailable(CallCenterError):
    def __init__(self, message: str = "the telephone system (AMI) is not connected") -> None:
        super().__init__("ami-unavailable", message)


class AmiActionFailed(CallCenterError):
    def __init__(self, action: str, message: str) -> None:
        super().__init__("ami-action-failed", f"{action}: {message}", {"action": action})


class StoreUnavailable(CallCenterError):
    def __init__(self, message: str = "the CRM database is not reachable") -> None:
        super().__init__("store-unavailable", message)
