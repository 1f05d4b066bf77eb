"""Which agent phones pjsip.conf gets: a ``--phones`` list, else the agents in the CRM database.

The parsing and the interface → extension rule are pure; :func:`from_database` is the one piece of
I/O, read-only and bounded in time: ``callcenter asterisk-config`` must work on a machine where the
database is not reachable (it then says so in pjsip.conf and uses the demo's phones).
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# The demo's agents (crm_bridge/seed.py): 1001-1006 and the supervisor 9001.
DEMO_PHONES = ("1001", "1002", "1003", "1004", "1005", "1006", "9001")
MAX_PHONES = 2000
DB_TIMEOUT = 5.0                          # seconds: a database that does not answer is "unreachable"
_INTERFACE = re.compile(r"^(?:Local/(?P<local>\d+)@agent-phones(?:/n)?|PJSIP/(?P<pjsip>\d+))$")


@dataclass(frozen=True, slots=True)
class Phones:
    extensions: tuple[str, ...]
    source: str                           # one line for pjsip.conf: where the list came from


def parse_spec(spec: str) -> tuple[str, ...]:
    """``"1001-1006,9001"`` → the extensions; ``ValueError`` naming the bad part."""
    found: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        first, sep, last = part.partition("-")
        if not first.isdigit() or (sep and not last.isdigit()):
            raise ValueError(f"{part!r}: expected an extension (1001) or a range (1001-1006) of digits")
        if not sep:
            found.append(first)
            continue
        if len(first) != len(last) or int(last) < int(first):
            raise ValueError(f"{part!r}: a range goes up, between extensions of the same length")
        if int(last) - int(first) >= MAX_PHONES:
            raise ValueError(f"{part!r}: more than {MAX_PHONES} phones")
        found += [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]
    if not found:
        raise ValueError("no extension given")
    if len(found) > MAX_PHONES:
        raise ValueError(f"more than {MAX_PHONES} phones")
    return tuple(dict.fromkeys(found))


def extension_of(interface: str) -> str | None:
    """The phone extension behind an agent's queue interface (``Local/1001@agent-phones/n``)."""
    match = _INTERFACE.match(interface.strip())
    return None if match is None else match["local"] or match["pjsip"]


def from_interfaces(interfaces: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e for e in map(extension_of, interfaces) if e is not None))


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite+aiosqlite:///path`` URL (``None`` for other databases or in-memory)."""
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix) or url[len(prefix):] in ("", ":memory:"):
        return None
    return Path(url[len(prefix):].split("?", 1)[0])


def from_database(url: str) -> Phones:
    """The phones of the agents in the database at *url*; on any failure the demo's, saying why."""
    def fallback(why: str) -> Phones:
        return Phones(DEMO_PHONES, f"the demo's phones ({why}; pass --phones to choose)")

    path = sqlite_file(url)
    if url.startswith("sqlite") and path is not None and not path.exists():
        return fallback(f"no database file {path}")        # do not create an empty one by looking
    try:
        interfaces = asyncio.run(asyncio.wait_for(_interfaces(url), DB_TIMEOUT))
    except Exception as exc:          # noqa: BLE001 - any failure: the command still renders
        first = str(exc).splitlines()[0][:120] if str(exc) else ""
        return fallback(f"database not readable: {type(exc).__name__}: {first}")
    extensions = from_interfaces(interfaces)
    if not extensions:
        return fallback("no agent in the database has a phone interface")
    return Phones(extensions, f"the agents in the database ({len(extensions)} phones)")


async def _interfaces(url: str) -> list[str]:
    from crm_bridge import agents, db

    engine = db.make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await agents.all_agents(conn)
        return [row["interface"] for row in rows if row["interface"]]
    finally:
        await engine.dispose()
