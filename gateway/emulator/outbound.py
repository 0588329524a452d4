"""Fulfillment Outbound API 2020-07-01: Multi-Channel Fulfillment orders kept in the state.

`createFulfillmentOrder` validates the body as SP-API does (400 InvalidInput, including an
unknown SKU and a `sellerFulfillmentOrderId` already used: SP-API never creates a second
order for it), `getFulfillmentOrder` / `listAllFulfillmentOrders` read the orders, and
`cancelFulfillmentOrder` cancels one that has not reached Processing, and
`getFulfillmentPreview` promises Standard/Expedited/Priority from the seeded FBA stock
(ScheduledDelivery is unavailable: DeliverySLAUnavailable; an unknown SKU or too few units
make the preview unfulfillable). Statuses move on with
the emulator clock (`state.clock.advance` in tests): Received, Planning after 60 s,
Processing after 300 s, Complete (one shipped shipment with a package) after 1800 s; Hold
orders stay Received. Three orders are seeded with SKUs of the seeded FBA inventory, at
different stages. `listAllFulfillmentOrders` pages `OutboundSettings.page_size` orders
(oldest first) with an opaque offset token bound to `queryStartDate`.
"""

from __future__ import annotations

import base64
import copy
import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    invalid_input,
    iso,
    parse_datetime,
    read_json_object,
    spapi_operation,
)
from gateway.emulator.data import PRIMARY_MARKETPLACE
from gateway.emulator.events import emit
from gateway.emulator.state import EmulatorState

BASE = "/fba/outbound/2020-07-01"
SPEEDS = ("Standard", "Expedited", "Priority", "ScheduledDelivery")
ACTIONS = ("Ship", "Hold")
POLICIES = ("FillOrKill", "FillAll", "FillAllAvailable")
# (seconds after creation, status) for orders to ship
STAGES = ((0, "Received"), (60, "Planning"), (300, "Processing"), (1800, "Complete"))
CANCELLABLE = ("New", "Received", "Planning")


@dataclass
class OutboundOrder:
    body: dict[str, Any]  # the createFulfillmentOrder request (validated)
    created: float  # emulator clock
    received: datetime
    cancelled_at: float | None = None
    seller: str | None = None  # the seller that created it through the API (None: seeded)


@dataclass
class OutboundSettings:
    page_size: int = 25
    orders: dict[str, OutboundOrder] = field(default_factory=dict)
    seeded: bool = False
    notified: dict[str, str] = field(default_factory=dict)  # order id -> last status notified


def store(ctx: OperationContext) -> OutboundSettings:
    settings = ctx.state.section("fbaOutbound", OutboundSettings)
    if not settings.seeded:
        settings.seeded = True
        seed(ctx, settings)
    return settings


# ------------------------------------------------------------------ seed


def _address(name: str) -> dict[str, str]:
    return {
        "name": name,
        "addressLine1": "410 Terry Ave N",
        "city": "Seattle",
        "stateOrRegion": "WA",
        "postalCode": "98109",
        "countryCode": "US",
        "phone": "206-555-0100",
    }


def seed(ctx: OperationContext, settings: OutboundSettings) -> None:
    skus = sorted(ctx.state.data.inventory)
    now_wall = datetime.now(UTC)
    now = ctx.state.clock()
    ages = ((4000, "MCF-SEED-0001", 2), (400, "MCF-SEED-0002", 1), (10, "MCF-SEED-0003", 3))
    for n, (age, order_id, quantity) in enumerate(ages):
        sku = skus[n % len(skus)] if skus else f"EMU-SEED-{n}"
        received = now_wall - timedelta(seconds=age)
        body = {
            "marketplaceId": PRIMARY_MARKETPLACE,
            "sellerFulfillmentOrderId": order_id,
            "displayableOrderId": f"SHOP-{1000 + n}",
            "displayableOrderDate": iso(received - timedelta(minutes=5)),
            "displayableOrderComment": "Thank you for your order.",
            "shippingSpeedCategory": SPEEDS[n % 3],
            "destinationAddress": _address(f"Seed Customer {n + 1}"),
            "fulfillmentAction": "Ship",
            "fulfillmentPolicy": "FillOrKill",
            "notificationEmails": [f"customer{n + 1}@example.com"],
            "items": [
                {
                    "sellerSku": sku,
                    "sellerFulfillmentOrderItemId": f"{order_id}-1",
                    "quantity": quantity,
                    "perUnitDeclaredValue": {"currencyCode": "USD", "value": "19.99"},
                }
            ],
        }
        settings.orders[order_id] = OutboundOrder(body, now - age, received)


# ------------------------------------------------------------------ notifications


def status_notification(order: OutboundOrder, clock: float) -> dict[str, Any]:
    """The FulfillmentOrderStatusNotification of the order's current status."""
    status, reached = status_of(order, clock)
    body: dict[str, Any] = {
        "SellerId": order.seller or "",
        "EventType": "Order",
        "StatusUpdatedDateTime": iso(order.received + timedelta(seconds=reached)),
        "SellerFulfillmentOrderId": order.body["sellerFulfillmentOrderId"],
        "FulfillmentOrderStatus": status,
    }
    shipments = shipments_json(order, clock)
    if shipments:
        shipment = shipments[0]
        body["EventType"] = "Shipment"
        body["FulfillmentShipment"] = {
            "FulfillmentShipmentStatus": shipment["fulfillmentShipmentStatus"].title(),
            "AmazonShipmentId": shipment["amazonShipmentId"],
            "EstimatedArrivalDateTime": iso(order.received + timedelta(days=3)),
            "FulfillmentShipmentPackages": [
                {
                    "PackageNumber": p["packageNumber"],
                    "CarrierCode": p["carrierCode"],
                    "TrackingNumber": p["trackingNumber"],
                }
                for p in shipment.get("fulfillmentShipmentPackage", [])
            ],
        }
    return body


def notify_status(state: EmulatorState, settings: OutboundSettings, order: OutboundOrder) -> None:
    """FULFILLMENT_ORDER_STATUS when the order's status changed since the last one sent."""
    status, _ = status_of(order, state.clock())
    order_id = order.body["sellerFulfillmentOrderId"]
    if settings.notified.get(order_id) == status:
        return
    body = status_notification(order, state.clock())
    seller = order.seller or state.config.seller_id
    body["SellerId"] = seller
    emit(state, seller, "FULFILLMENT_ORDER_STATUS", body)
    settings.notified[order_id] = status


def advance_all(state: EmulatorState) -> None:
    """Notify the status changes the emulator clock brought (the notifications ticker)."""
    settings = state.sections.get("fbaOutbound")
    if not isinstance(settings, OutboundSettings):
        return
    for order in list(settings.orders.values()):
        if order.seller is not None:  # created through the API (not seeded)
            notify_status(state, settings, order)


# ------------------------------------------------------------------ views


def status_of(order: OutboundOrder, clock: float) -> tuple[str, float]:
    """(status, seconds after creation at which it was reached)."""
    if order.cancelled_at is not None:
        return "Cancelled", order.cancelled_at - order.created
    if order.body.get("fulfillmentAction") == "Hold":
        return "Received", 0.0
    elapsed = clock - order.created
    current = STAGES[0]
    for stage in STAGES:
        if elapsed >= stage[0]:
            current = stage
    return current[1], float(current[0])


def order_json(order: OutboundOrder, clock: float) -> dict[str, Any]:
    status, reached = status_of(order, clock)
    body = order.body
    out: dict[str, Any] = {
        "sellerFulfillmentOrderId": body["sellerFulfillmentOrderId"],
        "marketplaceId": body.get("marketplaceId", PRIMARY_MARKETPLACE),
        "displayableOrderId": body["displayableOrderId"],
        "displayableOrderDate": body["displayableOrderDate"],
        "displayableOrderComment": body["displayableOrderComment"],
        "shippingSpeedCategory": body["shippingSpeedCategory"],
        "destinationAddress": copy.deepcopy(body["destinationAddress"]),
        "fulfillmentAction": body.get("fulfillmentAction", "Ship"),
        "fulfillmentPolicy": body.get("fulfillmentPolicy", "FillOrKill"),
        "receivedDate": iso(order.received),
        "fulfillmentOrderStatus": status,
        "statusUpdatedDate": iso(order.received + timedelta(seconds=reached)),
    }
    for key in ("deliveryWindow", "codSettings", "notificationEmails"):
        if key in body:
            out[key] = copy.deepcopy(body[key])
    return out


def items_json(order: OutboundOrder, clock: float) -> list[dict[str, Any]]:
    status, _ = status_of(order, clock)
    ship = order.received + timedelta(days=1)
    out = []
    for item in order.body["items"]:
        entry = copy.deepcopy(item)
        entry["cancelledQuantity"] = item["quantity"] if status == "Cancelled" else 0
        entry["unfulfillableQuantity"] = 0
        if status != "Cancelled":
            entry["estimatedShipDate"] = iso(ship)
            entry["estimatedArrivalDate"] = iso(ship + timedelta(days=3))
        out.append(entry)
    return out


def shipments_json(order: OutboundOrder, clock: float) -> list[dict[str, Any]]:
    status, _ = status_of(order, clock)
    if status not in ("Processing", "Complete"):
        return []
    shipped = status == "Complete"
    digest = zlib.crc32(order.body["sellerFulfillmentOrderId"].encode()) % 10**8
    shipment: dict[str, Any] = {
        "amazonShipmentId": f"T{digest:08d}",
        "fulfillmentCenterId": "SEA8",
        "fulfillmentShipmentStatus": "SHIPPED" if shipped else "PENDING",
        "fulfillmentShipmentItem": [
            {
                "sellerSku": i["sellerSku"],
                "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
                "quantity": i["quantity"],
                **({"packageNumber": 1} if shipped else {}),
            }
            for i in order.body["items"]
        ],
    }
    if shipped:
        shipment["shippingDate"] = iso(order.received + timedelta(seconds=1800))
        shipment["estimatedArrivalDate"] = iso(order.received + timedelta(days=3))
        shipment["fulfillmentShipmentPackage"] = [
            {
                "packageNumber": 1,
                "carrierCode": "UPS",
                "trackingNumber": f"1Z999AA1{digest:08d}",
                "estimatedArrivalDate": iso(order.received + timedelta(days=3)),
            }
        ]
    return [shipment]


# ------------------------------------------------------------------ validation


def _text(body: dict[str, Any], key: str, limit: int | None, required: bool = True) -> None:
    value = body.get(key)
    if value is None:
        if required:
            raise invalid_input(f"Missing required field: {key}.")
        return
    if not isinstance(value, str) or not value.strip():
        raise invalid_input(f"Value {value!r:.40} for parameter {key} is invalid.")
    if limit is not None and len(value) > limit:
        raise invalid_input(f"{key} must be at most {limit} characters.")


def _money(value: Any, key: str) -> None:
    if value is None:
        return
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("currencyCode"), str)
        or not isinstance(value.get("value"), str)
    ):
        raise invalid_input(f"{key} needs currencyCode and value.")


def validate(ctx: OperationContext, body: dict[str, Any]) -> None:
    for key, limit in (
        ("sellerFulfillmentOrderId", 40),
        ("displayableOrderId", 40),
        ("displayableOrderComment", 750),
    ):
        _text(body, key, limit)
    if "displayableOrderDate" not in body:
        raise invalid_input("Missing required field: displayableOrderDate.")
    parse_datetime(str(body["displayableOrderDate"]), "displayableOrderDate")
    if body.get("shippingSpeedCategory") not in SPEEDS:
        raise invalid_input("Value for parameter shippingSpeedCategory is invalid.")
    if body.get("fulfillmentAction", "Ship") not in ACTIONS:
        raise invalid_input("Value for parameter fulfillmentAction is invalid.")
    if body.get("fulfillmentPolicy", "FillOrKill") not in POLICIES:
        raise invalid_input("Value for parameter fulfillmentPolicy is invalid.")
    marketplace = body.get("marketplaceId", PRIMARY_MARKETPLACE)
    if marketplace not in {m["id"] for m in ctx.state.data.marketplaces}:
        raise invalid_input(f"Value {marketplace!r:.40} for parameter marketplaceId is invalid.")
    address = body.get("destinationAddress")
    if not isinstance(address, dict):
        raise invalid_input("Missing required field: destinationAddress.")
    for key in ("name", "addressLine1", "countryCode", "postalCode"):
        _text(address, key, None)
    window = body.get("deliveryWindow")
    if body["shippingSpeedCategory"] == "ScheduledDelivery" and window is None:
        raise invalid_input("deliveryWindow is required for ScheduledDelivery.")
    if window is not None and (
        not isinstance(window, dict) or "startDate" not in window or "endDate" not in window
    ):
        raise invalid_input("deliveryWindow needs startDate and endDate.")
    emails = body.get("notificationEmails", [])
    if not isinstance(emails, list) or any(
        not isinstance(e, str) or len(e) > 64 or "@" not in e for e in emails
    ):
        raise invalid_input("Value for parameter notificationEmails is invalid.")
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise invalid_input("Missing required field: items.")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise invalid_input("Each item must be an object.")
        _text(item, "sellerSku", 50)
        _text(item, "sellerFulfillmentOrderItemId", 50)
        item_id = item["sellerFulfillmentOrderItemId"]
        if item_id in seen:
            raise invalid_input(f"Duplicate sellerFulfillmentOrderItemId {item_id}.")
        seen.add(item_id)
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise invalid_input(f"Value for parameter quantity of item {item_id} is invalid.")
        if item["sellerSku"] not in ctx.state.data.inventory:
            raise invalid_input(f"the SellerSKU for Item Id: {item_id} is invalid.")
        for key in ("perUnitDeclaredValue", "perUnitPrice", "perUnitTax"):
            _money(item.get(key), key)


# ------------------------------------------------------------------ handlers


def _find(ctx: OperationContext, request: Request) -> OutboundOrder:
    order_id = request.path_params["sellerFulfillmentOrderId"]
    order = store(ctx).orders.get(order_id)
    if order is None:
        raise invalid_input(
            "Requested order not found.", f"sellerFulfillmentOrderId={order_id:.40}"
        )
    return order


@spapi_operation("fbaOutbound.getFulfillmentOrder")
async def get_fulfillment_order(request: Request, ctx: OperationContext) -> JsonBody:
    order = _find(ctx, request)
    clock = ctx.state.clock()
    return {
        "payload": {
            "fulfillmentOrder": order_json(order, clock),
            "fulfillmentOrderItems": items_json(order, clock),
            "fulfillmentShipments": shipments_json(order, clock),
            "returnItems": [],
            "returnAuthorizations": [],
        }
    }


def _offset(token: str | None, start: str) -> int:
    if not token:
        return 0
    try:
        doc = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        offset, same = int(doc["o"]), doc["s"] == start
    except (ValueError, KeyError, TypeError, UnicodeEncodeError):
        raise invalid_input("Invalid nextToken.") from None
    if not same or offset < 0:
        raise invalid_input("nextToken does not match queryStartDate.")
    return offset


@spapi_operation("fbaOutbound.listAllFulfillmentOrders")
async def list_all_fulfillment_orders(request: Request, ctx: OperationContext) -> JsonBody:
    settings = store(ctx)
    start_text = request.query_params.get("queryStartDate", "")
    clock = ctx.state.clock()
    orders = sorted(settings.orders.values(), key=lambda o: (o.created, o.received))
    views = [order_json(o, clock) for o in orders]
    if start_text:
        start = parse_datetime(start_text, "queryStartDate")
        views = [v for v in views if parse_datetime(v["statusUpdatedDate"], "d") >= start]
    offset = _offset(request.query_params.get("nextToken"), start_text)
    size = settings.page_size
    payload: dict[str, Any] = {"fulfillmentOrders": views[offset : offset + size]}
    if offset + size < len(views):
        raw = json.dumps({"o": offset + size, "s": start_text}).encode()
        payload["nextToken"] = base64.urlsafe_b64encode(raw).decode("ascii")
    return {"payload": payload}


@spapi_operation("fbaOutbound.createFulfillmentOrder")
async def create_fulfillment_order(request: Request, ctx: OperationContext) -> JsonBody:
    settings = store(ctx)
    body = await read_json_object(request)
    validate(ctx, body)
    order_id = body["sellerFulfillmentOrderId"]
    if order_id in settings.orders:
        raise invalid_input(
            f"Duplicate request: a fulfillment order with sellerFulfillmentOrderId {order_id} "
            "already exists."
        )
    body.setdefault("marketplaceId", PRIMARY_MARKETPLACE)
    order = OutboundOrder(body, ctx.state.clock(), datetime.now(UTC), seller=ctx.seller_id)
    settings.orders[order_id] = order
    notify_status(ctx.state, settings, order)
    return {}


@spapi_operation("fbaOutbound.cancelFulfillmentOrder")
async def cancel_fulfillment_order(request: Request, ctx: OperationContext) -> JsonBody:
    order = _find(ctx, request)
    clock = ctx.state.clock()
    status, _ = status_of(order, clock)
    if status == "Cancelled":
        return {}
    if status not in CANCELLABLE:
        raise invalid_input(f"Fulfillment order in status {status} cannot be cancelled.")
    order.cancelled_at = clock
    if order.seller is not None:
        notify_status(ctx.state, store(ctx), order)
    return {}


# days to ship / to arrive after shipping, per speed (the emulator's promise)
SPEED_DAYS = {"Standard": (1, 4), "Expedited": (1, 2), "Priority": (0, 1)}
PER_UNIT_FEE = "3.22"
POUND_PER_UNIT = "0.55"


def _preview(
    ctx: OperationContext, speed: str, items: list[dict[str, Any]], marketplace: str
) -> dict[str, Any]:
    preview: dict[str, Any] = {
        "shippingSpeedCategory": speed,
        "isFulfillable": False,
        "isCODCapable": False,
        "marketplaceId": marketplace,
    }
    if speed not in SPEED_DAYS:
        preview["orderUnfulfillableReasons"] = ["DeliverySLAUnavailable"]
        return preview
    unfulfillable = []
    for item in items:
        summary = ctx.state.data.inventory.get(item["sellerSku"])
        if summary is None:
            reasons = ["InvalidSKU"]
        elif summary["inventoryDetails"]["fulfillableQuantity"] < item["quantity"]:
            reasons = ["InventoryUnavailable"]
        else:
            continue
        unfulfillable.append(
            {
                "sellerSku": item["sellerSku"],
                "quantity": item["quantity"],
                "sellerFulfillmentOrderItemId": item["sellerFulfillmentOrderItemId"],
                "itemUnfulfillableReasons": reasons,
            }
        )
    if unfulfillable:
        preview["unfulfillablePreviewItems"] = unfulfillable
        return preview
    units = sum(int(i["quantity"]) for i in items)
    ship_days, transit_days = SPEED_DAYS[speed]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    ship = today + timedelta(days=ship_days)
    preview["isFulfillable"] = True
    preview["estimatedShippingWeight"] = {
        "unit": "POUNDS",
        "value": f"{float(POUND_PER_UNIT) * units:.2f}",
    }
    preview["estimatedFees"] = [
        {
            "name": "FBAPerUnitFulfillmentFee",
            "amount": {"currencyCode": "USD", "value": f"{float(PER_UNIT_FEE) * units:.2f}"},
        },
        {"name": "FBAPerOrderFulfillmentFee", "amount": {"currencyCode": "USD", "value": "0.00"}},
    ]
    preview["fulfillmentPreviewShipments"] = [
        {
            "earliestShipDate": iso(ship),
            "latestShipDate": iso(ship + timedelta(hours=23)),
            "earliestArrivalDate": iso(ship + timedelta(days=transit_days)),
            "latestArrivalDate": iso(ship + timedelta(days=transit_days + 1)),
            "fulfillmentPreviewItems": [
                {
                    "sellerSku": i["sellerSku"],
                    "quantity": i["quantity"],
                    "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
                    "estimatedShippingWeight": {
                        "unit": "POUNDS",
                        "value": f"{float(POUND_PER_UNIT) * int(i['quantity']):.2f}",
                    },
                    "shippingWeightCalculationMethod": "Package",
                }
                for i in items
            ],
        }
    ]
    return preview


@spapi_operation("fbaOutbound.getFulfillmentPreview")
async def get_fulfillment_preview(request: Request, ctx: OperationContext) -> JsonBody:
    body = await read_json_object(request)
    address = body.get("address")
    if not isinstance(address, dict):
        raise invalid_input("Missing required field: address.")
    for key in ("name", "addressLine1", "countryCode", "postalCode"):
        _text(address, key, None)
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise invalid_input("Missing required field: items.")
    for item in items:
        if not isinstance(item, dict):
            raise invalid_input("Each item must be an object.")
        _text(item, "sellerSku", 50)
        _text(item, "sellerFulfillmentOrderItemId", 50)
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise invalid_input("Value for parameter quantity is invalid.")
    speeds = body.get("shippingSpeedCategories") or ["Standard", "Expedited", "Priority"]
    if not isinstance(speeds, list) or any(s not in SPEEDS for s in speeds):
        raise invalid_input("Value for parameter shippingSpeedCategories is invalid.")
    marketplace = str(body.get("marketplaceId", PRIMARY_MARKETPLACE))
    return {
        "payload": {"fulfillmentPreviews": [_preview(ctx, s, items, marketplace) for s in speeds]}
    }


routes: list[BaseRoute] = [
    Route(f"{BASE}/fulfillmentOrders/preview", get_fulfillment_preview, methods=["POST"]),
    Route(f"{BASE}/fulfillmentOrders", list_all_fulfillment_orders, methods=["GET"]),
    Route(f"{BASE}/fulfillmentOrders", create_fulfillment_order, methods=["POST"]),
    Route(
        f"{BASE}/fulfillmentOrders/{{sellerFulfillmentOrderId}}",
        get_fulfillment_order,
        methods=["GET"],
    ),
    Route(
        f"{BASE}/fulfillmentOrders/{{sellerFulfillmentOrderId}}/cancel",
        cancel_fulfillment_order,
        methods=["PUT"],
    ),
]
