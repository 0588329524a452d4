"""MWS MerchantFulfillment 2015-06-01 on SP-API Merchant Fulfillment v0 ("Buy Shipping").

Parameters, SP-API calls and element trees are tables in
``mappings/sections/merchant_fulfillment.yaml``; request bodies are built by
:mod:`gateway.translate.engine.structures`. createShipment, getShipment and cancelShipment are
restricted operations: the upstream client fetches an RDT for them (``restricted: true``).
CreateShipment buys a label and is never retried blindly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.params import parse_params
from gateway.translate.engine.structures import build_body
from gateway.translate.engine.upstream import SectionApi, field_maps, fill_path, json_object


class MerchantApi(SectionApi):
    section = "MerchantFulfillment"
    api = "mfn"


# ------------------------------------------------------------------ pure


def eligible_children(payload: Mapping[str, Any], maps: FieldMaps) -> list[Element]:
    """Children of ``<GetEligibleShippingServicesResult>`` (ShippingServiceList always)."""
    children = maps.children("eligible")(dict(payload))
    if not children or children[0][0] != "ShippingServiceList":  # an empty list is dropped
        children = [("ShippingServiceList", []), *children]
    return children


def seller_inputs_children(payload: Mapping[str, Any], maps: FieldMaps) -> list[Element]:
    """Children of ``<GetAdditionalSellerInputsResult>`` (both lists always present)."""
    children = maps.children("seller_inputs")(dict(payload))
    shipment = [c for c in children if c[0] == "ShipmentLevelFields"] or [
        ("ShipmentLevelFields", [])
    ]
    items = [c for c in children if c[0] == "ItemLevelFieldsList"] or [("ItemLevelFieldsList", [])]
    return shipment + items


def shipment_children(payload: Any, maps: FieldMaps, operation: str) -> list[Element]:
    """``[<Shipment>]``: the child of Create/Get/CancelShipmentResult."""
    if not isinstance(payload, Mapping):
        raise MwsError("InternalError", f"SP-API {operation} answered without a shipment.")
    return [("Shipment", maps.children("shipment")(dict(payload)))]


# ------------------------------------------------------------------ I/O


def _upstream(call: Call) -> Mapping[str, Any]:
    upstream: Mapping[str, Any] = call.operation.spec["upstream"]
    return upstream


def _restricted(upstream: Mapping[str, Any]) -> list[str] | None:
    return [] if upstream.get("restricted") else None


def _payload(data: Any, operation: str) -> Any:
    return json_object(data, operation).get("payload")


async def _post(call: Call, *, idempotent: bool) -> Any:
    upstream = _upstream(call)
    operation = str(upstream["operation"]).split(".", 1)[1]
    body = build_body(call.operation.spec, call.params, call.section.tables)
    data = await MerchantApi(call)._call(
        operation,
        "POST",
        str(upstream["path"]),
        json=body,
        restricted=_restricted(upstream),
        idempotent=idempotent,
    )
    return _payload(data, operation)


async def get_eligible_shipping_services(call: Call) -> XmlResult:
    payload = await _post(call, idempotent=bool(_upstream(call).get("idempotent", False)))
    if not isinstance(payload, Mapping):
        raise MwsError(
            "InternalError", "SP-API getEligibleShipmentServices answered without a payload."
        )
    return XmlResult(eligible_children(payload, field_maps(call.section.tables)))


async def get_additional_seller_inputs(call: Call) -> XmlResult:
    payload = await _post(call, idempotent=bool(_upstream(call).get("idempotent", False)))
    if not isinstance(payload, Mapping):
        payload = {}  # the model's payload is optional: nothing is asked for
    return XmlResult(seller_inputs_children(payload, field_maps(call.section.tables)))


async def create_shipment(call: Call) -> XmlResult:
    payload = await _post(call, idempotent=False)
    return XmlResult(shipment_children(payload, field_maps(call.section.tables), "createShipment"))


async def _by_id(call: Call, method: str) -> XmlResult:
    upstream = _upstream(call)
    operation = str(upstream["operation"]).split(".", 1)[1]
    parsed = parse_params(
        call.operation.spec["params"],
        [],
        call.params,
        enums={},
        patterns={},
        seller_marketplaces=call.identity.marketplaces,
        now=datetime.now(UTC),
    )
    shipment_id = str(parsed.values["ShipmentId"])
    data = await MerchantApi(call)._call(
        operation,
        method,
        fill_path(str(upstream["path"]), {"shipmentId": shipment_id}),
        restricted=_restricted(upstream),
        idempotent=method == "GET",
        not_found="InvalidParameterValue",
    )
    maps = field_maps(call.section.tables)
    return XmlResult(shipment_children(_payload(data, operation), maps, operation))


async def get_shipment(call: Call) -> XmlResult:
    return await _by_id(call, "GET")


async def cancel_shipment(call: Call) -> XmlResult:
    return await _by_id(call, "DELETE")
