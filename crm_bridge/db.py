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

import functools
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from callcenter.errors import CallCenterError
from crm_bridge.db_errors import first_line

if TYPE_CHECKING:
    from alembic.config import Config

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
    """Bring the schema to the newest revision (see :func:`upgrade`); what ``Store.open()`` runs."""
    await upgrade(engine)


# --------------------------------------------------------------------------- migrations
# Theory of operation: the schema is versioned by Alembic (crm_bridge/migrations, revision files in
# versions/). A fresh database is built by running every revision. A database written before
# migrations existed (our tables but no ``alembic_version``) holds the first release's schema,
# possibly with the tables and nullable columns that interim builds added at start-up: it is stamped
# 0001 and upgraded, and revision 0002 skips what is already there. A database at a revision these
# files do not know (written by a newer release) is refused rather than touched. Everything, stamp
# included, runs in ONE transaction: an upgrade that fails leaves the database as it was.
#
# SQLite cannot alter a constraint: Alembic's batch mode copies the table, drops the old one and
# renames the copy. With foreign keys on, that DROP would run the ON DELETE actions of the tables
# referring to it (complaints.interaction_id SET NULL...), so the migration runs with foreign keys
# off (a PRAGMA that only takes effect outside a transaction), checks them before committing, and the
# connection is then thrown away rather than returned to the pool with foreign keys off.

MIGRATIONS = "crm_bridge:migrations"
FIRST_REVISION = "0001"
_PG_LOCK_KEY = 0x43524D5F534348  # "CRM_SCH": two servers starting together migrate one after the other


class SchemaMismatch(CallCenterError):
    """The database holds a schema this version cannot upgrade; nothing was changed."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__("schema-mismatch", message, details)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an ini file; *connection* is the one the migrations run on."""
    _alembic()
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


class _QuietAlembic(logging.Filter):
    """Drop the per-connection "Context impl ..." / "Will assume ... DDL" lines; keep real upgrades."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Context impl") or message.startswith("Will assume"))


def _alembic() -> Any:
    """Alembic's modules, imported on first use: importing them logs one line per autogenerate plugin,
    noise at every start of the server, so that logger is quietened first ("Running upgrade" stays)."""
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    migration_log = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _QuietAlembic) for f in migration_log.filters):
        migration_log.addFilter(_QuietAlembic())
    import alembic.command
    import alembic.runtime.migration
    import alembic.script
    import alembic.util

    return alembic


def head_revision() -> str:
    head = _alembic().script.ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; ``None`` for a database without ``alembic_version``."""
    context = _alembic().runtime.migration.MigrationContext
    async with reader(engine).connect() as conn:
        return await conn.run_sync(lambda c: context.configure(c).get_current_revision())


async def upgrade(engine: AsyncEngine, target: str = "head") -> tuple[str | None, str | None]:
    """Upgrade the schema to *target* in one transaction; returns the revisions (before, after).
    Raises :class:`SchemaMismatch` when the database cannot be upgraded (left untouched)."""
    if engine.dialect.name != "sqlite":
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            return await conn.run_sync(_upgrade, target)
    async with reader(engine).connect() as conn:      # reader: no BEGIN of ours around the PRAGMA
        try:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
            await conn.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})
            async with conn.begin():
                return await conn.run_sync(_upgrade, target)
        finally:
            await conn.invalidate()


def _upgrade(conn: Connection, target: str) -> tuple[str | None, str | None]:
    alembic = _alembic()
    command, context = alembic.command, alembic.runtime.migration.MigrationContext
    config = alembic_config(conn)
    before = context.configure(conn).get_current_revision()
    script = alembic.script.ScriptDirectory.from_config(config)
    if before is not None:
        try:
            script.get_revision(before)
        except alembic.util.CommandError as exc:
            raise SchemaMismatch(
                f"the database is at schema revision {before!r}, which this version does not know "
                "(written by a newer release?); not touching it", {"revision": before}) from exc
    target_rev = script.get_revision(target).revision if target != "head" else script.get_current_head()
    if before == target_rev:
        return before, before
    violations = _foreign_key_violations(conn)
    try:
        if before is None and _pre_alembic(conn):
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, target)
    except sa_exc.IntegrityError as exc:
        raise SchemaMismatch(
            f"the upgrade to schema revision {target_rev} stopped at rows that do not fit it ({first_line(exc)}); "
            "nothing was changed: correct those rows and start again", {"revision": target_rev}) from exc
    added = _foreign_key_violations(conn) - violations
    if added:
        raise SchemaMismatch("the upgrade would break references between rows; nothing was changed",
                             {"violations": sorted(added)[:20]})
    return before, context.configure(conn).get_current_revision()


def _foreign_key_violations(conn: Connection) -> set[tuple[Any, ...]]:
    if conn.dialect.name != "sqlite":
        return set()                     # PostgreSQL checks them in the DDL itself
    return {tuple(row) for row in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()}


def _pre_alembic(conn: Connection) -> bool:
    """True for a database written before migrations existed (checked to hold the first release's
    tables and columns); False for an empty one; SchemaMismatch for anything else."""
    inspector = sa_inspect(conn)
    present = set(inspector.get_table_names())
    if not present:
        return False
    first = _first_release_columns()
    if not present & set(first):
        return False                     # only other applications' tables: ours are built beside them
    missing = [t for t in first if t not in present]
    missing += [f"{t}.{c}" for t in first if t in present
                for c in sorted(first[t] - {col["name"] for col in inspector.get_columns(t)})]
    if missing:
        raise SchemaMismatch(
            "the database has CRM tables but not the first release's schema, so it cannot be upgraded "
            f"automatically (missing: {', '.join(missing[:10])})", {"missing": missing})
    return True


@functools.cache
def _first_release_columns() -> dict[str, frozenset[str]]:
    """The tables and columns revision 0001 creates, read back from a scratch in-memory database."""
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            _alembic().command.upgrade(alembic_config(conn), FIRST_REVISION)
            inspector = sa_inspect(conn)
            return {t: frozenset(c["name"] for c in inspector.get_columns(t))
                    for t in inspector.get_table_names() if t != "alembic_version"}
    finally:
        engine.dispose()


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
