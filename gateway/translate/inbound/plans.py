"""CreateInboundShipmentPlan as the Fulfillment Inbound 2024-03-20 plan workflow.

MWS answered a plan in one call; 2024-03-20 needs several asynchronous steps. The gateway runs
them in order, each waited for with ``getInboundOperationStatus`` inside the call's budget
(``inbound.wait_seconds``):

1. ``createInboundPlan`` (ShipFromAddress -> sourceAddress, items -> msku / quantity /
   prepOwner from PrepDetails / labelOwner from LabelPrepPreference, the destination
   marketplace from ShipToCountryCode, ShipToCountrySubdivisionCode or the seller's home);
2. ``generatePackingOptions``, ``listPackingOptions``, ``confirmPackingOption`` (2024-03-20 wants a
   confirmed packing option before placement; ``tables.workflow.packing_first``);
3. ``generatePlacementOptions``, ``listPlacementOptions``: the option with the lowest fees less
   discounts is the plan MWS's answer shows;
4. ``getShipment`` and ``listShipmentItems`` of each of its shipments -> ``InboundShipmentPlans``.

The work is a durable intent (:mod:`gateway.translate.engine.intents`) keyed by a hash of the
seller and the canonical request: each step's result is saved before the next upstream
effect. When the budget runs out the client gets 503 ServiceUnavailable and its retry of the
same request resumes the same plan, never a second one; a retry after the answer gets the same
answer. A createInboundPlan whose answer was lost is found again by the plan's name (it carries
the key). An operation that ends FAILED answers ``InvalidRequest`` with Amazon's problem text
and leaves the intent open at that step, so a retry runs the failed step again on the same plan.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.spapi.errors import UpstreamClientError
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.intents import Intent, Intents
from gateway.translate.engine.params import invalid
from gateway.translate.engine.polling import Budget
from gateway.translate.engine.structures import build
from gateway.translate.engine.upstream import default_marketplace, field_maps
from gateway.translate.inbound.api import (
    FAILED,
    InboundPlans,
    call_budget,
    operation_id,
    problems_text,
    still_working,
)
from gateway.translate.inbound.records import (
    PLAN_INTENT,
    PLAN_LATEST,
    SHIPMENT,
    ShipmentRecord,
    digest,
    save_shipment,
)
from gateway.translate.inbound.v0 import parse

Steps = dict[str, Any]


# ------------------------------------------------------------------ the request


def destination(call: Call, country: str | None) -> str:
    """The seller's marketplace in ``country`` (its home marketplace when none is given)."""
    if not country:
        return default_marketplace(call)
    rows = call.services.catalog.marketplaces
    for marketplace in call.identity.marketplaces:
        if str((rows.get(marketplace) or {}).get("country")) == country:
            return marketplace
    raise invalid(
        f"Invalid ShipToCountryCode {country}: the seller has no marketplace in that country."
    )


def label_owner(preference: str | None, marketplace: str, tables: Mapping[str, Any]) -> str:
    enums = tables.get("enums") or {}
    workflow = tables.get("workflow") or {}
    chosen = preference or "SELLER_LABEL"
    owner = str(enums["label_preference"][chosen])
    if chosen == "AMAZON_LABEL_PREFERRED" and marketplace in (
        workflow.get("amazon_labels_refused") or []
    ):
        owner = str(workflow.get("preferred_fallback", "SELLER"))
    return owner


def source_address(
    address: Mapping[str, Any], call: Call, where: str = "ShipFromAddress"
) -> dict[str, Any]:
    """A 2024-03-20 AddressInput; MWS addresses have no phone, Amazon requires one."""
    out = {k: v for k, v in address.items() if v not in (None, "")}
    phone = out.get("phoneNumber") or call.services.settings.inbound.ship_from_phone
    if not phone:
        raise MwsError(
            "MissingParameter",
            f"The parameter {where}.PhoneNumber is required: Amazon's Fulfillment Inbound API "
            "needs a phone number for the ship-from address (or configure "
            "inbound.ship_from_phone).",
        )
    out["phoneNumber"] = phone
    return out


def plan_request(call: Call) -> tuple[dict[str, Any], dict[str, Any]]:
    """(createInboundPlan body without its name, the canonical request for the key)."""
    spec = call.operation.spec
    tables = call.section.tables
    values = parse(call).values
    raw = build(call.params, str(spec["body"]), "", tables["request"], tables["enums"])
    subdivision = values.get("ShipToCountrySubdivisionCode")
    country = values.get("ShipToCountryCode") or (str(subdivision)[:2] if subdivision else None)
    marketplace = destination(call, country)
    owner = label_owner(values.get("LabelPrepPreference"), marketplace, tables)
    items: list[dict[str, Any]] = []
    canonical_items = []
    seen: set[str] = set()
    for n, item in enumerate(raw["items"], 1):
        shown = f"InboundShipmentPlanRequestItems.member.{n}"
        sku = str(item["sku"])
        if sku in seen:
            raise invalid(f"{shown}.SellerSKU {sku[:64]}: each SellerSKU may be given once.")
        seen.add(sku)
        prep = item.get("prep") or []
        owners = {str(p["owner"]) for p in prep}
        if len(owners) > 1:
            raise invalid(
                f"{shown}.PrepDetailsList: Amazon's Fulfillment Inbound API takes one PrepOwner "
                "per SellerSKU; the items give several."
            )
        in_case = item.get("quantityInCase")
        if in_case and int(item["quantity"]) % int(in_case):
            raise invalid(f"{shown}.Quantity must be a multiple of QuantityInCase.")
        items.append(
            {
                "msku": sku,
                "quantity": int(item["quantity"]),
                "prepOwner": owners.pop() if owners else "NONE",
                "labelOwner": owner,
            }
        )
        canonical_items.append(
            {
                **items[-1],
                "quantityInCase": in_case,
                "prep": sorted(str(p["instruction"]) for p in prep),
            }
        )
    source = source_address(raw["address"], call)
    body: dict[str, Any] = {
        "destinationMarketplaces": [marketplace],
        "sourceAddress": source,
        "items": items,
    }
    canonical = {
        "marketplace": marketplace,
        "address": source,
        "items": sorted(canonical_items, key=lambda i: str(i["msku"])),
        "label": values.get("LabelPrepPreference") or "SELLER_LABEL",
    }
    return body, canonical


# ------------------------------------------------------------------ the intent key


async def intent_key(call: Call, fingerprint: str) -> str:
    """The intent of this request: the latest one of the same request while it is a retry."""
    store, seller = call.services.store, call.identity.seller_id
    latest = await store.get(PLAN_LATEST, seller, fingerprint)
    if latest is None:
        return digest(seller, fingerprint, None)
    key = str(latest.data["intent"])
    record = await store.get(PLAN_INTENT, seller, key)
    if record is None or record.data.get("state") != "done":
        return key  # still being worked on (or lost): resume it
    window = call.services.settings.inbound.plan_retry_window_seconds
    fresh = time.time() - float(latest.data.get("at", 0)) <= window
    answered = [str(m.get("shipmentId")) for m in record.data.get("answer") or []]
    shipments = await store.get_many(SHIPMENT, seller, answered)
    used = any(s.data.get("created") for s in shipments.values())
    if fresh and not used:
        return key
    return digest(seller, fingerprint, key)


# ------------------------------------------------------------------ the work


class PlanWork:
    """One call's hold on a plan intent: runs the steps not yet done."""

    def __init__(
        self, call: Call, intents: Intents, intent: Intent, body: dict[str, Any], budget: Budget
    ) -> None:
        self.call = call
        self.intents = intents
        self.intent = intent
        self.body = body
        self.budget = budget
        self.tables = call.section.tables
        self.api = InboundPlans(call, body["destinationMarketplaces"][0])
        self.steps: Steps = intent.data.setdefault("steps", {})

    async def save(self, **changes: Any) -> None:
        self.steps.update(changes)
        await self.intents.save(self.intent)

    async def wait_ok(self, key: str, what: str) -> None:
        """Wait for the operation saved under ``key``; FAILED clears it and raises."""
        op = str(self.steps[key])
        status = await self.api.wait(op, self.budget)
        if status is None:
            raise still_working()
        if status.get("operationStatus") == FAILED:
            self.steps.pop(key, None)
            self.steps.setdefault("failed", []).append({"step": what, "operation": op})
            await self.save()
            raise MwsError("InvalidRequest", f"Amazon could not {what}: {problems_text(status)}")
        await self.save(**{f"{key}_done": True})

    async def run(self) -> list[dict[str, Any]]:
        await self.create_plan()
        if (self.tables.get("workflow") or {}).get("packing_first", True):
            await self.packing()
        await self.placement()
        return await self.answer()

    # -- createInboundPlan -------------------------------------------------------------

    async def create_plan(self) -> None:
        steps = self.steps
        if not steps.get("plan_id") and steps.get("creating_at"):
            found = await self.find_plan()
            if found:
                self.call.audit.notes["inbound_plan_reconciled"] = True
                await self.save(plan_id=found, plan_op=None, plan_op_done=True, reconciled=True)
        if not steps.get("plan_id"):
            await self.save(creating_at=time.time())
            try:
                answer = await self.api.send(
                    "createInboundPlan",
                    "POST",
                    self.api.path("/inboundPlans"),
                    {**self.body, "name": self.intent.data["name"]},
                    idempotent=False,
                )
            except UpstreamClientError:
                await self.save(creating_at=None)  # refused: nothing was created
                raise
            plan_id = answer.get("inboundPlanId")
            if not isinstance(plan_id, str):
                raise MwsError("InternalError", "SP-API createInboundPlan gave no inboundPlanId.")
            await self.save(plan_id=plan_id, plan_op=operation_id(answer, "createInboundPlan"))
        if steps.get("plan_op") and not steps.get("plan_op_done"):
            try:
                await self.wait_ok("plan_op", "create the inbound plan")
            except MwsError as exc:
                if exc.code == "InvalidRequest":  # FAILED: that plan is dead; a retry starts anew
                    steps.setdefault("failed_plans", []).append(steps.pop("plan_id"))
                    await self.save(creating_at=None)
                raise

    async def find_plan(self) -> str | None:
        """The plan a createInboundPlan whose answer was lost had created, if Amazon has it."""
        plans = await self.api.get(
            "listInboundPlans",
            self.api.path("/inboundPlans"),
            {"sortBy": "CREATION_TIME", "sortOrder": "DESC", "pageSize": 30},
        )
        for plan in plans.get("inboundPlans") or []:
            if isinstance(plan, dict) and plan.get("name") == self.intent.data["name"]:
                return str(plan["inboundPlanId"])
        return None

    # -- packing -------------------------------------------------------------------------

    async def packing(self) -> None:
        steps, plan_id = self.steps, str(self.steps["plan_id"])
        if steps.get("packing_confirm_op_done"):
            return
        if not steps.get("packing_op"):
            try:
                answer = await self.api.send(
                    "generatePackingOptions",
                    "POST",
                    self.api.path("/inboundPlans/{p}/packingOptions", p=plan_id),
                    idempotent=True,
                )
            except UpstreamClientError:
                if steps.get("reconciled"):  # the plan found again may still be in creation
                    raise still_working() from None
                raise
            await self.save(packing_op=operation_id(answer, "generatePackingOptions"))
        if not steps.get("packing_op_done"):
            await self.wait_ok("packing_op", "generate packing options")
        if not steps.get("packing_option"):
            options = await self.api.pages(
                "listPackingOptions",
                self.api.path("/inboundPlans/{p}/packingOptions", p=plan_id),
                "packingOptions",
            )
            chosen = cheapest([o for o in options if o.get("status") in ("OFFERED", "ACCEPTED")])
            if chosen is None:
                raise MwsError("InvalidRequest", "Amazon offered no packing option for the plan.")
            await self.save(packing_option=chosen["packingOptionId"])
            if chosen.get("status") == "ACCEPTED":
                await self.save(packing_confirm_op_done=True)
                return
        if not steps.get("packing_confirm_op"):
            answer = await self.api.send(
                "confirmPackingOption",
                "POST",
                self.api.path(
                    "/inboundPlans/{p}/packingOptions/{o}/confirmation",
                    p=plan_id,
                    o=str(steps["packing_option"]),
                ),
                idempotent=False,
            )
            await self.save(packing_confirm_op=operation_id(answer, "confirmPackingOption"))
        await self.wait_ok("packing_confirm_op", "confirm the packing option")

    # -- placement -----------------------------------------------------------------------

    async def placement(self) -> None:
        steps, plan_id = self.steps, str(self.steps["plan_id"])
        if steps.get("placement_option"):
            return
        if not steps.get("placement_op"):
            answer = await self.api.send(
                "generatePlacementOptions",
                "POST",
                self.api.path("/inboundPlans/{p}/placementOptions", p=plan_id),
                {},
                idempotent=True,
            )
            await self.save(placement_op=operation_id(answer, "generatePlacementOptions"))
        if not steps.get("placement_op_done"):
            await self.wait_ok("placement_op", "generate placement options")
        options = await self.api.pages(
            "listPlacementOptions",
            self.api.path("/inboundPlans/{p}/placementOptions", p=plan_id),
            "placementOptions",
        )
        chosen = cheapest([o for o in options if o.get("status") in ("OFFERED", "ACCEPTED")])
        if chosen is None or not chosen.get("shipmentIds"):
            raise MwsError("InvalidRequest", "Amazon offered no placement option for the plan.")
        await self.save(
            placement_option=chosen["placementOptionId"],
            placement_shipments=[str(s) for s in chosen["shipmentIds"]],
        )

    # -- the answer ----------------------------------------------------------------------

    async def answer(self) -> list[dict[str, Any]]:
        steps, plan_id = self.steps, str(self.steps["plan_id"])
        members: list[dict[str, Any]] = []
        marketplace = str(self.body["destinationMarketplaces"][0])
        owner = str(self.body["items"][0]["labelOwner"])
        for shipment_id in steps["placement_shipments"]:
            shipment = await self.api.get(
                "getShipment",
                self.api.path("/inboundPlans/{p}/shipments/{s}", p=plan_id, s=shipment_id),
            )
            items = await self.api.pages(
                "listShipmentItems",
                self.api.path("/inboundPlans/{p}/shipments/{s}/items", p=plan_id, s=shipment_id),
                "items",
                {"pageSize": 1000},
            )
            member = plan_member(shipment_id, shipment, items, owner, self.tables)
            members.append(member)
            record = ShipmentRecord(
                shipment_id=shipment_id,
                plan_id=plan_id,
                placement_option_id=str(steps["placement_option"]),
                placement_shipments=list(steps["placement_shipments"]),
                marketplace_id=marketplace,
                warehouse_id=str((shipment.get("destination") or {}).get("warehouseId") or ""),
                label_owner=owner,
                items=[
                    {"sku": i.get("msku"), "fnsku": i.get("fnsku"), "quantity": i.get("quantity")}
                    for i in items
                ],
                source=dict(self.body["sourceAddress"]),
                plan_intent=self.intent.key,
                name=str(shipment.get("name") or ""),
            )
            await save_shipment(self.call, record)
        return members


def _net_fees(option: Mapping[str, Any]) -> Decimal:
    total = Decimal(0)
    for key, sign in (("fees", 1), ("discounts", -1)):
        for incentive in option.get(key) or []:
            amount = ((incentive or {}).get("value") or {}).get("amount")
            if isinstance(amount, int | float) and not isinstance(amount, bool):
                total += sign * Decimal(str(amount))
    return total


def cheapest(options: list[dict[str, Any]]) -> dict[str, Any] | None:
    """An ACCEPTED option if there is one, else the lowest fees less discounts (first wins)."""
    accepted = [o for o in options if o.get("status") == "ACCEPTED"]
    if accepted:
        return accepted[0]
    return min(options, key=_net_fees) if options else None


def plan_member(
    shipment_id: str,
    shipment: Mapping[str, Any],
    items: list[dict[str, Any]],
    owner: str,
    tables: Mapping[str, Any],
) -> dict[str, Any]:
    """What one ``InboundShipmentPlans`` member is built from (JSON, kept in the intent)."""
    prep_types = set((tables.get("enums") or {}).get("prep_instruction", {}).values())
    shown_items = []
    for item in items:
        preps = [
            p
            for p in item.get("prepInstructions") or []
            if isinstance(p, dict)
            and p.get("prepType") in prep_types
            and p.get("prepOwner") in ("AMAZON", "SELLER")
        ]
        shown = {k: item.get(k) for k in ("msku", "fnsku", "quantity")}
        if preps:
            shown["prepDetails"] = preps
        shown_items.append(shown)
    return {
        "shipmentId": shipment_id,
        "destination": shipment.get("destination") or {},
        "labelOwner": owner,
        "items": shown_items,
    }


def plan_children(members: list[dict[str, Any]], tables: Mapping[str, Any]) -> list[Element]:
    build_member = field_maps(tables).children("plan_member")
    return [("InboundShipmentPlans", [("member", build_member(m)) for m in members])]


# ------------------------------------------------------------------ the handler


async def create_inbound_shipment_plan(call: Call) -> XmlResult:
    body, canonical = plan_request(call)
    seller = call.identity.seller_id
    fingerprint = digest(seller, canonical)
    store = call.services.store
    key = await intent_key(call, fingerprint)
    name = str((call.section.tables.get("workflow") or {}).get("plan_name", "MWS {key}"))
    intents = Intents(store, PLAN_INTENT, seller)
    intent = await intents.claim(
        key,
        {"at": time.time(), "fingerprint": fingerprint, "name": name.replace("{key}", key[:24])},
    )
    call.audit.notes["inbound_plan"] = (
        "new" if intent.new else "retry" if intent.done else "resumed"
    )
    try:
        if intent.new:
            await store.put(PLAN_LATEST, seller, fingerprint, {"intent": key, "at": time.time()})
        if intent.done:
            members = list(intent.data.get("answer") or [])
        else:
            work = PlanWork(call, intents, intent, body, call_budget(call))
            members = await work.run()
            await intents.finish(intent, answer=members, finished=datetime.now(UTC).isoformat())
    except BaseException:
        await intents.release(intent)
        raise
    call.audit.notes["inbound_plan_id"] = intent.data.get("steps", {}).get("plan_id")
    return XmlResult(plan_children(members, call.section.tables))
