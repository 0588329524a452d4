"""Fulfillment Inbound API 2024-03-20: inbound plans, options, shipments, operations.

The workflow as Amazon runs it: ``createInboundPlan`` (the plan is usable once its operation
succeeded; an unknown msku makes it FAILED with a problem naming it) ->
``generatePackingOptions`` / ``listPackingOptions`` / ``confirmPackingOption`` (one standard
option with one packing group) -> ``generatePlacementOptions`` (needs a confirmed packing
option; a one-shipment option with a placement fee and, for two or more SKUs, a free option
splitting them over two fulfillment centers) -> ``confirmPlacementOption`` (its shipments become
WORKING with an ``FBA...`` confirmation id, the others ABANDONED) -> ``setPackingInformation``
(boxes per shipment) -> ``generateTransportationOptions`` (own carrier always; Amazon-partnered
small parcel once the shipment has boxes, partnered LTL when pallets, freight information and
a contact are given) -> ``confirmTransportationOptions``. ``updateShipmentName``,
``updateShipmentSourceAddress`` (before transport is confirmed; it drops the shipment's
transportation options), content update previews (new items and boxes for a shipment whose
carrier is confirmed: a preview with the new quote, then confirmed) and ``cancelInboundPlan``
complete the set. Every mutating call returns
an operation (``getInboundOperationStatus``) that applies its effect when it finishes on the
emulator clock. Bodies are validated as SP-API does: 400 InvalidInput, unknown ids 404.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    emulator_now,
    invalid_input,
    iso,
    not_found,
    page_offset,
    page_token,
    parse_datetime,
    read_json_object,
    spapi_operation,
)
from gateway.emulator.data import MARKETPLACES, PRIMARY_MARKETPLACE
from gateway.emulator.inbound.prep import prep_types
from gateway.emulator.inbound.store import (
    CENTERS_BY_COUNTRY,
    InboundStore,
    Operation,
    Plan,
    Shipment,
    inbound_store,
    problem,
)

BASE = "/inbound/fba/2024-03-20"
API = "fbaInbound2024"
_ID = re.compile(r"^[a-zA-Z0-9-]*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DATE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])$")
OWNERS = ("AMAZON", "SELLER", "NONE")
BOX_SOURCES = ("BOX_CONTENT_PROVIDED", "MANUAL_PROCESS", "BARCODE_2D")
FREIGHT_CLASSES = (
    "NONE", "FC_50", "FC_55", "FC_60", "FC_65", "FC_70", "FC_77_5", "FC_85", "FC_92_5",
    "FC_100", "FC_110", "FC_125", "FC_150", "FC_175", "FC_200", "FC_250", "FC_300",
    "FC_400", "FC_500",
)  # fmt: skip
# AddressInput: field -> (max length, required)
ADDRESS_FIELDS: dict[str, tuple[int, bool]] = {
    "addressLine1": (180, True),
    "addressLine2": (60, False),
    "city": (30, True),
    "companyName": (50, False),
    "countryCode": (2, True),
    "districtOrCounty": (50, False),
    "email": (1024, False),
    "name": (50, True),
    "phoneNumber": (20, True),
    "postalCode": (32, True),
    "stateOrProvinceCode": (64, False),
}
SHIPPING_CONFIGURATIONS = (
    ("GROUND_SMALL_PARCEL", "AMAZON_PARTNERED_CARRIER"),
    ("GROUND_SMALL_PARCEL", "USE_YOUR_OWN_CARRIER"),
    ("FREIGHT_LTL", "AMAZON_PARTNERED_CARRIER"),
    ("FREIGHT_LTL", "USE_YOUR_OWN_CARRIER"),
)
PARTNERED_SPD = {"name": "UNITED PARCEL SERVICE INC", "alphaCode": "UPSN"}
PARTNERED_LTL = {"name": "Emulated Freight Lines", "alphaCode": "EMFL"}
OWN_CARRIER = {"name": "Other"}


def _accepted(body: dict[str, Any]) -> Response:
    return JSONResponse(body, status_code=202)


def _operation(op: Operation) -> Response:
    return _accepted({"operationId": op.operation_id})


def _currency(marketplace_id: str) -> str:
    return str(MARKETPLACES.get(marketplace_id, {}).get("defaultCurrencyCode", "USD"))


def _money(amount: Decimal, code: str) -> dict[str, Any]:
    return {"amount": float(amount.quantize(Decimal("0.01"))), "code": code}


# ------------------------------------------------------------------ validation


def _path_id(request: Request, name: str, lo: int = 38, hi: int = 38) -> str:
    value = str(request.path_params[name])
    if not lo <= len(value) <= hi or not _ID.match(value):
        raise invalid_input(f"Invalid {name}: {value[:64]!r}.")
    return value


def _string(obj: dict[str, Any], key: str, where: str, hi: int, *, required: bool) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise invalid_input(f"Missing required field {where}{key}.")
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= hi:
        raise invalid_input(f"{where}{key} must be a string of 1 to {hi} characters.")
    return value


def _integer(obj: dict[str, Any], key: str, where: str, lo: int, hi: int) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise invalid_input(f"{where}{key} must be an integer between {lo} and {hi}.")
    return value


def _number(obj: dict[str, Any], key: str, where: str) -> float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100000:
        raise invalid_input(f"{where}{key} must be a number between 0 and 100000.")
    return float(value)


def _enum(obj: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str:
    value = obj.get(key)
    if value not in allowed:
        raise invalid_input(f"{where}{key} must be one of {', '.join(allowed)}.")
    return str(value)


def _object(obj: dict[str, Any], key: str, where: str, *, required: bool = True) -> Any:
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise invalid_input(f"Missing required field {where}{key}.")
    return value


def _list(obj: dict[str, Any], key: str, where: str, lo: int, hi: int) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list) or not lo <= len(value) <= hi:
        raise invalid_input(f"{where}{key} must be a list of {lo} to {hi} entries.")
    return value


def address_input(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid_input(f"Missing required field {where}.")
    out: dict[str, Any] = {}
    unknown = set(raw) - set(ADDRESS_FIELDS)
    if unknown:
        raise invalid_input(f"Unknown field {where}.{sorted(unknown)[0]}.")
    for key, (hi, required) in ADDRESS_FIELDS.items():
        value = _string(raw, key, f"{where}.", hi, required=required)
        if value is not None:
            out[key] = value
    if not _COUNTRY.match(out["countryCode"]):
        raise invalid_input(f"{where}.countryCode must be a two-letter ISO 3166 code.")
    return out


def item_input(raw: Any, where: str, marketplace_id: str | None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid_input(f"{where} must be an object.")
    item: dict[str, Any] = {
        "msku": _string(raw, "msku", f"{where}.", 255, required=True),
        "quantity": _integer(raw, "quantity", f"{where}.", 1, 500000),
        "prepOwner": _enum(raw, "prepOwner", f"{where}.", OWNERS),
        "labelOwner": _enum(raw, "labelOwner", f"{where}.", OWNERS),
    }
    expiration = raw.get("expiration")
    if expiration is not None:
        if not isinstance(expiration, str) or not _DATE.match(expiration):
            raise invalid_input(f"{where}.expiration must be a date (YYYY-MM-DD).")
        item["expiration"] = expiration
    lot = _string(raw, "manufacturingLotCode", f"{where}.", 256, required=False)
    if lot is not None:
        item["manufacturingLotCode"] = lot
    if marketplace_id == PRIMARY_MARKETPLACE:
        for key in ("labelOwner", "prepOwner"):
            if item[key] == "AMAZON":
                raise invalid_input(
                    f"{where}.{key}: AMAZON is not an accepted value in the US marketplace."
                )
    return item


def _dimensions(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid_input(f"Missing required field {where}.")
    return {
        "height": _number(raw, "height", f"{where}."),
        "length": _number(raw, "length", f"{where}."),
        "width": _number(raw, "width", f"{where}."),
        "unitOfMeasurement": _enum(raw, "unitOfMeasurement", f"{where}.", ("IN", "CM")),
    }


def _weight(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid_input(f"Missing required field {where}.")
    return {
        "unit": _enum(raw, "unit", f"{where}.", ("LB", "KG")),
        "value": _number(raw, "value", f"{where}."),
    }


def _contact(raw: Any, where: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid_input(f"{where} must be an object.")
    contact = {
        "name": _string(raw, "name", f"{where}.", 50, required=True),
        "phoneNumber": _string(raw, "phoneNumber", f"{where}.", 20, required=True),
    }
    email = _string(raw, "email", f"{where}.", 1024, required=False)
    if email:
        contact["email"] = email
    return contact


def _pagination(request: Request, hi: int, default: int = 10) -> tuple[int, int]:
    raw = request.query_params.get("pageSize")
    size = default
    if raw is not None:
        try:
            size = int(raw)
        except ValueError:
            raise invalid_input("pageSize must be an integer.") from None
        if not 1 <= size <= hi:
            raise invalid_input(f"pageSize must be between 1 and {hi}.")
    return size, page_offset(request, "paginationToken")


def _page(request: Request, key: str, rows: list[Any], hi: int, default: int = 10) -> JsonBody:
    size, offset = _pagination(request, hi, default)
    body: dict[str, Any] = {key: rows[offset : offset + size]}
    if offset + size < len(rows):
        body["pagination"] = {"nextToken": page_token(offset + size, request, "paginationToken")}
    return body


# ------------------------------------------------------------------ lookups


def _store(ctx: OperationContext) -> InboundStore:
    store = inbound_store(ctx)
    store.tick(ctx)
    return store


def _plan(request: Request, ctx: OperationContext) -> tuple[InboundStore, Plan]:
    plan_id = _path_id(request, "inboundPlanId")
    store = _store(ctx)
    plan = store.plans.get(plan_id)
    if plan is None or plan.seller_id != ctx.seller_id:
        raise not_found(f"Inbound plan {plan_id} was not found.")
    return store, plan


def _active(plan: Plan) -> None:
    if plan.status != "ACTIVE":
        raise invalid_input(f"Inbound plan {plan.plan_id} is {plan.status}.")
    if not plan.ready:
        raise invalid_input(
            f"Inbound plan {plan.plan_id} is still being created; "
            "wait until its createInboundPlan operation has succeeded."
        )


def _shipment(request: Request, plan: Plan) -> Shipment:
    shipment_id = _path_id(request, "shipmentId")
    shipment = plan.shipments.get(shipment_id)
    if shipment is None:
        raise not_found(f"Shipment {shipment_id} was not found in plan {plan.plan_id}.")
    return shipment


def _now(ctx: OperationContext) -> datetime:
    return emulator_now(ctx.state)


# ------------------------------------------------------------------ JSON views


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "createdAt": iso(plan.created),
        "inboundPlanId": plan.plan_id,
        "lastUpdatedAt": iso(plan.updated),
        "marketplaceIds": [plan.marketplace_id],
        "name": plan.name,
        "sourceAddress": dict(plan.source),
        "status": plan.status,
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    body = plan_summary(plan)
    if plan.packing_options:
        body["packingOptions"] = [
            {"packingOptionId": p["packingOptionId"], "status": p["status"]}
            for p in plan.packing_options
        ]
    if plan.placement_options:
        body["placementOptions"] = [
            {"placementOptionId": p["placementOptionId"], "status": p["status"]}
            for p in plan.placement_options
        ]
        body["shipments"] = [
            {"shipmentId": s.shipment_id, "status": s.status} for s in plan.shipments.values()
        ]
    return body


def shipment_json(shipment: Shipment) -> dict[str, Any]:
    body: dict[str, Any] = {
        "destination": shipment.destination(),
        "name": shipment.name,
        "placementOptionId": shipment.placement_option_id,
        "shipmentId": shipment.shipment_id,
        "source": {"sourceType": "SELLER_FACILITY", "address": dict(shipment.source)},
        "status": shipment.status,
    }
    if shipment.confirmation_id:
        body["shipmentConfirmationId"] = shipment.confirmation_id
        body["amazonReferenceId"] = f"REF{shipment.confirmation_id[3:]}"
    if shipment.transport_option_id:
        body["selectedTransportationOptionId"] = shipment.transport_option_id
    if shipment.tracking:
        body["trackingDetails"] = shipment.tracking
    return body


# ------------------------------------------------------------------ plans


@spapi_operation(f"{API}.createInboundPlan")
async def create_inbound_plan(request: Request, ctx: OperationContext) -> Response:
    body = await read_json_object(request)
    markets = _list(body, "destinationMarketplaces", "", 1, 1)
    marketplace = markets[0]
    if not isinstance(marketplace, str) or marketplace not in MARKETPLACES:
        raise invalid_input(f"Unknown destination marketplace {str(marketplace)[:32]!r}.")
    raw_items = _list(body, "items", "", 1, 2000)
    items = [item_input(raw, f"items[{n}]", marketplace) for n, raw in enumerate(raw_items)]
    mskus = [i["msku"] for i in items]
    if len(set(mskus)) != len(mskus):
        raise invalid_input("items: each msku may be given only once.")
    source = address_input(body.get("sourceAddress"), "sourceAddress")
    now = _now(ctx)
    name = _string(body, "name", "", 40, required=False) or f"FBA ({now:%m/%d/%Y, %H:%M})"
    store = _store(ctx)
    plan = Plan(
        plan_id=store.new_id("wf"),
        seller_id=ctx.seller_id,
        name=name,
        marketplace_id=marketplace,
        source=source,
        items=items,
        created=now,
        updated=now,
    )
    store.plans[plan.plan_id] = plan
    data = ctx.state.data

    def effect() -> list[dict[str, str]]:
        problems = [
            problem(
                "FBA_INB_0004",
                f"The msku '{i['msku']}' could not be found in marketplace {marketplace}; "
                "add it to your catalog before sending it to Amazon.",
            )
            for i in items
            if i["msku"] not in data.listings
        ]
        if problems:
            plan.status = "ERRORED"
            return problems
        plan.ready = True
        return []

    op = store.start(ctx, "createInboundPlan", plan.plan_id, effect)
    return _accepted({"inboundPlanId": plan.plan_id, "operationId": op.operation_id})


@spapi_operation(f"{API}.listInboundPlans")
async def list_inbound_plans(request: Request, ctx: OperationContext) -> JsonBody:
    store = _store(ctx)
    status = request.query_params.get("status")
    if status is not None and status not in ("ACTIVE", "VOIDED", "SHIPPED"):
        raise invalid_input("status must be ACTIVE, VOIDED or SHIPPED.")
    sort_by = request.query_params.get("sortBy", "LAST_UPDATED_TIME")
    if sort_by not in ("LAST_UPDATED_TIME", "CREATION_TIME"):
        raise invalid_input("sortBy must be LAST_UPDATED_TIME or CREATION_TIME.")
    order = request.query_params.get("sortOrder", "ASC")
    if order not in ("ASC", "DESC"):
        raise invalid_input("sortOrder must be ASC or DESC.")
    plans = [p for p in store.plans.values() if p.seller_id == ctx.seller_id]
    if status is not None:
        plans = [p for p in plans if p.status == status]
    key: Callable[[Plan], Any] = (
        (lambda p: (p.created, p.plan_id))
        if sort_by == "CREATION_TIME"
        else (lambda p: (p.updated, p.plan_id))
    )
    plans.sort(key=key, reverse=order == "DESC")
    return _page(request, "inboundPlans", [plan_summary(p) for p in plans], 30)


@spapi_operation(f"{API}.getInboundPlan")
async def get_inbound_plan(request: Request, ctx: OperationContext) -> JsonBody:
    _, plan = _plan(request, ctx)
    return plan_json(plan)


@spapi_operation(f"{API}.cancelInboundPlan")
async def cancel_inbound_plan(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    if plan.status != "ACTIVE":
        raise invalid_input(f"Inbound plan {plan.plan_id} is {plan.status}.")
    if any(s.status in ("SHIPPED", "IN_TRANSIT", "DELIVERED") for s in plan.shipments.values()):
        raise invalid_input("The inbound plan has shipments on their way and can't be cancelled.")

    def effect() -> list[dict[str, str]]:
        plan.status = "VOIDED"
        plan.updated = _now(ctx)
        for shipment in plan.shipments.values():
            shipment.status = "CANCELLED"
            shipment.updated = plan.updated
        return []

    return _operation(store.start(ctx, "cancelInboundPlan", plan.plan_id, effect))


@spapi_operation(f"{API}.listInboundPlanItems")
async def list_inbound_plan_items(request: Request, ctx: OperationContext) -> JsonBody:
    _, plan = _plan(request, ctx)
    items = [_item(ctx, plan, i) for i in plan.items] if plan.ready else []
    return _page(request, "items", items, 1000)


# ------------------------------------------------------------------ packing


def _item(ctx: OperationContext, plan: Plan, item: dict[str, Any]) -> dict[str, Any]:
    """The 2024-03-20 Item of a plan item: ASIN, FNSKU and the prep Amazon requires."""
    sku = str(item["msku"])
    listing = ctx.state.data.listings.get(sku) or {}
    inventory = ctx.state.data.inventory.get(sku) or {}
    fnsku = str(inventory.get("fnSku") or f"X00{abs(hash(sku)) % 10**7:07d}")
    types = prep_types(sku)
    owner = str(item["prepOwner"])
    preps: list[dict[str, Any]] = []
    for prep_type in types or ["ITEM_NO_PREP"]:
        prep: dict[str, Any] = {"prepOwner": owner if types else "NONE", "prepType": prep_type}
        if owner == "AMAZON" and types:
            prep["fee"] = _money(Decimal("0.55"), _currency(plan.marketplace_id))
        preps.append(prep)
    out: dict[str, Any] = {
        "asin": str(listing.get("asin") or "B000000000")[:10],
        "fnsku": fnsku[:10],
        "labelOwner": item["labelOwner"],
        "msku": sku,
        "prepInstructions": preps,
        "quantity": item["quantity"],
    }
    for key in ("expiration", "manufacturingLotCode"):
        if key in item:
            out[key] = item[key]
    return out


@spapi_operation(f"{API}.generatePackingOptions")
async def generate_packing_options(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    _active(plan)
    if plan.confirmed_placement() is not None:
        raise invalid_input("Packing options can't be generated after a placement is confirmed.")

    def effect() -> list[dict[str, str]]:
        group = store.new_id("pg")
        plan.packing_groups = {group: [str(i["msku"]) for i in plan.items]}
        plan.packing_options = [
            {
                "discounts": [],
                "expiration": iso(_now(ctx) + timedelta(days=7)),
                "fees": [],
                "packingGroups": [group],
                "packingOptionId": store.new_id("po"),
                "status": "OFFERED",
                "supportedConfigurations": [
                    {
                        "boxPackingMethods": list(BOX_SOURCES),
                        "boxRequirements": {"weight": {"maximum": 50, "minimum": 0, "unit": "LB"}},
                        "shippingRequirements": [
                            {
                                "modes": ["GROUND_SMALL_PARCEL", "FREIGHT_LTL"],
                                "solution": solution,
                            }
                            for solution in ("AMAZON_PARTNERED_CARRIER", "USE_YOUR_OWN_CARRIER")
                        ],
                    }
                ],
                "supportedShippingConfigurations": [
                    {"shippingMode": mode, "shippingSolution": solution}
                    for mode, solution in SHIPPING_CONFIGURATIONS
                ],
            }
        ]
        plan.updated = _now(ctx)
        return []

    return _operation(store.start(ctx, "generatePackingOptions", plan.plan_id, effect))


@spapi_operation(f"{API}.listPackingOptions")
async def list_packing_options(request: Request, ctx: OperationContext) -> JsonBody:
    _, plan = _plan(request, ctx)
    return _page(request, "packingOptions", plan.packing_options, 20)


@spapi_operation(f"{API}.confirmPackingOption")
async def confirm_packing_option(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    _active(plan)
    option_id = _path_id(request, "packingOptionId")
    option = next((p for p in plan.packing_options if p["packingOptionId"] == option_id), None)
    if option is None:
        raise not_found(f"Packing option {option_id} was not found.")
    if option["status"] != "OFFERED":
        raise invalid_input(f"Packing option {option_id} is {option['status']}.")

    def effect() -> list[dict[str, str]]:
        for other in plan.packing_options:
            other["status"] = "ACCEPTED" if other is option else "EXPIRED"
        plan.updated = _now(ctx)
        return []

    return _operation(store.start(ctx, "confirmPackingOption", plan.plan_id, effect))


def _box(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid_input(f"{where} must be an object.")
    box: dict[str, Any] = {
        "contentInformationSource": _enum(
            raw, "contentInformationSource", f"{where}.", BOX_SOURCES
        ),
        "dimensions": _dimensions(raw.get("dimensions"), f"{where}.dimensions"),
        "weight": _weight(raw.get("weight"), f"{where}.weight"),
        "quantity": _integer(raw, "quantity", f"{where}.", 1, 10000),
    }
    items = raw.get("items")
    if items is not None:
        if not isinstance(items, list):
            raise invalid_input(f"{where}.items must be a list.")
        box["items"] = [item_input(i, f"{where}.items[{n}]", None) for n, i in enumerate(items)]
    if box["contentInformationSource"] == "BOX_CONTENT_PROVIDED" and not box.get("items"):
        raise invalid_input(f"{where}.items are required when the box content is provided.")
    return box


@spapi_operation(f"{API}.setPackingInformation")
async def set_packing_information(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    _active(plan)
    body = await read_json_object(request)
    groupings = _list(body, "packageGroupings", "", 1, 1000)
    parsed: list[tuple[str | None, str | None, list[dict[str, Any]]]] = []
    for n, raw in enumerate(groupings):
        where = f"packageGroupings[{n}]"
        if not isinstance(raw, dict):
            raise invalid_input(f"{where} must be an object.")
        group, shipment_id = raw.get("packingGroupId"), raw.get("shipmentId")
        if (group is None) == (shipment_id is None):
            raise invalid_input(f"{where}: give exactly one of packingGroupId and shipmentId.")
        if group is not None and group not in plan.packing_groups:
            raise invalid_input(f"{where}.packingGroupId {str(group)[:40]!r} is not in the plan.")
        if shipment_id is not None and shipment_id not in plan.shipments:
            raise invalid_input(f"{where}.shipmentId {str(shipment_id)[:40]!r} is not in the plan.")
        boxes = [
            _box(b, f"{where}.boxes[{k}]")
            for k, b in enumerate(_list(raw, "boxes", f"{where}.", 1, 5000))
        ]
        parsed.append((group, shipment_id, boxes))

    def effect() -> list[dict[str, str]]:
        for group, shipment_id, boxes in parsed:
            expanded = [dict(b, quantity=1) for b in boxes for _ in range(int(b["quantity"]))]
            targets = (
                [plan.shipments[shipment_id]]
                if shipment_id is not None
                else [s for s in plan.shipments.values() if s.status != "ABANDONED"]
            )
            for shipment in targets:
                shipment.boxes = expanded
                shipment.updated = _now(ctx)
            plan.boxes_by_group[str(group or shipment_id)] = expanded
        plan.updated = _now(ctx)
        return []

    return _operation(store.start(ctx, "setPackingInformation", plan.plan_id, effect))


# ------------------------------------------------------------------ placement


def _split(items: list[dict[str, Any]], centers: tuple[str, ...]) -> list[tuple[str, list[Any]]]:
    if len(items) < 2 or len(centers) < 3:
        return []
    first = [i for n, i in enumerate(items) if n % 2 == 0]
    second = [i for n, i in enumerate(items) if n % 2 == 1]
    return [(centers[1], first), (centers[2], second)]


@spapi_operation(f"{API}.generatePlacementOptions")
async def generate_placement_options(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    _active(plan)
    body = await read_json_object(request)
    custom = body.get("customPlacement")
    if custom is not None and not isinstance(custom, list):
        raise invalid_input("customPlacement must be a list.")
    if plan.confirmed_packing() is None:
        raise invalid_input(
            "A packing option must be confirmed before placement options are generated."
        )
    if plan.confirmed_placement() is not None:
        raise invalid_input("A placement option is already confirmed for this plan.")

    def effect() -> list[dict[str, str]]:
        now = _now(ctx)
        country = str(MARKETPLACES[plan.marketplace_id]["countryCode"])
        centers = CENTERS_BY_COUNTRY.get(country, CENTERS_BY_COUNTRY["US"])
        items = [_item(ctx, plan, i) for i in plan.items]
        units = sum(int(i["quantity"]) for i in items)
        code = _currency(plan.marketplace_id)
        layouts: list[tuple[list[tuple[str, list[Any]]], list[dict[str, Any]]]] = [
            (
                [(centers[0], items)],
                [
                    {
                        "description": "Minimal shipment splits placement fee",
                        "target": "Placement Services",
                        "type": "FEE",
                        "value": _money(Decimal("0.30") * units, code),
                    }
                ],
            )
        ]
        split = _split(items, centers)
        if split:
            layouts.append((split, []))
        for shipment in plan.shipments.values():
            shipment.status = "ABANDONED"
        plan.placement_options = []
        for layout, fees in layouts:
            option_id = store.new_id("pl")
            shipment_ids = []
            for center, group in layout:
                shipment = Shipment(
                    shipment_id=store.new_id("sh"),
                    plan_id=plan.plan_id,
                    placement_option_id=option_id,
                    seller_id=plan.seller_id,
                    marketplace_id=plan.marketplace_id,
                    warehouse_id=center,
                    items=[dict(i) for i in group],
                    source=dict(plan.source),
                    created=now,
                    updated=now,
                    name=f"FBA STA ({now:%m/%d/%Y %H:%M})-{center}",
                )
                plan.shipments[shipment.shipment_id] = shipment
                shipment_ids.append(shipment.shipment_id)
            plan.placement_options.append(
                {
                    "discounts": [],
                    "expiration": iso(now + timedelta(days=7)),
                    "fees": fees,
                    "placementOptionId": option_id,
                    "shipmentIds": shipment_ids,
                    "status": "OFFERED",
                }
            )
        plan.updated = now
        return []

    return _operation(store.start(ctx, "generatePlacementOptions", plan.plan_id, effect))


@spapi_operation(f"{API}.listPlacementOptions")
async def list_placement_options(request: Request, ctx: OperationContext) -> JsonBody:
    _, plan = _plan(request, ctx)
    return _page(request, "placementOptions", plan.placement_options, 20)


@spapi_operation(f"{API}.confirmPlacementOption")
async def confirm_placement_option(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    _active(plan)
    option_id = _path_id(request, "placementOptionId")
    option = next((p for p in plan.placement_options if p["placementOptionId"] == option_id), None)
    if option is None:
        raise not_found(f"Placement option {option_id} was not found.")
    if plan.confirmed_placement() is not None:
        raise invalid_input("A placement option is already confirmed for this plan.")
    if option["status"] != "OFFERED":
        raise invalid_input(f"Placement option {option_id} is {option['status']}.")

    def effect() -> list[dict[str, str]]:
        now = _now(ctx)
        for other in plan.placement_options:
            other["status"] = "ACCEPTED" if other is option else "EXPIRED"
        for shipment in plan.shipments.values():
            if shipment.placement_option_id == option_id:
                shipment.status = "WORKING"
                shipment.confirmation_id = store.confirmation_id()
            else:
                shipment.status = "ABANDONED"
            shipment.updated = now
        plan.updated = now
        return []

    return _operation(store.start(ctx, "confirmPlacementOption", plan.plan_id, effect))


# ------------------------------------------------------------------ shipments


@spapi_operation(f"{API}.getShipment")
async def get_shipment(request: Request, ctx: OperationContext) -> JsonBody:
    _, plan = _plan(request, ctx)
    return shipment_json(_shipment(request, plan))


@spapi_operation(f"{API}.listShipmentItems")
async def list_shipment_items(request: Request, ctx: OperationContext) -> JsonBody:
    _, plan = _plan(request, ctx)
    shipment = _shipment(request, plan)
    return _page(request, "items", [dict(i) for i in shipment.items], 1000)


@spapi_operation(f"{API}.listShipmentBoxes")
async def list_shipment_boxes(request: Request, ctx: OperationContext) -> JsonBody:
    _, plan = _plan(request, ctx)
    shipment = _shipment(request, plan)
    boxes = []
    for n, box in enumerate(shipment.boxes, 1):
        row = {
            "boxId": f"{shipment.confirmation_id or shipment.shipment_id[:12]}U{n:06d}",
            "contentInformationSource": box["contentInformationSource"],
            "dimensions": box["dimensions"],
            "packageId": f"pk{shipment.shipment_id[2:-6]}{n:06d}",
            "quantity": 1,
            "weight": box["weight"],
        }
        boxes.append(row)
    return _page(request, "boxes", boxes, 1000)


@spapi_operation(f"{API}.updateShipmentName")
async def update_shipment_name(request: Request, ctx: OperationContext) -> Response:
    _, plan = _plan(request, ctx)
    shipment = _shipment(request, plan)
    body = await read_json_object(request)
    name = _string(body, "name", "", 100, required=True)
    shipment.name = str(name)
    shipment.updated = _now(ctx)
    return Response(status_code=204)


@spapi_operation(f"{API}.updateShipmentSourceAddress")
async def update_shipment_source_address(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    shipment = _shipment(request, plan)
    body = await read_json_object(request)
    address = address_input(body.get("address"), "address")
    if shipment.transport_option_id is not None:
        raise invalid_input(
            "The source address can't be changed once the shipment's carrier is confirmed."
        )

    def effect() -> list[dict[str, str]]:
        shipment.source = address
        shipment.updated = _now(ctx)
        plan.transport_options = [
            t for t in plan.transport_options if t["shipmentId"] != shipment.shipment_id
        ]
        return []

    return _operation(store.start(ctx, "updateShipmentSourceAddress", plan.plan_id, effect))


# ------------------------------------------------------------------ transportation


def _pallets(raw: Any, where: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_input(f"{where} must be a list.")
    out = []
    for n, pallet in enumerate(raw):
        if not isinstance(pallet, dict):
            raise invalid_input(f"{where}[{n}] must be an object.")
        row: dict[str, Any] = {"quantity": _integer(pallet, "quantity", f"{where}[{n}].", 1, 10000)}
        if pallet.get("dimensions") is not None:
            row["dimensions"] = _dimensions(pallet["dimensions"], f"{where}[{n}].dimensions")
        if pallet.get("weight") is not None:
            row["weight"] = _weight(pallet["weight"], f"{where}[{n}].weight")
        if pallet.get("stackability") is not None:
            row["stackability"] = _enum(
                pallet, "stackability", f"{where}[{n}].", ("STACKABLE", "NON_STACKABLE")
            )
        out.append(row)
    return out


def _pounds(weight: dict[str, Any]) -> Decimal:
    value = Decimal(str(weight.get("value", 0)))
    return value * Decimal("2.20462") if weight.get("unit") == "KG" else value


def _spd_quote(shipment: Shipment, code: str, now: datetime) -> dict[str, Any]:
    pounds = sum((_pounds(b["weight"]) for b in shipment.boxes), Decimal(0))
    cost = Decimal("4.15") * len(shipment.boxes) + Decimal("0.42") * pounds
    return {
        "cost": _money(cost, code),
        "expiration": iso(now + timedelta(hours=24)),
        "voidableUntil": iso(now + timedelta(hours=24)),
    }


def _ltl_quote(pallets: list[dict[str, Any]], code: str, now: datetime) -> dict[str, Any]:
    count = sum(int(p["quantity"]) for p in pallets)
    pounds = sum((_pounds(p.get("weight") or {}) * int(p["quantity"]) for p in pallets), Decimal(0))
    return {
        "cost": _money(Decimal("185.00") * count + Decimal("0.08") * pounds, code),
        "expiration": iso(now + timedelta(hours=24)),
        "voidableUntil": iso(now + timedelta(hours=1)),
    }


@spapi_operation(f"{API}.generateTransportationOptions")
async def generate_transportation_options(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    _active(plan)
    body = await read_json_object(request)
    option_id = body.get("placementOptionId")
    option = next((p for p in plan.placement_options if p["placementOptionId"] == option_id), None)
    if option is None:
        raise invalid_input(f"placementOptionId {str(option_id)[:40]!r} is not in the plan.")
    configs = []
    for n, raw in enumerate(_list(body, "shipmentTransportationConfigurations", "", 1, 1000)):
        where = f"shipmentTransportationConfigurations[{n}]"
        if not isinstance(raw, dict):
            raise invalid_input(f"{where} must be an object.")
        shipment_id = raw.get("shipmentId")
        if shipment_id not in option["shipmentIds"]:
            raise invalid_input(f"{where}.shipmentId is not a shipment of the placement option.")
        window = _object(raw, "readyToShipWindow", f"{where}.")
        start = window.get("start")
        if not isinstance(start, str):
            raise invalid_input(f"Missing required field {where}.readyToShipWindow.start.")
        parse_datetime(start, f"{where}.readyToShipWindow.start")
        freight = _object(raw, "freightInformation", f"{where}.", required=False)
        if freight is not None and freight.get("freightClass") is not None:
            _enum(freight, "freightClass", f"{where}.freightInformation.", FREIGHT_CLASSES)
        configs.append(
            (
                plan.shipments[str(shipment_id)],
                _pallets(raw.get("pallets"), f"{where}.pallets"),
                _contact(raw.get("contactInformation"), f"{where}.contactInformation"),
                freight,
            )
        )
    if any(s.transport_option_id for s, *_ in configs):
        raise invalid_input("Transportation is already confirmed for a shipment in the request.")

    def effect() -> list[dict[str, str]]:
        now = _now(ctx)
        code = _currency(plan.marketplace_id)
        for shipment, pallets, contact, freight in configs:
            plan.transport_options = [
                t for t in plan.transport_options if t["shipmentId"] != shipment.shipment_id
            ]
            offers: list[dict[str, Any]] = []
            if shipment.boxes:
                offers.append(
                    {
                        "carrier": dict(PARTNERED_SPD),
                        "preconditions": [],
                        "quote": _spd_quote(shipment, code, now),
                        "shippingMode": "GROUND_SMALL_PARCEL",
                        "shippingSolution": "AMAZON_PARTNERED_CARRIER",
                    }
                )
            offers.append(
                {
                    "carrier": dict(OWN_CARRIER),
                    "preconditions": [],
                    "shippingMode": "GROUND_SMALL_PARCEL",
                    "shippingSolution": "USE_YOUR_OWN_CARRIER",
                }
            )
            if pallets and contact and freight:
                offers.append(
                    {
                        "carrier": dict(PARTNERED_LTL),
                        "carrierAppointment": {
                            "startTime": iso(now + timedelta(days=2, hours=8)),
                            "endTime": iso(now + timedelta(days=2, hours=16)),
                        },
                        "preconditions": [],
                        "quote": _ltl_quote(pallets, code, now),
                        "shippingMode": "FREIGHT_LTL",
                        "shippingSolution": "AMAZON_PARTNERED_CARRIER",
                    }
                )
            offers.append(
                {
                    "carrier": dict(OWN_CARRIER),
                    "preconditions": [],
                    "shippingMode": "FREIGHT_LTL",
                    "shippingSolution": "USE_YOUR_OWN_CARRIER",
                }
            )
            for offer in offers:
                offer["shipmentId"] = shipment.shipment_id
                offer["transportationOptionId"] = store.new_id("to")
                plan.transport_options.append(offer)
            shipment.pallets = pallets
            shipment.updated = now
        plan.updated = now
        return []

    return _operation(store.start(ctx, "generateTransportationOptions", plan.plan_id, effect))


@spapi_operation(f"{API}.listTransportationOptions")
async def list_transportation_options(request: Request, ctx: OperationContext) -> JsonBody:
    _, plan = _plan(request, ctx)
    options = list(plan.transport_options)
    for name, key in (("shipmentId", "shipmentId"), ("placementOptionId", None)):
        value = request.query_params.get(name)
        if value is None:
            continue
        if len(value) != 38 or not _ID.match(value):
            raise invalid_input(f"Invalid {name}.")
        if key is not None:
            options = [o for o in options if o[key] == value]
        else:
            shipments = {
                s.shipment_id for s in plan.shipments.values() if s.placement_option_id == value
            }
            options = [o for o in options if o["shipmentId"] in shipments]
    return _page(request, "transportationOptions", options, 20)


@spapi_operation(f"{API}.confirmTransportationOptions")
async def confirm_transportation_options(request: Request, ctx: OperationContext) -> Response:
    store, plan = _plan(request, ctx)
    _active(plan)
    if plan.confirmed_placement() is None:
        raise invalid_input("A placement option must be confirmed before transportation.")
    body = await read_json_object(request)
    chosen: list[tuple[Shipment, dict[str, Any]]] = []
    for n, raw in enumerate(_list(body, "transportationSelections", "", 1, 1000)):
        where = f"transportationSelections[{n}]"
        if not isinstance(raw, dict):
            raise invalid_input(f"{where} must be an object.")
        shipment = plan.shipments.get(str(raw.get("shipmentId")))
        if shipment is None or shipment.status == "ABANDONED":
            raise invalid_input(f"{where}.shipmentId is not a confirmed shipment of the plan.")
        option = next(
            (
                t
                for t in plan.transport_options
                if t["transportationOptionId"] == raw.get("transportationOptionId")
                and t["shipmentId"] == shipment.shipment_id
            ),
            None,
        )
        if option is None:
            raise invalid_input(f"{where}.transportationOptionId is not an option of the shipment.")
        if shipment.transport_option_id is not None:
            raise invalid_input(f"Transportation of shipment {shipment.shipment_id} is confirmed.")
        _contact(raw.get("contactInformation"), f"{where}.contactInformation")
        chosen.append((shipment, option))

    def effect() -> list[dict[str, str]]:
        now = _now(ctx)
        for shipment, option in chosen:
            shipment.transport_option_id = option["transportationOptionId"]
            shipment.updated = now
            if option["shippingSolution"] != "AMAZON_PARTNERED_CARRIER":
                continue
            if option["shippingMode"] == "GROUND_SMALL_PARCEL":
                shipment.tracking = {
                    "spdTrackingDetail": {
                        "spdTrackingItems": [
                            {
                                "boxId": f"{shipment.confirmation_id}U{n:06d}",
                                "trackingId": f"1Z{store.rng.randrange(10**15):015d}",
                                "trackingNumberValidationStatus": "VALIDATED",
                            }
                            for n in range(1, len(shipment.boxes) + 1)
                        ]
                    }
                }
            else:
                shipment.tracking = {
                    "ltlTrackingDetail": {
                        "billOfLadingNumber": f"BOL{store.rng.randrange(10**9):09d}"
                    }
                }
        plan.updated = now
        return []

    return _operation(store.start(ctx, "confirmTransportationOptions", plan.plan_id, effect))


# ------------------------------------------------------------------ content updates


def _box_update(raw: Any, where: str) -> dict[str, Any]:
    box = _box(raw, where)
    package = raw.get("packageId") if isinstance(raw, dict) else None
    if package is not None:
        if not isinstance(package, str) or len(package) != 38 or not _ID.match(package):
            raise invalid_input(f"{where}.packageId is not a package id.")
        box["packageId"] = package
    return box


@spapi_operation(f"{API}.generateShipmentContentUpdatePreviews")
async def generate_shipment_content_update_previews(
    request: Request, ctx: OperationContext
) -> Response:
    store, plan = _plan(request, ctx)
    shipment = _shipment(request, plan)
    body = await read_json_object(request)
    boxes = [_box_update(b, f"boxes[{n}]") for n, b in enumerate(_list(body, "boxes", "", 1, 5000))]
    items = [
        item_input(i, f"items[{n}]", plan.marketplace_id)
        for n, i in enumerate(_list(body, "items", "", 1, 2000))
    ]
    option = next(
        (
            t
            for t in plan.transport_options
            if t["transportationOptionId"] == shipment.transport_option_id
        ),
        None,
    )
    if option is None:
        raise invalid_input(
            "Content update previews are for a shipment whose carrier is confirmed."
        )
    unknown = [i["msku"] for i in items if i["msku"] not in ctx.state.data.listings]
    if unknown:
        raise invalid_input(f"Unknown msku {unknown[0][:64]!r}.")

    def effect() -> list[dict[str, str]]:
        now = _now(ctx)
        updated = dict(option)
        if option.get("quote") and option["shippingMode"] == "GROUND_SMALL_PARCEL":
            expanded = [dict(b, quantity=1) for b in boxes for _ in range(int(b["quantity"]))]
            trial = dataclasses.replace(shipment, boxes=expanded)
            updated["quote"] = _spd_quote(trial, _currency(plan.marketplace_id), now)
        shipment.previews.append(
            {
                "contentUpdatePreviewId": store.new_id("cu"),
                "expiration": iso(now + timedelta(hours=1)),
                "requestedUpdates": {"boxes": boxes, "items": items},
                "transportationOption": updated,
            }
        )
        return []

    return _operation(
        store.start(ctx, "generateShipmentContentUpdatePreviews", plan.plan_id, effect)
    )


@spapi_operation(f"{API}.listShipmentContentUpdatePreviews")
async def list_shipment_content_update_previews(
    request: Request, ctx: OperationContext
) -> JsonBody:
    _, plan = _plan(request, ctx)
    shipment = _shipment(request, plan)
    return _page(request, "contentUpdatePreviews", shipment.previews, 20)


@spapi_operation(f"{API}.confirmShipmentContentUpdatePreview")
async def confirm_shipment_content_update_preview(
    request: Request, ctx: OperationContext
) -> Response:
    store, plan = _plan(request, ctx)
    shipment = _shipment(request, plan)
    preview_id = _path_id(request, "contentUpdatePreviewId")
    preview = next(
        (p for p in shipment.previews if p["contentUpdatePreviewId"] == preview_id), None
    )
    if preview is None:
        raise not_found(f"Content update preview {preview_id} was not found.")
    if preview["expiration"] < iso(_now(ctx)):
        raise invalid_input(f"Content update preview {preview_id} has expired.")

    def effect() -> list[dict[str, str]]:
        updates = preview["requestedUpdates"]
        shipment.items = [_item(ctx, plan, i) for i in updates["items"]]
        shipment.boxes = [
            dict(b, quantity=1) for b in updates["boxes"] for _ in range(int(b["quantity"]))
        ]
        for option in plan.transport_options:
            if option["transportationOptionId"] == shipment.transport_option_id:
                option.update(preview["transportationOption"])
        shipment.previews = []
        shipment.updated = _now(ctx)
        return []

    return _operation(store.start(ctx, "confirmShipmentContentUpdatePreview", plan.plan_id, effect))


# ------------------------------------------------------------------ operations


@spapi_operation(f"{API}.getInboundOperationStatus")
async def get_inbound_operation_status(request: Request, ctx: OperationContext) -> JsonBody:
    operation_id = _path_id(request, "operationId", 36, 38)
    store = _store(ctx)
    op = store.operations.get(operation_id)
    if op is None or op.seller_id != ctx.seller_id:
        raise not_found(f"Operation {operation_id} was not found.")
    return op.json()


P = f"{BASE}/inboundPlans/{{inboundPlanId}}"
routes: list[BaseRoute] = [
    Route(f"{BASE}/inboundPlans", list_inbound_plans, methods=["GET"]),
    Route(f"{BASE}/inboundPlans", create_inbound_plan, methods=["POST"]),
    Route(P, get_inbound_plan, methods=["GET"]),
    Route(f"{P}/cancellation", cancel_inbound_plan, methods=["PUT"]),
    Route(f"{P}/items", list_inbound_plan_items, methods=["GET"]),
    Route(f"{P}/packingOptions", list_packing_options, methods=["GET"]),
    Route(f"{P}/packingOptions", generate_packing_options, methods=["POST"]),
    Route(
        f"{P}/packingOptions/{{packingOptionId}}/confirmation",
        confirm_packing_option,
        methods=["POST"],
    ),
    Route(f"{P}/packingInformation", set_packing_information, methods=["POST"]),
    Route(f"{P}/placementOptions", list_placement_options, methods=["GET"]),
    Route(f"{P}/placementOptions", generate_placement_options, methods=["POST"]),
    Route(
        f"{P}/placementOptions/{{placementOptionId}}/confirmation",
        confirm_placement_option,
        methods=["POST"],
    ),
    Route(f"{P}/shipments/{{shipmentId}}", get_shipment, methods=["GET"]),
    Route(f"{P}/shipments/{{shipmentId}}/items", list_shipment_items, methods=["GET"]),
    Route(f"{P}/shipments/{{shipmentId}}/boxes", list_shipment_boxes, methods=["GET"]),
    Route(f"{P}/shipments/{{shipmentId}}/name", update_shipment_name, methods=["PUT"]),
    Route(
        f"{P}/shipments/{{shipmentId}}/sourceAddress",
        update_shipment_source_address,
        methods=["PUT"],
    ),
    Route(
        f"{P}/shipments/{{shipmentId}}/contentUpdatePreviews",
        list_shipment_content_update_previews,
        methods=["GET"],
    ),
    Route(
        f"{P}/shipments/{{shipmentId}}/contentUpdatePreviews",
        generate_shipment_content_update_previews,
        methods=["POST"],
    ),
    Route(
        f"{P}/shipments/{{shipmentId}}/contentUpdatePreviews/{{contentUpdatePreviewId}}"
        "/confirmation",
        confirm_shipment_content_update_preview,
        methods=["POST"],
    ),
    Route(f"{P}/transportationOptions", list_transportation_options, methods=["GET"]),
    Route(f"{P}/transportationOptions", generate_transportation_options, methods=["POST"]),
    Route(
        f"{P}/transportationOptions/confirmation",
        confirm_transportation_options,
        methods=["POST"],
    ),
    Route(f"{BASE}/operations/{{operationId}}", get_inbound_operation_status, methods=["GET"]),
]
