"""A database outage for tests: SQLite locked by another connection holding its write lock, or the
throwaway PostgreSQL server stopped (its data kept) and started again on the same port."""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest


@asynccontextmanager
async def database_down(url: str, pg_server: Any = None) -> AsyncIterator[None]:
    if url.startswith("sqlite"):
        lock = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, check_same_thread=False,
                               timeout=10)          # the server may be writing at this moment
        # every writer now waits, then fails "database is locked"; taken in a thread: a write of the
        # server in flight needs the event loop to finish
        await asyncio.to_thread(lock.execute, "BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return
    if pg_server is None or not hasattr(pg_server, "halt"):
        pytest.skip("the PostgreSQL outage needs the throwaway server (not CC_TEST_POSTGRES_URL)")
    await asyncio.to_thread(pg_server.halt)
    try:
        yield
    finally:
        await asyncio.to_thread(pg_server.resume)
