"""Upgrading a database keeps its data: built at revision 0001 (or written by the first release, before
migrations existed, or by an interim build that patched the schema at start-up), it is brought to the
newest revision by ``Store.open()`` with every customer, call and complaint kept and the new columns
usable; opening it again changes nothing; a database that cannot be upgraded is refused untouched.
On SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, inspect, text, update
from sqlalchemy.engine import Connection

from crm_bridge import db
from crm_bridge.models import Base, Customer
from crm_bridge.store import Store
from tests.integration.test_migrations import _diff

pytest_plugins = ["tests.integration.pg"]

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
NUMBER = "+8613800138000"

# What the first release (git 7b14a66) created on SQLite, verbatim (``Base.metadata.create_all``).
FIRST_RELEASE_SQLITE = """
CREATE TABLE agents (
	id INTEGER NOT NULL,
	login VARCHAR(64) NOT NULL,
	name VARCHAR(200) NOT NULL,
	password_hash VARCHAR(255) NOT NULL,
	interface VARCHAR(200),
	queues JSON NOT NULL,
	role VARCHAR(16) NOT NULL,
	language VARCHAR(8) NOT NULL,
	presence VARCHAR(16) NOT NULL,
	presence_reason VARCHAR(64) NOT NULL,
	created_at DATETIME NOT NULL,
	CONSTRAINT pk_agents PRIMARY KEY (id),
	CONSTRAINT ck_agents_role CHECK (role IN ('agent', 'supervisor', 'admin')),
	CONSTRAINT ck_agents_language CHECK (language IN ('zh', 'en')),
	CONSTRAINT ck_agents_presence CHECK (presence IN ('unknown', 'logged_out', 'available', 'paused')),
	CONSTRAINT uq_agents_login UNIQUE (login),
	CONSTRAINT uq_agents_interface UNIQUE (interface)
);
CREATE TABLE customers (
	id INTEGER NOT NULL,
	name VARCHAR(200) NOT NULL,
	name_initials VARCHAR(64) NOT NULL,
	customer_type VARCHAR(16) NOT NULL,
	value_class VARCHAR(16) NOT NULL,
	account_manager_id INTEGER,
	credit_status VARCHAR(16) NOT NULL,
	language VARCHAR(8) NOT NULL,
	account_number VARCHAR(32),
	pin_hash VARCHAR(255),
	created_at DATETIME NOT NULL,
	account_kind VARCHAR(16),
	spend_12m BIGINT,
	contribution_12m BIGINT,
	tenure_months INTEGER,
	products INTEGER,
	potential FLOAT,
	tier_assessed_at DATETIME,
	CONSTRAINT pk_customers PRIMARY KEY (id),
	CONSTRAINT ck_customers_customer_type CHECK (customer_type IN ('vip', 'group', 'family', 'individual')),
	CONSTRAINT ck_customers_value_class CHECK (value_class IN ('major', 'named', 'non_named', 'mass')),
	CONSTRAINT ck_customers_credit_status CHECK (credit_status IN ('normal', 'suspended')),
	CONSTRAINT ck_customers_language CHECK (language IN ('zh', 'en')),
	CONSTRAINT ck_customers_account_kind CHECK (account_kind IN ('enterprise', 'household', 'personal')),
	CONSTRAINT ck_customers_potential CHECK (potential BETWEEN 0 AND 1),
	CONSTRAINT fk_customers_account_manager_id_agents FOREIGN KEY(account_manager_id) REFERENCES agents (id) ON DELETE SET NULL,
	CONSTRAINT uq_customers_account_number UNIQUE (account_number)
);
CREATE INDEX ix_customers_name_initials ON customers (name_initials);
CREATE INDEX ix_customers_account_manager_id ON customers (account_manager_id);
CREATE TABLE phones (
	id INTEGER NOT NULL,
	customer_id INTEGER NOT NULL,
	e164 VARCHAR(20) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	CONSTRAINT pk_phones PRIMARY KEY (id),
	CONSTRAINT uq_phones_customer_e164 UNIQUE (customer_id, e164),
	CONSTRAINT ck_phones_kind CHECK (kind IN ('mobile', 'landline', 'work', 'other')),
	CONSTRAINT fk_phones_customer_id_customers FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE CASCADE
);
CREATE INDEX ix_phones_e164 ON phones (e164);
CREATE TABLE interactions (
	id VARCHAR(36) NOT NULL,
	call_id VARCHAR(64),
	caller_number VARCHAR(64),
	customer_id INTEGER,
	queue VARCHAR(64),
	agent_id INTEGER,
	customer_type VARCHAR(16),
	value_class VARCHAR(16),
	priority INTEGER,
	menu_choice VARCHAR(32),
	ivr_digits VARCHAR(64),
	language VARCHAR(8),
	status VARCHAR(16) NOT NULL,
	ivr_failed BOOLEAN DEFAULT 0 NOT NULL,
	started_at DATETIME NOT NULL,
	queued_at DATETIME,
	answered_at DATETIME,
	ended_at DATETIME,
	hold_seconds INTEGER,
	talk_seconds INTEGER,
	outcome VARCHAR(64),
	notes TEXT,
	disposition_at DATETIME,
	CONSTRAINT pk_interactions PRIMARY KEY (id),
	CONSTRAINT ck_interactions_status CHECK (status IN ('ivr', 'queued', 'ringing', 'answered', 'completed', 'abandoned', 'left', 'ivr_hangup')),
	CONSTRAINT ck_interactions_customer_type CHECK (customer_type IN ('vip', 'group', 'family', 'individual')),
	CONSTRAINT ck_interactions_value_class CHECK (value_class IN ('major', 'named', 'non_named', 'mass')),
	CONSTRAINT ck_interactions_language CHECK (language IN ('zh', 'en')),
	CONSTRAINT fk_interactions_customer_id_customers FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE SET NULL,
	CONSTRAINT fk_interactions_agent_id_agents FOREIGN KEY(agent_id) REFERENCES agents (id) ON DELETE SET NULL
);
CREATE INDEX ix_interactions_started_at ON interactions (started_at);
CREATE INDEX ix_interactions_call_id ON interactions (call_id);
CREATE INDEX ix_interactions_customer_started ON interactions (customer_id, started_at);
CREATE INDEX ix_interactions_agent_started ON interactions (agent_id, started_at);
CREATE TABLE tier_changes (
	id INTEGER NOT NULL,
	customer_id INTEGER NOT NULL,
	from_type VARCHAR(16) NOT NULL,
	to_type VARCHAR(16) NOT NULL,
	from_class VARCHAR(16) NOT NULL,
	to_class VARCHAR(16) NOT NULL,
	score FLOAT NOT NULL,
	reason TEXT NOT NULL,
	changed_at DATETIME NOT NULL,
	run_id VARCHAR(36) NOT NULL,
	CONSTRAINT pk_tier_changes PRIMARY KEY (id),
	CONSTRAINT ck_tier_changes_from_type CHECK (from_type IN ('vip', 'group', 'family', 'individual')),
	CONSTRAINT ck_tier_changes_to_type CHECK (to_type IN ('vip', 'group', 'family', 'individual')),
	CONSTRAINT ck_tier_changes_from_class CHECK (from_class IN ('major', 'named', 'non_named', 'mass')),
	CONSTRAINT ck_tier_changes_to_class CHECK (to_class IN ('major', 'named', 'non_named', 'mass')),
	CONSTRAINT fk_tier_changes_customer_id_customers FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE CASCADE
);
CREATE INDEX ix_tier_changes_customer_changed ON tier_changes (customer_id, changed_at);
CREATE INDEX ix_tier_changes_run_id ON tier_changes (run_id);
CREATE TABLE complaints (
	id INTEGER NOT NULL,
	customer_id INTEGER,
	interaction_id VARCHAR(36),
	category VARCHAR(64) NOT NULL,
	severity VARCHAR(16) NOT NULL,
	description TEXT NOT NULL,
	status VARCHAR(16) NOT NULL,
	owner_agent_id INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	CONSTRAINT pk_complaints PRIMARY KEY (id),
	CONSTRAINT ck_complaints_severity CHECK (severity IN ('low', 'medium', 'high', 'critical')),
	CONSTRAINT ck_complaints_status CHECK (status IN ('open', 'in_progress', 'resolved', 'confirmed', 'closed')),
	CONSTRAINT fk_complaints_customer_id_customers FOREIGN KEY(customer_id) REFERENCES customers (id) ON DELETE SET NULL,
	CONSTRAINT fk_complaints_interaction_id_interactions FOREIGN KEY(interaction_id) REFERENCES interactions (id) ON DELETE SET NULL,
	CONSTRAINT fk_complaints_owner_agent_id_agents FOREIGN KEY(owner_agent_id) REFERENCES agents (id)
);
CREATE INDEX ix_complaints_interaction_id ON complaints (interaction_id);
CREATE INDEX ix_complaints_status_created ON complaints (status, created_at);
CREATE INDEX ix_complaints_customer_status ON complaints (customer_id, status);
CREATE INDEX ix_complaints_owner_agent_id ON complaints (owner_agent_id);
"""

# Rows as the first release wrote them (its columns only).
FIRST_RELEASE_ROWS: list[tuple[str, list[dict[str, Any]]]] = [
    ("agents", [{"id": 1, "login": "1001", "name": "王伟", "password_hash": "", "interface": "Local/1001@agent-phones/n",
                 "queues": ["vip"], "role": "agent", "language": "zh", "presence": "available", "presence_reason": "",
                 "created_at": T0}]),
    ("customers", [{"id": 1, "name": "李娜", "name_initials": "ln", "customer_type": "vip", "value_class": "major",
                    "account_manager_id": 1, "credit_status": "normal", "language": "zh", "account_number": "6222001",
                    "pin_hash": None, "created_at": T0, "account_kind": "personal", "spend_12m": 12_345_600}]),
    ("phones", [{"id": 1, "customer_id": 1, "e164": NUMBER, "kind": "mobile"}]),
    ("interactions", [{"id": "i-old", "call_id": "c-old", "caller_number": "13800138000", "customer_id": 1,
                       "queue": "vip", "agent_id": 1, "customer_type": "vip", "value_class": "major", "priority": 10,
                       "status": "completed", "ivr_failed": False, "started_at": T0, "ended_at": T0,
                       "talk_seconds": 95, "outcome": "resolved", "notes": "老客户, 账单问题"}]),
    ("complaints", [{"id": 1, "customer_id": 1, "interaction_id": "i-old", "category": "billing", "severity": "high",
                     "description": "charged twice", "status": "open", "owner_agent_id": 1, "created_at": T0,
                     "updated_at": T0}]),
]


# --------------------------------------------------------------------------- building old databases
def _insert_rows(conn: Connection, rows: Iterable[tuple[str, list[dict[str, Any]]]]) -> None:
    """Insert through the tables as the database has them (reflected), so nothing of today's models leaks in."""
    metadata = MetaData()
    for name, values in rows:
        conn.execute(Table(name, metadata, autoload_with=conn).insert(), values)
        if conn.dialect.name == "postgresql":      # explicit ids: move the sequence (if any) past them
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), 100)")


def _first_release_sql(dialect: str) -> list[str]:
    """The statements of revision 0001 for *dialect* (Alembic's offline mode), without its version table:
    what the first release's ``create_all`` left behind."""
    config = db.alembic_config()
    config.output_buffer = io.StringIO()
    config.set_main_option("sqlalchemy.url", f"{dialect}://")
    command.upgrade(config, db.FIRST_REVISION, sql=True)
    statements = ["\n".join(line for line in chunk.splitlines() if not line.startswith("--")).strip()
                  for chunk in config.output_buffer.getvalue().split(";\n")]
    return [s for s in statements if s and "alembic_version" not in s and s not in ("BEGIN", "COMMIT")]


async def _pre_alembic_database(url: str, statements: Iterable[str] | None = None,
                                rows: list[tuple[str, list[dict[str, Any]]]] = FIRST_RELEASE_ROWS) -> None:
    engine = db.make_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements if statements is not None else _first_release_sql(engine.dialect.name):
                await conn.exec_driver_sql(statement)
            await conn.run_sync(_insert_rows, rows)
    finally:
        await engine.dispose()


async def _run(url: str, fn: Any, *args: Any) -> Any:
    engine = db.make_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn, *args)
    finally:
        await engine.dispose()


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


# --------------------------------------------------------------------------- what a user sees afterwards
async def _assert_first_release_data_kept_and_new_columns_work(store: Store) -> None:
    (card,) = await store.identify(NUMBER)
    assert (card["name"], card["customer_type"], card["value_class"]) == ("李娜", "vip", "major")
    assert [c["id"] for c in card["open_complaints"]] == [1]
    old = await store.interaction("i-old")
    assert old is not None
    assert (old["outcome"], old["notes"], old["talk_seconds"], old["started_at"]) == ("resolved", "老客户, 账单问题", 95, T0)
    assert (old["routing_trace"], old["survey_score"]) == (None, None)
    # The complaint still points at its call: rebuilding the interactions table did not cut the link.
    (complaint,) = old["complaints"]
    assert (complaint["id"], complaint["interaction_id"], complaint["description"]) == (1, "i-old", "charged twice")
    assert (complaint["escalation_level"], complaint["sla_due_at"]) == (0, None)

    # New since the first release: dialing calls, survey scores and routing traces, contact details,
    # complaint milestones with their audit entry.
    await store.record_interactions([("i-new", {"call_id": "c-new", "customer_id": 1, "status": "dialing",
                                                "routing_trace": '{"case": "account_manager"}', "survey_score": 5})])
    new = await store.interaction("i-new")
    assert new is not None and (new["status"], new["survey_score"]) == ("dialing", 5)
    async with store.connect(write=True) as conn:
        await conn.execute(update(Customer).where(Customer.id == 1).values(email="lina@example.cn", address="北京"))
    advanced = await store.advance_complaint(1, "in_progress", actor_login="9001")
    assert advanced["status"] == "in_progress"
    assert [e["action"] for e in await store.audit_entries(entity="complaint", entity_id=1)] == ["complaint.advance"]


# --------------------------------------------------------------------------- (a) a database at revision 0001
async def test_a_database_at_revision_0001_is_upgraded_with_its_data(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        assert await db.upgrade(engine, db.FIRST_REVISION) == (None, "0001")
        async with engine.begin() as conn:
            assert "audit_log" not in await conn.run_sync(_tables)
            await conn.run_sync(_insert_rows, FIRST_RELEASE_ROWS)
    finally:
        await engine.dispose()

    store = Store(database_url)
    await store.open()
    try:
        await _assert_first_release_data_kept_and_new_columns_work(store)
        assert await db.current_revision(store.engine) == db.head_revision()
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await store.close()


# --------------------------------------------------------------------------- (b) written before migrations existed
async def test_revision_0001_is_what_the_first_release_created() -> None:
    """Reflected side by side (SQLite): the first release's own DDL and revision 0001's give the same
    tables, columns, types, keys, indexes and CHECK constraints."""
    def schema(conn: Connection) -> dict[str, Any]:
        inspector = inspect(conn)
        return {t: ([(c["name"], str(c["type"]), c["nullable"], c["default"]) for c in inspector.get_columns(t)],
                    inspector.get_pk_constraint(t), sorted(map(repr, inspector.get_foreign_keys(t))),
                    sorted(map(repr, inspector.get_indexes(t))), sorted(map(repr, inspector.get_unique_constraints(t))),
                    sorted(map(repr, inspector.get_check_constraints(t))))
                for t in sorted(inspector.get_table_names()) if t != "alembic_version"}

    from sqlalchemy import create_engine

    old, new = create_engine("sqlite://"), create_engine("sqlite://")
    with old.begin() as a, new.begin() as b:
        for statement in FIRST_RELEASE_SQLITE.split(";\n"):
            if statement.strip():
                a.exec_driver_sql(statement)
        for statement in _first_release_sql("sqlite"):
            b.exec_driver_sql(statement)
        assert schema(a) == schema(b)
        assert len(schema(a)) == 6


async def test_the_first_release_s_own_sqlite_database_is_upgraded_in_place_by_open(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await _pre_alembic_database(url, [s for s in FIRST_RELEASE_SQLITE.split(";\n") if s.strip()])
    store = Store(url)
    await store.open()
    try:
        await _assert_first_release_data_kept_and_new_columns_work(store)
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await store.close()


async def test_a_pre_migrations_database_is_upgraded_in_place_by_open(database_url: str) -> None:
    await _pre_alembic_database(database_url)
    assert "alembic_version" not in await _run(database_url, _tables)
    store = Store(database_url)
    await store.open()
    try:
        assert await db.current_revision(store.engine) == db.head_revision()
        await _assert_first_release_data_kept_and_new_columns_work(store)
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await store.close()


def _interim_patch(conn: Connection) -> None:
    """What builds between the first release and migrations did at start-up: ``create_all`` (the new
    tables) and ALTER TABLE ADD COLUMN for the new *nullable* columns; the CHECK constraints of
    ``interactions`` and ``complaints.escalation_level`` (it has a server default) stayed as they were."""
    for name in ("callbacks", "queue_switches", "follow_ups", "audit_log"):
        Base.metadata.tables[name].create(conn)
    for table, column, kind in (("interactions", "routing_trace", "TEXT"), ("interactions", "survey_score", "INTEGER"),
                                ("customers", "email", "VARCHAR(200)"), ("customers", "address", "VARCHAR(400)"),
                                ("complaints", "sla_due_at", "TIMESTAMP WITH TIME ZONE"
                                 if conn.dialect.name == "postgresql" else "DATETIME")):
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    _insert_rows(conn, [("callbacks", [{"id": 7, "number": NUMBER, "customer_id": 1, "queue": "vip", "priority": 0,
                                        "source": "ivr", "status": "pending", "credit_from": T0, "attempts": 0,
                                        "created_at": T0, "updated_at": T0}])])
    conn.exec_driver_sql("UPDATE interactions SET routing_trace = '{\"case\": \"tier\"}' WHERE id = 'i-old'")


async def test_a_database_patched_by_an_interim_build_is_upgraded_too(database_url: str) -> None:
    await _pre_alembic_database(database_url)
    await _run(database_url, _interim_patch)
    store = Store(database_url)
    await store.open()
    try:
        (callback,) = await store.list_callbacks()
        assert (callback["id"], callback["number"], callback["status"]) == (7, NUMBER, "pending")
        old = await store.interaction("i-old")
        assert old is not None and old["routing_trace"] == '{"case": "tier"}'
        async with store.connect(write=True) as conn:        # as the interim build left it, then upgraded
            await conn.execute(text("UPDATE interactions SET routing_trace = NULL WHERE id = 'i-old'"))
        await _assert_first_release_data_kept_and_new_columns_work(store)
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await store.close()


# --------------------------------------------------------------------------- (c) opening again
async def test_opening_an_upgraded_database_again_changes_nothing(database_url: str) -> None:
    def snapshot(conn: Connection) -> Any:
        if conn.dialect.name == "sqlite":      # rootpage changes when a table is rebuilt
            return conn.exec_driver_sql("SELECT type, name, rootpage, sql FROM sqlite_master ORDER BY name").all()
        return conn.exec_driver_sql(
            "SELECT c.relname, c.relfilenode, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' ORDER BY c.relname").all()

    await _pre_alembic_database(database_url)
    for _ in range(2):
        store = Store(database_url)
        await store.open()
        await store.close()
    before = await _run(database_url, snapshot)
    engine = db.make_engine(database_url)
    try:
        assert await db.upgrade(engine) == (db.head_revision(), db.head_revision())
    finally:
        await engine.dispose()
    store = Store(database_url)
    await store.open()
    try:
        assert await _run(database_url, snapshot) == before
        (card,) = await store.identify(NUMBER)
        assert card["name"] == "李娜"
    finally:
        await store.close()


# --------------------------------------------------------------------------- refused, untouched
async def test_a_database_from_a_newer_release_is_refused_untouched(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        await db.upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    finally:
        await engine.dispose()
    store = Store(database_url)
    with pytest.raises(db.SchemaMismatch) as exc:
        await store.open()
    assert "'0099'" in exc.value.message and exc.value.error_id == "schema-mismatch"
    assert await _run(database_url, lambda c: c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()) \
        == "0099"


async def test_rows_that_do_not_fit_stop_the_upgrade_and_nothing_changes(database_url: str) -> None:
    await _pre_alembic_database(database_url)
    await _run(database_url, _interim_patch)
    # An interim build had no CHECK on the survey score; the upgrade adds one.
    await _run(database_url, lambda c: c.exec_driver_sql("UPDATE interactions SET survey_score = 9 WHERE id = 'i-old'"))
    before = await _run(database_url, _tables)
    store = Store(database_url)
    with pytest.raises(db.SchemaMismatch) as exc:
        await store.open()
    assert "nothing was changed" in exc.value.message
    assert await _run(database_url, _tables) == before            # no alembic_version, nothing half done
    assert await _run(database_url, lambda c: c.exec_driver_sql(
        "SELECT survey_score, outcome FROM interactions WHERE id = 'i-old'").one()) == (9, "resolved")


async def test_a_database_with_only_part_of_the_tables_is_refused(database_url: str) -> None:
    await _pre_alembic_database(database_url, [s for s in _first_release_sql(
        "postgresql" if database_url.startswith("postgresql") else "sqlite") if "complaints" not in s], rows=[])
    with pytest.raises(db.SchemaMismatch) as exc:
        await Store(database_url).open()
    assert "complaints" in exc.value.message


# --------------------------------------------------------------------------- the command line
def test_callcenter_db_current_and_upgrade(tmp_path, monkeypatch, capsys) -> None:
    from callcenter import cli

    monkeypatch.setenv("CC_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    head = db.head_revision()
    assert cli.main(["--config", "config.yaml", "db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"none (newest: {head}; run callcenter db upgrade)"
    assert cli.main(["--config", "config.yaml", "db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"schema upgraded from none to {head}"
    assert cli.main(["--config", "config.yaml", "db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"schema at {head}, already the newest"
    assert cli.main(["--config", "config.yaml", "db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"{head} (newest: {head})"
