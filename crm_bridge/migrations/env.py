"""Alembic environment, configured in code (``crm_bridge.db.alembic_config``): the caller hands over a
*sync* connection already inside its transaction (from an async engine via ``run_sync``), so the
migrations, the version stamp and any checks around them commit together or not at all.

For authoring a revision from a shell (``alembic -c <ini> revision --autogenerate``) a
``sqlalchemy.url`` in the config is used instead; the URL may be the async one the server uses.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from crm_bridge.models import Base

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER constraints: batch mode copies the table (foreign keys are off meanwhile,
        # see crm_bridge.db.create_schema, so rows referring to it keep their references).
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        # Our SQLite connections run the migrations inside a transaction of ours (crm_bridge.db).
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_with_url(url: str) -> None:
    """Authoring from a shell: a plain (sync) SQLite URL; the async driver name is dropped."""
    engine = create_engine(url.replace("sqlite+aiosqlite://", "sqlite://", 1))
    try:
        with engine.begin() as connection:
            _configure(connection)
    finally:
        engine.dispose()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    _configure(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection: run migrations through crm_bridge.db (Store.open(), `callcenter db "
                           "upgrade`) or give sqlalchemy.url")
    _run_with_url(url)
