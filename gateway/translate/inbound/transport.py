"""PutTransportContent, EstimateTransportRequest, GetTransportContent, ConfirmTransportRequest
on the 2024-03-20 transportation options of a created shipment.

``tables.transport.modes`` maps MWS's (IsPartnered, ShipmentType) to the option to choose
(shipping solution and mode) and to the ``TransportDetails`` member that must be given;
``tables.transport.statuses`` maps the gateway's steps to MWS's TransportStatus.

* PutTransportContent: for Amazon-partnered small parcel, the packages become the shipment's
  boxes (``setPackingInformation``; the box contents source from the shipment's
  IntendedBoxContentsSource); then ``generateTransportationOptions`` for the shipment (for LTL
  with its pallets, freight class, declared value and contact). Both operations are waited
  for in the call's budget (503 and a resumable record when it runs out). Answer: WORKING. A
  non-partnered shipment is estimated and confirmed at once: MWS had no further step for it.
* EstimateTransportRequest: ``listTransportationOptions`` of the shipment, the matching option
  (the cheapest if several) is recorded with its quote: ESTIMATED, or ERROR_ON_ESTIMATING
  with the reason when Amazon offers none.
* ConfirmTransportRequest: ``confirmTransportationOptions`` once (a durable
  ``inbound.transport`` intent), waited for in the budget: CONFIRMED, CONFIRMING (the client
  polls GetTransportContent, as with MWS) or ERROR_ON_CONFIRMING with Amazon's problem text.
* GetTransportContent: the recorded content, the estimate (quote, confirm and void deadlines)
  and, once confirmed, the carrier's tracking ids from ``getShipment``.

VoidTransportRequest has no equivalent short of cancelling the whole plan; its table entry
answers an explicit MWS error.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from gateway.mws.errors import MwsError
from gateway.spapi.errors import UpstreamClientError
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.intents import Intents
from gateway.translate.engine.params import invalid
from gateway.translate.engine.polling import Budget
from gateway.translate.engine.structures import build
from gateway.translate.engine.upstream import field_maps
from gateway.translate.inbound.api import (
    FAILED,
    SUCCESS,
    InboundPlans,
    call_budget,
    operation_id,
    problems_text,
    still_working,
)
from gateway.translate.inbound.records import (
    TRANSPORT_INTENT,
    ShipmentRecord,
    digest,
    load_shipment,
    save_shipment,
)
from gateway.translate.inbound.v0 import parse

PUTTING, CONTENT_PUT, ESTIMATED, ESTIMATE_FAILED = (
    "putting",
    "content_put",
    "estimated",
    "estimate_failed",
)
CONFIRMING, CONFIRMED, CONFIRM_FAILED = "confirming", "confirmed", "confirm_failed"


def _transport_table(call: Call) -> Mapping[str, Any]:
    table: Mapping[str, Any] = call.section.tables["transport"]
    return table


def mode_of(call: Call, partnered: bool, shipment_type: str) -> Mapping[str, Any]:
    for row in _transport_table(call)["modes"]:
        if bool(row["partnered"]) == partnered and row["type"] == shipment_type:
            return dict(row)
    raise invalid(f"Invalid ShipmentType {shipment_type[:8]}.")


def status_text(call: Call, step: str | None) -> str:
    statuses: Mapping[str, str] = _transport_table(call)["statuses"]
    return str(statuses.get(step or CONTENT_PUT, statuses[CONTENT_PUT]))


def result(call: Call, transport: Mapping[str, Any]) -> list[Any]:
    """The children of ``TransportResult``."""
    out: list[Any] = [("TransportStatus", status_text(call, transport.get("step")))]
    error = transport.get("error") or {}
    if error.get("code"):
        out.append(("ErrorCode", str(error["code"])))
    if error.get("description"):
        out.append(("ErrorDescription", str(error["description"])[:1000]))
    return out


async def created_shipment(call: Call, shipment_id: str) -> ShipmentRecord:
    record = await load_shipment(call, shipment_id)
    if not record.created:
        raise MwsError(
            "InvalidRequest",
            f"Shipment {shipment_id} has not been created: call CreateInboundShipment first.",
        )
    if record.cancelled:
        raise MwsError("InvalidRequest", f"Shipment {shipment_id} was cancelled.")
    return record


def _shipment_id(call: Call) -> str:
    return str(parse(call).values["ShipmentId"])


# ------------------------------------------------------------------ bodies


def _grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in rows:
        for seen in out:
            if {k: v for k, v in seen.items() if k != "quantity"} == row:
                seen["quantity"] += 1
                break
        else:
            out.append({**row, "quantity": 1})
    return out


def _dimensions(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "length": raw["Length"],
        "width": raw["Width"],
        "height": raw["Height"],
        "unitOfMeasurement": raw["Unit"],
    }


def _weight(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {"unit": raw["Unit"], "value": raw["Value"]}


def boxes(details: Mapping[str, Any], source: str) -> list[dict[str, Any]]:
    """The BoxInput list of Amazon-partnered small parcel packages (identical ones grouped)."""
    return _grouped(
        [
            {
                "contentInformationSource": source,
                "dimensions": _dimensions(p["Dimensions"]),
                "weight": _weight(p["Weight"]),
            }
            for p in details.get("PackageList") or []
        ]
    )


def _ready(details: Mapping[str, Any]) -> str:
    day = details.get("FreightReadyDate")
    if isinstance(day, str) and len(day) == 10:
        return f"{day}T00:00:00Z"
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def configuration(record: ShipmentRecord, key: str, details: Mapping[str, Any]) -> dict[str, Any]:
    """One shipmentTransportationConfiguration of generateTransportationOptions."""
    config: dict[str, Any] = {
        "shipmentId": record.shipment_id,
        "readyToShipWindow": {"start": _ready(details)},
    }
    if key == "PartneredLtlData":
        contact = details["Contact"]
        config["contactInformation"] = {
            "name": contact["Name"],
            "phoneNumber": contact["Phone"],
            "email": contact["Email"],
        }
        freight: dict[str, Any] = {}
        if details.get("SellerFreightClass"):
            freight["freightClass"] = details["SellerFreightClass"]
        value = details.get("SellerDeclaredValue")
        if value:
            freight["declaredValue"] = {"amount": value["Value"], "code": value["CurrencyCode"]}
        if freight:
            config["freightInformation"] = freight
        pallets = [
            {
                "dimensions": _dimensions(p["Dimensions"]),
                **({"weight": _weight(p["Weight"])} if p.get("Weight") else {}),
                "stackability": "STACKABLE" if p.get("IsStacked") else "NON_STACKABLE",
            }
            for p in details.get("PalletList") or []
        ]
        if pallets:
            config["pallets"] = _grouped(pallets)
    return config


# ------------------------------------------------------------------ steps


class TransportWork:
    def __init__(self, call: Call, record: ShipmentRecord, budget: Budget) -> None:
        self.call = call
        self.record = record
        self.t = record.transport
        self.budget = budget
        self.api = InboundPlans(call, record.marketplace_id)
        self.plan_path = self.api.path("/inboundPlans/{p}", p=record.plan_id)

    async def save(self) -> None:
        await save_shipment(self.call, self.record)

    async def run_operation(self, key: str, start: Any, what: str) -> None:
        """Start (once) and wait for the operation recorded under ``key``."""
        if self.t.get(f"{key}_done"):
            return
        if not self.t.get(key):
            operation, method, path, body = start
            answer = await self.api.send(operation, method, path, body, idempotent=True)
            self.t[key] = operation_id(answer, operation)
            await self.save()
        status = await self.api.wait(str(self.t[key]), self.budget)
        if status is None:
            raise still_working()
        if status.get("operationStatus") == FAILED:
            self.t.pop(key, None)
            await self.save()
            raise MwsError("InvalidRequest", f"Amazon could not {what}: {problems_text(status)}")
        self.t[f"{key}_done"] = True
        await self.save()

    async def put(self) -> None:
        content = self.t["content"]
        key = str(content["key"])
        details = content["details"][key]
        if key == "PartneredSmallParcelData":
            source = self.record.box_contents or "MANUAL_PROCESS"
            grouping = {"shipmentId": self.record.shipment_id, "boxes": boxes(details, source)}
            await self.run_operation(
                "packing_op",
                (
                    "setPackingInformation",
                    "POST",
                    f"{self.plan_path}/packingInformation",
                    {"packageGroupings": [grouping]},
                ),
                "set the packages of the shipment",
            )
        body = {
            "placementOptionId": self.record.placement_option_id,
            "shipmentTransportationConfigurations": [configuration(self.record, key, details)],
        }
        await self.run_operation(
            "generate_op",
            (
                "generateTransportationOptions",
                "POST",
                f"{self.plan_path}/transportationOptions",
                body,
            ),
            "generate transportation options",
        )
        if self.t.get("step") == PUTTING:
            self.t["step"] = CONTENT_PUT
            await self.save()

    async def estimate(self) -> None:
        content = self.t["content"]
        options = await self.api.pages(
            "listTransportationOptions",
            f"{self.plan_path}/transportationOptions",
            "transportationOptions",
            {
                "shipmentId": self.record.shipment_id,
                "placementOptionId": self.record.placement_option_id,
                "pageSize": 20,
            },
        )
        matching = [
            o
            for o in options
            if o.get("shippingSolution") == content["solution"]
            and o.get("shippingMode") == content["mode"]
        ]
        if not matching:
            self.t["step"] = ESTIMATE_FAILED
            self.t["error"] = {
                "code": "CannotEstimateTransportContent",
                "description": (
                    f"Amazon offers no {content['solution']} {content['mode']} transportation "
                    f"for shipment {self.record.shipment_id}."
                ),
            }
        else:
            chosen = min(matching, key=_cost)
            self.t["option"] = {
                "id": chosen["transportationOptionId"],
                "carrier": (chosen.get("carrier") or {}).get("name"),
                "quote": chosen.get("quote"),
                "appointment": chosen.get("carrierAppointment"),
            }
            self.t["step"] = ESTIMATED
            self.t.pop("error", None)
        await self.save()

    async def confirm(self) -> None:
        option_id = str(self.t["option"]["id"])
        intents = Intents(self.call.services.store, TRANSPORT_INTENT, self.call.identity.seller_id)
        intent = await intents.claim(f"{self.record.shipment_id}:{option_id}", {"at": time.time()})
        if intent.done:
            self.t["step"] = CONFIRMED
            await self.save()
            return
        try:
            data = intent.data
            if not data.get("op"):
                if data.get("confirming_at") and await self.selected(option_id):
                    await self.confirmed(intents, intent)
                    return
                await intents.save(intent, confirming_at=time.time())
                selection = {
                    "shipmentId": self.record.shipment_id,
                    "transportationOptionId": option_id,
                }
                try:
                    answer = await self.api.send(
                        "confirmTransportationOptions",
                        "POST",
                        f"{self.plan_path}/transportationOptions/confirmation",
                        {"transportationSelections": [selection]},
                        idempotent=False,
                    )
                except UpstreamClientError as err:
                    if await self.selected(option_id):
                        await self.confirmed(intents, intent)
                        return
                    await intents.save(intent, confirming_at=None)
                    self.t["step"] = CONFIRM_FAILED
                    self.t["error"] = {"code": "AmazonRefused", "description": err.message or ""}
                    await self.save()
                    await intents.release(intent)
                    return
                await intents.save(intent, op=operation_id(answer, "confirmTransportationOptions"))
                self.t["step"], self.t["confirm_op"] = CONFIRMING, data["op"]
                await self.save()
            status = await self.api.wait(str(data["op"]), self.budget)
            if status is None:
                await intents.release(intent)  # CONFIRMING: GetTransportContent follows it up
                return
            if status.get("operationStatus") == FAILED:
                await intents.save(intent, op=None, confirming_at=None)
                await intents.release(intent)
                self.t["step"] = CONFIRM_FAILED
                self.t["error"] = {"code": "OperationFailed", "description": problems_text(status)}
                await self.save()
                return
            await self.confirmed(intents, intent)
        except BaseException:
            await intents.release(intent)
            raise

    async def confirmed(self, intents: Intents, intent: Any) -> None:
        await intents.finish(intent, confirmed=time.time())
        self.t["step"] = CONFIRMED
        self.t.pop("error", None)
        await self.save()

    async def selected(self, option_id: str) -> bool:
        shipment = await self.shipment()
        return shipment.get("selectedTransportationOptionId") == option_id

    async def shipment(self) -> dict[str, Any]:
        return await self.api.get(
            "getShipment", f"{self.plan_path}/shipments/{self.record.shipment_id}"
        )

    async def follow_up(self) -> None:
        """One look at a confirmation still in progress (no waiting)."""
        op = self.t.get("confirm_op")
        if self.t.get("step") != CONFIRMING or not op:
            return
        status = await self.api.operation(str(op))
        if status.get("operationStatus") == SUCCESS:
            self.t["step"] = CONFIRMED
            await self.save()
        elif status.get("operationStatus") == FAILED:
            self.t["step"] = CONFIRM_FAILED
            self.t["error"] = {"code": "OperationFailed", "description": problems_text(status)}
            await self.save()


def _cost(option: Mapping[str, Any]) -> Decimal:
    amount = (((option.get("quote") or {}).get("cost")) or {}).get("amount")
    if isinstance(amount, int | float) and not isinstance(amount, bool):
        return Decimal(str(amount))
    return Decimal(0)


# ------------------------------------------------------------------ handlers


def _content(call: Call) -> tuple[str, dict[str, Any]]:
    tables = call.section.tables
    request = build(
        call.params, str(call.operation.spec["body"]), "", tables["request"], tables["enums"]
    )
    mode = mode_of(call, bool(request["partnered"]), str(request["type"]))
    key = str(mode["details"])
    given = request["details"]
    if key not in given:
        raise MwsError(
            "MissingParameter",
            f"The parameter TransportDetails.{key} is required for IsPartnered="
            f"{str(request['partnered']).lower()} and ShipmentType={request['type']}.",
        )
    others = [k for k in given if k != key]
    if others:
        raise invalid(
            f"TransportDetails.{others[0]} does not fit IsPartnered="
            f"{str(request['partnered']).lower()} and ShipmentType={request['type']}; "
            f"give TransportDetails.{key}."
        )
    content = {
        "partnered": bool(request["partnered"]),
        "type": str(request["type"]),
        "key": key,
        "solution": mode["solution"],
        "mode": mode["mode"],
        "details": {key: given[key]},
    }
    return str(request["shipmentId"]), content


async def put_transport_content(call: Call) -> XmlResult:
    shipment_id, content = _content(call)
    record = await created_shipment(call, shipment_id)
    fingerprint = digest(content)
    current = record.transport
    if current.get("step") in (CONFIRMING, CONFIRMED):
        raise MwsError(
            "InvalidRequest",
            f"The transport of shipment {shipment_id} is confirmed and cannot be changed: "
            "Amazon's Fulfillment Inbound API 2024-03-20 has no way to void it.",
        )
    if (current.get("content") or {}).get("hash") != fingerprint:
        record.transport = {"content": {**content, "hash": fingerprint}, "step": PUTTING}
        await save_shipment(call, record)
    work = TransportWork(call, record, call_budget(call))
    await work.put()
    if not content["partnered"]:
        if work.t.get("step") in (CONTENT_PUT, ESTIMATE_FAILED):
            await work.estimate()
        if work.t.get("step") in (ESTIMATED, CONFIRM_FAILED):
            await work.confirm()
    return XmlResult([("TransportResult", result(call, work.t))])


async def _with_content(call: Call) -> TransportWork:
    record = await created_shipment(call, _shipment_id(call))
    if not record.transport.get("generate_op_done"):
        raise MwsError(
            "InvalidRequest",
            f"Shipment {record.shipment_id} has no transport content: call PutTransportContent "
            "first.",
        )
    return TransportWork(call, record, call_budget(call))


async def estimate_transport_request(call: Call) -> XmlResult:
    work = await _with_content(call)
    if work.t.get("step") in (CONTENT_PUT, ESTIMATE_FAILED, ESTIMATED):
        await work.estimate()
    return XmlResult([("TransportResult", result(call, work.t))])


async def confirm_transport_request(call: Call) -> XmlResult:
    work = await _with_content(call)
    step = work.t.get("step")
    if step == CONFIRMING:
        await work.follow_up()
    elif step in (ESTIMATED, CONFIRM_FAILED):
        await work.confirm()
    elif step != CONFIRMED:
        raise MwsError(
            "InvalidRequest",
            f"Shipment {work.record.shipment_id} has no transport estimate: call "
            "EstimateTransportRequest first.",
        )
    return XmlResult([("TransportResult", result(call, work.t))])


async def get_transport_content(call: Call) -> XmlResult:
    record = await created_shipment(call, _shipment_id(call))
    if not record.transport.get("content"):
        raise MwsError(
            "InvalidRequest",
            f"No transport content was found for shipment {record.shipment_id}: call "
            "PutTransportContent first.",
        )
    work = TransportWork(call, record, call_budget(call))
    await work.follow_up()
    t = work.t
    content = t["content"]
    key = str(content["key"])
    details = copy.deepcopy(content["details"][key])
    option = t.get("option") or {}
    shipment: dict[str, Any] = {}
    if t.get("step") == CONFIRMED:
        shipment = await work.shipment()
    package_status = _transport_table(call).get("package_status") or {}
    status = package_status.get(str(shipment.get("status")), None) if shipment else None
    if key in ("PartneredSmallParcelData", "NonPartneredSmallParcelData"):
        tracking = ((shipment.get("trackingDetails") or {}).get("spdTrackingDetail") or {}).get(
            "spdTrackingItems"
        ) or []
        carrier = details.get("CarrierName") or option.get("carrier")
        for n, package in enumerate(details.get("PackageList") or []):
            if carrier:
                package["CarrierName"] = carrier
            if n < len(tracking) and tracking[n].get("trackingId"):
                package["TrackingId"] = tracking[n]["trackingId"]
            if status:
                package["PackageStatus"] = status
    if content["partnered"] and option.get("quote"):
        quote = option["quote"]
        cost = quote.get("cost") or {}
        details["PartneredEstimate"] = {
            "Amount": {"CurrencyCode": cost.get("code"), "Value": cost.get("amount")},
            "ConfirmDeadline": quote.get("expiration"),
            "VoidDeadline": quote.get("voidableUntil"),
        }
    if key == "PartneredLtlData":
        appointment = option.get("appointment") or {}
        details["PreviewPickupDate"] = appointment.get("startTime")
        details["PreviewDeliveryDate"] = appointment.get("endTime")
        details["CarrierName"] = option.get("carrier")
        details["AmazonReferenceId"] = shipment.get("amazonReferenceId")
        details["IsBillOfLadingAvailable"] = t.get("step") == CONFIRMED
    transport = {
        "TransportHeader": {
            "SellerId": call.identity.seller_id,
            "ShipmentId": record.shipment_id,
            "IsPartnered": content["partnered"],
            "ShipmentType": content["type"],
        },
        "TransportDetails": {key: details},
        "TransportResult": {
            "TransportStatus": status_text(call, t.get("step")),
            "ErrorCode": (t.get("error") or {}).get("code"),
            "ErrorDescription": (t.get("error") or {}).get("description"),
        },
    }
    build_content = field_maps(call.section.tables).children("transport_content")
    return XmlResult([("TransportContent", build_content(transport))])
