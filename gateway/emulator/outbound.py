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
orders stay Received until `updateFulfillmentOrder` releases them (fulfillmentAction Ship),
and only Hold orders can be updated. Four orders are seeded with SKUs of the seeded FBA
inventory, at different stages (one shipped five days ago and delivered).
`listAllFulfillmentOrders` pages `OutboundSettings.page_size` orders (oldest first) with an
opaque offset token bound to `queryStartDate`.

Every shipped package has a package number of its own and a carrier timeline
(`getPackageTrackingDetails`): picked up when shipped, hub scans after 3 and 5 hours, out for
delivery after 44 hours, delivered after 50 hours. `listReturnReasonCodes` offers the reason
codes of `REASON_CODES` (with a translation for a few languages) for a SKU of the seeded
inventory; `createFulfillmentReturn` accepts one unit per return item of a shipped order and
keeps it (shown by `getFulfillmentOrder` afterwards), refusing per item what SP-API refuses:
an unshipped order (NoCompletedShipItems), unknown ids or reason codes (InvalidValues), a
`sellerReturnItemId` used before (DuplicateRequest), more units than were shipped
(NoReturnableQuantity).
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
    emulator_now,
    invalid_input,
    iso,
    not_found,
    parse_datetime,
    read_json_object,
    require_query,
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
SHIP_AFTER = 1800  # seconds from release to the shipment leaving the fulfillment center
FULFILLMENT_CENTER = {
    "name": "Amazon SEA8",
    "addressLine1": "2010 Broening Hwy",
    "city": "Kent",
    "stateOrRegion": "WA",
    "postalCode": "98032",
    "countryCode": "US",
}
# (seconds after shipping, event code, where: origin | hub | destination)
TIMELINE = (
    (0, "EVENT_102", "origin"),
    (3 * 3600, "EVENT_201", "hub"),
    (5 * 3600, "EVENT_202", "hub"),
    (44 * 3600, "EVENT_302", "destination"),
    (50 * 3600, "EVENT_301", "destination"),
)
EVENT_STATUS = {"EVENT_302": "OUT_FOR_DELIVERY", "EVENT_301": "DELIVERED"}
EVENT_DESCRIPTIONS = {
    "EVENT_102": "Shipment picked up from seller's facility.",
    "EVENT_201": "Arrival scan.",
    "EVENT_202": "Departure scan.",
    "EVENT_302": "Out for delivery.",
    "EVENT_301": "Delivered.",
}
HUB = {"city": "Kent", "state": "WA", "country": "US"}
ORIGIN = {"city": "Seattle", "state": "WA", "country": "US"}
# return reason code -> description; translations of a few languages
REASON_CODES = {
    "CR-UNWANTED_ITEM": "No longer needed or wanted",
    "CR-DEFECTIVE": "Defective or does not work",
    "CR-ORDERED_WRONG_ITEM": "Ordered by mistake",
    "CR-DAMAGED_BY_CARRIER": "Damaged in transit",
    "CR-MISSING_PARTS": "Parts or accessories missing",
    "CR-SWITCHEROO": "Not the item that was ordered",
}
TRANSLATIONS = {
    "fr": {
        "CR-UNWANTED_ITEM": "Article plus nécessaire",
        "CR-DEFECTIVE": "Article défectueux",
        "CR-ORDERED_WRONG_ITEM": "Commandé par erreur",
        "CR-DAMAGED_BY_CARRIER": "Endommagé pendant le transport",
        "CR-MISSING_PARTS": "Pièces ou accessoires manquants",
        "CR-SWITCHEROO": "Article différent de celui commandé",
    },
    "es": {
        "CR-UNWANTED_ITEM": "Ya no lo necesito",
        "CR-DEFECTIVE": "Defectuoso",
        "CR-ORDERED_WRONG_ITEM": "Pedido por error",
        "CR-DAMAGED_BY_CARRIER": "Dañado durante el envío",
        "CR-MISSING_PARTS": "Faltan piezas o accesorios",
        "CR-SWITCHEROO": "No es el artículo pedido",
    },
}


@dataclass
class OutboundOrder:
    body: dict[str, Any]  # the createFulfillmentOrder request (validated, then updated)
    created: float  # emulator clock
    received: datetime
    cancelled_at: float | None = None
    seller: str | None = None  # the seller that created it through the API (None: seeded)
    released: float | None = None  # a Hold order shipped by updateFulfillmentOrder
    returns: list[dict[str, Any]] = field(default_factory=list)  # accepted return items
    authorizations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def start(self) -> float:
        """Emulator clock at which fulfillment began (creation, or release of the hold)."""
        return self.created if self.released is None else self.released

    @property
    def started(self) -> datetime:
        return self.received + timedelta(seconds=self.start - self.created)


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
    ages = (
        (4000, "MCF-SEED-0001", 2),
        (400, "MCF-SEED-0002", 1),
        (10, "MCF-SEED-0003", 3),
        (5 * 86400, "MCF-SEED-0000", 1),  # shipped and delivered days ago
    )
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
            "EstimatedArrivalDateTime": shipment.get("estimatedArrivalDate")
            or iso(order.started + timedelta(days=3)),
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
    elapsed = clock - order.start
    current = STAGES[0]
    for stage in STAGES:
        if elapsed >= stage[0]:
            current = stage
    return current[1], float(current[0]) + (order.start - order.created)


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
    ship = order.started + timedelta(days=1)
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


def _digest(order: OutboundOrder) -> int:
    return zlib.crc32(order.body["sellerFulfillmentOrderId"].encode()) % 10**8


def shipment_id(order: OutboundOrder) -> str:
    return f"T{_digest(order):08d}"


def package_number(order: OutboundOrder) -> int:
    """The order's one package (unique per order, an int32 as the model wants)."""
    return 100_000_000 + _digest(order)


def shipped_at(order: OutboundOrder, clock: float) -> datetime | None:
    """When the order's shipment left the fulfillment center (None: not yet, or never)."""
    status, _ = status_of(order, clock)
    if status != "Complete":
        return None
    return order.started + timedelta(seconds=SHIP_AFTER)


def shipments_json(order: OutboundOrder, clock: float) -> list[dict[str, Any]]:
    status, _ = status_of(order, clock)
    if status not in ("Processing", "Complete"):
        return []
    shipped = status == "Complete"
    number = package_number(order)
    shipment: dict[str, Any] = {
        "amazonShipmentId": shipment_id(order),
        "fulfillmentCenterId": "SEA8",
        "fulfillmentShipmentStatus": "SHIPPED" if shipped else "PENDING",
        "fulfillmentShipmentItem": [
            {
                "sellerSku": i["sellerSku"],
                "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
                "quantity": i["quantity"],
                **({"packageNumber": number} if shipped else {}),
            }
            for i in order.body["items"]
        ],
    }
    if shipped:
        shipment["shippingDate"] = iso(order.started + timedelta(seconds=SHIP_AFTER))
        shipment["estimatedArrivalDate"] = iso(order.started + timedelta(days=3))
        shipment["fulfillmentShipmentPackage"] = [
            {
                "packageNumber": number,
                "carrierCode": "UPS",
                "trackingNumber": tracking_number(order),
                "estimatedArrivalDate": iso(order.started + timedelta(days=3)),
            }
        ]
    return [shipment]


def tracking_number(order: OutboundOrder) -> str:
    return f"1Z999AA1{_digest(order):08d}"


def tracking_json(order: OutboundOrder, clock: float, now: datetime) -> dict[str, Any]:
    """The package's PackageTrackingDetails as the carrier reports it at ``now``."""
    shipped = shipped_at(order, clock)
    assert shipped is not None
    address = order.body["destinationAddress"]
    destination = {
        "city": address.get("city") or address.get("stateOrRegion", ""),
        "state": address.get("stateOrRegion", ""),
        "country": address["countryCode"],
    }
    where = {"origin": ORIGIN, "hub": HUB, "destination": destination}
    events: list[dict[str, Any]] = [
        {
            "eventDate": iso(shipped + timedelta(seconds=after)),
            "eventAddress": dict(where[place]),
            "eventCode": code,
            "eventDescription": EVENT_DESCRIPTIONS[code],
        }
        for after, code, place in TIMELINE
        if shipped + timedelta(seconds=after) <= now
    ]
    status = "IN_TRANSIT"
    for event in events:
        status = EVENT_STATUS.get(str(event["eventCode"]), status)
    out: dict[str, Any] = {
        "packageNumber": package_number(order),
        "trackingNumber": tracking_number(order),
        "customerTrackingLink": f"https://www.swiship.com/track?id={tracking_number(order)}",
        "carrierCode": "UPS",
        "carrierPhoneNumber": "1-800-742-5877",
        "carrierURL": "https://www.ups.com/",
        "shipDate": iso(shipped),
        "estimatedArrivalDate": iso(order.started + timedelta(days=3)),
        "shipToAddress": destination,
        "currentStatus": status,
        "currentStatusDescription": EVENT_DESCRIPTIONS[str(events[-1]["eventCode"])],
        "trackingEvents": list(reversed(events)),  # newest first, as the model's example
    }
    if status == "DELIVERED":
        out["signedForBy"] = "FRONT DESK"
        out["additionalLocationInfo"] = "FRONT_DESK"
    return out


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
            "returnItems": copy.deepcopy(order.returns),
            "returnAuthorizations": copy.deepcopy(order.authorizations),
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


# ------------------------------------------------------------------ update

UPDATABLE_TEXT = (
    ("displayableOrderId", 40),
    ("displayableOrderComment", 750),
    ("shipFromCountryCode", 2),
    ("marketplaceId", None),
)


def _validate_update(ctx: OperationContext, order: OutboundOrder, body: dict[str, Any]) -> None:
    for key, limit in UPDATABLE_TEXT:
        _text(body, key, limit, required=False)
    if "displayableOrderDate" in body:
        parse_datetime(str(body["displayableOrderDate"]), "displayableOrderDate")
    for key, allowed in (
        ("shippingSpeedCategory", SPEEDS),
        ("fulfillmentAction", ACTIONS),
        ("fulfillmentPolicy", POLICIES),
    ):
        if key in body and body[key] not in allowed:
            raise invalid_input(f"Value for parameter {key} is invalid.")
    marketplace = body.get("marketplaceId", PRIMARY_MARKETPLACE)
    if marketplace not in {m["id"] for m in ctx.state.data.marketplaces}:
        raise invalid_input(f"Value {marketplace!r:.40} for parameter marketplaceId is invalid.")
    if "destinationAddress" in body:
        address = body["destinationAddress"]
        if not isinstance(address, dict):
            raise invalid_input("destinationAddress must be an object.")
        for key in ("name", "addressLine1", "countryCode", "postalCode"):
            _text(address, key, None)
    emails = body.get("notificationEmails", [])
    if not isinstance(emails, list) or any(
        not isinstance(e, str) or len(e) > 64 or "@" not in e for e in emails
    ):
        raise invalid_input("Value for parameter notificationEmails is invalid.")
    items = body.get("items", [])
    if not isinstance(items, list):
        raise invalid_input("items must be an array.")
    known = {i["sellerFulfillmentOrderItemId"]: i for i in order.body["items"]}
    for item in items:
        if not isinstance(item, dict):
            raise invalid_input("Each item must be an object.")
        _text(item, "sellerFulfillmentOrderItemId", 50)
        item_id = item["sellerFulfillmentOrderItemId"]
        if item_id not in known:
            raise invalid_input(f"sellerFulfillmentOrderItemId {item_id:.50} is not in the order.")
        if "sellerSku" in item and item["sellerSku"] != known[item_id]["sellerSku"]:
            raise invalid_input(f"sellerSku of item {item_id:.50} cannot be changed.")
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise invalid_input(f"Value for parameter quantity of item {item_id:.50} is invalid.")
        if quantity > int(known[item_id]["quantity"]):
            raise invalid_input(
                f"quantity of item {item_id:.50} cannot exceed the quantity ordered "
                f"({known[item_id]['quantity']})."
            )
        _text(item, "giftMessage", 512, required=False)
        _text(item, "displayableComment", 250, required=False)
        for key in ("perUnitDeclaredValue", "perUnitPrice", "perUnitTax"):
            _money(item.get(key), key)


@spapi_operation("fbaOutbound.updateFulfillmentOrder")
async def update_fulfillment_order(request: Request, ctx: OperationContext) -> JsonBody:
    order = _find(ctx, request)
    body = await read_json_object(request)
    if order.cancelled_at is not None or order.body.get("fulfillmentAction") != "Hold":
        raise invalid_input(
            "Only a fulfillment order with an order hold (fulfillmentAction Hold) can be updated."
        )
    _validate_update(ctx, order, body)
    for key, value in body.items():
        if key != "items":
            order.body[key] = copy.deepcopy(value)  # destinationAddress: replaced whole
    by_id = {i["sellerFulfillmentOrderItemId"]: i for i in order.body["items"]}
    for item in body.get("items", []):
        by_id[item["sellerFulfillmentOrderItemId"]].update(
            {k: copy.deepcopy(v) for k, v in item.items() if k != "sellerSku"}
        )
    if body.get("fulfillmentAction") == "Ship":
        order.released = ctx.state.clock()
    return {}


# ------------------------------------------------------------------ tracking


def _by_package(ctx: OperationContext, number: int) -> OutboundOrder | None:
    clock = ctx.state.clock()
    for order in store(ctx).orders.values():
        if package_number(order) == number and shipped_at(order, clock) is not None:
            return order
    return None


@spapi_operation("fbaOutbound.getPackageTrackingDetails")
async def get_package_tracking_details(request: Request, ctx: OperationContext) -> JsonBody:
    raw = request.query_params.get("packageNumber", "")
    if not raw:
        raise invalid_input("Missing required parameter: packageNumber.")
    try:
        number = int(raw)
    except ValueError:
        raise invalid_input(f"Value {raw:.20} for parameter packageNumber is invalid.") from None
    if not 0 < number < 2**31:
        raise invalid_input(f"Value {number} for parameter packageNumber is invalid.")
    order = _by_package(ctx, number)
    if order is None:
        raise not_found(f"No package with packageNumber {number} was found.")
    return {"payload": tracking_json(order, ctx.state.clock(), emulator_now(ctx.state))}


# ------------------------------------------------------------------ returns


@spapi_operation("fbaOutbound.listReturnReasonCodes")
async def list_return_reason_codes(request: Request, ctx: OperationContext) -> JsonBody:
    sku = require_query(request, "sellerSku")
    marketplace = request.query_params.get("marketplaceId")
    order_id = request.query_params.get("sellerFulfillmentOrderId")
    if marketplace is None and order_id is None:
        raise invalid_input("Either marketplaceId or sellerFulfillmentOrderId is required.")
    if marketplace is not None and marketplace not in {
        m["id"] for m in ctx.state.data.marketplaces
    }:
        raise invalid_input(f"Value {marketplace:.40} for parameter marketplaceId is invalid.")
    if order_id is not None and order_id not in store(ctx).orders:
        raise invalid_input(
            "Requested order not found.", f"sellerFulfillmentOrderId={order_id:.40}"
        )
    if sku not in ctx.state.data.inventory:
        raise invalid_input(f"Value {sku:.50} for parameter sellerSku is invalid.")
    language = request.query_params.get("language") or ""
    translated = TRANSLATIONS.get(language.split("_")[0].lower(), {})
    details = []
    for code, description in REASON_CODES.items():
        entry = {"returnReasonCode": code, "description": description}
        if code in translated:
            entry["translatedDescription"] = translated[code]
        details.append(entry)
    return {"payload": {"reasonCodeDetails": details}}


def _invalid(item: dict[str, Any], code: str, description: str) -> dict[str, Any]:
    return {
        "sellerReturnItemId": item["sellerReturnItemId"],
        "sellerFulfillmentOrderItemId": item["sellerFulfillmentOrderItemId"],
        "invalidItemReason": {"invalidItemReasonCode": code, "description": description},
    }


def _return_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise invalid_input("Missing required field: items.")
    for item in items:
        if not isinstance(item, dict):
            raise invalid_input("Each item must be an object.")
        for key, limit in (
            ("sellerReturnItemId", 80),
            ("sellerFulfillmentOrderItemId", 50),
            ("amazonShipmentId", None),
            ("returnReasonCode", None),
        ):
            _text(item, key, limit)
        _text(item, "returnComment", 1000, required=False)
    return items


@spapi_operation("fbaOutbound.createFulfillmentReturn")
async def create_fulfillment_return(request: Request, ctx: OperationContext) -> JsonBody:
    order = _find(ctx, request)
    items = _return_items(await read_json_object(request))
    clock = ctx.state.clock()
    shipped = shipped_at(order, clock) is not None
    ordered = {i["sellerFulfillmentOrderItemId"]: int(i["quantity"]) for i in order.body["items"]}
    used = {r["sellerReturnItemId"] for o in store(ctx).orders.values() for r in o.returns}
    accepted: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    authorization_id = f"RA{_digest(order):08d}{len(order.authorizations) + 1:02d}"
    for item in items:
        item_id = item["sellerFulfillmentOrderItemId"]
        returned = sum(
            1 for r in [*order.returns, *accepted] if r["sellerFulfillmentOrderItemId"] == item_id
        )
        if item["sellerReturnItemId"] in used:
            invalid.append(_invalid(item, "DuplicateRequest", "The return item was requested."))
        elif not shipped:
            invalid.append(_invalid(item, "NoCompletedShipItems", "No item has shipped yet."))
        elif (
            item_id not in ordered
            or item["amazonShipmentId"] != shipment_id(order)
            or item["returnReasonCode"] not in REASON_CODES
        ):
            invalid.append(_invalid(item, "InvalidValues", "The item's values are invalid."))
        elif returned >= ordered[item_id]:
            invalid.append(_invalid(item, "NoReturnableQuantity", "No units left to return."))
        else:
            used.add(item["sellerReturnItemId"])
            entry = {
                "sellerReturnItemId": item["sellerReturnItemId"],
                "sellerFulfillmentOrderItemId": item_id,
                "amazonShipmentId": item["amazonShipmentId"],
                "sellerReturnReasonCode": item["returnReasonCode"],
                "status": "New",
                "statusChangedDate": iso(emulator_now(ctx.state)),
                "returnAuthorizationId": authorization_id,
            }
            if item.get("returnComment"):
                entry["returnComment"] = item["returnComment"]
            accepted.append(entry)
    authorizations: list[dict[str, Any]] = []
    if accepted:
        authorizations.append(
            {
                "returnAuthorizationId": authorization_id,
                "fulfillmentCenterId": "SEA8",
                "returnToAddress": dict(FULFILLMENT_CENTER),
                "amazonRmaId": f"D{_digest(order):08d}{len(order.authorizations) + 1:02d}",
                "rmaPageURL": f"https://sellercentral.amazon.com/returns/{authorization_id}",
            }
        )
        order.returns.extend(accepted)
        order.authorizations.extend(authorizations)
    return {
        "payload": {
            "returnItems": copy.deepcopy(accepted),
            "invalidReturnItems": invalid,
            "returnAuthorizations": copy.deepcopy(authorizations),
        }
    }


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
    Route(f"{BASE}/tracking", get_package_tracking_details, methods=["GET"]),
    Route(f"{BASE}/returnReasonCodes", list_return_reason_codes, methods=["GET"]),
    Route(f"{BASE}/fulfillmentOrders", list_all_fulfillment_orders, methods=["GET"]),
    Route(f"{BASE}/fulfillmentOrders", create_fulfillment_order, methods=["POST"]),
    Route(
        f"{BASE}/fulfillmentOrders/{{sellerFulfillmentOrderId}}",
        get_fulfillment_order,
        methods=["GET"],
    ),
    Route(
        f"{BASE}/fulfillmentOrders/{{sellerFulfillmentOrderId}}",
        update_fulfillment_order,
        methods=["PUT"],
    ),
    Route(
        f"{BASE}/fulfillmentOrders/{{sellerFulfillmentOrderId}}/return",
        create_fulfillment_return,
        methods=["PUT"],
    ),
    Route(
        f"{BASE}/fulfillmentOrders/{{sellerFulfillmentOrderId}}/cancel",
        cancel_fulfillment_order,
        methods=["PUT"],
    ),
]
