"""Alembic migrations of the CRM schema, run by ``crm_bridge.db.create_schema`` (``Store.open()``) and
``callcenter db upgrade``; no ``alembic.ini`` is needed (``crm_bridge.db.alembic_config``)."""
