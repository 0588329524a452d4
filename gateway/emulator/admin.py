"""Runtime control of a running emulator: `/_emulator/faults` and `/_emulator/stats`.

POST   /_emulator/faults   {"orders.getOrder": {"error_rate": 1, "error_status": 503}}
GET    /_emulator/faults   current fault table
DELETE /_emulator/faults   clear all (or `?operation=NAME` for one pattern)
GET    /_emulator/stats    counters (LWA exchanges, calls, responses, throttles, faults)
POST   /_emulator/reset    clear counters, rate buckets and (with `?tokens=1`) tokens
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import get_state


async def get_faults(request: Request) -> Response:
    return JSONResponse({"faults": get_state(request).faults.to_json()})


async def post_faults(request: Request) -> Response:
    state = get_state(request)
    try:
        raw = json.loads(await request.body())
        if not isinstance(raw, dict):
            raise ValueError("body must be a JSON object of {pattern: spec}")
        state.faults.update_from_json(raw)
    except (ValueError, TypeError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"faults": state.faults.to_json()})


async def delete_faults(request: Request) -> Response:
    state = get_state(request)
    state.faults.clear(request.query_params.get("operation"))
    return JSONResponse({"faults": state.faults.to_json()})


async def stats(request: Request) -> Response:
    return JSONResponse(get_state(request).counters())


async def reset(request: Request) -> Response:
    state = get_state(request)
    state.reset_counters()
    state.limiter.reset()
    if request.query_params.get("tokens") in ("1", "true"):
        state.tokens.expire_all()
    return JSONResponse(state.counters())


routes: list[BaseRoute] = [
    Route("/_emulator/faults", get_faults, methods=["GET"]),
    Route("/_emulator/faults", post_faults, methods=["POST"]),
    Route("/_emulator/faults", delete_faults, methods=["DELETE"]),
    Route("/_emulator/stats", stats, methods=["GET"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
]
