"""CreateInboundShipment and UpdateInboundShipment on a 2024-03-20 plan.

CreateInboundShipment confirms the placement option that contains the ShipmentId (once per
plan, a durable ``inbound.placement`` intent: the other shipments of that option are created
with it, and their own CreateInboundShipment only names them), records the FBA confirmation
id, and applies the shipment name (``updateShipmentName``) and a changed ship-from address
(``updateShipmentSourceAddress``). The items must be the plan's: 2024-03-20 fixes a shipment's
contents when its placement is confirmed, so other SKUs or quantities are refused, naming them.

UpdateInboundShipment changes what 2024-03-20 can change (the name, the ship-from address, the
intended box contents source, and the item quantities of a shipment whose Amazon-partnered
carrier is confirmed: a content update preview with the recorded packages, confirmed, its new
quote becoming the transport estimate) and refuses explicitly, naming the field, what it
cannot: the destination, the label preference, cases, items before the carrier is confirmed or
SKUs the shipment does not hold, ShipmentStatus SHIPPED. ShipmentStatus
CANCELLED cancels the inbound plan (``cancelInboundPlan``) only when no other shipment of the
plan was created: 2024-03-20 cannot cancel one shipment of several.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from gateway.mws.errors import MwsError
from gateway.spapi.errors import UpstreamClientError
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.intents import Intents
from gateway.translate.engine.params import invalid
from gateway.translate.engine.polling import Budget
from gateway.translate.engine.structures import build
from gateway.translate.inbound.api import (
    FAILED,
    InboundPlans,
    call_budget,
    operation_id,
    problems_text,
    still_working,
)
from gateway.translate.inbound.plans import label_owner, source_address
from gateway.translate.inbound.records import (
    PLACEMENT_INTENT,
    SHIPMENT,
    ShipmentRecord,
    digest,
    load_shipment,
    save_shipment,
)
from gateway.translate.inbound.transport import boxes


def refused(what: str) -> MwsError:
    return MwsError(
        "InvalidRequest",
        f"{what} cannot be changed: Amazon's Fulfillment Inbound API 2024-03-20 has no "
        "operation for it. Nothing was changed.",
    )


def read(call: Call) -> dict[str, Any]:
    tables = call.section.tables
    return build(
        call.params, str(call.operation.spec["body"]), "", tables["request"], tables["enums"]
    )


def check_header(call: Call, record: ShipmentRecord, header: Mapping[str, Any]) -> None:
    center = str(header["center"])
    if center != record.warehouse_id:
        raise invalid(
            f"Value {center[:16]} for parameter InboundShipmentHeader."
            f"DestinationFulfillmentCenterId is invalid: shipment {record.shipment_id} goes to "
            f"{record.warehouse_id}."
        )
    preference = header.get("labelPreference")
    if preference is not None:
        mws = _mws_preference(call)
        owner = label_owner(mws, record.marketplace_id, call.section.tables)
        if owner != record.label_owner:
            raise refused(f"InboundShipmentHeader.LabelPrepPreference ({mws})")


def _mws_preference(call: Call) -> str:
    """The MWS value (AMAZON_LABEL_PREFERRED falls back where Amazon labels are refused)."""
    raw = call.params.get("InboundShipmentHeader.LabelPrepPreference", "").strip()
    return raw or "SELLER_LABEL"


def _quantities(
    record: ShipmentRecord, items: list[dict[str, Any]]
) -> tuple[dict[str, int], dict[str, int]]:
    """(planned, asked) quantity per SKU; a SKU the client gives twice is refused."""
    planned = {str(i["sku"]): int(i["quantity"]) for i in record.items}
    asked: dict[str, int] = {}
    for n, item in enumerate(items, 1):
        sku = str(item["sku"])
        if sku in asked:
            raise invalid(f"InboundShipmentItems.member.{n}.SellerSKU {sku[:64]} is given twice.")
        asked[sku] = int(item["quantity"])
    return planned, asked


def check_items(record: ShipmentRecord, items: list[dict[str, Any]], *, creating: bool) -> None:
    planned, asked = _quantities(record, items)
    unknown = [s for s in asked if s not in planned]
    if unknown:
        raise invalid(
            f"InboundShipmentItems: SellerSKU {', '.join(u[:64] for u in unknown[:5])} is not in "
            f"shipment {record.shipment_id}."
        )
    changed = [
        f"{sku} {planned[sku]} -> {asked.get(sku, 0)}"
        for sku in planned
        if asked.get(sku, 0) != planned[sku]
    ]
    if changed:
        what = "InboundShipmentItems (QuantityShipped " + "; ".join(changed[:10]) + ")"
        if creating:
            raise MwsError(
                "InvalidRequest",
                f"{what}: the items of shipment {record.shipment_id} must be the plan's; Amazon "
                "fixes a shipment's contents when it is created.",
            )
        raise refused(what)


# ------------------------------------------------------------------ placement


async def confirm_placement(call: Call, record: ShipmentRecord, budget: Budget) -> None:
    """confirmPlacementOption for the record's placement option, once for the whole plan."""
    intents = Intents(call.services.store, PLACEMENT_INTENT, call.identity.seller_id)
    intent = await intents.claim(
        f"{record.plan_id}:{record.placement_option_id}", {"at": time.time()}
    )
    if intent.done:
        return
    api = InboundPlans(call, record.marketplace_id)
    option_path = api.path(
        "/inboundPlans/{p}/placementOptions/{o}/confirmation",
        p=record.plan_id,
        o=record.placement_option_id,
    )
    try:
        data = intent.data
        if not data.get("op"):
            if data.get("confirming_at") and await _accepted(api, record):
                await intents.finish(intent, reconciled=True)
                return
            await intents.save(intent, confirming_at=time.time())
            try:
                answer = await api.send(
                    "confirmPlacementOption", "POST", option_path, idempotent=False
                )
            except UpstreamClientError:
                if await _accepted(api, record):  # confirmed by an earlier, lost attempt
                    await intents.finish(intent, reconciled=True)
                    return
                raise
            await intents.save(intent, op=operation_id(answer, "confirmPlacementOption"))
        status = await api.wait(str(data["op"]), budget)
        if status is None:
            raise still_working()
        if status.get("operationStatus") == FAILED:
            await intents.save(intent, op=None, confirming_at=None)
            raise MwsError(
                "InvalidRequest",
                f"Amazon could not create shipment {record.shipment_id}: {problems_text(status)}",
            )
        await intents.finish(intent, confirmed=time.time())
    except BaseException:
        await intents.release(intent)
        raise


async def _accepted(api: InboundPlans, record: ShipmentRecord) -> bool:
    options = await api.pages(
        "listPlacementOptions",
        api.path("/inboundPlans/{p}/placementOptions", p=record.plan_id),
        "placementOptions",
    )
    return any(
        o.get("placementOptionId") == record.placement_option_id and o.get("status") == "ACCEPTED"
        for o in options
    )


# ------------------------------------------------------------------ changes


async def _wait_pending(
    call: Call, api: InboundPlans, record: ShipmentRecord, key: str, budget: Budget
) -> None:
    pending = record.pending
    op = pending[key]["op"]
    status = await api.wait(str(op), budget)
    if status is None:
        raise still_working()
    pending.pop(key, None)
    await save_shipment(call, record)
    if status.get("operationStatus") == FAILED:
        raise MwsError(
            "InvalidRequest",
            f"Amazon could not update shipment {record.shipment_id}: {problems_text(status)}",
        )


async def apply_changes(
    call: Call, api: InboundPlans, record: ShipmentRecord, header: Mapping[str, Any], budget: Budget
) -> None:
    """The shipment name and ship-from address of the header, where they changed."""
    name = str(header["name"])
    shipment_path = api.path(
        "/inboundPlans/{p}/shipments/{s}", p=record.plan_id, s=record.shipment_id
    )
    if name != record.name:
        await api.send(
            "updateShipmentName", "PUT", f"{shipment_path}/name", {"name": name}, idempotent=True
        )
        record.name = name
        await save_shipment(call, record)
    address = source_address(header["address"], call, "InboundShipmentHeader.ShipFromAddress")
    if address == record.source:
        return
    pending = record.pending
    wanted = digest(address)
    if (pending.get("source") or {}).get("address") != wanted:
        answer = await api.send(
            "updateShipmentSourceAddress",
            "PUT",
            f"{shipment_path}/sourceAddress",
            {"address": address},
            idempotent=True,
        )
        pending["source"] = {
            "address": wanted,
            "op": operation_id(answer, "updateShipmentSourceAddress"),
        }
        await save_shipment(call, record)
    await _wait_pending(call, api, record, "source", budget)
    record.source = address
    record.transport.pop("generated", None)  # Amazon drops the transportation options
    await save_shipment(call, record)


# ------------------------------------------------------------------ handlers


async def create_inbound_shipment(call: Call) -> XmlResult:
    request = read(call)
    shipment_id = str(request["shipmentId"])
    header = request["header"]
    record = await load_shipment(call, shipment_id)
    if record.cancelled:
        raise MwsError("InvalidRequest", f"Shipment {shipment_id} was cancelled.")
    if header.get("status") not in (None, "WORKING"):
        raise refused(f"InboundShipmentHeader.ShipmentStatus {header['status']} at creation")
    check_header(call, record, header)
    check_items(record, request["items"], creating=True)
    budget = call_budget(call)
    await confirm_placement(call, record, budget)
    api = InboundPlans(call, record.marketplace_id)
    if not record.confirmation_id:
        shipment = await api.get(
            "getShipment",
            api.path("/inboundPlans/{p}/shipments/{s}", p=record.plan_id, s=shipment_id),
        )
        confirmation = shipment.get("shipmentConfirmationId")
        if not isinstance(confirmation, str) or not confirmation:
            raise still_working()
        record.confirmation_id = confirmation
        record.name = str(shipment.get("name") or record.name)
        await save_shipment(call, record)
    await apply_changes(call, api, record, header, budget)
    record.created = True
    record.cases_required = bool(header.get("casesRequired", False))
    if header.get("boxContents"):
        record.box_contents = str(header["boxContents"])
    await save_shipment(call, record)
    call.audit.notes["inbound_shipment"] = {"plan": record.plan_id}
    return XmlResult([("ShipmentId", shipment_id)])


async def update_inbound_shipment(call: Call) -> XmlResult:
    request = read(call)
    shipment_id = str(request["shipmentId"])
    header = request["header"]
    record = await load_shipment(call, shipment_id)
    if not record.created:
        raise MwsError(
            "InvalidRequest",
            f"Shipment {shipment_id} has not been created: call CreateInboundShipment first.",
        )
    status = header.get("status")
    if status == "CANCELLED":
        await cancel(call, record, call_budget(call))
        return XmlResult([("ShipmentId", shipment_id)])
    if record.cancelled:
        raise MwsError("InvalidRequest", f"Shipment {shipment_id} was cancelled.")
    if status == "SHIPPED":
        raise refused("InboundShipmentHeader.ShipmentStatus SHIPPED (Amazon sets it)")
    check_header(call, record, header)
    if bool(header.get("casesRequired", False)) != record.cases_required:
        raise refused("InboundShipmentHeader.AreCasesRequired")
    api = InboundPlans(call, record.marketplace_id)
    budget = call_budget(call)
    if request.get("items"):
        await change_items(call, api, record, request["items"], budget)
    if header.get("boxContents"):
        record.box_contents = str(header["boxContents"])
    await apply_changes(call, api, record, header, budget)
    await save_shipment(call, record)
    return XmlResult([("ShipmentId", shipment_id)])


async def change_items(
    call: Call,
    api: InboundPlans,
    record: ShipmentRecord,
    items: list[dict[str, Any]],
    budget: Budget,
) -> None:
    """New quantities through a content update preview, where 2024-03-20 allows one."""
    planned, asked = _quantities(record, items)
    added = [s for s in asked if s not in planned]
    if added:
        raise refused(
            f"InboundShipmentItems (SellerSKU {', '.join(a[:64] for a in added[:5])} is not in "
            f"shipment {record.shipment_id}; a shipment's SKUs are fixed when it is created)"
        )
    wanted = {sku: asked.get(sku, quantity) for sku, quantity in planned.items()}
    if wanted == planned:
        return
    changes = "; ".join(f"{s} {planned[s]} -> {q}" for s, q in wanted.items() if q != planned[s])
    content = record.transport.get("content") or {}
    if record.transport.get("step") != "confirmed" or content.get("key") != (
        "PartneredSmallParcelData"
    ):
        raise refused(
            f"InboundShipmentItems ({changes}): Amazon changes a shipment's contents only once "
            "its Amazon-partnered small parcel carrier is confirmed (ConfirmTransportRequest)"
        )
    if not any(wanted.values()):
        raise refused("InboundShipmentItems (every quantity 0: cancel the shipment instead)")
    shipment_path = api.path(
        "/inboundPlans/{p}/shipments/{s}", p=record.plan_id, s=record.shipment_id
    )
    current = {
        str(i.get("msku")): i
        for i in await api.pages("listShipmentItems", f"{shipment_path}/items", "items")
    }
    new_items: list[dict[str, Any]] = []
    for sku, quantity in wanted.items():
        if not quantity:
            continue
        now = current.get(sku) or {}
        owners = [
            p.get("prepOwner")
            for p in now.get("prepInstructions") or []
            if p.get("prepOwner") in ("AMAZON", "SELLER")
        ]
        new_items.append(
            {
                "msku": sku,
                "quantity": quantity,
                "prepOwner": owners[0] if owners else "NONE",
                "labelOwner": now.get("labelOwner") or record.label_owner,
            }
        )
    details = content["details"]["PartneredSmallParcelData"]
    body = {
        "boxes": boxes(details, record.box_contents or "MANUAL_PROCESS"),
        "items": new_items,
    }
    pending = record.pending.get("content")
    if not pending or pending.get("request") != digest(body):
        answer = await api.send(
            "generateShipmentContentUpdatePreviews",
            "POST",
            f"{shipment_path}/contentUpdatePreviews",
            body,
            idempotent=True,
        )
        pending = {
            "request": digest(body),
            "op": operation_id(answer, "generateShipmentContentUpdatePreviews"),
        }
        record.pending["content"] = pending
        await save_shipment(call, record)
    if not pending.get("preview"):
        await _wait_op(api, record, str(pending["op"]), budget)
        previews = await api.pages(
            "listShipmentContentUpdatePreviews",
            f"{shipment_path}/contentUpdatePreviews",
            "contentUpdatePreviews",
        )
        if not previews:
            raise MwsError("InvalidRequest", "Amazon made no content update preview.")
        preview = previews[-1]
        pending["preview"] = preview["contentUpdatePreviewId"]
        pending["quote"] = (preview.get("transportationOption") or {}).get("quote")
        await save_shipment(call, record)  # durable before the confirmation
    elif not pending.get("confirm_op"):  # a confirmation whose answer was lost?
        quantities = {str(i.get("msku")): i.get("quantity") for i in current.values()}
        if quantities == {i["msku"]: i["quantity"] for i in new_items}:
            pending["confirm_op"] = "done"
    if not pending.get("confirm_op"):
        answer = await api.send(
            "confirmShipmentContentUpdatePreview",
            "POST",
            f"{shipment_path}/contentUpdatePreviews/{pending['preview']}/confirmation",
            idempotent=False,
        )
        pending["confirm_op"] = operation_id(answer, "confirmShipmentContentUpdatePreview")
        await save_shipment(call, record)
    if pending["confirm_op"] != "done":
        await _wait_op(api, record, str(pending["confirm_op"]), budget)
    record.items = [
        {
            "sku": i["msku"],
            "fnsku": (current.get(str(i["msku"])) or {}).get("fnsku"),
            "quantity": i["quantity"],
        }
        for i in new_items
    ]
    if pending.get("quote"):
        record.transport.setdefault("option", {})["quote"] = pending["quote"]
    record.pending.pop("content", None)
    await save_shipment(call, record)
    call.audit.notes["inbound_content_update"] = changes


async def _wait_op(api: InboundPlans, record: ShipmentRecord, op: str, budget: Budget) -> None:
    status = await api.wait(op, budget)
    if status is None:
        raise still_working()
    if status.get("operationStatus") == FAILED:
        raise MwsError(
            "InvalidRequest",
            f"Amazon could not update shipment {record.shipment_id}: {problems_text(status)}",
        )


async def cancel(call: Call, record: ShipmentRecord, budget: Budget) -> None:
    if record.cancelled:
        return
    others = [s for s in record.placement_shipments if s != record.shipment_id]
    found = await call.services.store.get_many(SHIPMENT, call.identity.seller_id, others)
    created = [s for s in others if s in found and found[s].data.get("created")]
    if created:
        raise MwsError(
            "InvalidRequest",
            f"ShipmentStatus CANCELLED: Amazon's Fulfillment Inbound API 2024-03-20 cancels "
            f"whole inbound plans only, and shipment {record.shipment_id} shares its plan with "
            f"{', '.join(created[:5])}. Nothing was cancelled.",
        )
    api = InboundPlans(call, record.marketplace_id)
    pending = record.pending
    if "cancel" not in pending:
        answer = await api.send(
            "cancelInboundPlan",
            "PUT",
            api.path("/inboundPlans/{p}/cancellation", p=record.plan_id),
            idempotent=False,
        )
        pending["cancel"] = {"op": operation_id(answer, "cancelInboundPlan")}
        await save_shipment(call, record)
    await _wait_pending(call, api, record, "cancel", budget)
    record.cancelled = True
    await save_shipment(call, record)
