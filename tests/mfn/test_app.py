"""MerchantFulfillment through the demo gateway and its emulator.

Every rendered body is validated against the project's XSDs; values are compared with the
emulator's seeded orders and stored shipments.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import xml.etree.ElementTree as ET

import pytest

from gateway.emulator.config import FaultSpec
from gateway.emulator.mfn import MfnSettings
from tests.conftest import AuditCapture
from tests.mfn.helpers import MFN, details_params, merchant_order
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, child, find_text, kids, strip_ns, text

pytestmark = pytest.mark.anyio


def shipments_of(gw: MwsClient) -> MfnSettings:
    state = gw.emulator.section("mfn", MfnSettings)
    assert isinstance(state, MfnSettings)
    return state


async def call(gw: MwsClient, action: str, params: dict[str, str]) -> ET.Element:
    response = await gw.call(MFN[0], action, MFN[1], params)
    assert response.status_code == 200, response.text
    return assert_valid_mws_xml(response.content)


async def test_eligible_services_from_seeded_order(mws: MwsClient) -> None:
    order = merchant_order(mws.emulator.data)
    root = await call(mws, "GetEligibleShippingServices", details_params(order))
    services = kids(
        child(root, "GetEligibleShippingServicesResult/ShippingServiceList"), "ShippingService"
    )
    assert [text(s, "ShippingServiceId") for s in services] == [
        "UPS_PTP_GND",
        "USPS_PTP_PRI",
        "FEDEX_PTP_TWO_DAY",
    ]
    assert text(services[0], "Rate/Amount") == "8.6"
    assert text(services[0], "Rate/CurrencyCode") == "USD"
    assert text(services[0], "ShippingServiceOptions/CarrierWillPickUp") == "false"
    assert text(services[0], "RequiresAdditionalSellerInputs") == "false"
    # grams are sent upstream as g: 283.5 g is about 10 oz
    grams = await call(
        mws, "GetEligibleShippingServices", details_params(order, weight="1000", unit="grams")
    )
    rate = text(
        child(grams, "GetEligibleShippingServicesResult/ShippingServiceList"),
        "ShippingService/Rate/Amount",
    )
    assert rate == "11.63"  # 7.40 + 35.274 oz * 0.12


async def test_buy_get_cancel_shipment(mws: MwsClient) -> None:
    order = merchant_order(mws.emulator.data)
    params = details_params(order)
    params["ShippingServiceId"] = "USPS_PTP_PRI"
    root = await call(mws, "CreateShipment", params)
    shipment = child(root, "CreateShipmentResult/Shipment")
    shipment_id = text(shipment, "ShipmentId")
    stored = shipments_of(mws).shipments[shipment_id]
    assert len(shipments_of(mws).shipments) == 1
    assert text(shipment, "AmazonOrderId") == order["orderId"]
    assert text(shipment, "SellerOrderId") == "SO-1"
    assert text(shipment, "Status") == "Purchased"
    assert text(shipment, "Weight/Unit") == "ounces"
    assert text(shipment, "ShippingService/CarrierName") == "USPS"
    assert text(shipment, "ShipToAddress/PostalCode") == stored["ShipToAddress"]["PostalCode"]
    items = kids(child(shipment, "ItemList"), "Item")
    assert [text(i, "OrderItemId") for i in items] == [
        i["orderItemId"] for i in order["orderItems"]
    ]
    contents = child(shipment, "Label/FileContents")
    document = gzip.decompress(base64.b64decode(text(contents, "Contents")))
    assert document.startswith(b"%PDF")
    assert text(contents, "Checksum") == base64.b64encode(hashlib.md5(document).digest()).decode()

    got = await call(mws, "GetShipment", {"ShipmentId": shipment_id})
    assert text(got, "GetShipmentResult/Shipment/TrackingId") == stored["TrackingId"]
    cancelled = await call(mws, "CancelShipment", {"ShipmentId": shipment_id})
    assert text(cancelled, "CancelShipmentResult/Shipment/Status") == "RefundPending"
    assert stored["Status"] == "RefundPending"
    again = await mws.call(MFN[0], "CancelShipment", MFN[1], {"ShipmentId": shipment_id})
    assert again.status_code == 400
    assert find_text(assert_valid_mws_xml(again.content), "Error/Code") == "InvalidParameterValue"
    unknown = await mws.call(MFN[0], "GetShipment", MFN[1], {"ShipmentId": "nope"})
    assert unknown.status_code == 400
    assert find_text(assert_valid_mws_xml(unknown.content), "Error/Code") == "InvalidParameterValue"


async def test_create_shipment_sent_once_on_upstream_failure(mws: MwsClient) -> None:
    order = merchant_order(mws.emulator.data)
    params = details_params(order)
    params["ShippingServiceId"] = "UPS_PTP_GND"
    op = "merchantFulfillmentV0.createShipment"
    mws.emulator.faults[op] = FaultSpec(error_rate=1.0, error_status=500, remaining=1)
    failed = await mws.call(MFN[0], "CreateShipment", MFN[1], params)
    assert failed.status_code == 503
    assert find_text(assert_valid_mws_xml(failed.content), "Error/Code") == "ServiceUnavailable"
    assert mws.emulator.calls[op] == 1
    assert not shipments_of(mws).shipments
    # the label is bought upstream but the answer is cut off: still one call, one shipment
    mws.emulator.faults[op] = FaultSpec(truncate_rate=1.0, remaining=1)
    lost = await mws.call(MFN[0], "CreateShipment", MFN[1], params)
    assert lost.status_code in (500, 503)
    assert_valid_mws_xml(lost.content)
    assert mws.emulator.calls[op] == 2
    assert len(shipments_of(mws).shipments) == 1


async def test_invalid_requests(mws: MwsClient) -> None:
    order = merchant_order(mws.emulator.data)
    params = details_params(order)
    del params["ShipmentRequestDetails.ShipFromAddress.Email"]
    missing = await mws.call(MFN[0], "GetEligibleShippingServices", MFN[1], params)
    assert missing.status_code == 400
    root = assert_valid_mws_xml(missing.content)
    assert find_text(root, "Error/Code") == "MissingParameter"
    params = details_params(order, unit="pounds")
    bad = await mws.call(MFN[0], "GetEligibleShippingServices", MFN[1], params)
    assert find_text(assert_valid_mws_xml(bad.content), "Error/Code") == "InvalidParameterValue"
    params = details_params(order)
    params["ShipmentRequestDetails.ItemList.Item.1.Quantity"] = "99"
    upstream = await mws.call(MFN[0], "GetEligibleShippingServices", MFN[1], params)
    assert upstream.status_code == 400
    assert_valid_mws_xml(upstream.content)
    no_service = await mws.call(MFN[0], "CreateShipment", MFN[1], details_params(order))
    assert find_text(assert_valid_mws_xml(no_service.content), "Error/Code") == "MissingParameter"
    assert not shipments_of(mws).shipments


async def test_additional_seller_inputs(mws: MwsClient) -> None:
    order = merchant_order(mws.emulator.data)
    address = {
        k.replace("ShipmentRequestDetails.", ""): v
        for k, v in details_params(order).items()
        if ".ShipFromAddress." in k
    }
    params = {"OrderId": order["orderId"], "ShippingServiceId": "FEDEX_PTP_TWO_DAY", **address}
    root = await call(mws, "GetAdditionalSellerInputs", params)
    result = child(root, "GetAdditionalSellerInputsResult")
    field = kids(child(result, "ShipmentLevelFields"), "member")[0]
    assert text(field, "AdditionalInputFieldName") == "NON_DELIVERABLE_INSTRUCTIONS"
    definition = child(field, "SellerInputDefinition")
    assert text(definition, "IsRequired") == "false"
    assert text(definition, "InputTarget") == "SHIPMENT_LEVEL"
    assert text(definition, "StoredValue/DataType") == "String"
    assert [m.text for m in kids(child(definition, "RestrictedSetValues"), "member")] == [
        "RETURN_TO_SENDER",
        "ABANDON",
    ]
    asins = sorted({i["product"]["asin"] for i in order["orderItems"]})
    items = kids(child(result, "ItemLevelFieldsList"), "member")
    assert [text(i, "Asin") for i in items] == asins
    assert text(items[0], "AdditionalInputs/member/SellerInputDefinition/IsRequired") == "true"

    params["ShippingServiceId"] = "UPS_PTP_GND"
    nothing = child(
        await call(mws, "GetAdditionalSellerInputs", params), "GetAdditionalSellerInputsResult"
    )
    assert [strip_ns(c.tag) for c in nothing] == ["ShipmentLevelFields", "ItemLevelFieldsList"]
    assert all(len(c) == 0 for c in nothing)
    del params["ShipFromAddress.Phone"]
    missing = await mws.call(MFN[0], "GetAdditionalSellerInputs", MFN[1], params)
    assert find_text(assert_valid_mws_xml(missing.content), "Error/Code") == "MissingParameter"


async def test_buyer_address_and_label_stay_out_of_the_logs(
    mws: MwsClient, audit_log: AuditCapture
) -> None:
    order = merchant_order(mws.emulator.data)
    params = details_params(order)
    params["ShippingServiceId"] = "UPS_PTP_GND"
    root = await call(mws, "CreateShipment", params)
    shipment = child(root, "CreateShipmentResult/Shipment")
    address = order["recipient"]["deliveryAddress"]
    assert text(shipment, "ShipToAddress/Name") == address["name"]
    await call(mws, "GetShipment", {"ShipmentId": text(shipment, "ShipmentId")})
    log = audit_log.text
    assert [c["action"] for c in audit_log.calls()] == ["CreateShipment", "GetShipment"]
    for secret in (
        address["name"],
        address["addressLine1"],
        address["phone"],
        order["buyer"]["buyerEmail"],
        text(shipment, "Label/FileContents/Contents"),
    ):
        assert secret not in log
