"""The throwaway-PostgreSQL helper says why it cannot run instead of failing obscurely."""
from __future__ import annotations

import pwd

import pytest

from tests.integration import pg


def test_no_binaries_gives_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg, "find_bin_dir", lambda: None)
    with pytest.raises(pg.PostgresUnavailable, match="binaries"):
        pg.start_server()


def test_root_without_postgres_user_gives_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_user(name: str) -> pwd.struct_passwd:
        raise KeyError(name)

    monkeypatch.setattr(pg.pwd, "getpwnam", no_such_user)
    with pytest.raises(pg.PostgresUnavailable, match="root"):
        pg._drop_root()


def test_found_binaries_include_the_tools() -> None:
    found = pg.find_bin_dir()
    if found is None:
        pytest.skip("no PostgreSQL binaries here")
    assert all((found / tool).exists() for tool in ("initdb", "pg_ctl", "psql"))
