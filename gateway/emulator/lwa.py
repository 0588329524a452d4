"""Login with Amazon token endpoint: `POST /auth/o2/token` (fault name `lwa.token`)."""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import apply_post_faults, apply_pre_faults, get_state
from gateway.emulator.config import GRANTLESS_SCOPES

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

_FAULT_ERRORS = {
    503: ("temporarily_unavailable", "The service is temporarily unavailable."),
}


def lwa_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error_description": description, "error": error}, status_code=status, headers=_NO_STORE
    )


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = json.loads(raw)
        except ValueError:
            return {}
        if not isinstance(body, dict):
            return {}
        return {str(k): str(v) for k, v in body.items() if v is not None}
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


async def token(request: Request) -> Response:
    state = get_state(request)
    state.calls["lwa.token"] += 1
    plan, short = await apply_pre_faults(request, state, "lwa.token")
    if short is not None:
        return short
    if plan.error_status is not None:
        error, description = _FAULT_ERRORS.get(
            plan.error_status, ("server_error", "The server encountered an unexpected error.")
        )
        return lwa_error(plan.error_status, error, description)
    response = await _exchange(request, await _form(request))
    if response.status_code != 200:
        state.lwa_failures += 1
    return apply_post_faults(plan, response)


async def _exchange(request: Request, form: dict[str, str]) -> Response:
    state = get_state(request)
    config = state.config
    grant_type = form.get("grant_type", "")
    if not grant_type:
        return lwa_error(
            400, "invalid_request", "The request is missing a required parameter : grant_type"
        )
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not client_secret:
        return lwa_error(
            400,
            "invalid_request",
            "The request is missing a required parameter : client_id"
            if not client_id
            else "The request is missing a required parameter : client_secret",
        )
    expected = config.lwa_clients.get(client_id)
    if expected is None or not hmac.compare_digest(expected, client_secret):
        return lwa_error(401, "invalid_client", "Client authentication failed")
    body: dict[str, Any]
    if grant_type == "refresh_token":
        refresh = form.get("refresh_token", "")
        if not refresh:
            return lwa_error(
                400,
                "invalid_request",
                "The request is missing a required parameter : refresh_token",
            )
        grant = config.refresh_tokens.get(refresh)
        if grant is None or grant.client_id != client_id:
            return lwa_error(
                400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
            )
        info = state.tokens.issue(
            "lwa", client_id=client_id, seller_id=grant.seller_id, ttl=config.access_token_ttl
        )
        state.lwa_exchanges_by_seller[grant.seller_id] += 1
        body = {
            "access_token": info.token,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": int(config.access_token_ttl),
        }
    elif grant_type == "client_credentials":
        scope = form.get("scope", "")
        if not scope:
            return lwa_error(
                400, "invalid_request", "The request is missing a required parameter : scope"
            )
        if scope not in GRANTLESS_SCOPES:
            return lwa_error(400, "invalid_scope", "The request has an invalid parameter : scope")
        info = state.tokens.issue(
            "grantless",
            client_id=client_id,
            seller_id=None,
            ttl=config.access_token_ttl,
            scope=scope,
        )
        body = {
            "access_token": info.token,
            "scope": scope,
            "token_type": "bearer",
            "expires_in": int(config.access_token_ttl),
        }
    else:
        return lwa_error(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server",
        )
    state.lwa_exchanges += 1
    return JSONResponse(body, headers=_NO_STORE)


routes: list[BaseRoute] = [Route("/auth/o2/token", token, methods=["POST"])]
