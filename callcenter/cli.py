"""Command line: ``callcenter serve | demo | seed | simulate | tiers reassess | customers import|export |
asterisk-config | prompts | check-config | db``."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from callcenter.errors import ConfigError
from callcenter.settings import Settings, load_settings


def _config_path(arg: str | None) -> Path | None:
    if arg:
        return Path(arg)
    env = os.environ.get("CC_CONFIG")
    if env:
        return Path(env)
    default = Path("config.yaml")
    return default if default.exists() else None


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(_config_path(args.config))


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from callcenter.app import create_app

    settings = _settings(args)
    web.run_app(create_app(settings), host=settings.http.host, port=settings.http.port,
                print=lambda msg: print(f"callcenter: console on http://{settings.http.host}:{settings.http.port}/"))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from callcenter.demo import run_demo

    settings = _settings(args)
    try:
        asyncio.run(run_demo(settings, db_path=Path(args.db), http_port=args.port, calls_per_minute=args.rate))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from crm_bridge.seed import seed_demo
    from crm_bridge.store import Store

    settings = _settings(args)

    async def run() -> None:
        store = Store(settings.database.url, default_region=settings.ivr.default_region)
        await store.open()
        try:
            summary = await seed_demo(store)
            print("\n".join(summary.lines()))
        finally:
            await store.close()

    asyncio.run(run())
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from callcenter.demo import run_simulator_only

    settings = _settings(args)
    try:
        asyncio.run(run_simulator_only(settings, ami_port=args.ami_port, agi=args.agi))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_tiers_reassess(args: argparse.Namespace) -> int:
    from crm_bridge import reassess

    settings = _settings(args)
    summary = asyncio.run(reassess.run(settings.database.url, settings.tiers, only_due=args.only_due,
                                       batch_size=args.batch_size))
    print("\n".join(summary.lines()))
    return 0


def cmd_customers_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from crm_bridge import csv_io
    from crm_bridge.store import Store

    settings = _settings(args)

    async def run() -> csv_io.ImportSummary:
        store = Store(settings.database.url, default_region=settings.ivr.default_region)
        await store.open()
        report = open(args.report, "w", encoding="utf-8-sig", newline="") if args.report else None
        try:
            with tqdm(total=Path(args.file).stat().st_size, unit="B", unit_scale=True, desc="import",
                      file=sys.stderr) as bar:
                def progress(p: csv_io.ImportProgress) -> None:
                    bar.update(p.bytes_read - bar.n)
                    bar.set_postfix(rows=p.rows, imported=p.imported, duplicates=p.duplicates,
                                    rejected=p.rejected, refresh=False)

                return await csv_io.import_customers(store, args.file, encoding=args.encoding,
                                                     batch_size=args.batch_size, report=report,
                                                     progress=progress)
        finally:
            if report is not None:
                report.close()
            await store.close()

    if not Path(args.file).is_file():
        print(f"callcenter customers import: no file {args.file}", file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(run())
    except (OSError, csv_io.ImportFailed) as exc:
        print(f"callcenter customers import: {exc}", file=sys.stderr)
        return 2
    print("\n".join(summary.lines()))
    if summary.problems and args.report:
        print(f"rejected and duplicate rows: {args.report}")
    return 0


def cmd_customers_export(args: argparse.Namespace) -> int:
    from crm_bridge import csv_io
    from crm_bridge.store import Store

    settings = _settings(args)

    async def run() -> int:
        store = Store(settings.database.url, default_region=settings.ivr.default_region)
        await store.open()
        try:
            return await csv_io.export_customers(store, sys.stdout, args.query or None, bom=not args.no_bom)
        finally:
            await store.close()

    count = asyncio.run(run())
    print(f"exported {count} customers", file=sys.stderr)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from crm_bridge import db

    settings = _settings(args)

    async def run() -> str:
        engine = db.make_engine(settings.database.url)
        try:
            if args.db_command == "upgrade":
                before, after = await db.upgrade(engine, args.revision)
                return f"schema at {after}, already the newest" if before == after else \
                    f"schema upgraded from {before or 'none'} to {after}"
            current, head = await db.current_revision(engine), db.head_revision()
            return f"{current or 'none'} (newest: {head}{'' if current == head else '; run callcenter db upgrade'})"
        finally:
            await engine.dispose()

    try:
        print(asyncio.run(run()))
    except db.SchemaMismatch as exc:
        print(f"callcenter db: {exc.message}", file=sys.stderr)
        return 2
    return 0


def cmd_asterisk_config(args: argparse.Namespace) -> int:
    from callcenter.pbx import command

    return command.run(_settings(args), out=Path(args.out) if args.out else None, force=args.force,
                       agi_host=args.agi_host, phones_spec=args.phones, show_secret=args.show_secret)


def cmd_prompts(args: argparse.Namespace) -> int:
    from callcenter import prompts

    settings = _settings(args)
    try:
        return prompts.run(settings, Path(args.out), texts_file=Path(args.texts) if args.texts else None,
                           languages=args.lang, force=args.force, allow_missing=args.allow_missing)
    except prompts.PromptsError as exc:
        print(f"callcenter prompts: {exc}", file=sys.stderr)
        return 2


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(f"configuration OK: queues {sorted(settings.queues)}, AMI {settings.ami.host}:{settings.ami.port}, "
          f"FastAGI {settings.fastagi.host}:{settings.fastagi.port}, HTTP {settings.http.host}:{settings.http.port}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callcenter", description=__doc__)
    parser.add_argument("--config", help="config file (default: $CC_CONFIG or ./config.yaml)")
    parser.add_argument("--log-level", default=os.environ.get("CC_LOG_LEVEL", "INFO"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run against a real Asterisk (AMI + FastAGI + console)").set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="server + PBX simulator + seeded SQLite CRM + simulated callers")
    demo.add_argument("--db", default="demo.db", help="SQLite file for the demo (seeded on first run)")
    demo.add_argument("--port", type=int, default=None, help="HTTP port (default: http.port from the config)")
    demo.add_argument("--rate", type=float, default=6.0, help="simulated calls per minute")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("seed", help="fill the configured database with the demo data set").set_defaults(func=cmd_seed)
    sim = sub.add_parser("simulate", help="run only the PBX simulator (AMI server + FastAGI client)")
    sim.add_argument("--ami-port", type=int, default=5038)
    sim.add_argument("--agi", default="127.0.0.1:4573", help="host:port of the FastAGI server to drive")
    sim.set_defaults(func=cmd_simulate)
    tiers = sub.add_parser("tiers", help="customer tiers").add_subparsers(dest="tiers_command", required=True)
    reassess = tiers.add_parser("reassess", help="recompute every customer's type and value class, keeping history")
    reassess.add_argument("--only-due", action="store_true", help="only customers not assessed this quarter")
    reassess.add_argument("--batch-size", type=int, default=1000)
    reassess.set_defaults(func=cmd_tiers_reassess)
    customers = sub.add_parser("customers", help="customers: CSV import and export").add_subparsers(
        dest="customers_command", required=True)
    cimport = customers.add_parser("import", help="import customers from a CSV file (see crm_bridge/csv_io.py)")
    cimport.add_argument("file", help="CSV with a header: name, phones (';'-separated), customer_type, ...")
    cimport.add_argument("--report", help="write rejected and duplicate rows, with line and reasons, to this CSV")
    cimport.add_argument("--encoding", default="auto", help="auto (UTF-8, else GB18030/GBK; default), utf-8, gbk")
    cimport.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    cimport.set_defaults(func=cmd_customers_import)
    cexport = customers.add_parser("export", help="write customers as CSV to stdout (all, or a search result)")
    cexport.add_argument("--query", help="only the customers a search for this finds (at most 10,000)")
    cexport.add_argument("--no-bom", action="store_true", help="no UTF-8 BOM (it helps Excel read Chinese)")
    cexport.set_defaults(func=cmd_customers_export)
    schema = sub.add_parser("db", help="the CRM database schema (migrations)").add_subparsers(
        dest="db_command", required=True)
    upgrade = schema.add_parser("upgrade", help="migrate the configured database to the newest schema, keeping data")
    upgrade.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    upgrade.set_defaults(func=cmd_db)
    schema.add_parser("current", help="print the configured database's schema revision").set_defaults(func=cmd_db)
    aconf = sub.add_parser("asterisk-config", help="render Asterisk's extensions, queues, manager, features, "
                                                   "musiconhold and pjsip .conf from this configuration")
    aconf.add_argument("--out", help="write one file per name into this folder (e.g. /etc/asterisk) instead of "
                                     "printing them")
    aconf.add_argument("--force", action="store_true", help="with --out: replace files that already exist")
    aconf.add_argument("--agi-host", help="the address Asterisk reaches this server's FastAGI port at (default: "
                                          "fastagi.host; 0.0.0.0 means 127.0.0.1)")
    aconf.add_argument("--phones", help="agent phone extensions for pjsip.conf, e.g. 1001-1006,9001 (default: "
                                        "the agents in the database, else the demo's)")
    aconf.add_argument("--show-secret", action="store_true", help="write the AMI secret (CC_AMI_SECRET) into "
                                                                  "manager.conf instead of a placeholder")
    aconf.set_defaults(func=cmd_asterisk_config)
    prompts = sub.add_parser("prompts", help="render the IVR's prompt texts to 8 kHz WAV files with espeak-ng")
    prompts.add_argument("--out", default="sounds", help="folder for <lang>/<name>.wav (default: sounds)")
    prompts.add_argument("--texts", help="YAML of {sound: {language: text}} overriding the shipped texts")
    prompts.add_argument("--lang", action="append", help="a menu language to render (zh-CN, en; repeatable; "
                                                         "default: all of ivr.menus.languages)")
    prompts.add_argument("--force", action="store_true", help="render even the files that are up to date")
    prompts.add_argument("--allow-missing", action="store_true", help="render what has a text; do not fail on "
                                                                      "sounds without one")
    prompts.set_defaults(func=cmd_prompts)
    sub.add_parser("check-config", help="validate the configuration and exit").set_defaults(func=cmd_check_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"callcenter: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
