"""UpdateFulfillmentOrder, GetPackageTrackingDetails, ListReturnReasonCodes and
CreateFulfillmentReturn through the demo gateway and its emulator.

Every rendered body is validated against the project's XSDs; values are compared with the
emulator's fulfillment orders, carrier timelines, reason codes and stored returns.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gateway.emulator import outbound as emulated
from gateway.emulator.common import emulator_now
from gateway.emulator.config import FaultSpec
from gateway.emulator.outbound import OutboundOrder, OutboundSettings
from tests.outbound.helpers import OUTBOUND, create_params
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, child, find_text, kids, strip_ns, text

pytestmark = pytest.mark.anyio


def store(gw: MwsClient) -> OutboundSettings:
    found = gw.emulator.section("fbaOutbound", OutboundSettings)
    assert isinstance(found, OutboundSettings)
    return found


async def call(
    gw: MwsClient, action: str, params: dict[str, str], *, status: int = 200
) -> ET.Element:
    """A signed POST with the parameters in a form body (as the official libraries send)."""
    response = await gw.call(OUTBOUND[0], action, OUTBOUND[1], params, method="POST", in_body=True)
    assert response.status_code == status, response.text
    return assert_valid_mws_xml(response.content)


def error_code(root: ET.Element) -> str | None:
    return find_text(root, "Error/Code")


async def seeded(gw: MwsClient, order_id: str) -> OutboundOrder:
    """A seeded order (the emulator seeds on its first Fulfillment Outbound call)."""
    if not store(gw).seeded:
        await call(gw, "ListAllFulfillmentOrders", {"QueryStartDateTime": "2000-01-01T00:00:00Z"})
    return store(gw).orders[order_id]


# ------------------------------------------------------------------ GetPackageTrackingDetails


async def test_tracking_of_the_package_delivered_days_ago(mws: MwsClient) -> None:
    order = await seeded(mws, "MCF-SEED-0000")
    got = await call(mws, "GetFulfillmentOrder", {"SellerFulfillmentOrderId": "MCF-SEED-0000"})
    package = child(got, "GetFulfillmentOrderResult/FulfillmentShipment/member")
    number = text(package, "FulfillmentShipmentPackage/member/PackageNumber")
    assert number == str(emulated.package_number(order))

    root = await call(mws, "GetPackageTrackingDetails", {"PackageNumber": number})
    result = child(root, "GetPackageTrackingDetailsResult")
    expected = emulated.tracking_json(order, mws.emulator.clock(), emulator_now(mws.emulator))
    assert text(result, "PackageNumber") == number
    assert text(result, "TrackingNumber") == expected["trackingNumber"]
    assert text(result, "TrackingNumber") == text(
        package, "FulfillmentShipmentPackage/member/TrackingNumber"
    )
    assert text(result, "CarrierCode") == "UPS"
    assert text(result, "CarrierURL") == expected["carrierURL"]
    assert text(result, "ShipDate") == expected["shipDate"]
    assert text(result, "CurrentStatus") == "DELIVERED"
    assert text(result, "SignedForBy") == expected["signedForBy"]
    assert text(result, "AdditionalLocationInfo") == "FRONT_DESK"
    address = order.body["destinationAddress"]
    assert text(result, "ShipToAddress/City") == address["city"]
    assert text(result, "ShipToAddress/State") == address["stateOrRegion"]
    events = kids(child(result, "TrackingEvents"), "member")
    assert [text(e, "EventCode") for e in events] == [
        e["eventCode"] for e in expected["trackingEvents"]
    ]
    assert [text(e, "EventCode") for e in events] == [
        "EVENT_301",
        "EVENT_302",
        "EVENT_202",
        "EVENT_201",
        "EVENT_102",
    ]
    assert [text(e, "EventDate") for e in events] == [
        e["eventDate"] for e in expected["trackingEvents"]
    ]
    assert text(events[0], "EventAddress/City") == address["city"]


async def test_tracking_moves_on_and_newer_statuses_read_as_mws_ones(mws: MwsClient) -> None:
    order = await seeded(mws, "MCF-SEED-0001")  # shipped about 37 minutes ago
    number = str(emulated.package_number(order))
    root = await call(mws, "GetPackageTrackingDetails", {"PackageNumber": number})
    result = child(root, "GetPackageTrackingDetailsResult")
    assert text(result, "CurrentStatus") == "IN_TRANSIT"
    assert find_text(result, "SignedForBy") is None
    assert [text(e, "EventCode") for e in kids(child(result, "TrackingEvents"), "member")] == [
        "EVENT_102"
    ]
    mws.emulator.clock.advance(45 * 3600)  # out for delivery: an SP-API status MWS lacked
    upstream = emulated.tracking_json(order, mws.emulator.clock(), emulator_now(mws.emulator))
    assert upstream["currentStatus"] == "OUT_FOR_DELIVERY"
    root = await call(mws, "GetPackageTrackingDetails", {"PackageNumber": number})
    result = child(root, "GetPackageTrackingDetailsResult")
    assert text(result, "CurrentStatus") == "IN_TRANSIT"
    codes = [text(e, "EventCode") for e in kids(child(result, "TrackingEvents"), "member")]
    assert codes == ["EVENT_302", "EVENT_202", "EVENT_201", "EVENT_102"]


async def test_tracking_bad_input(mws: MwsClient) -> None:
    unshipped = await seeded(mws, "MCF-SEED-0002")  # still processing: no package yet
    for number in ("999", str(emulated.package_number(unshipped))):
        root = await call(mws, "GetPackageTrackingDetails", {"PackageNumber": number}, status=400)
        assert error_code(root) == "InvalidParameterValue"
    calls = mws.emulator.calls["fbaOutbound.getPackageTrackingDetails"]
    assert calls == 2
    for bad in ("abc", "0", "99999999999"):
        root = await call(mws, "GetPackageTrackingDetails", {"PackageNumber": bad}, status=400)
        assert error_code(root) == "InvalidParameterValue"
    root = await call(mws, "GetPackageTrackingDetails", {}, status=400)
    assert error_code(root) == "MissingParameter"
    assert mws.emulator.calls["fbaOutbound.getPackageTrackingDetails"] == calls  # local refusals


# ------------------------------------------------------------------ ListReturnReasonCodes


async def test_reason_codes_with_a_translation(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.inventory)[0]
    root = await call(
        mws,
        "ListReturnReasonCodes",
        {"SellerSKU": sku, "MarketplaceId": "A2EUQ1WTGCTBG2", "Language": "fr_CA"},
    )
    members = kids(child(root, "ListReturnReasonCodesResult/ReasonCodeDetailsList"), "member")
    assert [text(m, "ReturnReasonCode") for m in members] == list(emulated.REASON_CODES)
    assert [text(m, "Description") for m in members] == list(emulated.REASON_CODES.values())
    assert [text(m, "TranslatedDescription") for m in members] == [
        emulated.TRANSLATIONS["fr"][code] for code in emulated.REASON_CODES
    ]
    by_order = await call(
        mws,
        "ListReturnReasonCodes",
        {"SellerSKU": sku, "SellerFulfillmentOrderId": "MCF-SEED-0000"},
    )
    plain = kids(child(by_order, "ListReturnReasonCodesResult/ReasonCodeDetailsList"), "member")
    assert len(plain) == len(emulated.REASON_CODES)
    assert all(find_text(m, "TranslatedDescription") is None for m in plain)


async def test_reason_codes_bad_input(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.inventory)[0]
    root = await call(mws, "ListReturnReasonCodes", {"SellerSKU": sku}, status=400)
    assert error_code(root) == "MissingParameter"
    for params in (
        {"SellerSKU": sku, "MarketplaceId": "A1PA6795UKMFR9"},  # the seller does not sell there
        {"SellerSKU": sku, "MarketplaceId": "ATVPDKIKX0DER", "Language": "Klingon"},
    ):
        root = await call(mws, "ListReturnReasonCodes", params, status=400)
        assert error_code(root) == "InvalidParameterValue"
    assert mws.emulator.calls["fbaOutbound.listReturnReasonCodes"] == 0
    for params in (
        {"SellerSKU": "NO-SUCH-SKU", "MarketplaceId": "ATVPDKIKX0DER"},
        {"SellerSKU": sku, "SellerFulfillmentOrderId": "NOPE"},
    ):
        root = await call(mws, "ListReturnReasonCodes", params, status=400)
        assert error_code(root) == "InvalidParameterValue"
    assert mws.emulator.calls["fbaOutbound.listReturnReasonCodes"] == 2


# ------------------------------------------------------------------ CreateFulfillmentReturn


def return_item(
    n: int, item_id: str, shipment: str, reason: str = "CR-DEFECTIVE"
) -> dict[str, str]:
    return {
        f"Items.member.{n}.SellerReturnItemId": f"RET-{n}",
        f"Items.member.{n}.SellerFulfillmentOrderItemId": item_id,
        f"Items.member.{n}.AmazonShipmentId": shipment,
        f"Items.member.{n}.ReturnReasonCode": reason,
    }


async def test_return_accepts_refuses_per_item_and_is_kept(mws: MwsClient) -> None:
    order = await seeded(mws, "MCF-SEED-0000")  # delivered, one unit of one item
    item_id = order.body["items"][0]["sellerFulfillmentOrderItemId"]
    shipment = emulated.shipment_id(order)
    params = {
        "SellerFulfillmentOrderId": "MCF-SEED-0000",
        **return_item(1, item_id, shipment),
        "Items.member.1.ReturnComment": "Stopped working",
        **return_item(2, item_id, shipment),  # a second unit: only one was shipped
        **return_item(3, item_id, shipment, reason="NOT-A-CODE"),
    }
    root = await call(mws, "CreateFulfillmentReturn", params)
    result = child(root, "CreateFulfillmentReturnResult")
    accepted = kids(child(result, "ReturnItemList"), "member")
    assert [text(m, "SellerReturnItemId") for m in accepted] == ["RET-1"]
    assert text(accepted[0], "SellerReturnReasonCode") == "CR-DEFECTIVE"
    assert text(accepted[0], "ReturnComment") == "Stopped working"
    assert text(accepted[0], "Status") == "New"
    invalid = kids(child(result, "InvalidReturnItemList"), "member")
    reasons = {
        text(m, "SellerReturnItemId"): text(m, "InvalidItemReason/InvalidItemReasonCode")
        for m in invalid
    }
    assert reasons == {"RET-2": "NoReturnableQuantity", "RET-3": "InvalidValues"}
    authorizations = kids(child(result, "ReturnAuthorizationList"), "member")
    assert len(authorizations) == 1
    assert text(authorizations[0], "ReturnAuthorizationId") == text(
        accepted[0], "ReturnAuthorizationId"
    )
    assert text(authorizations[0], "ReturnToAddress/City") == "Kent"
    assert [r["sellerReturnItemId"] for r in order.returns] == ["RET-1"]

    got = await call(mws, "GetFulfillmentOrder", {"SellerFulfillmentOrderId": "MCF-SEED-0000"})
    kept = kids(child(got, "GetFulfillmentOrderResult/ReturnItemList"), "member")
    assert [text(m, "SellerReturnItemId") for m in kept] == ["RET-1"]
    assert kids(child(got, "GetFulfillmentOrderResult/ReturnAuthorizationList"), "member")

    again = await call(mws, "CreateFulfillmentReturn", {k: params[k] for k in list(params)[:5]})
    again_result = child(again, "CreateFulfillmentReturnResult")
    assert kids(child(again_result, "ReturnItemList"), "member") == []
    assert text(
        again_result, "InvalidReturnItemList/member/InvalidItemReason/InvalidItemReasonCode"
    ) == ("DuplicateRequest")
    assert [strip_ns(c.tag) for c in again_result] == [
        "ReturnItemList",
        "InvalidReturnItemList",
        "ReturnAuthorizationList",
    ]


async def test_return_of_an_unshipped_order_and_bad_input(mws: MwsClient) -> None:
    order = await seeded(mws, "MCF-SEED-0003")  # received moments ago
    item_id = order.body["items"][0]["sellerFulfillmentOrderItemId"]
    params = {"SellerFulfillmentOrderId": "MCF-SEED-0003", **return_item(1, item_id, "T1")}
    root = await call(mws, "CreateFulfillmentReturn", params)
    reason = "CreateFulfillmentReturnResult/InvalidReturnItemList/member/InvalidItemReason"
    assert text(root, f"{reason}/InvalidItemReasonCode") == "NoCompletedShipItems"

    unknown = await call(
        mws,
        "CreateFulfillmentReturn",
        {"SellerFulfillmentOrderId": "NO-SUCH-ORDER", **return_item(1, "x", "T1")},
        status=400,
    )
    assert error_code(unknown) == "InvalidParameterValue"
    calls = mws.emulator.calls["fbaOutbound.createFulfillmentReturn"]
    missing = await call(
        mws, "CreateFulfillmentReturn", {"SellerFulfillmentOrderId": "MCF-SEED-0003"}, status=400
    )
    assert error_code(missing) == "MissingParameter"
    many: dict[str, str] = {"SellerFulfillmentOrderId": "MCF-SEED-0003"}
    for n in range(1, 252):
        many.update(return_item(n, item_id, "T1"))
    too_many = await call(mws, "CreateFulfillmentReturn", many, status=400)
    assert error_code(too_many) == "InvalidParameterValue"
    assert mws.emulator.calls["fbaOutbound.createFulfillmentReturn"] == calls


async def test_return_is_not_retried_upstream(mws: MwsClient) -> None:
    order = await seeded(mws, "MCF-SEED-0000")
    item_id = order.body["items"][0]["sellerFulfillmentOrderItemId"]
    mws.emulator.faults["fbaOutbound.createFulfillmentReturn"] = FaultSpec(
        error_rate=1.0, error_status=500, remaining=1
    )
    params = {
        "SellerFulfillmentOrderId": "MCF-SEED-0000",
        **return_item(1, item_id, emulated.shipment_id(order)),
    }
    root = await call(mws, "CreateFulfillmentReturn", params, status=503)
    assert error_code(root) == "ServiceUnavailable"
    assert mws.emulator.calls["fbaOutbound.createFulfillmentReturn"] == 1
    assert order.returns == []


# ------------------------------------------------------------------ UpdateFulfillmentOrder


async def create_hold(gw: MwsClient, order_id: str) -> OutboundOrder:
    sku = sorted(gw.emulator.data.inventory)[0]
    params = {**create_params(order_id, sku), "FulfillmentAction": "Hold"}
    await call(gw, "CreateFulfillmentOrder", params)
    return store(gw).orders[order_id]


async def test_update_a_held_order_then_release_it(mws: MwsClient) -> None:
    order = await create_hold(mws, "UPD-1")
    root = await call(
        mws,
        "UpdateFulfillmentOrder",
        {
            "SellerFulfillmentOrderId": "UPD-1",
            "DisplayableOrderComment": "Gift wrapped",
            "DisplayableOrderDateTime": "2026-11-21T09:30:00Z",
            "ShippingSpeedCategory": "Priority",
            "DestinationAddress.Name": "Grace Hopper",
            "DestinationAddress.Line1": "1 Navy Way",
            "DestinationAddress.StateOrProvinceCode": "VA",
            "DestinationAddress.CountryCode": "US",
            "DestinationAddress.PostalCode": "22202",
            "Items.member.1.SellerFulfillmentOrderItemId": "UPD-1-A",
            "Items.member.1.Quantity": "1",
            "Items.member.1.DisplayableComment": "Handle with care",
        },
    )
    assert kids(root, "UpdateFulfillmentOrderResult") == []
    assert order.body["displayableOrderComment"] == "Gift wrapped"
    assert order.body["displayableOrderDate"] == "2026-11-21T09:30:00.000Z"
    assert order.body["shippingSpeedCategory"] == "Priority"
    # a DestinationAddress given replaces the old one whole (the city is gone)
    assert order.body["destinationAddress"] == {
        "name": "Grace Hopper",
        "addressLine1": "1 Navy Way",
        "stateOrRegion": "VA",
        "countryCode": "US",
        "postalCode": "22202",
    }
    assert order.body["items"][0]["quantity"] == 1
    assert order.body["items"][0]["displayableComment"] == "Handle with care"
    assert order.body["items"][0]["giftMessage"] == "Enjoy"  # untouched fields stay
    got = await call(mws, "GetFulfillmentOrder", {"SellerFulfillmentOrderId": "UPD-1"})
    assert text(got, "GetFulfillmentOrderResult/FulfillmentOrder/FulfillmentOrderStatus") == (
        "RECEIVED"
    )
    assert text(got, "GetFulfillmentOrderResult/FulfillmentOrder/DisplayableOrderComment") == (
        "Gift wrapped"
    )

    await call(
        mws,
        "UpdateFulfillmentOrder",
        {"SellerFulfillmentOrderId": "UPD-1", "FulfillmentAction": "Ship"},
    )
    assert order.released is not None
    mws.emulator.clock.advance(2000)
    got = await call(mws, "GetFulfillmentOrder", {"SellerFulfillmentOrderId": "UPD-1"})
    assert text(got, "GetFulfillmentOrderResult/FulfillmentOrder/FulfillmentOrderStatus") == (
        "COMPLETE"
    )
    shipment = emulated.shipments_json(order, mws.emulator.clock())[0]
    shipped = text(got, "GetFulfillmentOrderResult/FulfillmentShipment/member/ShippingDateTime")
    assert shipped == shipment["shippingDate"]
    assert shipment["fulfillmentShipmentStatus"] == "SHIPPED"
    refused = await call(
        mws,
        "UpdateFulfillmentOrder",
        {"SellerFulfillmentOrderId": "UPD-1", "DisplayableOrderComment": "Too late"},
        status=400,
    )
    assert error_code(refused) == "InvalidParameterValue"
    assert order.body["displayableOrderComment"] == "Gift wrapped"


async def test_update_bad_input(mws: MwsClient) -> None:
    order = await create_hold(mws, "UPD-2")
    for params in (
        {"Items.member.1.SellerFulfillmentOrderItemId": "UPD-2-A", "Items.member.1.Quantity": "5"},
        {"Items.member.1.SellerFulfillmentOrderItemId": "NOPE", "Items.member.1.Quantity": "1"},
    ):
        root = await call(
            mws,
            "UpdateFulfillmentOrder",
            {"SellerFulfillmentOrderId": "UPD-2", **params},
            status=400,
        )
        assert error_code(root) == "InvalidParameterValue"
    assert order.body["items"][0]["quantity"] == 2
    calls = mws.emulator.calls["fbaOutbound.updateFulfillmentOrder"]
    assert calls == 2
    for params, code in (
        ({}, "MissingParameter"),
        (
            {"SellerFulfillmentOrderId": "UPD-2", "FulfillmentAction": "Later"},
            "InvalidParameterValue",
        ),
        ({"SellerFulfillmentOrderId": "x" * 41}, "InvalidParameterValue"),
        (
            {"SellerFulfillmentOrderId": "UPD-2", "MarketplaceId": "A1PA6795UKMFR9"},
            "InvalidParameterValue",
        ),
    ):
        root = await call(mws, "UpdateFulfillmentOrder", params, status=400)
        assert error_code(root) == code, params
    assert mws.emulator.calls["fbaOutbound.updateFulfillmentOrder"] == calls
    unknown = await call(
        mws, "UpdateFulfillmentOrder", {"SellerFulfillmentOrderId": "NO-SUCH"}, status=400
    )
    assert error_code(unknown) == "InvalidParameterValue"


async def test_an_update_is_retried_unless_it_ships(mws: MwsClient) -> None:
    order = await create_hold(mws, "UPD-3")
    faults = mws.emulator.faults
    faults["fbaOutbound.updateFulfillmentOrder"] = FaultSpec(
        error_rate=1.0, error_status=500, remaining=1
    )
    await call(
        mws,
        "UpdateFulfillmentOrder",
        {"SellerFulfillmentOrderId": "UPD-3", "DisplayableOrderComment": "Retried"},
    )
    assert mws.emulator.calls["fbaOutbound.updateFulfillmentOrder"] == 2
    assert order.body["displayableOrderComment"] == "Retried"

    faults["fbaOutbound.updateFulfillmentOrder"] = FaultSpec(
        error_rate=1.0, error_status=500, remaining=1
    )
    root = await call(
        mws,
        "UpdateFulfillmentOrder",
        {"SellerFulfillmentOrderId": "UPD-3", "FulfillmentAction": "Ship"},
        status=503,
    )
    assert error_code(root) == "ServiceUnavailable"
    assert mws.emulator.calls["fbaOutbound.updateFulfillmentOrder"] == 3
    assert order.released is None
