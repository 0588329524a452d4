"""The emulated Fulfillment Outbound API: bodies checked against Amazon's model."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.outbound import OutboundSettings, package_number, shipment_id
from tests.emulator.modelcheck import validate_against_model

pytestmark = pytest.mark.anyio
MODEL = "fulfillmentOutbound_2020-07-01.json"
BASE = "/fba/outbound/2020-07-01/fulfillmentOrders"


def new_order(order_id: str, sku: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sellerFulfillmentOrderId": order_id,
        "displayableOrderId": order_id,
        "displayableOrderDate": "2026-11-20T10:00:00Z",
        "displayableOrderComment": "c",
        "shippingSpeedCategory": "Standard",
        "destinationAddress": {
            "name": "N",
            "addressLine1": "1 Main St",
            "stateOrRegion": "WA",
            "postalCode": "98109",
            "countryCode": "US",
        },
        "items": [{"sellerSku": sku, "sellerFulfillmentOrderItemId": "i1", "quantity": 1}],
    }
    body.update(extra)
    return body


def store(app: Starlette) -> OutboundSettings:
    found = app.state.emulator.sections["fbaOutbound"]
    assert isinstance(found, OutboundSettings)
    return found


async def test_bodies_match_the_model(sp: httpx.AsyncClient, emulator_app: Starlette) -> None:
    listed = await sp.get(BASE, params={"queryStartDate": "2000-01-01T00:00:00Z"})
    assert listed.status_code == 200
    validate_against_model(MODEL, "listAllFulfillmentOrders", 200, listed.json())
    ids = [o["sellerFulfillmentOrderId"] for o in listed.json()["payload"]["fulfillmentOrders"]]
    assert ids == ["MCF-SEED-0000", "MCF-SEED-0001", "MCF-SEED-0002", "MCF-SEED-0003"]
    statuses = [o["fulfillmentOrderStatus"] for o in listed.json()["payload"]["fulfillmentOrders"]]
    assert statuses == ["Complete", "Complete", "Processing", "Received"]
    for order_id in ids:
        got = await sp.get(f"{BASE}/{order_id}")
        assert got.status_code == 200
        validate_against_model(MODEL, "getFulfillmentOrder", 200, got.json())
    seeded_skus = {
        i["sellerSku"] for o in store(emulator_app).orders.values() for i in o.body["items"]
    }
    assert seeded_skus <= set(emulator_app.state.emulator.data.inventory)

    sku = sorted(emulator_app.state.emulator.data.inventory)[0]
    created = await sp.post(BASE, json=new_order("E-1", sku))
    assert created.status_code == 200, created.text
    validate_against_model(MODEL, "createFulfillmentOrder", 200, created.json())
    cancelled = await sp.put(f"{BASE}/E-1/cancel")
    assert cancelled.status_code == 200
    validate_against_model(MODEL, "cancelFulfillmentOrder", 200, cancelled.json())


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"shippingSpeedCategory": "Warp"}, "shippingSpeedCategory"),
        ({"items": []}, "items"),
        ({"destinationAddress": {"name": "N"}}, "addressLine1"),
        ({"sellerFulfillmentOrderId": "x" * 41}, "40"),
        ({"fulfillmentPolicy": "Maybe"}, "fulfillmentPolicy"),
        ({"shippingSpeedCategory": "ScheduledDelivery"}, "deliveryWindow"),
    ],
)
async def test_invalid_input(
    sp: httpx.AsyncClient, emulator_app: Starlette, change: dict[str, Any], words: str
) -> None:
    sku = sorted(emulator_app.state.emulator.data.inventory)[0]
    response = await sp.post(BASE, json=new_order("E-2", sku, **change))
    assert response.status_code == 400
    validate_against_model(MODEL, "createFulfillmentOrder", 400, response.json())
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert words in error["message"]
    assert "E-2" not in store(emulator_app).orders


async def test_duplicate_id_and_unknown_sku(sp: httpx.AsyncClient, emulator_app: Starlette) -> None:
    sku = sorted(emulator_app.state.emulator.data.inventory)[0]
    assert (await sp.post(BASE, json=new_order("E-3", sku))).status_code == 200
    again = await sp.post(BASE, json=new_order("E-3", sku, displayableOrderComment="other"))
    assert again.status_code == 400
    assert "already exists" in again.json()["errors"][0]["message"]
    assert store(emulator_app).orders["E-3"].body["displayableOrderComment"] == "c"
    unknown = await sp.post(BASE, json=new_order("E-4", "NOT-A-SKU"))
    assert unknown.status_code == 400
    assert "SellerSKU for Item Id: i1" in unknown.json()["errors"][0]["message"]
    missing = await sp.get(f"{BASE}/NOPE")
    assert missing.status_code == 400
    validate_against_model(MODEL, "getFulfillmentOrder", 400, missing.json())


async def test_paging_and_hold(sp: httpx.AsyncClient, emulator_app: Starlette) -> None:
    sku = sorted(emulator_app.state.emulator.data.inventory)[0]
    await sp.get(BASE)  # seeds
    store(emulator_app).page_size = 2
    assert (await sp.post(BASE, json=new_order("H-1", sku, fulfillmentAction="Hold"))).is_success
    emulator_app.state.emulator.clock.advance(2000)
    seen: list[str] = []
    params = {"queryStartDate": "2000-01-01T00:00:00Z"}
    page = (await sp.get(BASE, params=params)).json()["payload"]
    seen += [o["sellerFulfillmentOrderId"] for o in page["fulfillmentOrders"]]
    while "nextToken" in page:
        page = (await sp.get(BASE, params={**params, "nextToken": page["nextToken"]})).json()[
            "payload"
        ]
        seen += [o["sellerFulfillmentOrderId"] for o in page["fulfillmentOrders"]]
    assert seen == ["MCF-SEED-0000", "MCF-SEED-0001", "MCF-SEED-0002", "MCF-SEED-0003", "H-1"]
    hold = (await sp.get(f"{BASE}/H-1")).json()["payload"]["fulfillmentOrder"]
    assert hold["fulfillmentOrderStatus"] == "Received"  # Hold orders wait for an update
    bad = await sp.get(BASE, params={**params, "nextToken": "garbage!"})
    assert bad.status_code == 400


async def test_tracking_reason_codes_returns_and_updates_match_the_model(
    sp: httpx.AsyncClient, emulator_app: Starlette
) -> None:
    await sp.get(BASE)  # seeds
    delivered = store(emulator_app).orders["MCF-SEED-0000"]
    number = package_number(delivered)
    tracking = await sp.get(
        "/fba/outbound/2020-07-01/tracking", params={"packageNumber": str(number)}
    )
    assert tracking.status_code == 200, tracking.text
    validate_against_model(MODEL, "getPackageTrackingDetails", 200, tracking.json())
    details = tracking.json()["payload"]
    assert details["packageNumber"] == number
    assert details["currentStatus"] == "DELIVERED"
    assert details["trackingEvents"][0]["eventCode"] == "EVENT_301"
    for bad, status in (("1", 404), ("x", 400)):
        missing = await sp.get("/fba/outbound/2020-07-01/tracking", params={"packageNumber": bad})
        assert missing.status_code == status
        validate_against_model(MODEL, "getPackageTrackingDetails", status, missing.json())

    sku = sorted(emulator_app.state.emulator.data.inventory)[0]
    codes = await sp.get(
        "/fba/outbound/2020-07-01/returnReasonCodes",
        params={"sellerSku": sku, "marketplaceId": "ATVPDKIKX0DER", "language": "es_ES"},
    )
    assert codes.status_code == 200
    validate_against_model(MODEL, "listReturnReasonCodes", 200, codes.json())
    assert all("translatedDescription" in c for c in codes.json()["payload"]["reasonCodeDetails"])
    neither = await sp.get("/fba/outbound/2020-07-01/returnReasonCodes", params={"sellerSku": sku})
    assert neither.status_code == 400
    validate_against_model(MODEL, "listReturnReasonCodes", 400, neither.json())

    item = delivered.body["items"][0]["sellerFulfillmentOrderItemId"]
    returned = await sp.put(
        f"{BASE}/MCF-SEED-0000/return",
        json={
            "items": [
                {
                    "sellerReturnItemId": "SP-R-1",
                    "sellerFulfillmentOrderItemId": item,
                    "amazonShipmentId": shipment_id(delivered),
                    "returnReasonCode": "CR-UNWANTED_ITEM",
                    "returnComment": "Changed my mind",
                }
            ]
        },
    )
    assert returned.status_code == 200, returned.text
    validate_against_model(MODEL, "createFulfillmentReturn", 200, returned.json())
    assert [r["sellerReturnItemId"] for r in returned.json()["payload"]["returnItems"]] == [
        "SP-R-1"
    ]
    got = await sp.get(f"{BASE}/MCF-SEED-0000")
    validate_against_model(MODEL, "getFulfillmentOrder", 200, got.json())
    assert got.json()["payload"]["returnItems"][0]["returnComment"] == "Changed my mind"
    empty = await sp.put(f"{BASE}/MCF-SEED-0000/return", json={"items": []})
    assert empty.status_code == 400
    validate_against_model(MODEL, "createFulfillmentReturn", 400, empty.json())

    held = await sp.post(BASE, json=new_order("E-H", sku, fulfillmentAction="Hold"))
    assert held.status_code == 200
    updated = await sp.put(f"{BASE}/E-H", json={"displayableOrderComment": "new"})
    assert updated.status_code == 200
    validate_against_model(MODEL, "updateFulfillmentOrder", 200, updated.json())
    assert store(emulator_app).orders["E-H"].body["displayableOrderComment"] == "new"
    shipped = await sp.put(f"{BASE}/MCF-SEED-0001", json={"displayableOrderComment": "x"})
    assert shipped.status_code == 400
    validate_against_model(MODEL, "updateFulfillmentOrder", 400, shipped.json())
