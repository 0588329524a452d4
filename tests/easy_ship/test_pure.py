"""Pure translation of MWS EasyShip: MWS parameters -> Easy Ship 2022-03-23 JSON, and back."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.mws.render import render_success
from gateway.translate.easy_ship import (
    check_package_id,
    package_list,
    scheduled_package,
    slots_children,
)
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.structures import build_body
from tests.emulator.modelcheck import validate_definition, validate_request_body
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

MODEL = "easyShip_2022-03-23.json"
NS = "https://mws.amazonservices.com/EasyShip/2018-09-01"
INDIA = "A21TJRUUN4KGV"
SECTION = load_catalog(check_handlers=False).sections["EasyShip"]
TABLES = SECTION.tables
MAPS = FieldMaps(TABLES)
ORDER = "403-8141172-8782505"


def body_of(op: str, params: dict[str, str]) -> dict[str, Any]:
    return build_body(SECTION.operations[op].spec, params, TABLES)


def rendered(action: str, children: list[Any]) -> Any:
    return assert_valid_mws_xml(render_success(action, NS, "req-1", children))


def slot_params(**extra: str) -> dict[str, str]:
    """ListPickupSlots as the documentation's example (and python-amazon-mws) sends it."""
    return {
        "MarketplaceId": INDIA,
        "AmazonOrderId": ORDER,
        "PackageDimensions.Length": "12.00",
        "PackageDimensions.Width": "12.00",
        "PackageDimensions.Height": "12.5",
        "PackageDimensions.Unit": "cm",
        "PackageWeight.Value": "23.00",
        "PackageWeight.Unit": "g",
        **extra,
    }


def test_list_pickup_slots_body() -> None:
    body = body_of("ListPickupSlots", slot_params(**{"PackageDimensions.Name": "Box S"}))
    assert body == {
        "marketplaceId": INDIA,
        "amazonOrderId": ORDER,
        "packageDimensions": {
            "length": 12,
            "width": 12,
            "height": 12.5,
            "unit": "cm",
            "identifier": "Box S",
        },
        "packageWeight": {"value": 23, "unit": "g"},
    }
    validate_request_body(MODEL, "listHandoverSlots", body)


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"MarketplaceId": "ATVPDKIKX0DER"}, "InvalidParameterValue", "MarketplaceId"),
        ({"MarketplaceId": "NOT-A-MARKETPLACE"}, "InvalidParameterValue", "A21TJRUUN4KGV"),
        ({"PackageDimensions.Unit": "in"}, "InvalidParameterValue", "PackageDimensions.Unit"),
        ({"PackageWeight.Unit": "kg"}, "InvalidParameterValue", "PackageWeight.Unit"),
        ({"PackageDimensions.Length": "-3"}, "InvalidParameterValue", "Length"),
        ({"PackageWeight.Value": "heavy"}, "InvalidParameterValue", "PackageWeight.Value"),
        ({"PackageDimensions.Height": ""}, "MissingParameter", "PackageDimensions.Height"),
        ({"AmazonOrderId": ""}, "MissingParameter", "AmazonOrderId"),
    ],
)
def test_list_pickup_slots_refusals(change: dict[str, str], code: str, words: str) -> None:
    with pytest.raises(MwsError) as caught:
        body_of("ListPickupSlots", slot_params(**change))
    assert caught.value.code == code
    assert words in str(caught.value.message)


def test_list_pickup_slots_needs_the_structures() -> None:
    params = {k: v for k, v in slot_params().items() if not k.startswith("PackageWeight")}
    with pytest.raises(MwsError) as caught:
        body_of("ListPickupSlots", params)
    assert caught.value.code == "MissingParameter"
    assert "PackageWeight" in str(caught.value.message)


def create_params() -> dict[str, str]:
    """CreateScheduledPackage with the encodings of the docs and of the ScaleLeap client."""
    prefix = "PackageRequestDetails"
    return {
        "AmazonOrderId": ORDER,
        "MarketplaceId": INDIA,
        f"{prefix}.PackageDimensions.Length": "12.00",
        f"{prefix}.PackageDimensions.Width": "12.00",
        f"{prefix}.PackageDimensions.Height": "12.00",
        f"{prefix}.PackageDimensions.Unit": "cm",
        f"{prefix}.PackageWeight.Value": "23.00",
        f"{prefix}.PackageWeight.Unit": "g",
        f"{prefix}.PackagePickupSlot.SlotId": "Xyt123bbdg=",
        f"{prefix}.PackagePickupSlot.PickupTimeStart": "2018-02-21T07:30:00.00Z",
        f"{prefix}.PackagePickupSlot.PickupTimeEnd": "2018-02-21T10:30:00.00Z",
        f"{prefix}.PackageIdentifier": "Package1",
        f"{prefix}.PackageItemList.Item.1.OrderItemId": "73393158580954",
        f"{prefix}.PackageItemList.Item.1.OrderItemSerialNumberList.member.1": "SN-1",
        f"{prefix}.PackageItemList.Item.1.OrderItemSerialNumberList.member.2": "SN-2",
        f"{prefix}.PackageItemList.Item.2.OrderItemId": "56508153376674",
    }


def test_create_body_drops_what_sp_api_measures_itself() -> None:
    body = body_of("CreateScheduledPackage", create_params())
    assert body == {
        "amazonOrderId": ORDER,
        "marketplaceId": INDIA,
        "packageDetails": {
            "packageItems": [
                {"orderItemId": "73393158580954", "orderItemSerialNumbers": ["SN-1", "SN-2"]},
                {"orderItemId": "56508153376674"},
            ],
            "packageTimeSlot": {
                "slotId": "Xyt123bbdg=",
                "startTime": "2018-02-21T07:30:00.000Z",
                "endTime": "2018-02-21T10:30:00.000Z",
            },
            "packageIdentifier": "Package1",
        },
    }
    validate_request_body(MODEL, "createScheduledPackage", body)


def test_create_refusals() -> None:
    params = create_params()
    params["PackageRequestDetails.PackageDimensions.Unit"] = "in"  # checked though not sent
    with pytest.raises(MwsError) as caught:
        body_of("CreateScheduledPackage", params)
    assert caught.value.code == "InvalidParameterValue"
    params = {k: v for k, v in create_params().items() if "PackagePickupSlot" not in k}
    with pytest.raises(MwsError) as caught:
        body_of("CreateScheduledPackage", params)
    assert caught.value.code == "MissingParameter"
    assert "PackagePickupSlot" in str(caught.value.message)
    mixed = create_params()
    mixed["PackageRequestDetails.PackageItemList.member.3.OrderItemId"] = "1"
    with pytest.raises(MwsError) as caught:
        body_of("CreateScheduledPackage", mixed)
    assert caught.value.code == "InvalidParameterValue"
    many = create_params()
    for n in range(1, 102):
        key = f"PackageRequestDetails.PackageItemList.Item.1.OrderItemSerialNumberList.member.{n}"
        many[key] = f"SN{n}"
    with pytest.raises(MwsError) as caught:
        body_of("CreateScheduledPackage", many)
    assert "at most 100" in str(caught.value.message)


def update_params(n: int = 1) -> dict[str, str]:
    params = {"MarketplaceId": INDIA}
    for i in range(1, n + 1):
        lead = f"ScheduledPackageUpdateDetailsList.PackageUpdateDetails.{i}"
        params.update(
            {
                f"{lead}.ScheduledPackageId.AmazonOrderId": ORDER,
                f"{lead}.ScheduledPackageId.PackageId": "1ab0f06a-9149-87e0-aba9-7098117872d6",
                f"{lead}.PackagePickupSlot.SlotId": "Xyt123bbdg=",
                f"{lead}.PackagePickupSlot.PickupTimeStart": "2018-09-05T16:12:21",
                f"{lead}.PackagePickupSlot.PickupTimeEnd": "2018-09-05T18:12:21",
            }
        )
    return params


def test_update_body_and_the_one_entry_mws_allowed() -> None:
    body = body_of("UpdateScheduledPackages", update_params())
    assert body == {
        "marketplaceId": INDIA,
        "updatePackageDetailsList": [
            {
                "scheduledPackageId": {
                    "amazonOrderId": ORDER,
                    "packageId": "1ab0f06a-9149-87e0-aba9-7098117872d6",
                },
                "packageTimeSlot": {
                    "slotId": "Xyt123bbdg=",
                    "startTime": "2018-09-05T16:12:21.000Z",
                    "endTime": "2018-09-05T18:12:21.000Z",
                },
            }
        ],
    }
    validate_request_body(MODEL, "updateScheduledPackages", body)
    with pytest.raises(MwsError) as caught:
        body_of("UpdateScheduledPackages", update_params(2))
    assert caught.value.code == "InvalidParameterValue"
    assert "at most 1" in str(caught.value.message)
    with pytest.raises(MwsError) as caught:
        body_of("UpdateScheduledPackages", {"MarketplaceId": INDIA})
    assert caught.value.code == "MissingParameter"


# ------------------------------------------------------------------ answers

SLOTS: dict[str, Any] = {
    "amazonOrderId": ORDER,
    "timeSlots": [
        {
            "slotId": "AQc48yxSAAAAADZG0qQAAAAA6kkAAAAAAAA=",
            "startTime": "2022-03-09T10:00:00+05:30",
            "endTime": "2022-03-09T13:00:00+05:30",
            "handoverMethod": "PICKUP",
        },
        {
            "slotId": "DROP",
            "startTime": "2022-03-09T09:00:00+05:30",
            "endTime": "2022-03-09T20:00:00+05:30",
            "handoverMethod": "DROPOFF",
        },
        {"slotId": "NO-METHOD"},
    ],
}


def test_pickup_slots_leave_out_drop_offs() -> None:
    validate_definition(MODEL, "ListHandoverSlotsResponse", SLOTS)
    children = slots_children(SLOTS, MAPS, ["PICKUP"])
    root = rendered("ListPickupSlots", children)
    result = root[0]
    assert find_text(result, "AmazonOrderId") == ORDER
    slots = list(next(c for c in result if strip_ns(c.tag) == "PickupSlotList"))
    assert [find_text(s, "SlotId") for s in slots] == [
        "AQc48yxSAAAAADZG0qQAAAAA6kkAAAAAAAA=",
        "NO-METHOD",
    ]
    assert find_text(slots[0], "PickupTimeStart") == "2022-03-09T10:00:00+05:30"
    everything = slots_children(SLOTS, MAPS, None)
    assert len(everything[1][1]) == 3
    none = slots_children({"amazonOrderId": ORDER, "timeSlots": []}, MAPS, ["PICKUP"])
    assert none == [("AmazonOrderId", ORDER), ("PickupSlotList", [])]
    rendered("ListPickupSlots", none)


PACKAGE: dict[str, Any] = {
    "scheduledPackageId": {"amazonOrderId": ORDER, "packageId": "pkg-1"},
    "packageDimensions": {"length": 12.0, "width": 12, "height": 5.5, "unit": "cm"},
    "packageWeight": {"value": 23.0, "unit": "grams"},
    "packageItems": [
        {"orderItemId": "73393158580954", "orderItemSerialNumbers": ["SN-1", "SN-2"]},
        {"orderItemId": "56508153376674"},
    ],
    "packageTimeSlot": {
        "slotId": "AQc48yxS",
        "startTime": "2022-03-09T10:00:00+05:30",
        "endTime": "2022-03-09T13:00:00+05:30",
        "handoverMethod": "PICKUP",
    },
    "packageIdentifier": "Package1",
    "invoice": {"invoiceNumber": "KA-ES-000001", "invoiceDate": "2022-03-09T10:00:00+05:30"},
    "packageStatus": "ReadyForPickup",
    "trackingDetails": {"trackingId": "AT123"},
}


def test_package_tree() -> None:
    validate_definition(MODEL, "Package", PACKAGE)
    root = rendered("GetScheduledPackage", scheduled_package(PACKAGE, MAPS, "getScheduledPackage"))
    package = root[0][0]
    assert strip_ns(package.tag) == "ScheduledPackage"
    assert [strip_ns(c.tag) for c in package] == [
        "ScheduledPackageId",
        "PackageDimensions",
        "PackageWeight",
        "PackageItemList",
        "PackagePickupSlot",
        "PackageIdentifier",
        "Invoice",
        "PackageStatus",
    ]
    assert find_text(package, "ScheduledPackageId/PackageId") == "pkg-1"
    assert find_text(package, "PackageDimensions/Height") == "5.5"
    assert find_text(package, "PackageWeight/Unit") == "g"  # SP-API's "grams"
    items = list(next(c for c in package if strip_ns(c.tag) == "PackageItemList"))
    assert [find_text(i, "OrderItemId") for i in items] == ["73393158580954", "56508153376674"]
    assert [m.text for m in items[0][1]] == ["SN-1", "SN-2"]
    assert find_text(package, "Invoice/InvoiceDate") == "2022-03-09T04:30:00Z"
    assert find_text(package, "PackageStatus") == "ReadyForPickup"
    listed = package_list({"packages": [PACKAGE, PACKAGE]}, MAPS)
    root = rendered("UpdateScheduledPackages", listed)
    assert [strip_ns(p.tag) for p in root[0][0]] == ["Package", "Package"]
    with pytest.raises(MwsError) as caught:
        scheduled_package({}, MAPS, "getScheduledPackage")
    assert caught.value.code == "InternalError"


def test_a_package_id_given_must_be_the_orders_package() -> None:
    check_package_id(PACKAGE, None)
    check_package_id(PACKAGE, "pkg-1")
    with pytest.raises(MwsError) as caught:
        check_package_id(PACKAGE, "pkg-2")
    assert caught.value.code == "ResourceNotFound"
