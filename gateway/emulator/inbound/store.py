"""The emulated Fulfillment Inbound state shared by the v0 and 2024-03-20 endpoints.

Per seller (the token's selling partner) the store keeps:

* inbound plans (2024-03-20): items, source address, packing options, placement options with
  their shipments, packing information (boxes), transportation options;
* asynchronous operations: each runs ``InboundStore.operation_seconds`` on the emulator clock
  (``state.clock.advance`` in tests), ``IN_PROGRESS`` until then, and applies its effect when it
  is first seen due (``SUCCESS``) or ends ``FAILED`` with the problems its effect reports (or
  the problem a test queued in ``fail_operations``);
* shipments: a 2024-03-20 shipment gets an ``FBA...`` confirmation id when its placement
  option is confirmed and from then on is also a v0 shipment (getShipments, items, labels),
  next to the legacy v0 shipments seeded for the demo seller.

Everything is deterministic: ids come from the emulator's seeded RNG.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gateway.emulator.common import OperationContext, iso
from gateway.emulator.data import PRIMARY_MARKETPLACE, SeedData

IN_PROGRESS, SUCCESS, FAILED = "IN_PROGRESS", "SUCCESS", "FAILED"

# Amazon fulfillment centers the placements send shipments to (invented addresses).
CENTERS: dict[str, dict[str, str]] = {
    "ABE2": {"city": "Breinigsville", "stateOrProvinceCode": "PA", "postalCode": "18031",
             "addressLine1": "705 Boulder Drive", "countryCode": "US"},
    "SDF8": {"city": "Jeffersonville", "stateOrProvinceCode": "IN", "postalCode": "47130",
             "addressLine1": "900 Patrol Road", "countryCode": "US"},
    "ONT8": {"city": "Moreno Valley", "stateOrProvinceCode": "CA", "postalCode": "92551",
             "addressLine1": "24300 Nandina Avenue", "countryCode": "US"},
    "YYZ4": {"city": "Brampton", "stateOrProvinceCode": "ON", "postalCode": "L6Y 0M1",
             "addressLine1": "8050 Heritage Road", "countryCode": "CA"},
}  # fmt: skip
CENTERS_BY_COUNTRY = {"US": ("ABE2", "SDF8", "ONT8"), "CA": ("YYZ4",)}

# 2024-03-20 prepType -> v0 PrepInstruction (how Amazon shows one in the other API)
PREP_TYPES_V0: dict[str, str] = {
    "ITEM_POLYBAGGING": "Polybagging",
    "ITEM_BUBBLEWRAP": "BubbleWrapping",
    "ITEM_TAPING": "Taping",
    "ITEM_BLACK_SHRINKWRAP": "BlackShrinkWrapping",
    "ITEM_LABELING": "Labeling",
    "ITEM_HANG_GARMENT": "HangGarment",
    "ITEM_SETCREAT": "SetCreation",
    "ITEM_BOXING": "Boxing",
    "ITEM_RMOVHANG": "RemoveFromHanger",
    "ITEM_DEBUNDLE": "Debundle",
    "ITEM_SUFFOSTK": "SuffocationStickering",
    "ITEM_CAP_SEALING": "CapSealing",
    "ITEM_SETSTK": "SetStickering",
    "ITEM_BLANKSTK": "BlankStickering",
    "ITEM_SIOC": "ShipsInProductPackaging",
    "ITEM_NO_PREP": "NoPrep",
}
BOX_SOURCES_V0 = {
    "MANUAL_PROCESS": "NONE",
    "BARCODE_2D": "2D_BARCODE",
    "BOX_CONTENT_PROVIDED": "FEED",
}

Effect = Callable[[], list[dict[str, str]]]


@dataclass
class Operation:
    operation_id: str
    operation: str
    seller_id: str
    plan_id: str | None
    due: float  # emulator clock
    effect: Effect | None = None
    forced_problem: str | None = None
    status: str = IN_PROGRESS
    problems: list[dict[str, str]] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "operationId": self.operation_id,
            "operationProblems": list(self.problems),
            "operationStatus": self.status,
        }


@dataclass
class Shipment:
    shipment_id: str
    plan_id: str
    placement_option_id: str
    seller_id: str
    marketplace_id: str
    warehouse_id: str
    items: list[dict[str, Any]]  # 2024-03-20 Item objects
    source: dict[str, Any]  # 2024-03-20 Address
    created: datetime
    updated: datetime
    name: str = ""
    status: str = "UNCONFIRMED"
    confirmation_id: str | None = None
    boxes: list[dict[str, Any]] = field(default_factory=list)  # BoxInput, quantity expanded
    transport_option_id: str | None = None
    tracking: dict[str, Any] | None = None
    pallets: list[dict[str, Any]] = field(default_factory=list)  # from the transport request
    label_pages: int = 0  # labels printed so far (READY_TO_SHIP once printed)
    previews: list[dict[str, Any]] = field(default_factory=list)  # content update previews

    def destination(self) -> dict[str, Any]:
        center = CENTERS[self.warehouse_id]
        address = {"name": f"Amazon.com Services, Inc. ({self.warehouse_id})", **center}
        return {
            "destinationType": "AMAZON_WAREHOUSE",
            "warehouseId": self.warehouse_id,
            "address": address,
        }


@dataclass
class Plan:
    plan_id: str
    seller_id: str
    name: str
    marketplace_id: str
    source: dict[str, Any]
    items: list[dict[str, Any]]  # ItemInput as given
    created: datetime
    updated: datetime
    status: str = "ACTIVE"
    ready: bool = False  # createInboundPlan's operation succeeded
    packing_options: list[dict[str, Any]] = field(default_factory=list)
    packing_groups: dict[str, list[str]] = field(default_factory=dict)  # group -> mskus
    placement_options: list[dict[str, Any]] = field(default_factory=list)
    shipments: dict[str, Shipment] = field(default_factory=dict)
    transport_options: list[dict[str, Any]] = field(default_factory=list)
    boxes_by_group: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def confirmed_placement(self) -> dict[str, Any] | None:
        return next((p for p in self.placement_options if p["status"] == "ACCEPTED"), None)

    def confirmed_packing(self) -> dict[str, Any] | None:
        return next((p for p in self.packing_options if p["status"] == "ACCEPTED"), None)


@dataclass
class LegacyShipment:
    """A v0 shipment created before (or outside) the 2024-03-20 API: InboundShipmentInfo."""

    info: dict[str, Any]
    items: list[dict[str, Any]]
    seller_id: str
    marketplace_id: str
    updated: datetime


@dataclass
class InboundStore:
    operation_seconds: float = 1.0
    """How long every asynchronous operation stays IN_PROGRESS (emulator clock seconds)."""
    page_size: int = 10
    """Shipments or items per v0 page (getShipments, getShipmentItems)."""
    fail_operations: dict[str, str] = field(default_factory=dict)
    """operation name -> problem text: the next such operation ends FAILED with it."""
    plans: dict[str, Plan] = field(default_factory=dict)
    operations: dict[str, Operation] = field(default_factory=dict)
    legacy: dict[str, LegacyShipment] = field(default_factory=dict)
    seeded: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(20240320))

    # -- ids ------------------------------------------------------------------------------

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_id(self, prefix: str) -> str:
        """A 38-character id as 2024-03-20 issues them: two letters and a UUID."""
        return prefix + self.uuid()

    def confirmation_id(self) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        while True:
            candidate = "FBA17" + "".join(self.rng.choice(alphabet) for _ in range(7))
            if not any(candidate == s.confirmation_id for s in self.all_shipments()):
                return candidate

    # -- operations -----------------------------------------------------------------------

    def start(
        self,
        ctx: OperationContext,
        operation: str,
        plan_id: str | None,
        effect: Effect | None,
    ) -> Operation:
        op = Operation(
            operation_id=self.uuid(),
            operation=operation,
            seller_id=ctx.seller_id,
            plan_id=plan_id,
            due=ctx.state.clock() + self.operation_seconds,
            effect=effect,
            forced_problem=self.fail_operations.pop(operation, None),
        )
        self.operations[op.operation_id] = op
        self.tick(ctx)
        return op

    def tick(self, ctx: OperationContext) -> None:
        """Finish every due operation, oldest first (their effects build on each other)."""
        now = ctx.state.clock()
        for op in list(self.operations.values()):
            if op.status != IN_PROGRESS or op.due > now:
                continue
            if op.forced_problem is not None:
                op.problems = [problem("EmulatedFailure", op.forced_problem)]
            elif op.effect is not None:
                op.problems = op.effect()
            op.effect = None
            op.status = FAILED if op.problems else SUCCESS

    # -- lookups ---------------------------------------------------------------------------

    def all_shipments(self) -> list[Shipment]:
        return [s for p in self.plans.values() for s in p.shipments.values()]

    def v0_shipments(
        self, seller_id: str
    ) -> list[tuple[dict[str, Any], list[dict[str, Any]], str, datetime]]:
        """(InboundShipmentInfo, items, marketplace, last updated) of the seller's shipments."""
        out = [
            (s.info, s.items, s.marketplace_id, s.updated)
            for s in self.legacy.values()
            if s.seller_id == seller_id
        ]
        for shipment in self.all_shipments():
            if shipment.seller_id == seller_id and shipment.confirmation_id:
                out.append(
                    (
                        v0_info(shipment),
                        v0_items(shipment),
                        shipment.marketplace_id,
                        shipment.updated,
                    )
                )
        return out


def problem(code: str, message: str, severity: str = "ERROR") -> dict[str, str]:
    return {"code": code, "message": message, "severity": severity, "details": ""}


def inbound_store(ctx: OperationContext) -> InboundStore:
    found = ctx.state.section("fbaInbound", InboundStore)
    if not found.seeded:
        found.seeded = True
        found.rng.seed(ctx.state.config.seed + 15)
        seed(found, ctx.state.data, ctx.state.config.seller_id, ctx.state.data.anchor)
    return found


# ------------------------------------------------------------------ v0 views


def v0_address(address: dict[str, Any]) -> dict[str, Any]:
    """A 2024-03-20 Address as the v0 (PascalCase) Address."""
    keys = (
        ("Name", "name"),
        ("AddressLine1", "addressLine1"),
        ("AddressLine2", "addressLine2"),
        ("DistrictOrCounty", "districtOrCounty"),
        ("City", "city"),
        ("StateOrProvinceCode", "stateOrProvinceCode"),
        ("CountryCode", "countryCode"),
        ("PostalCode", "postalCode"),
    )
    return {v0: address[key] for v0, key in keys if address.get(key)}


def label_prep_type(items: list[dict[str, Any]]) -> str:
    owners = {str(i.get("labelOwner")) for i in items}
    if "AMAZON" in owners:
        return "AMAZON_LABEL"
    if "SELLER" in owners:
        return "SELLER_LABEL"
    return "NO_LABEL"


def v0_status(shipment: Shipment) -> str:
    if shipment.status == "WORKING" and shipment.label_pages:
        return "READY_TO_SHIP"
    if shipment.status == "CANCELLED":
        return "DELETED"
    return shipment.status


def v0_info(shipment: Shipment) -> dict[str, Any]:
    info: dict[str, Any] = {
        "ShipmentId": shipment.confirmation_id,
        "ShipmentName": shipment.name,
        "ShipFromAddress": v0_address(shipment.source),
        "DestinationFulfillmentCenterId": shipment.warehouse_id,
        "ShipmentStatus": v0_status(shipment),
        "LabelPrepType": label_prep_type(shipment.items),
        "AreCasesRequired": False,
    }
    if shipment.boxes:
        source = str(shipment.boxes[0].get("contentInformationSource", "MANUAL_PROCESS"))
        info["BoxContentsSource"] = BOX_SOURCES_V0.get(source, "NONE")
    return info


def v0_items(shipment: Shipment) -> list[dict[str, Any]]:
    out = []
    for item in shipment.items:
        prep = [
            {"PrepInstruction": PREP_TYPES_V0[p["prepType"]], "PrepOwner": p["prepOwner"]}
            for p in item.get("prepInstructions") or []
            if p.get("prepType") in PREP_TYPES_V0
            and p["prepType"] != "ITEM_NO_PREP"
            and p.get("prepOwner") in ("AMAZON", "SELLER")
        ]
        row: dict[str, Any] = {
            "ShipmentId": shipment.confirmation_id,
            "SellerSKU": item["msku"],
            "FulfillmentNetworkSKU": item["fnsku"],
            "QuantityShipped": item["quantity"],
            "QuantityReceived": 0,
            "QuantityInCase": 0,
        }
        if prep:
            row["PrepDetailsList"] = prep
        out.append(row)
    return out


# ------------------------------------------------------------------ seed


def seed(store: InboundStore, data: SeedData, seller_id: str, now: datetime) -> None:
    """Three legacy v0 shipments of the demo seller with SKUs of its FBA inventory, last
    updated 30, 5 and 1 days before the data set's anchor."""
    skus = sorted(data.inventory)
    if not skus:
        return
    source = {
        "Name": "Emulated Example Store",
        "AddressLine1": "1200 Warehouse Way",
        "City": "Seattle",
        "StateOrProvinceCode": "WA",
        "CountryCode": "US",
        "PostalCode": "98108",
    }
    stages = (
        ("FBA15SEED0001", "CLOSED", 30, "ABE2", "SELLER_LABEL"),
        ("FBA15SEED0002", "RECEIVING", 5, "SDF8", "SELLER_LABEL"),
        ("FBA15SEED0003", "WORKING", 1, "ONT8", "NO_LABEL"),
    )
    for n, (shipment_id, status, age_days, center, label) in enumerate(stages):
        updated = now - timedelta(days=age_days, hours=n)
        items = []
        for k in range(2):
            sku = skus[(2 * n + k) % len(skus)]
            inventory = data.inventory[sku]
            shipped = 12 + 6 * k + 3 * n
            received = shipped if status == "CLOSED" else (shipped // 2 if k == 0 else 0)
            if status == "WORKING":
                received = 0
            row: dict[str, Any] = {
                "ShipmentId": shipment_id,
                "SellerSKU": sku,
                "FulfillmentNetworkSKU": inventory["fnSku"],
                "QuantityShipped": shipped,
                "QuantityReceived": received,
                "QuantityInCase": 6 if k == 0 else 0,
            }
            if k == 1:
                row["PrepDetailsList"] = [{"PrepInstruction": "Polybagging", "PrepOwner": "SELLER"}]
            items.append(row)
        info = {
            "ShipmentId": shipment_id,
            "ShipmentName": f"Seeded shipment {n + 1} ({iso(updated)[:10]})",
            "ShipFromAddress": dict(source),
            "DestinationFulfillmentCenterId": center,
            "ShipmentStatus": status,
            "LabelPrepType": label,
            "AreCasesRequired": n == 0,
            "BoxContentsSource": "FEED" if n == 0 else "NONE",
        }
        if n == 1:
            info["EstimatedBoxContentsFee"] = {
                "TotalUnits": sum(int(i["QuantityShipped"]) for i in items),
                "FeePerUnit": {"CurrencyCode": "USD", "Value": 0.15},
                "TotalFee": {
                    "CurrencyCode": "USD",
                    "Value": round(0.15 * sum(int(i["QuantityShipped"]) for i in items), 2),
                },
            }
        store.legacy[shipment_id] = LegacyShipment(
            info, items, seller_id, PRIMARY_MARKETPLACE, updated
        )
