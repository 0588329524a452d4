"""MWS EasyShip through the demo gateway and its Easy Ship emulator (seeded India orders).

Every rendered body is validated against the project's XSDs; values are compared with the
emulator's orders, offered slots and stored packages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from gateway.emulator import easyship as emulated
from gateway.emulator.common import emulator_now
from gateway.emulator.config import FaultSpec
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

pytestmark = pytest.mark.anyio

EASY_SHIP = ("/EasyShip/2018-09-01", "2018-09-01")
INDIA = "A21TJRUUN4KGV"


async def call(
    gw: MwsClient, action: str, params: dict[str, str], *, status: int = 200
) -> ET.Element:
    response = await gw.call(
        EASY_SHIP[0], action, EASY_SHIP[1], params, method="POST", in_body=True
    )
    assert response.status_code == status, response.text
    return assert_valid_mws_xml(response.content)


def order(gw: MwsClient, status: str, nth: int = 0) -> dict[str, Any]:
    found = [o for o in gw.emulator.data.easy_ship_orders if o["easyShipStatus"] == status]
    return found[nth]  # type: ignore[no-any-return]


def settings(gw: MwsClient) -> emulated.EasyShipSettings:
    found = gw.emulator.section("easyShip", emulated.EasyShipSettings)
    assert isinstance(found, emulated.EasyShipSettings)
    return found


def slot_params(order_id: str) -> dict[str, str]:
    return {
        "MarketplaceId": INDIA,
        "AmazonOrderId": order_id,
        "PackageDimensions.Length": "30",
        "PackageDimensions.Width": "20.5",
        "PackageDimensions.Height": "10",
        "PackageDimensions.Unit": "cm",
        "PackageDimensions.Name": "Carton M",
        "PackageWeight.Value": "1250",
        "PackageWeight.Unit": "g",
    }


def kids(node: ET.Element, path: str) -> list[ET.Element]:
    parent = node
    for part in path.split("/"):
        parent = next(c for c in parent if c.tag.endswith("}" + part))
    return list(parent)


async def pickup_slots(gw: MwsClient, order_id: str) -> list[ET.Element]:
    root = await call(gw, "ListPickupSlots", slot_params(order_id))
    assert find_text(root, "ListPickupSlotsResult/AmazonOrderId") == order_id
    return kids(root, "ListPickupSlotsResult/PickupSlotList")


async def test_slots_schedule_get_and_move_a_package(mws: MwsClient) -> None:
    pending = order(mws, "PENDING_SCHEDULE")
    slots = await pickup_slots(mws, pending["orderId"])
    offered = emulated.handover_slots(pending, emulator_now(mws.emulator))
    pickups = [s for s in offered if s["handoverMethod"] == "PICKUP"]
    assert [find_text(s, "SlotId") for s in slots] == [s["slotId"] for s in pickups]
    assert len(pickups) < len(offered)  # the drop-off slot is not offered to MWS clients
    assert [find_text(s, "PickupTimeStart") for s in slots] == [s["startTime"] for s in pickups]
    assert settings(mws).measured[pending["orderId"]][1] == {"value": 1250.0, "unit": "g"}

    item = pending["orderItems"][0]["orderItemId"]
    created = await call(
        mws,
        "CreateScheduledPackage",
        {
            "AmazonOrderId": pending["orderId"],
            "MarketplaceId": INDIA,
            "PackageRequestDetails.PackagePickupSlot.SlotId": pickups[0]["slotId"],
            "PackageRequestDetails.PackagePickupSlot.PickupTimeStart": pickups[0]["startTime"],
            "PackageRequestDetails.PackagePickupSlot.PickupTimeEnd": pickups[0]["endTime"],
            "PackageRequestDetails.PackageIdentifier": "Box-7",
            "PackageRequestDetails.PackageItemList.Item.1.OrderItemId": item,
        },
    )
    stored = settings(mws).packages[pending["orderId"]]
    package = "CreateScheduledPackageResult/ScheduledPackage"
    assert find_text(created, f"{package}/ScheduledPackageId/AmazonOrderId") == pending["orderId"]
    package_id = find_text(created, f"{package}/ScheduledPackageId/PackageId")
    assert package_id == stored["scheduledPackageId"]["packageId"]
    assert find_text(created, f"{package}/PackageDimensions/Length") == "30.0"
    assert find_text(created, f"{package}/PackageDimensions/Width") == "20.5"
    assert find_text(created, f"{package}/PackageDimensions/Name") == "Carton M"
    assert find_text(created, f"{package}/PackageWeight/Value") == "1250.0"
    assert find_text(created, f"{package}/PackageWeight/Unit") == "g"
    assert find_text(created, f"{package}/PackageItemList/Item/OrderItemId") == item
    assert find_text(created, f"{package}/PackagePickupSlot/SlotId") == pickups[0]["slotId"]
    assert find_text(created, f"{package}/PackageIdentifier") == "Box-7"
    assert (
        find_text(created, f"{package}/Invoice/InvoiceNumber")
        == (stored["invoice"]["invoiceNumber"])
    )
    assert find_text(created, f"{package}/PackageStatus") == "ReadyForPickup"
    assert pending["easyShipStatus"] == "PENDING_PICK_UP"

    got = await call(
        mws,
        "GetScheduledPackage",
        {
            "MarketplaceId": INDIA,
            "ScheduledPackageId.AmazonOrderId": pending["orderId"],
            "ScheduledPackageId.PackageId": str(package_id),
        },
    )
    assert find_text(got, "GetScheduledPackageResult/ScheduledPackage/PackageIdentifier") == (
        "Box-7"
    )

    lead = "ScheduledPackageUpdateDetailsList.PackageUpdateDetails.1"
    moved = await call(
        mws,
        "UpdateScheduledPackages",
        {
            "MarketplaceId": INDIA,
            f"{lead}.ScheduledPackageId.AmazonOrderId": pending["orderId"],
            f"{lead}.ScheduledPackageId.PackageId": str(package_id),
            f"{lead}.PackagePickupSlot.SlotId": pickups[3]["slotId"],
        },
    )
    listed = kids(moved, "UpdateScheduledPackagesResult/ScheduledPackageList")
    assert len(listed) == 1
    assert find_text(listed[0], "PackagePickupSlot/SlotId") == pickups[3]["slotId"]
    assert stored["packageTimeSlot"]["slotId"] == pickups[3]["slotId"]


async def test_the_seeded_package_and_handed_over_orders(mws: MwsClient) -> None:
    scheduled = order(mws, "PENDING_PICK_UP")
    got = await call(
        mws,
        "GetScheduledPackage",
        {"MarketplaceId": INDIA, "ScheduledPackageId.AmazonOrderId": scheduled["orderId"]},
    )
    package = settings(mws).packages[scheduled["orderId"]]
    assert (
        find_text(got, "GetScheduledPackageResult/ScheduledPackage/PackagePickupSlot/SlotId")
        == (package["packageTimeSlot"]["slotId"])
    )
    picked = order(mws, "PICKED_UP")
    root = await call(mws, "ListPickupSlots", slot_params(picked["orderId"]), status=400)
    assert find_text(root, "Error/Code") == "InvalidOrderState"
    lead = "ScheduledPackageUpdateDetailsList.PackageUpdateDetails.1"
    root = await call(
        mws,
        "UpdateScheduledPackages",
        {
            "MarketplaceId": INDIA,
            f"{lead}.ScheduledPackageId.AmazonOrderId": picked["orderId"],
            f"{lead}.PackagePickupSlot.SlotId": "whatever",
        },
        status=400,
    )
    assert find_text(root, "Error/Code") == "InvalidOrderState"


async def test_easy_ship_errors_answer_with_the_sections_codes(mws: MwsClient) -> None:
    pending = order(mws, "PENDING_SCHEDULE", 1)
    create = {
        "AmazonOrderId": pending["orderId"],
        "MarketplaceId": INDIA,
        "PackageRequestDetails.PackagePickupSlot.SlotId": "not-offered",
    }
    root = await call(mws, "CreateScheduledPackage", create, status=400)
    assert find_text(root, "Error/Code") == "PickupSlotNotAvailable"
    scheduled = order(mws, "PENDING_PICK_UP")
    root = await call(
        mws, "CreateScheduledPackage", {**create, "AmazonOrderId": scheduled["orderId"]}, status=400
    )
    assert find_text(root, "Error/Code") == "ScheduledPackageAlreadyExists"
    for params in (
        {"MarketplaceId": INDIA, "ScheduledPackageId.AmazonOrderId": "408-0000000-0000000"},
        {"MarketplaceId": INDIA, "ScheduledPackageId.AmazonOrderId": pending["orderId"]},
        {
            "MarketplaceId": INDIA,
            "ScheduledPackageId.AmazonOrderId": scheduled["orderId"],
            "ScheduledPackageId.PackageId": "some-other-package",
        },
    ):
        root = await call(mws, "GetScheduledPackage", params, status=400)
        assert find_text(root, "Error/Code") == "ResourceNotFound", params


async def test_bad_input_is_refused_before_any_call(mws: MwsClient) -> None:
    pending = order(mws, "PENDING_SCHEDULE")
    for params, code in (
        (
            {**slot_params(pending["orderId"]), "MarketplaceId": "ATVPDKIKX0DER"},
            "InvalidParameterValue",
        ),
        ({**slot_params(pending["orderId"]), "PackageWeight.Unit": "kg"}, "InvalidParameterValue"),
        ({"MarketplaceId": INDIA, "AmazonOrderId": pending["orderId"]}, "MissingParameter"),
    ):
        root = await call(mws, "ListPickupSlots", params, status=400)
        assert find_text(root, "Error/Code") == code, params
    root = await call(mws, "GetScheduledPackage", {"MarketplaceId": INDIA}, status=400)
    assert find_text(root, "Error/Code") == "MissingParameter"
    two: dict[str, str] = {"MarketplaceId": INDIA}
    for n in (1, 2):
        lead = f"ScheduledPackageUpdateDetailsList.PackageUpdateDetails.{n}"
        two[f"{lead}.ScheduledPackageId.AmazonOrderId"] = pending["orderId"]
        two[f"{lead}.PackagePickupSlot.SlotId"] = "x"
    root = await call(mws, "UpdateScheduledPackages", two, status=400)
    assert find_text(root, "Error/Code") == "InvalidParameterValue"
    assert not any(k.startswith("easyShip.") for k in mws.emulator.calls)


async def test_scheduling_is_not_retried_but_listing_is(mws: MwsClient) -> None:
    pending = order(mws, "PENDING_SCHEDULE")
    faults = mws.emulator.faults
    faults["easyShip.listHandoverSlots"] = FaultSpec(error_rate=1.0, error_status=503, remaining=1)
    slots = await pickup_slots(mws, pending["orderId"])
    assert mws.emulator.calls["easyShip.listHandoverSlots"] == 2
    faults["easyShip.createScheduledPackage"] = FaultSpec(
        error_rate=1.0, error_status=500, remaining=1
    )
    root = await call(
        mws,
        "CreateScheduledPackage",
        {
            "AmazonOrderId": pending["orderId"],
            "MarketplaceId": INDIA,
            "PackageRequestDetails.PackagePickupSlot.SlotId": str(find_text(slots[0], "SlotId")),
        },
        status=503,
    )
    assert find_text(root, "Error/Code") == "ServiceUnavailable"
    assert mws.emulator.calls["easyShip.createScheduledPackage"] == 1
    assert pending["orderId"] not in settings(mws).packages
