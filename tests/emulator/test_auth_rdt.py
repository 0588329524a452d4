"""Access-token check, Restricted Data Tokens and `require_rdt`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from gateway.emulator.common import JsonBody, OperationContext, require_rdt, spapi_operation
from gateway.emulator.state import EmulatorState
from tests.emulator.helpers import auth, get_rdt
from tests.emulator.modelcheck import validate_against_model, validate_request_body

pytestmark = pytest.mark.anyio
SELLERS = "/sellers/v1/marketplaceParticipations"
RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
UNAUTHORIZED = {
    "errors": [
        {
            "code": "Unauthorized",
            "message": "Access to requested resource is denied.",
            "details": "",
        }
    ]
}


@spapi_operation("test.getShipment")
async def _restricted(request: Request, ctx: OperationContext) -> JsonBody:
    grant = require_rdt(request)
    return {"path": grant.path, "seller": ctx.seller_id, "elements": sorted(grant.data_elements)}


@pytest.fixture
def emulator_app(emulator_app: Starlette) -> Starlette:
    # A probe on a restricted path, placed before the real Merchant Fulfillment route so that
    # require_rdt is exercised in isolation.
    emulator_app.router.routes.insert(
        0, Route("/mfn/v0/shipments/{shipmentId}", _restricted, methods=["GET"])
    )
    return emulator_app


@pytest.mark.parametrize("headers", [{}, {"x-amz-access-token": "Atza|forged"}])
async def test_missing_or_unknown_token_is_403(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(SELLERS, headers=headers)
    assert response.status_code == 403
    assert response.json() == UNAUTHORIZED
    assert response.headers["x-amzn-RequestId"]
    assert "x-amzn-RateLimit-Limit" not in response.headers
    validate_against_model("sellers.json", "getMarketplaceParticipations", 403, response.json())


async def test_rdt_is_created_and_matches_the_model(client: httpx.AsyncClient, token: str) -> None:
    request_body = {
        "restrictedResources": [
            {"method": "GET", "path": "/orders/v0/orders/{orderId}", "dataElements": ["buyerInfo"]},
            {"method": "GET", "path": "/mfn/v0/shipments/FBA1234ABC5D"},
        ]
    }
    validate_request_body("tokens_2021-03-01.json", "createRestrictedDataToken", request_body)
    response = await client.post(RDT_PATH, headers=auth(token), json=request_body)
    assert response.status_code == 200
    body = response.json()
    validate_against_model("tokens_2021-03-01.json", "createRestrictedDataToken", 200, body)
    assert body["restrictedDataToken"].startswith("Atz.sprdt|")
    assert body["expiresIn"] == 3600
    assert response.headers["x-amzn-RateLimit-Limit"] == "5.0"


async def test_rdt_opens_only_the_paths_it_lists(client: httpx.AsyncClient, token: str) -> None:
    rdt = await get_rdt(client, token, [{"method": "GET", "path": "/mfn/v0/shipments/SHIP1"}])
    ok = await client.get("/mfn/v0/shipments/SHIP1", headers=auth(rdt))
    assert ok.status_code == 200
    assert ok.json() == {
        "path": "/mfn/v0/shipments/SHIP1",
        "seller": "A1EXAMPLESELLER",
        "elements": [],
    }
    other = await client.get("/mfn/v0/shipments/SHIP2", headers=auth(rdt))
    assert other.status_code == 403
    # The LWA token alone does not open a restricted operation.
    plain = await client.get("/mfn/v0/shipments/SHIP1", headers=auth(token))
    assert plain.status_code == 403
    assert plain.json() == UNAUTHORIZED
    # An RDT is not an access token for unrelated operations.
    assert (await client.get(SELLERS, headers=auth(rdt))).status_code == 403


async def test_generic_rdt_path_covers_any_id(client: httpx.AsyncClient, token: str) -> None:
    rdt = await get_rdt(
        client, token, [{"method": "GET", "path": "/mfn/v0/shipments/{shipmentId}"}]
    )
    for shipment in ("A", "B-123"):
        response = await client.get(f"/mfn/v0/shipments/{shipment}", headers=auth(rdt))
        assert response.status_code == 200


async def test_rdt_expires(client: httpx.AsyncClient, token: str, emulator: EmulatorState) -> None:
    rdt = await get_rdt(client, token, [{"method": "GET", "path": "/mfn/v0/shipments/S"}])
    emulator.clock.advance(emulator.config.rdt_ttl + 1)
    assert (await client.get("/mfn/v0/shipments/S", headers=auth(rdt))).status_code == 403


async def test_rdt_cannot_mint_rdts(client: httpx.AsyncClient, token: str) -> None:
    rdt = await get_rdt(client, token, [{"method": "GET", "path": "/mfn/v0/shipments/S"}])
    response = await client.post(
        RDT_PATH,
        headers=auth(rdt),
        json={"restrictedResources": [{"method": "GET", "path": "/mfn/v0/shipments/S"}]},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"restrictedResources": []},
        {"restrictedResources": [{"method": "GET", "path": "/sellers/v1/account"}]},
        {"restrictedResources": [{"method": "PATCH", "path": "/orders/v0/orders"}]},
        {"restrictedResources": [{"method": "GET", "path": "orders/v0/orders"}]},
        {
            "restrictedResources": [
                {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["creditCard"]}
            ]
        },
        {
            "restrictedResources": [
                {"method": "GET", "path": "/mfn/v0/shipments/X", "dataElements": ["buyerInfo"]}
            ]
        },
        {
            "restrictedResources": [
                {"method": "GET", "path": "/reports/2021-06-30/documents/{reportDocumentId}"}
            ]
        },
        {
            "restrictedResources": [
                {"method": "GET", "path": f"/mfn/v0/shipments/S{i}"} for i in range(51)
            ]
        },
        {"restrictedResources": "all"},
    ],
)
async def test_invalid_rdt_requests_are_400(
    client: httpx.AsyncClient, token: str, body: dict[str, Any]
) -> None:
    response = await client.post(RDT_PATH, headers=auth(token), json=body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    validate_against_model(
        "tokens_2021-03-01.json", "createRestrictedDataToken", 400, response.json()
    )


async def test_malformed_json_body_is_400(client: httpx.AsyncClient, token: str) -> None:
    response = await client.post(
        RDT_PATH, headers={**auth(token), "content-type": "application/json"}, content=b"{nope"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


async def test_rdt_carries_data_elements(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    rdt = await get_rdt(
        client,
        token,
        [
            {
                "method": "GET",
                "path": "/orders/v0/orders/{orderId}",
                "dataElements": ["buyerInfo", "shippingAddress"],
            }
        ],
    )
    info = emulator.tokens.lookup(rdt)
    assert info is not None and info.kind == "rdt"
    grant = info.grant_for("GET", "/orders/v0/orders/111-1234567-1234567")
    assert grant is not None
    assert grant.data_elements == {"buyerInfo", "shippingAddress"}
    assert info.grant_for("GET", "/orders/v0/orders/111-1234567-1234567/orderItems") is None
