"""Agent desks for the scenarios: the browser reduced to its websocket (``tests/e2e/stack.Console``)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tests.e2e.stack import Console, eventually

__all__ = ["Console", "desks", "eventually", "row", "save_outcome"]


@contextlib.asynccontextmanager
async def desks(live: Any, *logins: str, available: bool = True) -> AsyncIterator[list[Console]]:
    """Agents logged in (and Available, as Asterisk confirmed it) for the block; closed after it."""
    consoles: list[Console] = []
    try:
        for login in logins:
            await live.pbx.phone(login)
            console = Console(live.base_url)
            consoles.append(console)
            await console.login(login, f"demo{login}")
            if available:
                reply = await console.send("available")
                assert reply["ok"], reply
                await console.next("agent", where=lambda a: a["state"] == "available", timeout=15)
        yield consoles
    finally:
        for console in consoles:
            await console.close()


async def save_outcome(desk: Console, ended: dict[str, Any], outcome: str = "resolved", notes: str = "") -> None:
    reply = await desk.send("disposition", {"call_id": ended["call_id"], "interaction_id": ended["interaction_id"],
                                            "outcome": outcome, "notes": notes, "complaint": None})
    assert reply["ok"], reply


async def row(live: Any, interaction_id: str, *fields: str, status: str | None = None,
              timeout: float = 15.0) -> dict[str, Any]:
    """The stored interaction once *fields* are all set and it has *status* (the recorder writes in batches)."""
    async def check() -> dict[str, Any] | None:
        found = await live.store.interaction(interaction_id)
        ok = found and all(found.get(f) is not None for f in fields) and status in (None, found.get("status"))
        return found if ok else None
    return await eventually(check, timeout=timeout, what=f"interaction {interaction_id} with {fields}")
