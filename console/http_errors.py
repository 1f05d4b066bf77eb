"""HTTP errors mapped once, at the edge: every 4xx/5xx carries a stable error id.

Theory of operation. Handlers answer their own domain errors (``CallCenterError`` → JSON with its id).
What they do not foresee arrives here: aiohttp's own refusals (404, 405, 413 for a body above
``client_max_size``), a ``web.HTTPException`` raised by a page, a ``UnicodeDecodeError`` from a form
or query that is not UTF-8 (a client's mistake: 400), and anything else (a bug: logged, 500 with the
id ``internal-error``, never the traceback). API paths (``/api/``) answer JSON
``{"error": {"id", "message", "details"}}``; pages answer plain text that starts with the id;
every error also carries the id in ``X-Error-Id``.
"""
from __future__ import annotations

import logging

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

log = logging.getLogger(__name__)

ERROR_IDS = {
    400: "invalid-input", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 413: "too-large", 414: "too-large", 415: "unsupported-media-type",
    429: "throttled", 431: "too-large", 500: "internal-error", 503: "unavailable",
}
_KEPT_HEADERS = ("Allow", "Retry-After", "Location")
ERROR_ID_HEADER = "X-Error-Id"     # on every error, whatever the body (the login page is HTML)


def error_id_for(status: int) -> str:
    return ERROR_IDS.get(status, f"http-{status}")


def error_response(request: web.BaseRequest, status: int, message: str, *, error_id: str | None = None,
                   headers: dict[str, str] | None = None) -> web.Response:
    error_id = error_id or error_id_for(status)
    if request.path.startswith("/api/"):
        body = orjson.dumps({"error": {"id": error_id, "message": message, "details": {}}})
        response = web.Response(body=body, status=status, content_type="application/json", headers=headers)
    else:
        response = web.Response(text=f"{error_id}: {message}\n", status=status, headers=headers)
    response.headers["Cache-Control"] = "no-store"
    response.headers[ERROR_ID_HEADER] = error_id
    return response


@web.middleware
async def error_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        kept = {name: exc.headers[name] for name in _KEPT_HEADERS if name in exc.headers}
        return error_response(request, exc.status, exc.text or exc.reason, headers=kept)
    except UnicodeError:
        return error_response(request, 400, "the request is not valid UTF-8")
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path[:200])
        return error_response(request, 500, "server error, try again")
