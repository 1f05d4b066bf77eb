"""CSV import and export of customers against a real SQLite file (and PostgreSQL), and the CLI."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crm_bridge import csv_io, seed
from crm_bridge.store import Store

pytest_plugins = ["tests.integration.pg"]

ROOT = Path(__file__).resolve().parents[2]

FILE = (
    "name,phones,customer_type,value_class,language,account_number,email,address,credit_status\n"
    "张三,13911112222;010-88887777,vip,major,zh,A-1,zs@example.com,北京市,normal\n"          # line 2: ok
    "李娜二号,13800000001,,,,,,,\n"                                                           # 3: number of 李娜
    "王五,+86 139 1111 2222,,,,,,,\n"                                                        # 4: same as line 2
    ",13911113333,,,,,,,\n"                                                                   # 5: no name
    "赵六,abc,martian,,,,bad-email,,\n"                                                       # 6: three problems
    "\"Multi, Ltd.\",13911114444,group,named,en,,,\"Room 1\nBuilding 2\r\nFloor 3\",\n"   # 7-9: ok
    "\n"                                                                                      # 10: blank
    "Dup Account,13911115555,,,,A-1,,,\n"                                                     # 11: account of line 2
    "钱七,13911116666,,,,,,,suspended\n"                                                      # 12: ok
)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url)
    await store.open()
    await seed.seed_demo(store)
    yield store
    await store.close()


async def test_import_with_duplicates_and_bad_rows_writes_a_report(store: Store) -> None:
    report = io.StringIO()
    seen: list[csv_io.ImportProgress] = []
    summary = await csv_io.import_customers(store, io.BytesIO(FILE.encode()), report=report, batch_size=3,
                                            progress=lambda p: seen.append(csv_io.ImportProgress(**{
                                                k: getattr(p, k) for k in p.__slots__})))
    p = summary.progress
    assert (p.rows, p.imported, p.duplicates, p.rejected) == (8, 3, 3, 2)
    assert seen and seen[-1].bytes_read == seen[-1].bytes_total == len(FILE.encode())
    assert [s.rows for s in seen] == sorted(s.rows for s in seen)

    rows = list(csv.reader(io.StringIO(report.getvalue())))
    assert rows[0][:4] == ["line", "status", "reasons", "name"]
    by_line = {int(r[0]): r for r in rows[1:]}
    assert sorted(by_line) == [3, 4, 5, 6, 11]
    assert by_line[3][1] == "duplicate" and "belongs to customer 1" in by_line[3][2]
    assert by_line[4][1] == "duplicate" and "line 2" in by_line[4][2]
    assert by_line[5][1] == "rejected" and by_line[5][2].startswith("name:")
    assert {"customer_type", "phones[0]", "email"} <= {part.split(":")[0] for part in by_line[6][2].split("; ")}
    assert by_line[11][1] == "duplicate" and "account_number" in by_line[11][2]
    assert by_line[6][3:6] == ["赵六", "abc", "martian"]           # the row itself, to fix and re-import

    zhang = (await store.search_customers("010-88887777"))["results"][0]
    assert (zhang["name"], zhang["customer_type"], zhang["account_number"]) == ("张三", "vip", "A-1")
    assert [ph["e164"] for ph in zhang["phones"]] == ["+8613911112222", "+861088887777"]
    multi = (await store.search_customers("13911114444"))["results"][0]
    assert multi["name"] == "Multi, Ltd." and multi["address"] == "Room 1\nBuilding 2\r\nFloor 3"
    assert (await store.search_customers("zs"))["results"][0]["name"] == "张三"   # initials kept

    again = await csv_io.import_customers(store, io.BytesIO(FILE.encode()))
    assert again.progress.imported == 0                              # a re-import duplicates everything


async def test_gbk_file_from_excel(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("姓名测试\nname,phones\n".encode("gbk")[len("姓名测试\n".encode("gbk")):]
                     + "孙悟空,13911117777\n猪八戒,13911118888\n".encode("gbk"))
    summary = await csv_io.import_customers(store, path)
    assert summary.encoding == "gb18030" and summary.progress.imported == 2
    assert (await store.search_customers("swk"))["results"][0]["name"] == "孙悟空"
    forced = await csv_io.import_customers(store, io.BytesIO("name\n沙僧\n".encode("gbk")), encoding="gbk")
    assert forced.progress.imported == 1
    with pytest.raises(csv_io.ImportFailed, match="--encoding gbk"):
        await csv_io.import_customers(store, io.BytesIO("name\n唐僧\n".encode("gbk")), encoding="utf-8")


async def test_utf8_bom_and_bad_headers(store: Store) -> None:
    summary = await csv_io.import_customers(store, io.BytesIO("\ufeffName,Phone\n白龙马,13911119999\n".encode()))
    assert summary.progress.imported == 1
    with pytest.raises(csv_io.ImportFailed, match="'colour'"):
        await csv_io.import_customers(store, io.BytesIO(b"name,colour\nx,red\n"))
    with pytest.raises(csv_io.ImportFailed, match="empty"):
        await csv_io.import_customers(store, io.BytesIO(b""))


async def test_export_round_trip(store: Store, tmp_path: Path) -> None:
    await store.update_contact(1, {"email": "li@example.com", "address": "=HYPERLINK(\"http://evil\")"},
                               __import__("crm_bridge.customer_page", fromlist=["Actor"]).Actor("1001", 1))
    out = io.StringIO()
    count = await csv_io.export_customers(store, out)
    assert count == 200
    text = out.getvalue()
    assert text.startswith("\ufeffid,name,phones,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    li = rows[0]
    assert li["name"] == "李娜" and li["phones"] == "'+8613800000001" and li["address"].startswith("'=")
    assert all(not r[c].startswith(("=", "+", "-", "@")) for r in rows for c in r)

    other = Store(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    await other.open()
    try:
        summary = await csv_io.import_customers(other, io.BytesIO(text.encode()))
        assert summary.progress.imported == 200 and not summary.problems
        again = io.StringIO()
        await csv_io.export_customers(other, again)
        strip_id = lambda t: [r[1:] for r in csv.reader(io.StringIO(t.lstrip("\ufeff")))]  # noqa: E731
        assert strip_id(again.getvalue()) == strip_id(text)
    finally:
        await other.close()

    searched = io.StringIO()
    assert await csv_io.export_customers(store, searched, "ln") >= 1
    assert "李娜" in searched.getvalue()


def test_cli_import_and_export(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("name,phones\n张三,13911112222\n李四,13911112222\n,\n".encode("gbk"))
    env = {**os.environ, "CC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "CC_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}                                     # this checkout, not an installed one
    env.pop("CC_CONFIG", None)
    run = lambda *args: subprocess.run([sys.executable, "-m", "callcenter", *args], capture_output=True,  # noqa: E731
                                       text=True, env=env, cwd=tmp_path, timeout=120)
    done = run("customers", "import", str(source), "--report", str(tmp_path / "rejected.csv"))
    assert done.returncode == 0, done.stderr
    assert "1 imported, 1 duplicates" in done.stdout
    assert csv_io.PER_ROW_PROMISE in done.stdout and "line 3: duplicate: phones[0]: +8613911112222 is on line 2" in done.stdout
    assert "import" in done.stderr                                       # the progress bar
    report = (tmp_path / "rejected.csv").read_text(encoding="utf-8-sig")
    assert "3,duplicate" in report
    exported = run("customers", "export", "--query", "zs")
    assert exported.returncode == 0, exported.stderr
    assert "张三" in exported.stdout and "'+8613911112222" in exported.stdout
    broken = tmp_path / "broken.csv"
    broken.write_bytes("name,phones\n王五,13911113333\n".encode() + b"\xff\n")
    refused = run("customers", "import", str(broken))
    assert refused.returncode == 2 and "line 3: the text is not UTF-8" in refused.stderr
    assert "nothing was imported" in refused.stderr
    missing = run("customers", "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "nope.csv" in missing.stderr


async def customer_count(store: Store) -> int:
    from sqlalchemy import func, select

    from crm_bridge.models import Customer
    async with store.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Customer))).scalar_one())


async def test_a_bad_row_never_drops_its_batch(store: Store) -> None:
    """Issue 11: a 200 KB cell aborted the import and silently dropped the rows of its batch."""
    huge = "x" * 200_000
    lines = ["name,phones,address"]
    lines += [f"好人{i},1392222{i:04d}," for i in range(10)]                         # lines 2-11
    lines.append(f"大地址,13933330001,\"{huge}\n{huge}\"")                            # 12-13: one cell, 400 KB
    lines.append(f"{huge},13933330002,")                                              # 14: a 200 KB name, unquoted
    lines.append("零\x00字节,13933330003,")                                           # 15: NUL
    lines.append("Zhang\u202eevil,13933330004,")                                      # 16: right-to-left override
    lines.append("换\n行,13933330005,")                                                # 17-18: unquoted: 2 rows
    lines.append("Tab OK,13933330006,\"Room 1\tDesk 2\nBuilding 3\"")               # 19-20: ok
    lines.append('坏引号,"13933330007,')                                              # 21: quote never closed
    lines += [f"后来{i},1394444{i:04d}," for i in range(5)]                           # 22-26
    before = await customer_count(store)
    report = io.StringIO()
    summary = await csv_io.import_customers(store, io.BytesIO("\n".join(lines).encode()), batch_size=4,
                                            report=report)
    p = summary.progress
    assert (p.rows, p.imported, p.duplicates, p.rejected) == (23, 18, 0, 5)
    assert await customer_count(store) == before + 18
    problems = {f["line"]: f["reasons"] for f in summary.problems}
    assert sorted(problems) == [12, 14, 15, 16, 21]
    assert "at most 65,536" in problems[12]["row"]
    assert "the row is 200,013 characters long" in problems[14]["row"]
    assert "U+0000" in problems[15]["name"]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in problems[16]["name"]
    assert "never closed" in problems[21]["row"]
    assert (await store.search_customers("13933330006"))["results"][0]["address"] == "Room 1\tDesk 2\nBuilding 3"
    assert (await store.search_customers("13944440004"))["results"][0]["name"] == "后来4"
    assert len(report.getvalue()) < 10_000                          # huge cells are cut in the report
    assert summary.lines()[1] == csv_io.PER_ROW_PROMISE
    assert "line 12: rejected: row: the row is 400,0" in "\n".join(summary.lines())


async def test_invalid_utf8_is_refused_at_its_line_before_any_row_is_written(store: Store) -> None:
    """Issue 11: invalid UTF-8 was reported at the wrong line after 4,500 rows were committed."""
    good = "".join(f"客户{i},\"1391111{i:04d}\n\"\n" for i in range(2250))     # two physical lines each
    data = f"name,phones\n{good}".encode() + b"\xc3\x28bad,13900000000\n"
    before = await customer_count(store)
    with pytest.raises(csv_io.ImportFailed, match=r"^line 4502: the text is not UTF-8 .*nothing was imported"):
        await csv_io.import_customers(store, io.BytesIO(data), batch_size=100)
    assert await customer_count(store) == before


async def test_a_row_the_database_refuses_is_reported_and_its_batch_lands(store: Store, database_url: str) -> None:
    """A constraint the checks do not know (here a trigger) refuses one row: only that row is lost."""
    from sqlalchemy import text
    async with store.connect(write=True) as conn:
        if database_url.startswith("sqlite"):
            await conn.execute(text("CREATE TRIGGER no_boom BEFORE INSERT ON customers WHEN NEW.name = 'boom' "
                                    "BEGIN SELECT RAISE(ABORT, 'boom is refused'); END"))
        else:                                   # 23514: check_violation, an IntegrityError as SQLite's
            await conn.execute(text("CREATE FUNCTION no_boom() RETURNS trigger AS $$ BEGIN IF NEW.name = 'boom' "
                                    "THEN RAISE EXCEPTION 'boom is refused' USING ERRCODE = '23514'; END IF; "
                                    "RETURN NEW; END $$ LANGUAGE plpgsql"))
            await conn.execute(text("CREATE TRIGGER no_boom BEFORE INSERT ON customers FOR EACH ROW "
                                    "EXECUTE FUNCTION no_boom()"))
    rows = "".join(f"{'boom' if i == 37 else f'客户{i}'},1395555{i:04d}\n" for i in range(100))
    summary = await csv_io.import_customers(store, io.BytesIO(f"name,phones\n{rows}".encode()), batch_size=64)
    assert (summary.progress.imported, summary.progress.rejected) == (99, 1)
    assert summary.problems[0]["line"] == 39 and "boom is refused" in summary.problems[0]["reasons"]["row"]
    again = await csv_io.import_customers(store, io.BytesIO(f"name,phones\n{rows}".encode()), batch_size=64)
    assert (again.progress.duplicates, again.progress.rejected) == (99, 1)   # its number was never "seen"


async def test_a_database_outage_stops_the_import_at_a_line_and_a_second_run_finishes_it(store: Store) -> None:
    from contextlib import asynccontextmanager

    from callcenter.errors import StoreUnavailable

    class Outage:
        """The store, whose third write transaction finds the database gone."""

        def __init__(self) -> None:
            self.default_region, self.writes = store.default_region, 0

        @asynccontextmanager
        async def connect(self, *, write: bool = False):  # type: ignore[no-untyped-def]
            self.writes += write
            if self.writes == 3:
                raise StoreUnavailable()
            async with store.connect(write=write) as conn:
                yield conn

    data = ("name,phones\n" + "".join(f"客户{i},1396666{i:04d}\n" for i in range(50))).encode()
    with pytest.raises(csv_io.ImportFailed, match=r"^line 42: the database failed .*; 40 rows before it were imported"):
        await csv_io.import_customers(Outage(), io.BytesIO(data), batch_size=20)
    again = await csv_io.import_customers(store, io.BytesIO(data), batch_size=20)
    assert (again.progress.imported, again.progress.duplicates) == (10, 40)
