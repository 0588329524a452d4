"""python-amazon-mws against a live gateway for EasyShip.

0.8.15 has no EasyShip class; its ``MWS`` base class is pointed at the section the way the
library's later ``EasyShip`` class is (``mws/apis/easyship.py`` upstream: GET requests with
the same parameters). boto 2.49 has no EasyShip calls.
"""

from __future__ import annotations

from typing import Any

import mws
import pytest

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.easyship import EasyShipSettings
from tests.support.live import LiveServer

pytestmark = pytest.mark.live
INDIA = "A21TJRUUN4KGV"


class EasyShip(mws.mws.MWS):  # type: ignore[misc]
    URI = "/EasyShip/2018-09-01"
    VERSION = "2018-09-01"


def emulator(server: LiveServer) -> Any:
    return server.app.state.emulator_app.state.emulator


def as_list(value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]  # type: ignore[list-item]


def test_python_amazon_mws_schedules_and_moves_a_pickup(live_gateway: LiveServer) -> None:
    api = EasyShip(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    data = emulator(live_gateway).data
    pending = next(o for o in data.easy_ship_orders if o["easyShipStatus"] == "PENDING_SCHEDULE")
    slots = api.make_request(
        {
            "Action": "ListPickupSlots",
            "MarketplaceId": INDIA,
            "AmazonOrderId": pending["orderId"],
            "PackageDimensions.Width": "10",
            "PackageDimensions.Length": "20",
            "PackageDimensions.Height": "5",
            "PackageDimensions.Unit": "cm",
            "PackageWeight.Unit": "g",
            "PackageWeight.Value": "400",
        }
    ).parsed
    assert slots["AmazonOrderId"] == pending["orderId"]
    offered = as_list(slots["PickupSlotList"]["PickupSlot"])
    assert len(offered) == 6  # two pickup windows on each of three days, no drop-off
    first = offered[0]

    created = api.make_request(
        {
            "Action": "CreateScheduledPackage",
            "MarketplaceId": INDIA,
            "AmazonOrderId": pending["orderId"],
            "PackageRequestDetails.PackageDimensions.Length": "20",
            "PackageRequestDetails.PackageDimensions.Width": "10",
            "PackageRequestDetails.PackageDimensions.Height": "5",
            "PackageRequestDetails.PackageDimensions.Unit": "cm",
            "PackageRequestDetails.PackageWeight.Unit": "g",
            "PackageRequestDetails.PackageWeight.Value": "400",
            "PackageRequestDetails.PackagePickupSlot.SlotId": first["SlotId"],
            "PackageRequestDetails.PackagePickupSlot.PickupTimeStart": first["PickupTimeStart"],
            "PackageRequestDetails.PackagePickupSlot.PickupTimeEnd": first["PickupTimeEnd"],
        }
    ).parsed
    package = created["ScheduledPackage"]
    settings = emulator(live_gateway).section("easyShip", EasyShipSettings)
    stored = settings.packages[pending["orderId"]]
    assert package["ScheduledPackageId"]["PackageId"] == stored["scheduledPackageId"]["packageId"]
    assert package["PackagePickupSlot"]["SlotId"] == first["SlotId"]
    assert package["PackageWeight"]["Value"] == "400.0"
    assert package["PackageStatus"] == "ReadyForPickup"

    got = api.make_request(
        {
            "Action": "GetScheduledPackage",
            "MarketplaceId": INDIA,
            "ScheduledPackageId.AmazonOrderId": pending["orderId"],
            "ScheduledPackageId.PackageId": package["ScheduledPackageId"]["PackageId"],
        }
    ).parsed
    assert (
        got["ScheduledPackage"]["Invoice"]["InvoiceNumber"] == (stored["invoice"]["invoiceNumber"])
    )

    later = offered[2]
    lead = "ScheduledPackageUpdateDetailsList.PackageUpdateDetails.1"
    moved = api.make_request(
        {
            "Action": "UpdateScheduledPackages",
            "MarketplaceId": INDIA,
            f"{lead}.ScheduledPackageId.AmazonOrderId": pending["orderId"],
            f"{lead}.ScheduledPackageId.PackageId": package["ScheduledPackageId"]["PackageId"],
            f"{lead}.PackagePickupSlot.SlotId": later["SlotId"],
            f"{lead}.PackagePickupSlot.PickupTimeStart": later["PickupTimeStart"],
            f"{lead}.PackagePickupSlot.PickupTimeEnd": later["PickupTimeEnd"],
        }
    ).parsed
    assert (
        moved["ScheduledPackageList"]["Package"]["PackagePickupSlot"]["SlotId"] == (later["SlotId"])
    )
    assert stored["packageTimeSlot"]["slotId"] == later["SlotId"]

    with pytest.raises(mws.MWSError) as caught:
        api.make_request(
            {
                "Action": "GetScheduledPackage",
                "MarketplaceId": "ATVPDKIKX0DER",
                "ScheduledPackageId.AmazonOrderId": pending["orderId"],
            }
        )
    assert "<Code>InvalidParameterValue</Code>" in caught.value.response.text
