"""A throwaway PostgreSQL server for integration tests.

Finds ``initdb``/``pg_ctl`` (``$PATH``, ``/usr/lib/postgresql/*/bin``, ``/usr/local/bin``,
``/usr/local/pgsql/bin``), runs ``initdb`` into a fresh temporary directory, starts ``postgres`` on a
free port of 127.0.0.1 (unix socket in the same directory, ``fsync`` off: it is thrown away), and
stops it and removes the directory at the end. ``initdb`` refuses to run as root: then every server
command runs as the ``postgres`` OS user (``runuser``, else ``su``) on a directory chowned to it; with
no such user the tests are skipped with the reason.

Use it as a plugin (importing the fixtures into each module instead would start one server per
module)::

    pytest_plugins = ["tests.integration.pg"]

    def test_x(pg_server):
        url = pg_server.create_database()        # a new empty database per test
        # url == "postgresql+asyncpg://postgres@127.0.0.1:PORT/test_3"

    def test_y(database_url):                    # runs twice: [sqlite] and [postgres]
        ...

``CC_TEST_POSTGRES_URL`` (a ``postgresql+asyncpg://`` URL of a server you run yourself, with the
right to create databases) replaces the throwaway server.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from pathlib import Path

import pytest

SUPERUSER = "postgres"
_SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/bin", "/usr/local/pgsql/bin", "/usr/pgsql-*/bin")


class PostgresUnavailable(Exception):
    """Why no throwaway server can be started here (shown as the skip reason)."""


def find_bin_dir() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``psql`` (newest version first)."""
    candidates: list[Path] = []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    for pattern in _SEARCH:
        candidates += sorted((Path(p) for p in glob.glob(pattern)), key=_version, reverse=True)
    for directory in candidates:
        if all((directory / tool).exists() for tool in ("initdb", "pg_ctl", "psql")):
            return directory
    return None


def _version(path: Path) -> tuple[int, ...]:
    digits = [int(part) for part in path.parts if part.isdigit()]
    return tuple(digits) or (0,)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """One throwaway server; :meth:`create_database` gives each test its own database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.base = Path(tempfile.mkdtemp(prefix="cc-pg-"))   # under /tmp: reachable by the postgres user
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = 0
        self._as_server: Callable[[list[str]], list[str]] = lambda argv: argv
        self._counter = itertools.count(1)
        self._started = False

    # -- lifetime
    def start(self) -> None:
        if os.geteuid() == 0:
            self._as_server = _drop_root()
            user = pwd.getpwnam(SUPERUSER)
            os.chown(self.base, user.pw_uid, user.pw_gid)
        self._run(
            [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            as_server=True, what="initdb",
        )
        last_error: PostgresUnavailable | None = None
        for _attempt in range(3):        # the free port may be taken between bind and listen
            self.port = _free_port()
            try:
                self._pg_ctl_start()
            except PostgresUnavailable as exc:
                last_error = exc
                continue
            self._started = True
            return
        raise last_error or PostgresUnavailable("postgres did not start")

    def _pg_ctl_start(self) -> None:
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                   "-w", "-t", "60", "start"], as_server=True, what="pg_ctl start")

    def halt(self) -> None:
        """Stop the server and keep its data (a database outage); :meth:`resume` brings it back on
        the same port. Other tests of the session share it: resume in a ``finally``."""
        self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                  as_server=True, what="pg_ctl stop")

    def resume(self) -> None:
        self._pg_ctl_start()

    def stop(self) -> None:
        try:
            if self._started:
                self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                          as_server=True, what="pg_ctl stop")
        finally:
            self._started = False
            shutil.rmtree(self.base, ignore_errors=True)

    # -- databases
    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its ``postgresql+asyncpg://`` URL."""
        name = name or f"test_{next(self._counter)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = self._run(
            [str(self.bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", SUPERUSER, "-d", database, "-At", "-c", sql],
            as_server=False, what="psql",
        )
        return result.stdout

    # -- plumbing
    def _run(self, argv: list[str], *, as_server: bool, what: str) -> subprocess.CompletedProcess[str]:
        command = self._as_server(argv) if as_server else argv
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.base,
                                    check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresUnavailable(f"{what} could not run: {exc}") from exc
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            if self.log.exists() and what.startswith("pg_ctl"):
                tail += self.log.read_text(errors="replace").strip().splitlines()[-3:]
            raise PostgresUnavailable(f"{what} failed ({result.returncode}): {' | '.join(tail)}")
        return result


def _drop_root() -> Callable[[list[str]], list[str]]:
    """How to run a command as the postgres OS user, for a root test run."""
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no 'postgres' OS user: initdb refuses to run as root"
        ) from None
    runuser = shutil.which("runuser")
    if runuser:
        return lambda argv: [runuser, "-u", SUPERUSER, "--", *argv]
    su = shutil.which("su")
    if su:
        return lambda argv: [su, "-s", "/bin/sh", SUPERUSER, "-c", shlex.join(argv)]
    raise PostgresUnavailable("running as root with neither runuser nor su to become the 'postgres' user")


class ExternalServer:
    """``CC_TEST_POSTGRES_URL``: a server run by the developer; databases are created in it."""

    def __init__(self, url: str) -> None:
        self.base_url = url
        self._counter = itertools.count(1)
        self._prefix = f"cc_test_{os.getpid()}_"

    def create_database(self, name: str | None = None) -> str:
        import asyncio

        import asyncpg

        name = name or f"{self._prefix}{next(self._counter)}"
        dsn = self.base_url.replace("postgresql+asyncpg://", "postgresql://")

        async def create() -> None:
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        asyncio.run(create())
        head, _, _ = self.base_url.rpartition("/")
        return f"{head}/{name}"


def start_server() -> PgServer:
    """Start a throwaway server or raise :class:`PostgresUnavailable` saying why not."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL binaries (initdb, pg_ctl, psql) not found on PATH or in "
                                  "/usr/lib/postgresql/*/bin, /usr/local/bin")
    server = PgServer(bin_dir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | ExternalServer]:
    """A PostgreSQL server for the whole test session, or a skip naming the reason."""
    external = os.environ.get("CC_TEST_POSTGRES_URL")
    if external:
        yield ExternalServer(external)
        return
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database per test, once on SQLite (a file in tmp_path) and once on PostgreSQL
    (skipped with the reason when no server can be had). Import it with ``pg_server``."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}"
    server = request.getfixturevalue("pg_server")
    return str(server.create_database())


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Any]:
    """The demo's seeded CRM (23 customers) on ``database_url``, opened and closed around the test. A
    test module that needs another store defines its own ``store`` fixture, which wins."""
    from crm_bridge.seed import seed_demo
    from crm_bridge.store import Store

    seeded = Store(database_url)
    await seeded.open()
    await seed_demo(seeded, customers=23)
    yield seeded
    await seeded.close()
