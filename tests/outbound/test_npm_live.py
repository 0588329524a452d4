"""A Node MWS client against a live gateway: GetPackageTrackingDetails and ListReturnReasonCodes.

The ScaleLeap client the issue names is not in the npm registry reachable here; ``amazon-mws``
0.0.27 is, and its generic ``search`` sends any FulfillmentOutboundShipment action (GET, signed
for the host without its port). Values are compared with the emulator's carrier timeline and
reason codes.
"""

from __future__ import annotations

from typing import Any

import pytest

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator import outbound as emulated
from gateway.emulator.common import emulator_now
from gateway.emulator.outbound import OutboundSettings
from tests.support.live import LiveServer
from tests.support.npm import NodeMws

pytestmark = pytest.mark.live
VERSION = "2010-10-01"


def calls(server: LiveServer, *params: dict[str, str]) -> list[dict[str, Any]]:
    """Each call's ``{"ok": parsed}`` or ``{"error": {...}}`` (the client's GET ``search``)."""
    client = NodeMws("127.0.0.1", server.port, DEMO_ACCESS_KEY, DEMO_SECRET)
    out = []
    for p in params:
        done = client.call(
            "fulfillmentOutboundShipment",
            {"Version": VERSION, "SellerId": DEMO_SELLER, **p},
            method="search",
        )
        out.append({"ok": done["response"]} if done["ok"] else {"error": done["error"]})
    return out


def test_amazon_mws_tracks_a_package_and_lists_reason_codes(
    npm_clients: None, live_gateway: LiveServer
) -> None:
    state = live_gateway.app.state.emulator_app.state.emulator
    sku = sorted(state.data.inventory)[0]
    listed, codes = calls(
        live_gateway,
        {"Action": "ListAllFulfillmentOrders", "QueryStartDateTime": "2000-01-01T00:00:00Z"},
        {
            "Action": "ListReturnReasonCodes",
            "SellerSKU": sku,
            "MarketplaceId": "ATVPDKIKX0DER",
            "Language": "fr_FR",
        },
    )
    orders = listed["ok"]["FulfillmentOrders"]["member"]
    assert "MCF-SEED-0000" in [o["SellerFulfillmentOrderId"] for o in orders]
    assert "ok" in codes, codes
    details = codes["ok"]["ReasonCodeDetailsList"]["member"]
    assert [d["ReturnReasonCode"] for d in details] == list(emulated.REASON_CODES)
    assert [d["TranslatedDescription"] for d in details] == [
        emulated.TRANSLATIONS["fr"][c] for c in emulated.REASON_CODES
    ]

    store = state.section("fbaOutbound", OutboundSettings)
    delivered = store.orders["MCF-SEED-0000"]
    number = str(emulated.package_number(delivered))
    tracked, unknown, missing = calls(
        live_gateway,
        {"Action": "GetPackageTrackingDetails", "PackageNumber": number},
        {"Action": "GetPackageTrackingDetails", "PackageNumber": "7"},
        {"Action": "ListReturnReasonCodes", "SellerSKU": sku},
    )
    expected = emulated.tracking_json(delivered, state.clock(), emulator_now(state))
    result = tracked["ok"]
    assert result["PackageNumber"] == number
    assert result["TrackingNumber"] == expected["trackingNumber"]
    assert result["CurrentStatus"] == "DELIVERED"
    assert result["AdditionalLocationInfo"] == "FRONT_DESK"
    assert result["ShipToAddress"]["City"] == expected["shipToAddress"]["city"]
    events = result["TrackingEvents"]["member"]
    assert [e["EventCode"] for e in events] == [e["eventCode"] for e in expected["trackingEvents"]]
    assert [e["EventDate"] for e in events] == [e["eventDate"] for e in expected["trackingEvents"]]
    assert (unknown["error"]["code"], unknown["error"]["status"]) == ("InvalidParameterValue", 400)
    assert missing["error"]["code"] == "MissingParameter"
