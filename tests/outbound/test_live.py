"""Real legacy clients against a live gateway: boto 2.49.0's Outbound calls (it has
GetPackageTrackingDetails, not UpdateFulfillmentOrder, ListReturnReasonCodes or
CreateFulfillmentReturn) and python-amazon-mws 0.8.15, whose ``OutboundShipments`` class names
the section but has no calls of its own (its ``make_request`` sends them), and whose ``MWS``
base class a legacy integrator subclassed the same way."""

from __future__ import annotations

import collections
import collections.abc
from typing import Any

import mws
import pytest
from boto.mws.connection import MWSConnection

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator import outbound as emulated
from gateway.emulator.common import emulator_now
from gateway.emulator.outbound import OutboundSettings
from tests.outbound.helpers import create_params
from tests.support.live import LiveServer

# boto 2.49.0 flattens DestinationAddress/Items with collections.Mapping/Iterable, which
# Python 3.10 removed; the aliases are restored for this test module only.
collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]

pytestmark = pytest.mark.live


def emulator(server: LiveServer) -> Any:
    return server.app.state.emulator_app.state.emulator


def orders(server: LiveServer) -> OutboundSettings:
    found = emulator(server).section("fbaOutbound", OutboundSettings)
    assert isinstance(found, OutboundSettings)
    return found


def as_list(value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]  # type: ignore[list-item]


class Outbound(mws.mws.MWS):  # type: ignore[misc]
    URI = "/FulfillmentOutboundShipment/2010-10-01"
    VERSION = "2010-10-01"


def test_boto_create_get_list_cancel(live_gateway: LiveServer) -> None:
    conn = MWSConnection(
        DEMO_ACCESS_KEY,
        DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=live_gateway.port,
        is_secure=False,
    )
    sku = sorted(emulator(live_gateway).data.inventory)[2]
    created = conn.create_fulfillment_order(
        SellerFulfillmentOrderId="BOTO-1",
        DisplayableOrderId="SHOP-B1",
        DisplayableOrderDateTime="2026-11-20T10:00:00Z",
        DisplayableOrderComment="Thank you",
        ShippingSpeedCategory="Standard",
        DestinationAddress={
            "Name": "Grace Hopper",
            "Line1": "1 Navy Way",
            "City": "Arlington",
            "StateOrProvinceCode": "VA",
            "CountryCode": "US",
            "PostalCode": "22202",
        },
        # boto's flattener: a list of dicts becomes Items.1.SellerSKU (no "member")
        Items=[{"SellerSKU": sku, "SellerFulfillmentOrderItemId": "B1-1", "Quantity": "3"}],
    )
    assert created.ResponseMetadata.RequestId
    stored = orders(live_gateway).orders["BOTO-1"]
    assert stored.body["items"] == [
        {"sellerSku": sku, "sellerFulfillmentOrderItemId": "B1-1", "quantity": 3}
    ]
    assert stored.body["destinationAddress"]["stateOrRegion"] == "VA"

    got = conn.get_fulfillment_order(SellerFulfillmentOrderId="BOTO-1")
    result = got.GetFulfillmentOrderResult
    assert result.FulfillmentOrder.SellerFulfillmentOrderId == "BOTO-1"
    assert result.FulfillmentOrder.FulfillmentOrderStatus == "RECEIVED"
    assert result.FulfillmentOrder.DestinationAddress.City == "Arlington"
    assert [i.SellerSKU for i in result.FulfillmentOrderItem] == [sku]
    assert result.FulfillmentOrderItem[0].Quantity == "3"

    # a retry with the same id does not create a second order
    with pytest.raises(Exception) as caught:
        conn.create_fulfillment_order(
            SellerFulfillmentOrderId="BOTO-1",
            DisplayableOrderId="SHOP-B1",
            DisplayableOrderDateTime="2026-11-20T10:00:00Z",
            DisplayableOrderComment="Thank you",
            ShippingSpeedCategory="Standard",
            DestinationAddress={
                "Name": "G",
                "Line1": "1",
                "StateOrProvinceCode": "VA",
                "CountryCode": "US",
                "PostalCode": "22202",
            },
            Items=[{"SellerSKU": sku, "SellerFulfillmentOrderItemId": "B1-1", "Quantity": "3"}],
        )
    assert type(caught.value).__name__ == "InvalidParameterValue"
    assert "Reason: Duplicate" in str(caught.value)

    listed = conn.list_all_fulfillment_orders(QueryStartDateTime="2000-01-01T00:00:00Z")
    ids = [
        o.SellerFulfillmentOrderId for o in listed.ListAllFulfillmentOrdersResult.FulfillmentOrders
    ]
    assert ids == ["MCF-SEED-0000", "MCF-SEED-0001", "MCF-SEED-0002", "MCF-SEED-0003", "BOTO-1"]

    orders(live_gateway).page_size = 4
    page = conn.list_all_fulfillment_orders(QueryStartDateTime="2000-01-01T00:00:00Z")
    token = page.ListAllFulfillmentOrdersResult.NextToken
    assert token
    rest = conn.list_all_fulfillment_orders_by_next_token(NextToken=token)
    last = rest.ListAllFulfillmentOrdersByNextTokenResult
    assert [o.SellerFulfillmentOrderId for o in last.FulfillmentOrders] == ["BOTO-1"]

    preview = conn.get_fulfillment_preview(
        Address={
            "Name": "G",
            "Line1": "1 Navy Way",
            "StateOrProvinceCode": "VA",
            "CountryCode": "US",
            "PostalCode": "22202",
        },
        Items=[{"SellerSKU": sku, "SellerFulfillmentOrderItemId": "PV-1", "Quantity": "1"}],
    )
    previews = preview.GetFulfillmentPreviewResult.FulfillmentPreviews
    assert [p.ShippingSpeedCategory for p in previews] == ["Standard", "Expedited", "Priority"]
    stock = emulator(live_gateway).data.inventory[sku]["inventoryDetails"]["fulfillableQuantity"]
    assert previews[0].IsFulfillable == ("true" if stock >= 1 else "false")

    conn.cancel_fulfillment_order(SellerFulfillmentOrderId="BOTO-1")
    again = conn.get_fulfillment_order(SellerFulfillmentOrderId="BOTO-1")
    assert again.GetFulfillmentOrderResult.FulfillmentOrder.FulfillmentOrderStatus == "CANCELLED"


def test_python_amazon_mws_base_class(live_gateway: LiveServer) -> None:
    api = Outbound(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    sku = sorted(emulator(live_gateway).data.inventory)[0]
    params = {"Action": "CreateFulfillmentOrder", **create_params("PAM-1", sku)}
    created = api.make_request(params, method="POST")
    assert created.response.status_code == 200
    assert orders(live_gateway).orders["PAM-1"].body["notificationEmails"] == [
        "ada@example.com",
        "ops@example.com",
    ]

    got = api.make_request(
        {"Action": "GetFulfillmentOrder", "SellerFulfillmentOrderId": "PAM-1"}
    ).parsed
    assert got["FulfillmentOrder"]["DisplayableOrderId"] == "SHOP-PAM-1"
    assert got["FulfillmentOrder"]["FulfillmentPolicy"] == "FillAll"
    item = got["FulfillmentOrderItem"]["member"]
    assert item["PerUnitDeclaredValue"]["Value"] == "12.50"
    emails = as_list(got["FulfillmentOrder"]["NotificationEmailList"]["member"])
    # the client's parser gives the first repeated leaf as text, later ones as {"value": ...}
    texts = [e if isinstance(e, str) else e["value"] for e in emails]
    assert texts == ["ada@example.com", "ops@example.com"]

    orders(live_gateway).page_size = 2
    page = api.make_request(
        {"Action": "ListAllFulfillmentOrders", "QueryStartDateTime": "2000-01-01T00:00:00Z"}
    ).parsed
    seen = [m["SellerFulfillmentOrderId"] for m in as_list(page["FulfillmentOrders"]["member"])]
    while "NextToken" in page:
        page = api.make_request(
            {
                "Action": "ListAllFulfillmentOrdersByNextToken",
                "NextToken": page["NextToken"],
            },
            method="POST",
        ).parsed
        seen += [
            m["SellerFulfillmentOrderId"] for m in as_list(page["FulfillmentOrders"]["member"])
        ]
    assert seen == ["MCF-SEED-0000", "MCF-SEED-0001", "MCF-SEED-0002", "MCF-SEED-0003", "PAM-1"]

    with pytest.raises(mws.MWSError) as caught:
        api.make_request(
            {"Action": "ListAllFulfillmentOrdersByNextToken", "NextToken": "tampered"},
            method="POST",
        )
    assert "NextTokenCorrupted" in caught.value.response.text

    cancelled = api.make_request(
        {"Action": "CancelFulfillmentOrder", "SellerFulfillmentOrderId": "PAM-1"}, method="POST"
    )
    assert cancelled.response.status_code == 200
    status = api.make_request(
        {"Action": "GetFulfillmentOrder", "SellerFulfillmentOrderId": "PAM-1"}
    ).parsed["FulfillmentOrder"]["FulfillmentOrderStatus"]
    assert status == "CANCELLED"


def test_boto_package_tracking_details(live_gateway: LiveServer) -> None:
    conn = MWSConnection(
        DEMO_ACCESS_KEY,
        DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=live_gateway.port,
        is_secure=False,
    )
    listed = conn.list_all_fulfillment_orders(QueryStartDateTime="2000-01-01T00:00:00Z")
    assert listed.ListAllFulfillmentOrdersResult.FulfillmentOrders  # seeds the emulator
    state = emulator(live_gateway)
    delivered = orders(live_gateway).orders["MCF-SEED-0000"]
    expected = emulated.tracking_json(delivered, state.clock(), emulator_now(state))
    got = conn.get_package_tracking_details(PackageNumber=emulated.package_number(delivered))
    result = got.GetPackageTrackingDetailsResult
    assert result.PackageNumber == str(expected["packageNumber"])
    assert result.TrackingNumber == expected["trackingNumber"]
    assert result.CurrentStatus == "DELIVERED"
    assert result.SignedForBy == expected["signedForBy"]
    assert result.ShipToAddress.City == expected["shipToAddress"]["city"]
    assert [e.EventCode for e in result.TrackingEvents] == [
        e["eventCode"] for e in expected["trackingEvents"]
    ]
    assert result.TrackingEvents[-1].EventAddress.City == "Seattle"
    with pytest.raises(Exception) as caught:
        conn.get_package_tracking_details(PackageNumber=7)
    assert type(caught.value).__name__ == "InvalidParameterValue"


def test_python_amazon_mws_update_returns_and_tracking(live_gateway: LiveServer) -> None:
    api = mws.mws.OutboundShipments(
        DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url
    )
    sku = sorted(emulator(live_gateway).data.inventory)[0]
    params = {"Action": "CreateFulfillmentOrder", **create_params("PAM-H", sku)}
    params["FulfillmentAction"] = "Hold"
    assert api.make_request(params, method="POST").response.status_code == 200
    held = orders(live_gateway).orders["PAM-H"]

    updated = api.make_request(
        {
            "Action": "UpdateFulfillmentOrder",
            "SellerFulfillmentOrderId": "PAM-H",
            "DisplayableOrderComment": "Wrapped as a gift",
            "Items.member.1.SellerFulfillmentOrderItemId": "PAM-H-A",
            "Items.member.1.Quantity": "1",
        },
        method="POST",
    )
    assert updated.response.status_code == 200
    assert held.body["displayableOrderComment"] == "Wrapped as a gift"
    assert held.body["items"][0]["quantity"] == 1
    shipped = api.make_request(
        {
            "Action": "UpdateFulfillmentOrder",
            "SellerFulfillmentOrderId": "PAM-H",
            "FulfillmentAction": "Ship",
        },
        method="POST",
    )
    assert shipped.response.status_code == 200
    assert held.released is not None

    codes = api.make_request(
        {
            "Action": "ListReturnReasonCodes",
            "SellerSKU": sku,
            "MarketplaceId": "ATVPDKIKX0DER",
            "Language": "es_MX",
        }
    ).parsed
    members = as_list(codes["ReasonCodeDetailsList"]["member"])
    assert [m["ReturnReasonCode"] for m in members] == list(emulated.REASON_CODES)
    assert members[0]["TranslatedDescription"] == (emulated.TRANSLATIONS["es"]["CR-UNWANTED_ITEM"])

    emulator(live_gateway).clock.advance(2000)  # the released order ships
    order = api.make_request(
        {"Action": "GetFulfillmentOrder", "SellerFulfillmentOrderId": "PAM-H"}
    ).parsed
    shipment = order["FulfillmentShipment"]["member"]
    package = shipment["FulfillmentShipmentPackage"]["member"]["PackageNumber"]
    tracking = api.make_request(
        {"Action": "GetPackageTrackingDetails", "PackageNumber": package}
    ).parsed
    assert tracking["PackageNumber"] == str(emulated.package_number(held))
    assert tracking["CurrentStatus"] == "IN_TRANSIT"
    assert tracking["TrackingEvents"]["member"]["EventCode"] == "EVENT_102"

    returned = api.make_request(
        {
            "Action": "CreateFulfillmentReturn",
            "SellerFulfillmentOrderId": "PAM-H",
            "Items.member.1.SellerReturnItemId": "PAM-R-1",
            "Items.member.1.SellerFulfillmentOrderItemId": "PAM-H-A",
            "Items.member.1.AmazonShipmentId": shipment["AmazonShipmentId"],
            "Items.member.1.ReturnReasonCode": "CR-DEFECTIVE",
            "Items.member.1.ReturnComment": "Arrived broken",
        },
        method="POST",
    ).parsed
    item = returned["ReturnItemList"]["member"]
    assert item["SellerReturnItemId"] == "PAM-R-1"
    assert item["ReturnComment"] == "Arrived broken"
    authorization = returned["ReturnAuthorizationList"]["member"]
    assert authorization["ReturnAuthorizationId"] == item["ReturnAuthorizationId"]
    assert [r["sellerReturnItemId"] for r in held.returns] == ["PAM-R-1"]
