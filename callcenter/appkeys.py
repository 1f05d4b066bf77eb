"""Typed keys for the objects shared through the aiohttp application (one composition root)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from callcenter.ami.gateway import AmiGateway
    from callcenter.engine import Engine
    from callcenter.recorder import Recorder
    from callcenter.settings import Settings
    from console.hub import Hub
    from crm_bridge.spool.replay import Spool
    from crm_bridge.store import Store
    from ivr.server import IvrServer

SETTINGS: web.AppKey["Settings"] = web.AppKey("settings")
STORE: web.AppKey["Store"] = web.AppKey("store")
ENGINE: web.AppKey["Engine"] = web.AppKey("engine")
HUB: web.AppKey["Hub"] = web.AppKey("hub")
GATEWAY: web.AppKey["AmiGateway"] = web.AppKey("gateway")
IVR: web.AppKey["IvrServer"] = web.AppKey("ivr")
RECORDER: web.AppKey["Recorder"] = web.AppKey("recorder")
SPOOL: web.AppKey["Spool"] = web.AppKey("spool")
