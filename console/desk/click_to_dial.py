"""Click-to-dial from the customer pages (issue 10): ``POST /api/desk/dial`` ``{"number"}``.

The customer search and the customer page are tabs of their own, without the desk's websocket; they
ask here, and the call then shows on the desk like any click-to-dial (the agent's phone rings first,
then the customer; ``DialNumber``). Only a signed-in user the engine knows as an agent may dial, and
only from this site: the body must be JSON (a cross-site form cannot send that without a CORS
preflight, never granted) and the ``Origin`` must name this host, as for the websocket. The same
refusals as the desk's ``dial`` command: a number that is not one, a call already on the desk.

Errors are JSON ``{"error": {"id", "message", "details"}}``: 401 not signed in, 403 cross-site or no
desk, 415 not JSON, 413 too large, 400 a bad number, 409 busy.
"""
from __future__ import annotations

from typing import Any, Protocol

import orjson
from aiohttp import web

from callcenter.domain import DialNumber
from callcenter.errors import CallCenterError, ValidationFailed
from console import protocol
from console.sessions import SessionStore, token_from_request
from console.site import same_origin
from crm_bridge.phones import normalize as phone_normalize

MAX_BODY = 4096


class DialEngine(Protocol):
    def post(self, event: Any) -> None: ...
    def agent_snapshot(self, agent_id: int) -> dict[str, Any]: ...


def dial_refusal(snapshot: dict[str, Any]) -> CallCenterError | None:
    """Why this desk may not dial now (pure), or None."""
    if not snapshot.get("agent"):
        return CallCenterError("no-desk", "only an agent with a desk can dial")
    call = snapshot.get("call") or {}
    if call.get("state") in ("ringing", "connected"):
        return CallCenterError("agent-busy", "finish your current call before dialling")
    return None


def _json(data: Any, status: int) -> web.Response:
    response = web.json_response(body=orjson.dumps(data), status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, error: CallCenterError) -> web.Response:
    return _json({"error": error.as_dict()}, status)


class ClickToDial:
    def __init__(self, *, engine: DialEngine, sessions: SessionStore) -> None:
        self._engine = engine
        self._sessions = sessions

    async def dial(self, request: web.Request) -> web.Response:
        session = self._sessions.get(token_from_request(request))
        if session is None:
            return _error(401, CallCenterError("unauthenticated", "sign in first"))
        if not same_origin(request):
            return _error(403, CallCenterError("forbidden", "cross-site requests are refused (Origin must name this site)"))
        if request.content_type != "application/json":
            return _error(415, CallCenterError("invalid-input", "send the number as application/json"))
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, ValidationFailed("the request is too large", {"body": "too large"}))
        raw = await request.read()          # a chunked body: at most the app's client_max_size
        try:
            if len(raw) > MAX_BODY:
                raise ValidationFailed("the request is too large", {"body": "too large"})
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise ValidationFailed("the body is not JSON", {"body": "must be a JSON object"}) from None
            if not isinstance(data, dict):
                raise ValidationFailed("the body must be a JSON object", {"body": "must be a JSON object"})
            number = protocol.decode_dial(data, phone_normalize)
        except CallCenterError as exc:
            return _error(400, exc)
        refusal = dial_refusal(self._engine.agent_snapshot(session.agent_id))
        if refusal is not None:
            return _error(403 if refusal.error_id == "no-desk" else 409, refusal)
        self._engine.post(DialNumber(session.agent_id, number))
        return _json({"number": number}, 202)


def setup_click_to_dial(app: web.Application, *, engine: DialEngine, sessions: SessionStore) -> None:
    app.router.add_post("/api/desk/dial", ClickToDial(engine=engine, sessions=sessions).dial, name="desk-api-dial")
