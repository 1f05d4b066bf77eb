"""Helpers for the IVR's socket tests: a running FastAGI server with an inbox, settings, fake lookups."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from callcenter.domain import IvrCompleted
from callcenter.settings import Settings, settings_from_mapping
from ivr.server import IvrServer
from tests.integration.agi_peer import AsteriskPeer, CallRecord, asterisk_env

EVENT_TIMEOUT = 5.0


def make_settings(menus: dict[str, Any] | None = None, **sections: Any) -> Settings:
    ivr = sections.pop("ivr", {})
    return settings_from_mapping({
        "fastagi": {"port": 0, "header_timeout": 0.3},
        "ivr": {"lookup_timeout": 0.2, "menus": {"timeout_ms": 1000, **(menus or {})}, **ivr},
        **sections,
    })


class Ivr:
    """One running server plus the engine inbox it posts into."""

    def __init__(self, server: IvrServer, inbox: asyncio.Queue[Any]) -> None:
        self.server = server
        self.inbox = inbox

    async def call(self, presses=(), **env: str) -> CallRecord:
        """One call from Asterisk; the record of what the server sent once it closed the session."""
        return await AsteriskPeer(presses).call(self.server.port, asterisk_env(self.server.port, **env))

    async def completed(self) -> IvrCompleted:
        event = await asyncio.wait_for(self.inbox.get(), EVENT_TIMEOUT)
        assert isinstance(event, IvrCompleted)
        return event


@pytest.fixture
async def start_ivr():
    servers: list[IvrServer] = []

    async def start(identify, settings: Settings | None = None, **kwargs: Any) -> Ivr:
        inbox: asyncio.Queue[Any] = asyncio.Queue()
        server = IvrServer(settings or make_settings(), identify, inbox.put_nowait, **kwargs)
        await server.start()
        servers.append(server)
        return Ivr(server, inbox)

    yield start
    for server in servers:
        await server.stop()


def cards(*found: dict[str, Any]):
    asked: list[str] = []

    async def identify(number: str) -> list[dict[str, Any]]:
        asked.append(number)
        return list(found)

    identify.asked = asked  # type: ignore[attr-defined]
    return identify
