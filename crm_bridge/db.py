"""Engine, sessions and schema for the CRM database (SQLite via aiosqlite, PostgreSQL via asyncpg).

SQLite notes (why the event hooks below): every connection gets WAL (readers never block the
writer), ``foreign_keys=ON`` (off by default in SQLite!) and a ``busy_timeout`` so a writer waits for
the lock instead of failing at once. We also take transaction control away from the sqlite3 driver
and emit ``BEGIN`` ourselves; on the *writer* engine (:func:`writer`) that is ``BEGIN IMMEDIATE``,
which takes the write lock up front: a deferred transaction that reads and then writes can fail with
"database is locked" without waiting when another connection committed in between (WAL snapshot),
and the busy timeout does not help there. The *reader* engine (:func:`reader`) emits no ``BEGIN``
at all: each SELECT is its own snapshot, and aiosqlite saves a thread hop (~0.3 ms) per lookup.
The plain engine (ORM sessions) keeps an ordinary deferred ``BEGIN``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from crm_bridge.models import Base

SQLITE_BUSY_TIMEOUT_MS = 5000
_BEGIN_OPTION = "crm_sqlite_begin"


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for ``sqlite+aiosqlite:///path.db`` or ``postgresql+asyncpg://...``."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo)
        _install_sqlite_hooks(engine)
        return engine
    if url.startswith("postgresql"):
        return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
    scheme = url.split(":", 1)[0]
    raise ValueError(f"unsupported database URL {scheme!r}: expected sqlite+aiosqlite or postgresql+asyncpg")


def make_sync_reader(url: str) -> Engine | None:
    """For SQLite: a plain sqlite3 engine for hot reads run whole in one worker thread. Each statement
    through aiosqlite is several thread hops (~1 ms for an indexed lookup here); one
    ``asyncio.to_thread`` around the whole read costs one. PostgreSQL (asyncpg) needs none."""
    if not url.startswith("sqlite+aiosqlite://"):
        return None
    engine = create_engine(url.replace("sqlite+aiosqlite://", "sqlite://", 1),
                           connect_args={"check_same_thread": False}, pool_size=4, max_overflow=4)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA query_only=ON")
        finally:
            cursor.close()

    return engine


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool; on SQLite its transactions start with ``BEGIN IMMEDIATE``."""
    return engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool for read-only work; on SQLite no ``BEGIN`` (statement snapshots)."""
    return engine.execution_options(**{_BEGIN_OPTION: None})


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_schema(engine: AsyncEngine) -> None:
    """Create missing tables and indexes, and add missing *nullable* columns to existing tables, so a
    database written by an older version keeps working (real migrations replace this in a later issue)."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.run_sync(_add_missing_columns)


def _add_missing_columns(conn: Any) -> None:
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.schema import CreateColumn

    inspector = sa_inspect(conn)
    for table in Base.metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable or column.server_default is not None:
                continue
            ddl = CreateColumn(column).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {ddl}")


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        begin = conn.get_execution_options().get(_BEGIN_OPTION, "BEGIN")
        if begin:
            conn.exec_driver_sql(begin)
