"""A real legacy client against a live gateway. Neither boto 2.49.0 nor python-amazon-mws
0.8.15 has MerchantFulfillment calls, so python-amazon-mws's ``MWS`` base class is pointed at
the section the way a legacy integrator subclassed it."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import mws
import pytest

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.mfn import MfnSettings
from tests.mfn.helpers import details_params, merchant_order
from tests.support.live import LiveServer

pytestmark = pytest.mark.live


class MerchantFulfillment(mws.mws.MWS):  # type: ignore[misc]
    URI = "/MerchantFulfillment/2015-06-01"
    VERSION = "2015-06-01"


def emulator(server: LiveServer) -> Any:
    return server.app.state.emulator_app.state.emulator


def shipments(server: LiveServer) -> MfnSettings:
    found = emulator(server).section("mfn", MfnSettings)
    assert isinstance(found, MfnSettings)
    return found


def test_python_amazon_mws_base_class(live_gateway: LiveServer) -> None:
    api = MerchantFulfillment(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    order = merchant_order(emulator(live_gateway).data)
    params = details_params(order)
    eligible = api.make_request(
        {"Action": "GetEligibleShippingServices", **params}, method="POST"
    ).parsed
    services = eligible["ShippingServiceList"]["ShippingService"]
    assert [s["ShippingServiceId"] for s in services] == [
        "UPS_PTP_GND",
        "USPS_PTP_PRI",
        "FEDEX_PTP_TWO_DAY",
    ]
    offer = services[2]["ShippingServiceOfferId"]
    address = {k.split(".", 1)[1]: v for k, v in params.items() if ".ShipFromAddress." in k}
    inputs = api.make_request(
        {
            "Action": "GetAdditionalSellerInputs",
            "OrderId": order["orderId"],
            "ShippingServiceId": "FEDEX_PTP_TWO_DAY",
            **address,
        },
        method="POST",
    ).parsed
    field = inputs["ShipmentLevelFields"]["member"]
    assert field["AdditionalInputFieldName"] == "NON_DELIVERABLE_INSTRUCTIONS"

    created = api.make_request(
        {
            "Action": "CreateShipment",
            "ShippingServiceId": "FEDEX_PTP_TWO_DAY",
            "ShippingServiceOfferId": offer,
            **params,
        },
        method="POST",
    ).parsed["Shipment"]
    shipment_id = created["ShipmentId"]
    assert list(shipments(live_gateway).shipments) == [shipment_id]
    contents = created["Label"]["FileContents"]["Contents"]
    assert gzip.decompress(base64.b64decode(contents)).startswith(b"%PDF")

    got = api.make_request({"Action": "GetShipment", "ShipmentId": shipment_id}).parsed
    assert got["Shipment"]["ShippingService"]["CarrierName"] == "FEDEX"
    assert got["Shipment"]["AmazonOrderId"] == order["orderId"]
    cancelled = api.make_request(
        {"Action": "CancelShipment", "ShipmentId": shipment_id}, method="POST"
    ).parsed
    assert cancelled["Shipment"]["Status"] == "RefundPending"
    with pytest.raises(mws.MWSError) as caught:
        api.make_request({"Action": "CancelShipment", "ShipmentId": shipment_id}, method="POST")
    assert "InvalidParameterValue" in caught.value.response.text
