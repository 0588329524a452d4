"""GetFulfillmentPreview: parameters, the emulated getFulfillmentPreview and the MWS tree."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.translate.engine.bodies import build_body
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.outbound import preview_children
from tests.emulator.modelcheck import validate_against_model, validate_definition
from tests.outbound.helpers import OUTBOUND
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, child, find_text, kids, text

MODEL = "fulfillmentOutbound_2020-07-01.json"
SECTION = load_catalog(check_handlers=False).sections["FulfillmentOutboundShipment"]
SPEC = SECTION.operations["GetFulfillmentPreview"].spec


def preview_params(sku: str, quantity: int = 1, *, member: bool = True) -> dict[str, str]:
    items = "Items.member" if member else "Items"
    return {
        "Address.Name": "Ada Lovelace",
        "Address.Line1": "12 Analytical Row",
        "Address.City": "Portland",
        "Address.StateOrProvinceCode": "OR",
        "Address.CountryCode": "US",
        "Address.PostalCode": "97201",
        f"{items}.1.SellerSKU": sku,
        f"{items}.1.SellerFulfillmentOrderItemId": "P-1",
        f"{items}.1.Quantity": str(quantity),
    }


def body(params: dict[str, str]) -> dict[str, Any]:
    from datetime import UTC, datetime

    return build_body(
        SPEC, params, SECTION.tables, seller_marketplaces=["ATVPDKIKX0DER"], now=datetime.now(UTC)
    )


def test_preview_request_body() -> None:
    params = preview_params("SKU-1", 2)
    params["ShippingSpeedCategories.member.1"] = "Expedited"
    params["ShippingSpeedCategories.member.2"] = "Priority"
    params["IncludeCODFulfillmentPreview"] = "false"
    built = body(params)
    assert built == {
        "address": {
            "name": "Ada Lovelace",
            "addressLine1": "12 Analytical Row",
            "city": "Portland",
            "stateOrRegion": "OR",
            "countryCode": "US",
            "postalCode": "97201",
        },
        "items": [{"sellerSku": "SKU-1", "sellerFulfillmentOrderItemId": "P-1", "quantity": 2}],
        "shippingSpeedCategories": ["Expedited", "Priority"],
        "includeCODFulfillmentPreview": False,
    }
    validate_definition(MODEL, "GetFulfillmentPreviewRequest", built)
    # the documentation's ShippingSpeedCategories.N spelling and boto's Items.N
    docs = preview_params("SKU-1", 2, member=False)
    docs["ShippingSpeedCategories.1"] = "Expedited"
    docs["ShippingSpeedCategories.2"] = "Priority"
    docs["IncludeCODFulfillmentPreview"] = "false"
    assert body(docs) == built


def test_preview_bad_speed() -> None:
    params = preview_params("SKU-1")
    params["ShippingSpeedCategories.member.1"] = "Teleport"
    with pytest.raises(MwsError) as caught:
        body(params)
    assert caught.value.code == "InvalidParameterValue"


def test_preview_elements() -> None:
    preview = {
        "shippingSpeedCategory": "Standard",
        "isFulfillable": True,
        "isCODCapable": False,
        "estimatedShippingWeight": {"unit": "POUNDS", "value": "1.10"},
        "estimatedFees": [
            {"name": "FBAPerUnitFulfillmentFee", "amount": {"currencyCode": "USD", "value": "6.44"}}
        ],
        "fulfillmentPreviewShipments": [
            {
                "earliestShipDate": "2026-11-24T00:00:00Z",
                "fulfillmentPreviewItems": [
                    {"sellerSku": "S", "quantity": 2, "sellerFulfillmentOrderItemId": "P-1"}
                ],
            }
        ],
        "marketplaceId": "ATVPDKIKX0DER",
    }
    validate_definition(MODEL, "FulfillmentPreview", preview)
    (previews,) = preview_children([preview], FieldMaps(SECTION.tables))
    member = dict(previews[1][0][1])  # type: ignore[index, arg-type]
    assert member["IsFulfillable"] == "true"
    assert member["IsCODCapable"] == "false"
    assert member["EstimatedShippingWeight"] == [("Unit", "LB"), ("Value", "1.10")]
    assert member["EstimatedFees"] == [
        (
            "member",
            [
                ("Name", "FBAPerUnitFulfillmentFee"),
                ("Amount", [("CurrencyCode", "USD"), ("Value", "6.44")]),
            ],
        )
    ]


@pytest.mark.anyio
async def test_emulated_preview_matches_model(
    sp: httpx.AsyncClient, emulator_app: Starlette
) -> None:
    inventory = emulator_app.state.emulator.data.inventory
    sku = next(
        s for s in sorted(inventory) if inventory[s]["inventoryDetails"]["fulfillableQuantity"]
    )
    request = {
        "address": {"name": "N", "addressLine1": "1", "countryCode": "US", "postalCode": "98109"},
        "items": [{"sellerSku": sku, "sellerFulfillmentOrderItemId": "i", "quantity": 1}],
        "shippingSpeedCategories": ["Standard", "ScheduledDelivery"],
    }
    response = await sp.post("/fba/outbound/2020-07-01/fulfillmentOrders/preview", json=request)
    assert response.status_code == 200, response.text
    validate_against_model(MODEL, "getFulfillmentPreview", 200, response.json())
    standard, scheduled = response.json()["payload"]["fulfillmentPreviews"]
    assert standard["isFulfillable"] is True
    assert scheduled["orderUnfulfillableReasons"] == ["DeliverySLAUnavailable"]
    bad = await sp.post("/fba/outbound/2020-07-01/fulfillmentOrders/preview", json={"items": []})
    assert bad.status_code == 400
    validate_against_model(MODEL, "getFulfillmentPreview", 400, bad.json())


@pytest.mark.anyio
async def test_preview_through_gateway(mws: MwsClient) -> None:
    inventory = mws.emulator.data.inventory
    sku = next(
        s for s in sorted(inventory) if inventory[s]["inventoryDetails"]["fulfillableQuantity"]
    )
    stock = inventory[sku]["inventoryDetails"]["fulfillableQuantity"]
    params = preview_params(sku, 2 if stock >= 2 else 1)
    params["Items.member.2.SellerSKU"] = sku
    params["Items.member.2.SellerFulfillmentOrderItemId"] = "P-2"
    params["Items.member.2.Quantity"] = str(stock + 1)  # more than in stock
    response = await mws.call(*OUTBOUND[:1], "GetFulfillmentPreview", OUTBOUND[1], params)
    assert response.status_code == 200, response.text
    root = assert_valid_mws_xml(response.content)
    members = kids(child(root, "GetFulfillmentPreviewResult/FulfillmentPreviews"), "member")
    assert [text(m, "ShippingSpeedCategory") for m in members] == [
        "Standard",
        "Expedited",
        "Priority",
    ]
    first = members[0]
    assert text(first, "IsFulfillable") == "false"
    unfulfillable = kids(child(first, "UnfulfillablePreviewItems"), "member")
    assert [text(u, "SellerFulfillmentOrderItemId") for u in unfulfillable] == ["P-2"]
    assert text(unfulfillable[0], "ItemUnfulfillableReasons/member") == "InventoryUnavailable"

    ok = await mws.call(
        OUTBOUND[0],
        "GetFulfillmentPreview",
        OUTBOUND[1],
        {**preview_params(sku, 1), "ShippingSpeedCategories.member.1": "Priority"},
    )
    root = assert_valid_mws_xml(ok.content)
    (member,) = kids(child(root, "GetFulfillmentPreviewResult/FulfillmentPreviews"), "member")
    assert text(member, "IsFulfillable") == "true"
    assert text(member, "EstimatedShippingWeight/Unit") == "LB"
    item = child(member, "FulfillmentPreviewShipments/member/FulfillmentPreviewItems/member")
    assert text(item, "SellerSKU") == sku
    assert text(member, "MarketplaceId") == "ATVPDKIKX0DER"

    missing = await mws.call(OUTBOUND[0], "GetFulfillmentPreview", OUTBOUND[1], {})
    assert missing.status_code == 400
    assert find_text(assert_valid_mws_xml(missing.content), "Error/Code") == "MissingParameter"
