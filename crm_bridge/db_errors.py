"""Telling "the database is not there (now)" apart from bad input or a bug, for the store's edges."""
from __future__ import annotations

import logging

from sqlalchemy import exc as sa_exc

from callcenter.errors import StoreUnavailable

log = logging.getLogger("crm_bridge.store")

# Failures that mean "the database is not there (now)", as opposed to bad input or a bug.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError,
    OSError, TimeoutError,
)
# PostgreSQL SQLSTATE classes of the same kind: connection exception, no such database, bad login,
# insufficient resources (too many clients), operator intervention (shutdown, recovery).
UNAVAILABLE_SQLSTATES = ("08", "3D", "28", "53", "57")


def is_unavailable(exc: sa_exc.DBAPIError) -> bool:
    if isinstance(exc, UNAVAILABLE) or exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES)


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__}: {str(orig).splitlines()[0][:200] if str(orig) else ''}"


def unavailable(exc: BaseException) -> StoreUnavailable:
    log.warning("CRM database unavailable: %s", first_line(exc))
    return StoreUnavailable(f"the CRM database is not reachable ({first_line(exc)})")
