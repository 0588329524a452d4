"""The emulated Fulfillment Inbound APIs: bodies checked against Amazon's models, the
2024-03-20 workflow step by step, operations IN_PROGRESS -> SUCCESS / FAILED on the emulator
clock, v0 views of confirmed shipments, labels as real PDFs, and SP-API's validation."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.inbound.store import InboundStore
from tests.emulator.modelcheck import validate_against_model, validate_request_body

pytestmark = pytest.mark.anyio
V2024 = "fulfillmentInbound_2024-03-20.json"
V0 = "fulfillmentInboundV0.json"
BASE = "/inbound/fba/2024-03-20"
US = "ATVPDKIKX0DER"

SOURCE = {
    "name": "Ada Warehouse",
    "addressLine1": "12 Analytical Row",
    "city": "Portland",
    "stateOrProvinceCode": "OR",
    "countryCode": "US",
    "postalCode": "97201",
    "phoneNumber": "+1 503 555 0100",
}


def skus(app: Starlette, n: int = 2) -> list[str]:
    return sorted(app.state.emulator.data.inventory)[:n]


def plan_body(items: list[str], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "destinationMarketplaces": [US],
        "sourceAddress": SOURCE,
        "items": [
            {"msku": sku, "quantity": 10 + n, "prepOwner": "SELLER", "labelOwner": "SELLER"}
            for n, sku in enumerate(items)
        ],
    }
    body.update(extra)
    return body


async def done(sp: httpx.AsyncClient, operation_id: str) -> dict[str, Any]:
    got = await sp.get(f"{BASE}/operations/{operation_id}")
    assert got.status_code == 200, got.text
    validate_against_model(V2024, "getInboundOperationStatus", 200, got.json())
    body: dict[str, Any] = got.json()
    return body


async def step(sp: httpx.AsyncClient, method: str, path: str, op: str, **kw: Any) -> None:
    """A 202 call whose operation succeeds."""
    if "json" in kw:
        validate_request_body(V2024, op, kw["json"])
    answer = await sp.request(method, f"{BASE}{path}", **kw)
    assert answer.status_code == 202, answer.text
    validate_against_model(V2024, op, 202, answer.json())
    status = await done(sp, answer.json()["operationId"])
    assert status["operationStatus"] == "SUCCESS", status


async def planned(sp: httpx.AsyncClient, items: list[str]) -> tuple[str, dict[str, Any]]:
    """A plan with a confirmed packing option and generated placement options."""
    body = plan_body(items)
    validate_request_body(V2024, "createInboundPlan", body)
    created = await sp.post(f"{BASE}/inboundPlans", json=body)
    assert created.status_code == 202, created.text
    validate_against_model(V2024, "createInboundPlan", 202, created.json())
    plan_id = created.json()["inboundPlanId"]
    assert re.fullmatch(r"wf[0-9a-f-]{36}", plan_id)
    assert (await done(sp, created.json()["operationId"]))["operationStatus"] == "SUCCESS"
    await step(sp, "POST", f"/inboundPlans/{plan_id}/packingOptions", "generatePackingOptions")
    packing = await sp.get(f"{BASE}/inboundPlans/{plan_id}/packingOptions")
    validate_against_model(V2024, "listPackingOptions", 200, packing.json())
    option = packing.json()["packingOptions"][0]["packingOptionId"]
    await step(
        sp,
        "POST",
        f"/inboundPlans/{plan_id}/packingOptions/{option}/confirmation",
        "confirmPackingOption",
    )
    await step(
        sp, "POST", f"/inboundPlans/{plan_id}/placementOptions", "generatePlacementOptions", json={}
    )
    placements = await sp.get(f"{BASE}/inboundPlans/{plan_id}/placementOptions")
    validate_against_model(V2024, "listPlacementOptions", 200, placements.json())
    return plan_id, placements.json()


async def test_the_workflow_matches_the_model(
    sp: httpx.AsyncClient, emulator_app: Starlette, inbound: InboundStore
) -> None:
    two = skus(emulator_app)
    plan_id, placements = await planned(sp, two)
    options = placements["placementOptions"]
    assert [len(o["shipmentIds"]) for o in options] == [1, 2]
    assert options[0]["fees"][0]["value"] == {"amount": 6.3, "code": "USD"}  # 0.30 x 21 units
    assert options[1]["fees"] == []
    split = options[1]
    shipment_id = split["shipmentIds"][0]
    got = await sp.get(f"{BASE}/inboundPlans/{plan_id}/shipments/{shipment_id}")
    validate_against_model(V2024, "getShipment", 200, got.json())
    assert got.json()["status"] == "UNCONFIRMED"
    assert "shipmentConfirmationId" not in got.json()
    items = await sp.get(f"{BASE}/inboundPlans/{plan_id}/shipments/{shipment_id}/items")
    validate_against_model(V2024, "listShipmentItems", 200, items.json())
    inventory = emulator_app.state.emulator.data.inventory
    assert [(i["msku"], i["fnsku"], i["quantity"]) for i in items.json()["items"]] == [
        (two[0], inventory[two[0]]["fnSku"], 10)
    ]

    await step(
        sp,
        "POST",
        f"/inboundPlans/{plan_id}/placementOptions/{split['placementOptionId']}/confirmation",
        "confirmPlacementOption",
    )
    got = await sp.get(f"{BASE}/inboundPlans/{plan_id}/shipments/{shipment_id}")
    confirmation = got.json()["shipmentConfirmationId"]
    assert got.json()["status"] == "WORKING" and confirmation.startswith("FBA")
    plan = await sp.get(f"{BASE}/inboundPlans/{plan_id}")
    validate_against_model(V2024, "getInboundPlan", 200, plan.json())
    assert {p["status"] for p in plan.json()["placementOptions"]} == {"ACCEPTED", "EXPIRED"}
    listed = await sp.get(f"{BASE}/inboundPlans", params={"sortBy": "CREATION_TIME"})
    validate_against_model(V2024, "listInboundPlans", 200, listed.json())
    assert [p["inboundPlanId"] for p in listed.json()["inboundPlans"]] == [plan_id]

    renamed = await sp.put(
        f"{BASE}/inboundPlans/{plan_id}/shipments/{shipment_id}/name", json={"name": "Spring"}
    )
    assert renamed.status_code == 204
    packing = {
        "packageGroupings": [
            {
                "shipmentId": shipment_id,
                "boxes": [
                    {
                        "contentInformationSource": "MANUAL_PROCESS",
                        "dimensions": {
                            "length": 12,
                            "width": 10,
                            "height": 8,
                            "unitOfMeasurement": "IN",
                        },
                        "weight": {"unit": "LB", "value": 9.5},
                        "quantity": 2,
                    }
                ],
            }
        ]
    }
    await step(
        sp,
        "POST",
        f"/inboundPlans/{plan_id}/packingInformation",
        "setPackingInformation",
        json=packing,
    )
    generate = {
        "placementOptionId": split["placementOptionId"],
        "shipmentTransportationConfigurations": [
            {"shipmentId": shipment_id, "readyToShipWindow": {"start": "2026-11-24T00:00:00Z"}}
        ],
    }
    await step(
        sp,
        "POST",
        f"/inboundPlans/{plan_id}/transportationOptions",
        "generateTransportationOptions",
        json=generate,
    )
    transport = await sp.get(
        f"{BASE}/inboundPlans/{plan_id}/transportationOptions", params={"shipmentId": shipment_id}
    )
    validate_against_model(V2024, "listTransportationOptions", 200, transport.json())
    offers = transport.json()["transportationOptions"]
    partnered = [o for o in offers if o["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"]
    assert [(o["shippingMode"], o["quote"]["cost"]) for o in partnered] == [
        ("GROUND_SMALL_PARCEL", {"amount": 16.28, "code": "USD"})  # 2 x 4.15 + 0.42 x 19 lb
    ]
    confirm = {
        "transportationSelections": [
            {
                "shipmentId": shipment_id,
                "transportationOptionId": partnered[0]["transportationOptionId"],
            }
        ]
    }
    await step(
        sp,
        "POST",
        f"/inboundPlans/{plan_id}/transportationOptions/confirmation",
        "confirmTransportationOptions",
        json=confirm,
    )
    got = await sp.get(f"{BASE}/inboundPlans/{plan_id}/shipments/{shipment_id}")
    validate_against_model(V2024, "getShipment", 200, got.json())
    assert got.json()["name"] == "Spring"
    assert got.json()["selectedTransportationOptionId"] == partnered[0]["transportationOptionId"]
    tracking = got.json()["trackingDetails"]["spdTrackingDetail"]["spdTrackingItems"]
    assert [t["boxId"] for t in tracking] == [f"{confirmation}U000001", f"{confirmation}U000002"]

    # a shipment with a confirmed carrier takes new contents through a preview
    update = {
        "boxes": packing["packageGroupings"][0]["boxes"],
        "items": [{"msku": two[0], "quantity": 16, "prepOwner": "SELLER", "labelOwner": "SELLER"}],
    }
    await step(
        sp,
        "POST",
        f"/inboundPlans/{plan_id}/shipments/{shipment_id}/contentUpdatePreviews",
        "generateShipmentContentUpdatePreviews",
        json=update,
    )
    previews = await sp.get(
        f"{BASE}/inboundPlans/{plan_id}/shipments/{shipment_id}/contentUpdatePreviews"
    )
    validate_against_model(V2024, "listShipmentContentUpdatePreviews", 200, previews.json())
    (preview,) = previews.json()["contentUpdatePreviews"]
    assert preview["requestedUpdates"]["items"][0]["quantity"] == 16
    await step(
        sp,
        "POST",
        f"/inboundPlans/{plan_id}/shipments/{shipment_id}/contentUpdatePreviews/"
        f"{preview['contentUpdatePreviewId']}/confirmation",
        "confirmShipmentContentUpdatePreview",
    )
    items = await sp.get(f"{BASE}/inboundPlans/{plan_id}/shipments/{shipment_id}/items")
    assert [i["quantity"] for i in items.json()["items"]] == [16]

    # the confirmed shipment is a v0 shipment now
    v0 = await sp.get(
        "/fba/inbound/v0/shipments",
        params={"QueryType": "SHIPMENT", "ShipmentIdList": confirmation, "MarketplaceId": US},
    )
    validate_against_model(V0, "getShipments", 200, v0.json())
    (info,) = v0.json()["payload"]["ShipmentData"]
    assert (info["ShipmentName"], info["ShipmentStatus"], info["LabelPrepType"]) == (
        "Spring",
        "WORKING",
        "SELLER_LABEL",
    )
    v0_items = await sp.get(f"/fba/inbound/v0/shipments/{confirmation}/items")
    validate_against_model(V0, "getShipmentItemsByShipmentId", 200, v0_items.json())
    assert [
        (i["SellerSKU"], i["QuantityShipped"]) for i in v0_items.json()["payload"]["ItemData"]
    ] == [(two[0], 16)]


async def test_operations_run_on_the_emulator_clock(
    sp: httpx.AsyncClient, emulator_app: Starlette, inbound: InboundStore
) -> None:
    inbound.operation_seconds = 30
    created = await sp.post(f"{BASE}/inboundPlans", json=plan_body(skus(emulator_app, 1)))
    operation_id = created.json()["operationId"]
    assert (await done(sp, operation_id))["operationStatus"] == "IN_PROGRESS"
    early = await sp.post(f"{BASE}/inboundPlans/{created.json()['inboundPlanId']}/packingOptions")
    assert early.status_code == 400 and "still being created" in early.text
    emulator_app.state.emulator.clock.advance(31)
    assert (await done(sp, operation_id))["operationStatus"] == "SUCCESS"


async def test_failed_operations_carry_problems(
    sp: httpx.AsyncClient, emulator_app: Starlette, inbound: InboundStore
) -> None:
    created = await sp.post(f"{BASE}/inboundPlans", json=plan_body(["NO-SUCH-SKU"]))
    assert created.status_code == 202
    status = await done(sp, created.json()["operationId"])
    assert status["operationStatus"] == "FAILED"
    assert "NO-SUCH-SKU" in status["operationProblems"][0]["message"]
    plan = await sp.get(f"{BASE}/inboundPlans/{created.json()['inboundPlanId']}")
    assert plan.json()["status"] == "ERRORED"

    inbound.fail_operations["generatePackingOptions"] = "Packing is not possible today."
    ok = await sp.post(f"{BASE}/inboundPlans", json=plan_body(skus(emulator_app, 1)))
    plan_id = ok.json()["inboundPlanId"]
    generated = await sp.post(f"{BASE}/inboundPlans/{plan_id}/packingOptions")
    status = await done(sp, generated.json()["operationId"])
    assert status["operationStatus"] == "FAILED"
    assert status["operationProblems"][0]["message"] == "Packing is not possible today."


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"destinationMarketplaces": []}, "destinationMarketplaces"),
        ({"items": []}, "items"),
        ({"sourceAddress": {**SOURCE, "phoneNumber": None}}, "phoneNumber"),
        ({"sourceAddress": {**SOURCE, "countryCode": "usa"}}, "countryCode"),
        ({"name": "x" * 41}, "name"),
    ],
)
async def test_create_inbound_plan_validates_like_spapi(
    sp: httpx.AsyncClient, emulator_app: Starlette, change: dict[str, Any], words: str
) -> None:
    body = plan_body(skus(emulator_app, 1))
    body.update(change)
    if isinstance(body.get("sourceAddress"), dict):
        body["sourceAddress"] = {k: v for k, v in body["sourceAddress"].items() if v is not None}
    answer = await sp.post(f"{BASE}/inboundPlans", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["code"] == "InvalidInput"
    assert words in answer.json()["errors"][0]["message"]


async def test_amazon_labels_are_refused_in_the_us(
    sp: httpx.AsyncClient, emulator_app: Starlette
) -> None:
    body = plan_body(skus(emulator_app, 1))
    body["items"][0]["labelOwner"] = "AMAZON"
    answer = await sp.post(f"{BASE}/inboundPlans", json=body)
    assert answer.status_code == 400
    assert "AMAZON is not an accepted value in the US" in answer.text


async def test_placement_needs_a_confirmed_packing_option(
    sp: httpx.AsyncClient, emulator_app: Starlette, inbound: InboundStore
) -> None:
    created = await sp.post(f"{BASE}/inboundPlans", json=plan_body(skus(emulator_app, 1)))
    plan_id = created.json()["inboundPlanId"]
    answer = await sp.post(f"{BASE}/inboundPlans/{plan_id}/placementOptions", json={})
    assert answer.status_code == 400
    assert "packing option must be confirmed" in answer.text
    assert (await sp.get(f"{BASE}/inboundPlans/wf-short")).status_code == 400
    missing = await sp.get(f"{BASE}/inboundPlans/wf{'0' * 36}")
    assert missing.status_code == 404


async def test_v0_seeded_shipments_items_and_paging(
    sp: httpx.AsyncClient, emulator_app: Starlette, inbound: InboundStore
) -> None:
    inbound.page_size = 2
    listed = await sp.get(
        "/fba/inbound/v0/shipments",
        params={
            "QueryType": "SHIPMENT",
            "ShipmentStatusList": "WORKING,RECEIVING,CLOSED",
            "MarketplaceId": US,
        },
    )
    validate_against_model(V0, "getShipments", 200, listed.json())
    page = listed.json()["payload"]
    assert [s["ShipmentId"] for s in page["ShipmentData"]] == ["FBA15SEED0001", "FBA15SEED0002"]
    more = await sp.get(
        "/fba/inbound/v0/shipments",
        params={"QueryType": "NEXT_TOKEN", "NextToken": page["NextToken"], "MarketplaceId": US},
    )
    validate_against_model(V0, "getShipments", 200, more.json())
    assert [s["ShipmentId"] for s in more.json()["payload"]["ShipmentData"]] == ["FBA15SEED0003"]
    assert "NextToken" not in more.json()["payload"]

    items = await sp.get(
        "/fba/inbound/v0/shipmentItems",
        params={
            "QueryType": "DATE_RANGE",
            "LastUpdatedAfter": "2000-01-01T00:00:00Z",
            "LastUpdatedBefore": "2100-01-01T00:00:00Z",
            "MarketplaceId": US,
        },
    )
    validate_against_model(V0, "getShipmentItems", 200, items.json())
    assert len(items.json()["payload"]["ItemData"]) == 2
    assert items.json()["payload"]["NextToken"]
    bad = await sp.get(
        "/fba/inbound/v0/shipments", params={"QueryType": "SHIPMENT", "MarketplaceId": US}
    )
    assert bad.status_code == 400


async def test_v0_prep_instructions(sp: httpx.AsyncClient, emulator_app: Starlette) -> None:
    sku = sorted(emulator_app.state.emulator.data.listings)[0]
    got = await sp.get(
        "/fba/inbound/v0/prepInstructions",
        params={"ShipToCountryCode": "US", "SellerSKUList": f"{sku},NOPE-1"},
    )
    validate_against_model(V0, "getPrepInstructions", 200, got.json())
    payload = got.json()["payload"]
    assert [s["SellerSKU"] for s in payload["SKUPrepInstructionsList"]] == [sku]
    assert payload["InvalidSKUList"] == [{"SellerSKU": "NOPE-1", "ErrorReason": "DoesNotExist"}]
    asin = emulator_app.state.emulator.data.listings[sku]["asin"]
    by_asin = await sp.get(
        "/fba/inbound/v0/prepInstructions",
        params={"ShipToCountryCode": "US", "ASINList": f"{asin},B0NOTHING0"},
    )
    validate_against_model(V0, "getPrepInstructions", 200, by_asin.json())
    assert [a["ASIN"] for a in by_asin.json()["payload"]["ASINPrepInstructionsList"]] == [asin]
    too_many = await sp.get(
        "/fba/inbound/v0/prepInstructions",
        params={"ShipToCountryCode": "US", "SellerSKUList": ",".join(f"S{n}" for n in range(51))},
    )
    assert too_many.status_code == 400


async def test_v0_labels_are_pdfs_behind_a_download_url(
    sp: httpx.AsyncClient, inbound: InboundStore
) -> None:
    got = await sp.get(
        "/fba/inbound/v0/shipments/FBA15SEED0003/labels",
        params={
            "PageType": "PackageLabel_Letter_2",
            "LabelType": "BARCODE_2D",
            "NumberOfPackages": 3,
        },
    )
    assert got.status_code == 200, got.text
    validate_against_model(V0, "getLabels", 200, got.json())
    url = got.json()["payload"]["DownloadURL"]
    pdf = await sp.get(url.replace("http://emulator.test", ""))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.rstrip().endswith(b"%%EOF")
    assert pdf.content.count(b"/Type /Page ") == 3
    assert b"(Package 3 of 3) Tj" in pdf.content
    unique = await sp.get(
        "/fba/inbound/v0/shipments/FBA15SEED0003/labels",
        params={"PageType": "PackageLabel_Thermal", "LabelType": "UNIQUE"},
    )
    assert unique.status_code == 400 and "PackageLabelsToPrint" in unique.text
    pallet = await sp.get(
        "/fba/inbound/v0/shipments/FBA15SEED0003/labels",
        params={"PageType": "PackageLabel_Letter_2", "LabelType": "PALLET", "NumberOfPallets": 1},
    )
    assert pallet.status_code == 400 and "Less Than Truckload" in pallet.text
    unknown = await sp.get(
        "/fba/inbound/v0/shipments/FBA15NOTMINE/labels",
        params={
            "PageType": "PackageLabel_Letter_2",
            "LabelType": "BARCODE_2D",
            "NumberOfPackages": 1,
        },
    )
    assert unknown.status_code == 404
    bol = await sp.get("/fba/inbound/v0/shipments/FBA15SEED0003/billOfLading")
    assert bol.status_code == 400 and "bill of lading" in bol.text
