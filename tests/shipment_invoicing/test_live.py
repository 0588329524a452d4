"""python-amazon-mws against a live gateway for ShipmentInvoicing.

0.8.15 has no ShipmentInvoicing class (nor has boto 2.49); its ``MWS`` base class is pointed
at the section, and the invoice is sent the way the library sends a feed (``Feeds.submit_feed``:
parameters in the URL, the document as the body, its MD5 in ``Content-MD5``).
"""

from __future__ import annotations

from typing import Any

import mws
import pytest

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.shipment_invoicing import PROCESSING_SECONDS, InvoicingSettings
from tests.support.live import LiveServer

pytestmark = pytest.mark.live
BRAZIL = "A2Q3Y263D00KWC"
INVOICE = b'<?xml version="1.0" encoding="UTF-8"?><nfeProc versao="4.00"><NFe/></nfeProc>'


class ShipmentInvoicing(mws.mws.MWS):  # type: ignore[misc]
    URI = "/ShipmentInvoicing/2018-09-01"
    VERSION = "2018-09-01"


def emulator(server: LiveServer) -> Any:
    return server.app.state.emulator_app.state.emulator


def test_python_amazon_mws_details_invoice_and_status(live_gateway: LiveServer) -> None:
    api = ShipmentInvoicing(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    state = emulator(live_gateway)
    seeded = state.data.brazil_shipments[0]
    ids = {"MarketplaceId": BRAZIL, "AmazonShipmentId": seeded["AmazonShipmentId"]}

    detail = api.make_request({"Action": "GetFBAOutboundShipmentDetail", **ids}).parsed
    shipment = detail["ShipmentDetail"]
    assert shipment["AmazonOrderId"] == seeded["AmazonOrderId"]
    assert shipment["BuyerName"] == seeded["BuyerName"]
    assert shipment["ShippingAddress"]["City"] == seeded["ShippingAddress"]["City"]
    assert shipment["PaymentMethodDetails"]["PaymentMethodDetail"] == "CreditCard"
    item = shipment["ShipmentItems"]["ShipmentItem"]
    assert item["SellerSKU"] == seeded["ShipmentItems"][0]["SellerSKU"]

    sent = api.make_request(
        {"Action": "SubmitFBAOutboundShipmentInvoice", **ids},
        method="POST",
        body=INVOICE,
        extra_headers={"Content-MD5": mws.mws.calc_md5(INVOICE), "Content-Type": "text/xml"},
    )
    assert sent.response.status_code == 200
    stored = state.section("shipmentInvoicing", InvoicingSettings).invoices
    assert stored[seeded["AmazonShipmentId"]].content == INVOICE

    state.clock.advance(PROCESSING_SECONDS + 1)
    status = api.make_request({"Action": "GetFBAOutboundShipmentInvoiceStatus", **ids}).parsed
    assert status["Shipments"]["Shipment"]["AmazonShipmentId"] == seeded["AmazonShipmentId"]
    assert status["Shipments"]["Shipment"]["InvoiceStatus"] == "Accepted"

    with pytest.raises(mws.MWSError) as caught:
        api.make_request(
            {"Action": "SubmitFBAOutboundShipmentInvoice", **ids},
            method="POST",
            body=INVOICE,
            extra_headers={"Content-MD5": mws.mws.calc_md5(b"another document")},
        )
    assert "<Code>ContentMD5DoesNotMatch</Code>" in caught.value.response.text
