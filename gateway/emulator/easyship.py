"""Easy Ship API 2022-03-23 over the seeded India (A21TJRUUN4KGV) Easy Ship orders.

`listHandoverSlots` offers, for an order still to be handed over, two pickup windows a day
(10:00-13:00 and 14:00-18:00 India time) on each of the next three days plus one drop-off
window tomorrow; the slot ids are derived from the order and the window, so the same
request gives the same slots until the day moves on. The package's dimensions and weight are
remembered for the package `createScheduledPackage` then creates (with an invoice number and a
tracking id; status ReadyForPickup), in one of the slots currently offered. `getScheduledPackage`
reads it and `updateScheduledPackages` moves packages not yet picked up to another offered
slot. Seeded: two orders waiting to be scheduled, one already scheduled, one picked up.

Requests are validated as the model says (400 InvalidInput; the model's own codes where it
names one: RegionNotSupported, InvalidOrderState, ScheduledPackageAlreadyExists,
InvalidTimeSlotId, OrderNotEligibleForRescheduling; 404 ResourceNotFound for unknown orders
and packages).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    SpApiError,
    emulator_now,
    invalid_input,
    read_json_object,
    require_query,
    spapi_operation,
)
from gateway.emulator.data import INDIA_MARKETPLACE

BASE = "/easyShip/2022-03-23"
IST = timezone(timedelta(hours=5, minutes=30))
PICKUP_WINDOWS = ((10, 13), (14, 18))  # local hours
DROPOFF_WINDOW = (9, 20)
SLOT_DAYS = 3
MAX_LIST = 500  # the model's maxItems of time slots, items and update lists
MAX_SERIALS = 100
MIN_WEIGHT = 11.0  # grams (WeightValue minimum)
MIN_DIMENSION = 0.01
DEFAULT_DIMENSIONS = {"length": 20.0, "width": 15.0, "height": 10.0, "unit": "cm"}
DEFAULT_WEIGHT = {"value": 500.0, "unit": "g"}
SCHEDULABLE = ("PENDING_SCHEDULE",)
RESCHEDULABLE = ("PENDING_PICK_UP",)
PACKAGE_NAMESPACE = uuid.UUID("0f0e4b6a-7c1d-4f5e-9a3b-2d1c0b9a8e7f")


@dataclass
class EasyShipSettings:
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)  # by amazonOrderId
    measured: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    invoices: int = 0
    seeded: bool = False


def store(ctx: OperationContext) -> EasyShipSettings:
    settings = ctx.state.section("easyShip", EasyShipSettings)
    if not settings.seeded:
        settings.seeded = True
        now = emulator_now(ctx.state)
        for order in ctx.state.data.easy_ship_orders:
            if order["easyShipStatus"] in ("PENDING_PICK_UP", "PICKED_UP"):
                slot = handover_slots(order, now)[0]
                package = _package(settings, order, slot, None, None)
                if order["easyShipStatus"] == "PICKED_UP":
                    package["packageStatus"] = "PickedUp"
                settings.packages[order["orderId"]] = package
    return settings


# ------------------------------------------------------------------ slots and packages


def _slot_id(order_id: str, start: datetime, method: str) -> str:
    digest = hashlib.sha256(f"{order_id}|{start.isoformat()}|{method}".encode()).digest()
    return base64.b64encode(digest[:24]).decode("ascii")


def _local(dt: datetime) -> str:
    return dt.astimezone(IST).isoformat(timespec="seconds")


def handover_slots(order: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The time slots offered for ``order`` at ``now`` (pickups, then the drop-off)."""
    today = now.astimezone(IST).replace(hour=0, minute=0, second=0, microsecond=0)
    windows: list[tuple[datetime, datetime, str]] = []
    for day in range(1, SLOT_DAYS + 1):
        base = today + timedelta(days=day)
        for start, end in PICKUP_WINDOWS:
            windows.append((base.replace(hour=start), base.replace(hour=end), "PICKUP"))
    tomorrow = today + timedelta(days=1)
    windows.append(
        (
            tomorrow.replace(hour=DROPOFF_WINDOW[0]),
            tomorrow.replace(hour=DROPOFF_WINDOW[1]),
            "DROPOFF",
        )
    )
    return [
        {
            "slotId": _slot_id(order["orderId"], start, method),
            "startTime": _local(start),
            "endTime": _local(end),
            "handoverMethod": method,
        }
        for start, end, method in windows
    ]


def _package(
    settings: EasyShipSettings,
    order: dict[str, Any],
    slot: dict[str, Any],
    items: list[dict[str, Any]] | None,
    identifier: str | None,
) -> dict[str, Any]:
    dimensions, weight = settings.measured.get(
        order["orderId"], (dict(DEFAULT_DIMENSIONS), dict(DEFAULT_WEIGHT))
    )
    settings.invoices += 1
    package: dict[str, Any] = {
        "scheduledPackageId": {
            "amazonOrderId": order["orderId"],
            "packageId": str(uuid.uuid5(PACKAGE_NAMESPACE, order["orderId"])),
        },
        "packageDimensions": copy.deepcopy(dimensions),
        "packageWeight": copy.deepcopy(weight),
        "packageItems": items
        if items is not None
        else [{"orderItemId": i["orderItemId"]} for i in order["orderItems"]],
        "packageTimeSlot": copy.deepcopy(slot),
        "invoice": {
            "invoiceNumber": f"{order['shippingAddress']['stateOrRegion']}-ES-"
            f"{settings.invoices:06d}",
            "invoiceDate": order["createdTime"],
        },
        "packageStatus": "ReadyForPickup",
        "trackingDetails": {"trackingId": f"AT{order['orderId'].replace('-', '')[-12:]}"},
    }
    if identifier:
        package["packageIdentifier"] = identifier
    return package


# ------------------------------------------------------------------ validation


def _string(value: Any, name: str, required: bool = True) -> str | None:
    if value is None:
        if required:
            raise invalid_input(f"Missing required field: {name}.")
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 255:
        raise invalid_input(f"Value for parameter {name} is invalid.")
    return value


def _number(value: Any, name: str, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_input(f"{name} must be a number.")
    if value < minimum:
        raise invalid_input(f"{name} must be at least {minimum:g}.")
    return float(value)


def _marketplace(value: Any) -> None:
    if _string(value, "marketplaceId") != INDIA_MARKETPLACE:
        raise SpApiError(
            400, "RegionNotSupported", "Easy Ship is not supported in this marketplace."
        )


def _order(ctx: OperationContext, value: Any) -> dict[str, Any]:
    order_id = _string(value, "amazonOrderId")
    for order in ctx.state.data.easy_ship_orders:
        if order["orderId"] == order_id:
            return order
    raise SpApiError(404, "ResourceNotFound", f"Order {order_id:.40} was not found.")


def _dimensions(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_input("Missing required field: packageDimensions.")
    out: dict[str, Any] = {
        key: _number(value.get(key), f"packageDimensions.{key}", MIN_DIMENSION)
        for key in ("length", "width", "height")
    }
    if value.get("unit") != "cm":
        raise invalid_input("packageDimensions.unit must be cm.")
    out["unit"] = "cm"
    identifier = _string(value.get("identifier"), "packageDimensions.identifier", False)
    if identifier:
        out["identifier"] = identifier
    return out


def _weight(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_input("Missing required field: packageWeight.")
    grams = _number(value.get("value"), "packageWeight.value", MIN_WEIGHT)
    if value.get("unit") not in ("grams", "g"):
        raise invalid_input("packageWeight.unit must be grams or g.")
    return {"value": grams, "unit": value["unit"]}


def _chosen_slot(order: dict[str, Any], value: Any, now: datetime) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_input("Missing required field: packageTimeSlot.")
    slot_id = _string(value.get("slotId"), "packageTimeSlot.slotId")
    for slot in handover_slots(order, now):
        if slot["slotId"] == slot_id:
            return slot
    raise SpApiError(400, "InvalidTimeSlotId", f"Time slot {slot_id:.60} is not available.")


def _items(order: dict[str, Any], value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise invalid_input(f"packageItems must be an array of at most {MAX_LIST} items.")
    known = {i["orderItemId"] for i in order["orderItems"]}
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise invalid_input("Each package item must be an object.")
        item_id = _string(item.get("orderItemId"), "orderItemId")
        if item_id not in known:
            raise invalid_input(f"Order item {item_id:.40} is not in order {order['orderId']}.")
        entry: dict[str, Any] = {"orderItemId": item_id}
        serials = item.get("orderItemSerialNumbers")
        if serials is not None:
            if (
                not isinstance(serials, list)
                or len(serials) > MAX_SERIALS
                or not all(isinstance(s, str) and 1 <= len(s) <= 255 for s in serials)
            ):
                raise invalid_input(f"orderItemSerialNumbers of {item_id:.40} are invalid.")
            entry["orderItemSerialNumbers"] = list(serials)
        out.append(entry)
    return out


# ------------------------------------------------------------------ handlers


@spapi_operation("easyShip.listHandoverSlots")
async def list_handover_slots(request: Request, ctx: OperationContext) -> JsonBody:
    body = await read_json_object(request)
    _marketplace(body.get("marketplaceId"))
    order = _order(ctx, body.get("amazonOrderId"))
    dimensions = _dimensions(body.get("packageDimensions"))
    weight = _weight(body.get("packageWeight"))
    if order["easyShipStatus"] not in SCHEDULABLE + RESCHEDULABLE:
        raise SpApiError(400, "InvalidOrderState", "The order was handed over already.")
    store(ctx).measured[order["orderId"]] = (dimensions, weight)
    return {
        "amazonOrderId": order["orderId"],
        "timeSlots": handover_slots(order, emulator_now(ctx.state)),
    }


@spapi_operation("easyShip.createScheduledPackage")
async def create_scheduled_package(request: Request, ctx: OperationContext) -> JsonBody:
    body = await read_json_object(request)
    _marketplace(body.get("marketplaceId"))
    order = _order(ctx, body.get("amazonOrderId"))
    details = body.get("packageDetails")
    if not isinstance(details, dict):
        raise invalid_input("Missing required field: packageDetails.")
    settings = store(ctx)
    if order["orderId"] in settings.packages:
        raise SpApiError(
            400, "ScheduledPackageAlreadyExists", "The order has a scheduled package already."
        )
    if order["easyShipStatus"] not in SCHEDULABLE:
        raise SpApiError(400, "InvalidOrderState", "The order cannot be scheduled.")
    slot = _chosen_slot(order, details.get("packageTimeSlot"), emulator_now(ctx.state))
    items = _items(order, details.get("packageItems"))
    identifier = _string(details.get("packageIdentifier"), "packageIdentifier", False)
    package = _package(settings, order, slot, items, identifier)
    settings.packages[order["orderId"]] = package
    order["easyShipStatus"] = "PENDING_PICK_UP"
    return copy.deepcopy(package)


@spapi_operation("easyShip.getScheduledPackage")
async def get_scheduled_package(request: Request, ctx: OperationContext) -> JsonBody:
    order_id = require_query(request, "amazonOrderId")
    _marketplace(require_query(request, "marketplaceId"))
    package = store(ctx).packages.get(order_id)
    if package is None:
        raise SpApiError(404, "ResourceNotFound", f"No scheduled package for {order_id:.40}.")
    return copy.deepcopy(package)


@spapi_operation("easyShip.updateScheduledPackages")
async def update_scheduled_packages(request: Request, ctx: OperationContext) -> JsonBody:
    body = await read_json_object(request)
    _marketplace(body.get("marketplaceId"))
    updates = body.get("updatePackageDetailsList")
    if not isinstance(updates, list) or not updates or len(updates) > MAX_LIST:
        raise invalid_input(f"updatePackageDetailsList needs 1 to {MAX_LIST} entries.")
    settings = store(ctx)
    now = emulator_now(ctx.state)
    changes: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for update in updates:
        if not isinstance(update, dict) or not isinstance(update.get("scheduledPackageId"), dict):
            raise invalid_input("Each update needs a scheduledPackageId.")
        package_id = update["scheduledPackageId"]
        order = _order(ctx, package_id.get("amazonOrderId"))
        package = settings.packages.get(order["orderId"])
        wanted = _string(package_id.get("packageId"), "packageId", False)
        if package is None or (
            wanted is not None and wanted != package["scheduledPackageId"]["packageId"]
        ):
            raise SpApiError(404, "ResourceNotFound", "The scheduled package was not found.")
        if order["easyShipStatus"] not in RESCHEDULABLE:
            raise SpApiError(
                400, "OrderNotEligibleForRescheduling", "The package was handed over already."
            )
        changes.append((package, _chosen_slot(order, update.get("packageTimeSlot"), now)))
    for package, slot in changes:  # all or nothing
        package["packageTimeSlot"] = copy.deepcopy(slot)
    return {"packages": [copy.deepcopy(p) for p, _ in changes]}


routes: list[BaseRoute] = [
    Route(f"{BASE}/timeSlot", list_handover_slots, methods=["POST"]),
    Route(f"{BASE}/package", get_scheduled_package, methods=["GET"]),
    Route(f"{BASE}/package", create_scheduled_package, methods=["POST"]),
    Route(f"{BASE}/package", update_scheduled_packages, methods=["PATCH"]),
]
