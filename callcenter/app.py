"""The one composition root: ``create_app(settings)`` builds everything and wires it explicitly.

Long-lived parts start and stop in ``cleanup_ctx`` order (and stop in reverse): store -> spool (writes
kept while the database was away; replayed before the state is loaded) -> state loaded -> recorder ->
engine + hub -> AMI gateway -> FastAGI server. Everything shared sits under a typed ``AppKey``.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from callcenter import appkeys, day_series, domain
from callcenter.ami.gateway import AmiGateway
from callcenter.engine import Engine
from callcenter.escalation import Escalator
from callcenter.recorder import Recorder
from callcenter.settings import Settings
from callcenter.switches import QueueSwitches
from console.hub import Hub
from console.web import setup_console
from crm_bridge import reports
from crm_bridge.pauses import PauseLog, open_pauses
from crm_bridge.spool.journal import Journal
from crm_bridge.spool.replay import Spool
from crm_bridge.spool.writes import CALLBACK, QUEUED, SpooledWrites
from crm_bridge.store import Store
from ivr.server import IvrServer

log = logging.getLogger(__name__)

CALLBACK_SAVE_WAIT = 0.6     # seconds; below ivr.inbound.CALLBACK_TIMEOUT: then kept in the spool
STARTUP_REPLAY_WAIT = 30.0   # seconds the start waits for what an earlier run left in the spool

Identify = Callable[[str], Awaitable[list[dict[str, Any]]]]


def create_app(settings: Settings, *, identify: Identify | None = None,
               clock: Callable[[], datetime] | None = None) -> web.Application:
    """Build the server. *identify* replaces the caller lookup (fault injection in tests); *clock* is
    the time the IVR checks business hours at (tests: a public holiday)."""
    app = web.Application()
    store = Store(settings.database.url, default_region=settings.ivr.default_region, echo=settings.database.echo)
    # Writes nobody may lose go through the spool when the database is away (crm_bridge/spool/).
    spool = Spool(Journal(Path(settings.database.spool_path())))
    writes = SpooledWrites(store, spool, PauseLog(store), wait=settings.database.spool_after_seconds,
                           complaint_rules=settings.complaints)
    recorder = Recorder(writes.record_interactions)
    engine_ref: list[Engine] = []

    def post(event: Any) -> None:
        engine_ref[0].post(event)

    gateway = AmiGateway(settings.ami, post)
    lookup: Identify = identify or store.identify
    hub = Hub(wallboard=lambda: engine_ref[0].wallboard())
    switches = QueueSwitches(settings, store, hub.broadcast_supervisors)   # supervisors' "closed now"
    async def count_missing() -> dict[int, int]:
        with contextlib.suppress(TimeoutError):      # the call just completed is stored first
            await asyncio.wait_for(recorder.flushed(), 2.0)
        return await store.missing_outcomes()

    engine = Engine(settings, hub=hub, recorder=recorder, send_ami=gateway.send, identify=lookup,
                    save_presence=writes.set_presence, callback_store=writes, pause_log=writes,
                    count_missing=count_missing)
    engine_ref.append(engine)
    # A callback that waited in the spool reaches the engine when it lands, with its id.
    spool.on_landed(CALLBACK, lambda entry, row: engine.post(domain.CallbackRequested(row, entry.args.get("card"))))

    async def request_callback(fields: dict[str, Any], card: dict[str, Any] | None) -> dict[str, Any]:
        # Saved (or kept on disk, fsync'd) first: the caller is told only then.
        row = await writes.add_callback(card=card, wait=CALLBACK_SAVE_WAIT, **fields)
        if row is not QUEUED:
            engine.post(domain.CallbackRequested(row, card))
        return row or {}

    ivr = IvrServer(settings, identify=lookup, post=engine.post, verify_account=store.verify_account,
                    remember_language=store.set_customer_language, closed_now=switches.closed,
                    availability=engine.availability, request_callback=request_callback,
                    **({"clock": clock} if clock is not None else {}))

    app[appkeys.SETTINGS] = settings
    app[appkeys.STORE] = store
    app[appkeys.ENGINE] = engine
    app[appkeys.HUB] = hub
    app[appkeys.GATEWAY] = gateway
    app[appkeys.IVR] = ivr
    app[appkeys.RECORDER] = recorder
    app[appkeys.SPOOL] = spool
    setup_console(app, settings=settings, store=store, engine=engine, hub=hub, switches=switches, writes=writes)

    async def store_ctx(app: web.Application) -> AsyncIterator[None]:
        await store.open()
        yield
        await store.close()

    async def spool_ctx(app: web.Application) -> AsyncIterator[None]:
        # What an earlier run kept in the spool lands first, in order, so that the state loaded next
        # (presence, callbacks, pause periods) includes it; bounded: a write that keeps failing waits on.
        spool.open()
        await spool.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(spool.drained(), STARTUP_REPLAY_WAIT)
        yield
        await spool.stop()     # after the recorder and the engine stopped: their last writes are kept too

    async def state_ctx(app: web.Application) -> AsyncIterator[None]:
        await switches.load()
        agents = await store.list_agents()
        engine.post(domain.AgentsLoaded(tuple(
            domain.AgentInfo(a.id, a.login, a.name, a.interface or "", tuple(a.queues), a.role) for a in agents)))
        for a in agents:      # what each agent last asked for; re-told to Asterisk at the first resync
            engine.post(domain.PresenceRestored(a.id, a.presence, a.presence_reason, a.presence_queues))
        engine.post(domain.PausesRestored(tuple(await open_pauses(store))))   # a restart splits no pause
        engine.post(domain.CallbacksLoaded(tuple(await store.open_callbacks())))
        today = await reports.today_records(store, engine.metrics)
        engine.metrics.load(today)                                               # the wall survives a restart
        now = engine.clock()
        engine.series.load(now, day_series.backfill(today, engine.metrics.rules, engine.metrics.day, now,
                                                    settings.queues, settings.metrics.sample_seconds))
        engine.post(domain.MissingOutcomesCounted(tuple(sorted((await store.missing_outcomes()).items()))))
        yield

    async def recorder_ctx(app: web.Application) -> AsyncIterator[None]:
        await recorder.start()
        yield
        await recorder.stop()

    async def sample_series() -> None:
        """The wallboard's sparklines: one point per queue every ``metrics.sample_seconds``, sent alone
        (a few dozen bytes per queue), never the whole day again (PERFORMANCE.md, P6)."""
        while True:
            await asyncio.sleep(settings.metrics.sample_seconds)
            try:
                hub.broadcast_supervisors("wallboard_series", engine.sample_series())
            except Exception:
                log.exception("the day series could not be sampled; the next tick tries again")

    async def engine_ctx(app: web.Application) -> AsyncIterator[None]:
        await engine.start()
        await hub.start()
        sampler = asyncio.create_task(sample_series(), name="wallboard-series")
        yield
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        await hub.stop()
        await engine.stop()

    async def ami_ctx(app: web.Application) -> AsyncIterator[None]:
        await gateway.start()
        yield
        await gateway.stop()

    async def ivr_ctx(app: web.Application) -> AsyncIterator[None]:
        await ivr.start()
        log.info("FastAGI listening on %s:%s", settings.fastagi.host, ivr.port)
        yield
        await ivr.stop()

    escalator = Escalator(store, settings.complaints, hub)     # overdue complaints climb (issue 5)

    async def escalation_ctx(app: web.Application) -> AsyncIterator[None]:
        await escalator.start()
        yield
        await escalator.stop()

    app.cleanup_ctx.extend([store_ctx, spool_ctx, state_ctx, recorder_ctx, engine_ctx, escalation_ctx, ami_ctx, ivr_ctx])
    return app
