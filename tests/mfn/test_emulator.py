"""The emulated Merchant Fulfillment API: bodies checked against Amazon's model."""

from __future__ import annotations

import base64
import gzip
import hashlib

import httpx
import pytest
from starlette.applications import Starlette

from tests.emulator.modelcheck import validate_against_model
from tests.mfn.helpers import details_json, merchant_order

pytestmark = pytest.mark.anyio
MODEL = "merchantFulfillmentV0.json"


def rdt(sp: httpx.AsyncClient) -> dict[str, str]:
    return {"x-amz-access-token": sp.headers["x-test-rdt"]}


async def test_services_buy_get_cancel(sp: httpx.AsyncClient, emulator_app: Starlette) -> None:
    order = merchant_order(emulator_app.state.emulator.data)
    details = details_json(order)
    eligible = await sp.post(
        "/mfn/v0/eligibleShippingServices", json={"ShipmentRequestDetails": details}
    )
    assert eligible.status_code == 200, eligible.text
    validate_against_model(MODEL, "getEligibleShipmentServices", 200, eligible.json())
    services = eligible.json()["payload"]["ShippingServiceList"]
    assert [s["ShippingServiceId"] for s in services] == [
        "UPS_PTP_GND",
        "USPS_PTP_PRI",
        "FEDEX_PTP_TWO_DAY",
    ]
    assert services[0]["Rate"]["Amount"] == 8.6  # 7.40 + 10 oz * 0.12
    heavier = await sp.post(
        "/mfn/v0/eligibleShippingServices",
        json={"ShipmentRequestDetails": details_json(order, weight=20.0)},
    )
    assert heavier.json()["payload"]["ShippingServiceList"][0]["Rate"]["Amount"] == 9.8

    body = {"ShipmentRequestDetails": details, "ShippingServiceId": "UPS_PTP_GND"}
    without_rdt = await sp.post("/mfn/v0/shipments", json=body)
    assert without_rdt.status_code == 403
    created = await sp.post("/mfn/v0/shipments", json=body, headers=rdt(sp))
    assert created.status_code == 200, created.text
    validate_against_model(MODEL, "createShipment", 200, created.json())
    shipment = created.json()["payload"]
    assert shipment["Status"] == "Purchased"
    contents = shipment["Label"]["FileContents"]
    document = gzip.decompress(base64.b64decode(contents["Contents"]))
    assert document.startswith(b"%PDF")
    assert contents["Checksum"] == base64.b64encode(hashlib.md5(document).digest()).decode()

    path = f"/mfn/v0/shipments/{shipment['ShipmentId']}"
    got = await sp.get(path, headers=rdt(sp))
    assert got.status_code == 200
    validate_against_model(MODEL, "getShipment", 200, got.json())
    assert got.json()["payload"]["ShipmentId"] == shipment["ShipmentId"]
    cancelled = await sp.delete(path, headers=rdt(sp))
    assert cancelled.status_code == 200
    validate_against_model(MODEL, "cancelShipment", 200, cancelled.json())
    assert cancelled.json()["payload"]["Status"] == "RefundPending"
    again = await sp.delete(path, headers=rdt(sp))
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "InvalidInput"
    missing = await sp.get("/mfn/v0/shipments/nope", headers=rdt(sp))
    assert missing.status_code == 404


async def test_invalid_requests(sp: httpx.AsyncClient, emulator_app: Starlette) -> None:
    order = merchant_order(emulator_app.state.emulator.data)
    url = "/mfn/v0/eligibleShippingServices"
    details = details_json(order)
    details["ItemList"][0]["Quantity"] = 99
    too_many = await sp.post(url, json={"ShipmentRequestDetails": details})
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["code"] == "InvalidInput"
    details = details_json(order)
    details["Weight"]["Unit"] = "ounces"
    assert (await sp.post(url, json={"ShipmentRequestDetails": details})).status_code == 400
    details = details_json(order)
    del details["ShipFromAddress"]["Email"]
    assert (await sp.post(url, json={"ShipmentRequestDetails": details})).status_code == 400
    details = details_json(order)
    details["AmazonOrderId"] = "111-0000000-0000000"
    assert (await sp.post(url, json={"ShipmentRequestDetails": details})).status_code == 400
    body = {"ShipmentRequestDetails": details_json(order), "ShippingServiceId": "NOPE"}
    bad = await sp.post("/mfn/v0/shipments", json=body, headers=rdt(sp))
    assert bad.status_code == 400


async def test_additional_seller_inputs(sp: httpx.AsyncClient, emulator_app: Starlette) -> None:
    order = merchant_order(emulator_app.state.emulator.data)
    address = details_json(order)["ShipFromAddress"]
    url = "/mfn/v0/additionalSellerInputs"
    body = {"OrderId": order["orderId"], "ShippingServiceId": "FEDEX_PTP_TWO_DAY"}
    fedex = await sp.post(url, json={**body, "ShipFromAddress": address})
    assert fedex.status_code == 200, fedex.text
    validate_against_model(MODEL, "getAdditionalSellerInputs", 200, fedex.json())
    payload = fedex.json()["payload"]
    assert payload["ShipmentLevelFields"][0]["AdditionalInputFieldName"] == (
        "NON_DELIVERABLE_INSTRUCTIONS"
    )
    asins = {i["product"]["asin"] for i in order["orderItems"]}
    assert {f["Asin"] for f in payload["ItemLevelFieldsList"]} == asins
    ups = await sp.post(
        url, json={**body, "ShippingServiceId": "UPS_PTP_GND", "ShipFromAddress": address}
    )
    assert ups.json()["payload"] == {"ShipmentLevelFields": [], "ItemLevelFieldsList": []}
    assert (await sp.post(url, json=body)).status_code == 400
    unknown = {**body, "OrderId": "111-0000000-0000000", "ShipFromAddress": address}
    assert (await sp.post(url, json=unknown)).status_code == 400
