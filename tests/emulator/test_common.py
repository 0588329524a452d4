"""The `spapi_operation` wrapper and request helpers, through small test-only routes."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    SpApiError,
    iso,
    json_response,
    not_found,
    parse_datetime,
    query_list,
    require_query,
    spapi_operation,
)
from gateway.emulator.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from gateway.emulator.state import EmulatorState
from tests.emulator.helpers import auth

pytestmark = pytest.mark.anyio
GRANTLESS = "sellingpartnerapi::notifications"


@spapi_operation("test.echo")
async def _echo(request: Request, ctx: OperationContext) -> JsonBody:
    ids = query_list(request, "ids", max_items=3)
    after = parse_datetime(require_query(request, "after"), "after")
    return {"ids": ids, "after": iso(after), "seller": ctx.seller_id, "op": ctx.operation}


@spapi_operation("test.created")
async def _created(request: Request, ctx: OperationContext) -> Response:
    return json_response({"id": "1"}, status=201, headers={"x-extra": "yes"})


@spapi_operation("test.missing")
async def _missing(request: Request, ctx: OperationContext) -> JsonBody:
    raise not_found("No such thing.", "id=7")


@spapi_operation("test.conflict")
async def _conflict(request: Request, ctx: OperationContext) -> JsonBody:
    raise SpApiError(409, "Conflict", "Busy.", headers={"Retry-After": "3"})


@spapi_operation("test.crash")
async def _crash(request: Request, ctx: OperationContext) -> JsonBody:
    raise RuntimeError("boom")


@spapi_operation("test.grantless", scope=GRANTLESS)
async def _grantless(request: Request, ctx: OperationContext) -> JsonBody:
    assert ctx.token is not None
    return {"scope": ctx.token.scope}


@spapi_operation("test.open", auth=False)
async def _open(request: Request, ctx: OperationContext) -> JsonBody:
    return {"token": ctx.token is None}


@pytest.fixture
def emulator_app(emulator_app: Starlette) -> Starlette:
    for path, endpoint in [
        ("/t/echo", _echo),
        ("/t/created", _created),
        ("/t/missing", _missing),
        ("/t/conflict", _conflict),
        ("/t/crash", _crash),
        ("/t/grantless", _grantless),
        ("/t/open", _open),
    ]:
        emulator_app.router.routes.append(Route(path, endpoint))
    return emulator_app


async def test_json_result_and_helpers(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(
        "/t/echo",
        params=[("ids", "a,b"), ("ids", "c"), ("after", "2026-01-02T03:04:05+02:00")],
        headers=auth(token),
    )
    assert response.status_code == 200
    assert response.json() == {
        "ids": ["a", "b", "c"],
        "after": "2026-01-02T01:04:05Z",
        "seller": "A1EXAMPLESELLER",
        "op": "test.echo",
    }
    assert response.headers["x-amzn-RateLimit-Limit"] == "5.0"


@pytest.mark.parametrize(
    "params",
    [
        {"ids": "a,b,c,d", "after": "2026-01-01T00:00:00Z"},
        {"ids": "a"},
        {"ids": "a", "after": "yesterday"},
    ],
)
async def test_validation_errors_are_400_invalid_input(
    client: httpx.AsyncClient, token: str, params: dict[str, str]
) -> None:
    response = await client.get("/t/echo", params=params, headers=auth(token))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert response.headers["x-amzn-RateLimit-Limit"] == "5.0"
    assert response.headers["x-amzn-RequestId"]


async def test_response_objects_pass_through(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/t/created", headers=auth(token))
    assert response.status_code == 201
    assert response.headers["x-extra"] == "yes"
    assert response.headers["x-amzn-RequestId"]


async def test_error_statuses(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    missing = await client.get("/t/missing", headers=auth(token))
    assert missing.status_code == 404
    assert missing.json() == {
        "errors": [{"code": "NotFound", "message": "No such thing.", "details": "id=7"}]
    }
    assert "x-amzn-RateLimit-Limit" in missing.headers
    conflict = await client.get("/t/conflict", headers=auth(token))
    assert conflict.status_code == 409
    assert conflict.headers["retry-after"] == "3"
    assert "x-amzn-RateLimit-Limit" not in conflict.headers
    assert emulator.responses["test.missing:404"] == 1


async def test_handler_crash_is_a_json_500(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/t/crash", headers=auth(token))
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "InternalFailure"
    assert "boom" not in response.text


async def test_grantless_operation_takes_only_its_scope(
    client: httpx.AsyncClient, token: str
) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
    }
    good = (await client.post("/auth/o2/token", data={**form, "scope": GRANTLESS})).json()
    other = (
        await client.post(
            "/auth/o2/token",
            data={**form, "scope": "sellingpartnerapi::client_credential:rotation"},
        )
    ).json()
    ok = await client.get("/t/grantless", headers=auth(good["access_token"]))
    assert ok.json() == {"scope": GRANTLESS}
    assert (
        await client.get("/t/grantless", headers=auth(other["access_token"]))
    ).status_code == 403
    assert (await client.get("/t/grantless", headers=auth(token))).status_code == 403


async def test_auth_can_be_switched_off(client: httpx.AsyncClient) -> None:
    response = await client.get("/t/open")
    assert response.json() == {"token": True}
