"""FulfillmentOutboundShipment through the demo gateway and its emulator.

Every rendered body is validated against the project's XSDs; values are compared with the
emulator's fulfillment orders.
"""

from __future__ import annotations

import pytest

from gateway.emulator.outbound import OutboundSettings, package_number, shipment_id, status_of
from tests.outbound.helpers import OUTBOUND, create_params
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, child, find_text, kids, text

pytestmark = pytest.mark.anyio


def orders_of(gw: MwsClient) -> OutboundSettings:
    state = gw.emulator.section("fbaOutbound", OutboundSettings)  # created (unseeded) if new
    assert isinstance(state, OutboundSettings)
    return state


async def test_get_seeded_complete_order(mws: MwsClient) -> None:
    # listing first seeds the emulator's store
    listed = await mws.call(
        *OUTBOUND[:1],
        "ListAllFulfillmentOrders",
        OUTBOUND[1],
        {"QueryStartDateTime": "2000-01-01T00:00:00Z"},
    )
    assert listed.status_code == 200, listed.text
    assert_valid_mws_xml(listed.content)
    response = await mws.call(
        OUTBOUND[0],
        "GetFulfillmentOrder",
        OUTBOUND[1],
        {"SellerFulfillmentOrderId": "MCF-SEED-0001"},
    )
    assert response.status_code == 200, response.text
    root = assert_valid_mws_xml(response.content)
    result = child(root, "GetFulfillmentOrderResult")
    order = child(result, "FulfillmentOrder")
    seeded = orders_of(mws).orders["MCF-SEED-0001"]
    assert text(order, "SellerFulfillmentOrderId") == "MCF-SEED-0001"
    assert text(order, "DisplayableOrderId") == seeded.body["displayableOrderId"]
    assert text(order, "FulfillmentOrderStatus") == "COMPLETE"
    assert text(order, "DestinationAddress/StateOrProvinceCode") == "WA"
    assert (
        text(order, "DestinationAddress/Line1") == seeded.body["destinationAddress"]["addressLine1"]
    )
    assert [m.text for m in kids(child(order, "NotificationEmailList"), "member")] == [
        "customer1@example.com"
    ]
    items = kids(child(result, "FulfillmentOrderItem"), "member")
    assert len(items) == 1
    assert text(items[0], "SellerSKU") == seeded.body["items"][0]["sellerSku"]
    assert text(items[0], "Quantity") == "2"
    assert text(items[0], "PerUnitDeclaredValue/Value") == "19.99"
    assert text(items[0], "PerUnitDeclaredValue/CurrencyCode") == "USD"
    shipments = kids(child(result, "FulfillmentShipment"), "member")
    assert text(shipments[0], "FulfillmentShipmentStatus") == "SHIPPED"
    package = kids(child(shipments[0], "FulfillmentShipmentPackage"), "member")[0]
    assert text(package, "CarrierCode") == "UPS"
    assert text(package, "PackageNumber") == str(package_number(seeded))
    assert text(shipments[0], "AmazonShipmentId") == shipment_id(seeded)


async def test_unknown_order_is_invalid_parameter(mws: MwsClient) -> None:
    response = await mws.call(
        OUTBOUND[0], "GetFulfillmentOrder", OUTBOUND[1], {"SellerFulfillmentOrderId": "NOPE-1"}
    )
    assert response.status_code == 400
    root = assert_valid_mws_xml(response.content)
    assert find_text(root, "Error/Code") == "InvalidParameterValue"
    missing = await mws.call(OUTBOUND[0], "GetFulfillmentOrder", OUTBOUND[1], {})
    assert missing.status_code == 400
    assert find_text(assert_valid_mws_xml(missing.content), "Error/Code") == "MissingParameter"


async def test_create_get_cancel_round_trip(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.inventory)[0]
    created = await mws.call(
        OUTBOUND[0],
        "CreateFulfillmentOrder",
        OUTBOUND[1],
        create_params("RT-1", sku),
        method="POST",
        in_body=True,
    )
    assert created.status_code == 200, created.text
    root = assert_valid_mws_xml(created.content)
    assert kids(root, "CreateFulfillmentOrderResult") == []
    stored = orders_of(mws).orders["RT-1"]
    assert stored.body["destinationAddress"]["stateOrRegion"] == "OR"
    assert stored.body["items"][0] == {
        "sellerSku": sku,
        "sellerFulfillmentOrderItemId": "RT-1-A",
        "quantity": 2,
        "giftMessage": "Enjoy",
        "perUnitDeclaredValue": {"currencyCode": "USD", "value": "12.50"},
    }
    assert stored.body["notificationEmails"] == ["ada@example.com", "ops@example.com"]
    assert stored.body["displayableOrderDate"] == "2026-11-20T10:00:00.000Z"

    got = await mws.call(
        OUTBOUND[0], "GetFulfillmentOrder", OUTBOUND[1], {"SellerFulfillmentOrderId": "RT-1"}
    )
    order = child(assert_valid_mws_xml(got.content), "GetFulfillmentOrderResult/FulfillmentOrder")
    assert text(order, "FulfillmentOrderStatus") == "RECEIVED"
    assert text(order, "FulfillmentPolicy") == "FillAll"
    assert text(order, "ShippingSpeedCategory") == "Expedited"

    # the same SellerFulfillmentOrderId again: refused, still one order
    again = await mws.call(
        OUTBOUND[0],
        "CreateFulfillmentOrder",
        OUTBOUND[1],
        create_params("RT-1", sku),
        method="POST",
        in_body=True,
    )
    assert again.status_code == 400
    err = assert_valid_mws_xml(again.content)
    assert find_text(err, "Error/Code") == "InvalidParameterValue"
    assert find_text(err, "Error/Message") == (
        "Value RT-1 for parameter SellerFulfillmentOrderId is invalid. Reason: Duplicate."
    )
    assert sum(1 for k in orders_of(mws).orders if k == "RT-1") == 1
    assert mws.emulator.calls["fbaOutbound.createFulfillmentOrder"] == 2

    cancelled = await mws.call(
        OUTBOUND[0],
        "CancelFulfillmentOrder",
        OUTBOUND[1],
        {"SellerFulfillmentOrderId": "RT-1"},
        method="POST",
    )
    assert cancelled.status_code == 200, cancelled.text
    assert_valid_mws_xml(cancelled.content)
    assert status_of(stored, mws.emulator.clock())[0] == "Cancelled"
    got = await mws.call(
        OUTBOUND[0], "GetFulfillmentOrder", OUTBOUND[1], {"SellerFulfillmentOrderId": "RT-1"}
    )
    result = child(assert_valid_mws_xml(got.content), "GetFulfillmentOrderResult")
    assert text(result, "FulfillmentOrder/FulfillmentOrderStatus") == "CANCELLED"
    assert (
        text(kids(child(result, "FulfillmentOrderItem"), "member")[0], "CancelledQuantity") == "2"
    )


async def test_status_progression_and_late_cancel(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.inventory)[1]
    params = create_params("PROG-1", sku, boto_items=True)  # boto's Items.N.Field spelling
    created = await mws.call(
        OUTBOUND[0], "CreateFulfillmentOrder", OUTBOUND[1], params, method="POST"
    )
    assert created.status_code == 200, created.text
    assert orders_of(mws).orders["PROG-1"].body["items"][0]["sellerSku"] == sku
    seen = []
    for step in (0, 120, 400, 2000):
        mws.emulator.clock.advance(step)
        got = await mws.call(
            OUTBOUND[0], "GetFulfillmentOrder", OUTBOUND[1], {"SellerFulfillmentOrderId": "PROG-1"}
        )
        root = assert_valid_mws_xml(got.content)
        seen.append(text(root, "GetFulfillmentOrderResult/FulfillmentOrder/FulfillmentOrderStatus"))
    assert seen == ["RECEIVED", "PLANNING", "PROCESSING", "COMPLETE"]
    late = await mws.call(
        OUTBOUND[0], "CancelFulfillmentOrder", OUTBOUND[1], {"SellerFulfillmentOrderId": "PROG-1"}
    )
    assert late.status_code == 400
    assert find_text(assert_valid_mws_xml(late.content), "Error/Code") == "InvalidParameterValue"


async def test_create_validation(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.inventory)[0]
    params = create_params("BAD-1", sku)
    del params["DestinationAddress.Line1"]
    response = await mws.call(OUTBOUND[0], "CreateFulfillmentOrder", OUTBOUND[1], params)
    assert response.status_code == 400
    root = assert_valid_mws_xml(response.content)
    assert find_text(root, "Error/Code") == "MissingParameter"
    assert "DestinationAddress.Line1" in (find_text(root, "Error/Message") or "")

    params = create_params("BAD-2", "NO-SUCH-SKU")
    response = await mws.call(OUTBOUND[0], "CreateFulfillmentOrder", OUTBOUND[1], params)
    assert response.status_code == 400
    root = assert_valid_mws_xml(response.content)
    assert find_text(root, "Error/Code") == "InvalidParameterValue"
    assert "BAD-2-A" in (find_text(root, "Error/Message") or "")
    assert "BAD-2" not in orders_of(mws).orders

    params = create_params("BAD-3", sku)
    params["ShippingSpeedCategory"] = "Teleport"
    response = await mws.call(OUTBOUND[0], "CreateFulfillmentOrder", OUTBOUND[1], params)
    assert response.status_code == 400
    assert mws.emulator.calls["fbaOutbound.createFulfillmentOrder"] == 1  # refused locally


async def test_list_paging_and_tampered_token(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.inventory)[0]
    for n in range(4):
        r = await mws.call(
            OUTBOUND[0], "CreateFulfillmentOrder", OUTBOUND[1], create_params(f"PAGE-{n}", sku)
        )
        assert r.status_code == 200, r.text
    orders_of(mws).page_size = 2
    response = await mws.call(
        OUTBOUND[0],
        "ListAllFulfillmentOrders",
        OUTBOUND[1],
        {"QueryStartDateTime": "2000-01-01T00:00:00Z"},
    )
    root = assert_valid_mws_xml(response.content)
    result = child(root, "ListAllFulfillmentOrdersResult")
    ids = [
        text(m, "SellerFulfillmentOrderId")
        for m in kids(child(result, "FulfillmentOrders"), "member")
    ]
    token = find_text(result, "NextToken")
    pages = 1
    while token:
        page = await mws.call(
            OUTBOUND[0],
            "ListAllFulfillmentOrdersByNextToken",
            OUTBOUND[1],
            {"NextToken": token},
            method="POST",
        )
        assert page.status_code == 200, page.text
        proot = assert_valid_mws_xml(page.content)
        presult = child(proot, "ListAllFulfillmentOrdersByNextTokenResult")
        ids += [
            text(m, "SellerFulfillmentOrderId")
            for m in kids(child(presult, "FulfillmentOrders"), "member")
        ]
        token = find_text(presult, "NextToken")
        pages += 1
    assert sorted(ids) == sorted(orders_of(mws).orders)
    assert pages == 4  # 4 seeded + 4 created, 2 per page

    first = find_text(result, "NextToken") or ""
    tampered = first[:-2] + ("AA" if first[-2:] != "AA" else "BB")
    bad = await mws.call(
        OUTBOUND[0], "ListAllFulfillmentOrdersByNextToken", OUTBOUND[1], {"NextToken": tampered}
    )
    assert bad.status_code == 400
    assert find_text(assert_valid_mws_xml(bad.content), "Error/Code") == "NextTokenCorrupted"


async def test_default_window_and_removal_refused(mws: MwsClient) -> None:
    response = await mws.call(OUTBOUND[0], "ListAllFulfillmentOrders", OUTBOUND[1], {})
    root = assert_valid_mws_xml(response.content)
    members = kids(child(root, "ListAllFulfillmentOrdersResult/FulfillmentOrders"), "member")
    # every seeded order updated within the last 36 hours: not the one delivered days ago
    recent = set(orders_of(mws).orders) - {"MCF-SEED-0000"}
    assert {text(m, "SellerFulfillmentOrderId") for m in members} == recent
    refused = await mws.call(
        OUTBOUND[0],
        "ListAllFulfillmentOrders",
        OUTBOUND[1],
        {"FulfillmentMethod.member.1": "Removal"},
    )
    assert refused.status_code == 400
    assert find_text(assert_valid_mws_xml(refused.content), "Error/Code") == "InvalidParameterValue"


async def test_create_is_never_retried_upstream(mws: MwsClient) -> None:
    """A lost answer to the POST is not retried by the gateway; the client's own retry with
    the same SellerFulfillmentOrderId is answered Duplicate, and one order exists."""
    from gateway.emulator.config import FaultSpec

    sku = sorted(mws.emulator.data.inventory)[0]
    mws.emulator.faults["fbaOutbound.createFulfillmentOrder"] = FaultSpec(
        error_rate=1.0, error_status=500, remaining=1
    )
    failed = await mws.call(
        *OUTBOUND[:1], "CreateFulfillmentOrder", OUTBOUND[1], create_params("NR-1", sku)
    )
    assert failed.status_code == 503
    assert find_text(assert_valid_mws_xml(failed.content), "Error/Code") == "ServiceUnavailable"
    assert mws.emulator.calls["fbaOutbound.createFulfillmentOrder"] == 1
    assert "NR-1" not in orders_of(mws).orders

    # the order is stored upstream but the answer is cut off on the way back
    mws.emulator.faults["fbaOutbound.createFulfillmentOrder"] = FaultSpec(
        truncate_rate=1.0, remaining=1
    )
    lost = await mws.call(
        *OUTBOUND[:1], "CreateFulfillmentOrder", OUTBOUND[1], create_params("NR-2", sku)
    )
    assert lost.status_code in (500, 503)
    assert_valid_mws_xml(lost.content)
    assert mws.emulator.calls["fbaOutbound.createFulfillmentOrder"] == 2
    assert "NR-2" in orders_of(mws).orders

    retried = await mws.call(
        *OUTBOUND[:1], "CreateFulfillmentOrder", OUTBOUND[1], create_params("NR-2", sku)
    )
    assert retried.status_code == 400
    assert "Reason: Duplicate" in (
        find_text(assert_valid_mws_xml(retried.content), "Error/Message") or ""
    )
    assert mws.emulator.calls["fbaOutbound.createFulfillmentOrder"] == 3
    assert list(orders_of(mws).orders).count("NR-2") == 1


async def test_expired_upstream_token_is_next_token_corrupted(mws: MwsClient) -> None:
    """A well-formed gateway token whose SP-API token SP-API refuses (expired)."""
    from gateway.config import DEMO_SELLER
    from gateway.translate.engine.nexttoken import TokenCodec

    key = mws.app.state.services.settings.token_key
    state = {"q": {"queryStartDate": "2000-01-01T00:00:00.000Z"}, "p": "expired", "u": DEMO_SELLER}
    token = TokenCodec(key).encode("outbound.orders", state)
    response = await mws.call(
        *OUTBOUND[:1], "ListAllFulfillmentOrdersByNextToken", OUTBOUND[1], {"NextToken": token}
    )
    assert response.status_code == 400
    assert find_text(assert_valid_mws_xml(response.content), "Error/Code") == "NextTokenCorrupted"
    assert mws.emulator.calls["fbaOutbound.listAllFulfillmentOrders"] == 1
