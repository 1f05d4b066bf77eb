"""The models and the migrations cannot drift apart: a database built by running every revision is
exactly what ``crm_bridge/models.py`` describes (Alembic's autogenerate diff is empty, and the CHECK
constraints, which autogenerate does not compare, have the same names and vocabularies), on SQLite and
PostgreSQL. When this fails after a change to the models, add a revision in crm_bridge/migrations/versions/.
"""
from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from crm_bridge import db
from crm_bridge.models import Base

pytest_plugins = ["tests.integration.pg"]


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True,
                                                     "target_metadata": Base.metadata})
    return list(compare_metadata(context, Base.metadata))


def _vocabulary(sqltext: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The quoted words and the numbers of a CHECK: ``status IN ('a', 'b')`` and PostgreSQL's
    ``status::text = ANY (ARRAY['a'::character varying, ...])`` give the same; so do ``x BETWEEN 1 AND 5``
    and ``x >= 1 AND x <= 5``."""
    words = re.findall(r"'([^']*)'", sqltext)
    rest = re.sub(r"'[^']*'", "", sqltext)
    numbers = re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", rest)
    return tuple(sorted(words)), tuple(sorted(numbers))


def _database_checks(conn: Connection) -> dict[tuple[str, str], Any]:
    inspector = inspect(conn)
    return {(table, check["name"]): _vocabulary(check["sqltext"])
            for table in inspector.get_table_names() if table != "alembic_version"
            for check in inspector.get_check_constraints(table)}


def _model_checks(dialect: Any) -> dict[tuple[str, str], Any]:
    from sqlalchemy import CheckConstraint

    return {(table.name, str(c.name)): _vocabulary(str(c.sqltext.compile(dialect=dialect)))
            for table in Base.metadata.sorted_tables for c in table.constraints
            if isinstance(c, CheckConstraint)}


async def test_a_database_built_by_the_migrations_is_the_models_schema(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        assert await db.upgrade(engine) == (None, db.head_revision())
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_database_checks) == _model_checks(engine.dialect)
    finally:
        await engine.dispose()


async def test_every_revision_downgrades_to_an_empty_database_and_upgrades_again(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        await db.upgrade(engine)
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: _command(c, "downgrade", "base"))
        async with engine.connect() as conn:
            assert await conn.run_sync(lambda c: inspect(c).get_table_names()) == ["alembic_version"]
        assert await db.upgrade(engine) == (None, db.head_revision())
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


def _command(conn: Connection, name: str, target: str) -> None:
    from alembic import command

    getattr(command, name)(db.alembic_config(conn), target)
