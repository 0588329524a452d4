"""MWS ShipmentInvoicing 2018-09-01 (Brazil) on SP-API Shipment Invoicing v0.

Parameters, SP-API calls and the element trees are tables in
``mappings/sections/shipment_invoicing.yaml``. This module adds what they do not say:

* GetFBAOutboundShipmentDetail is restricted: the call carries an RDT for the table's generic
  ``rdt_path``. Its answer holds the buyer's name, address and tax id; they go to the client
  and nowhere else (no audit note, no log line names them).
* SubmitFBAOutboundShipmentInvoice takes the invoice as the HTTP body (spooled by the pipeline,
  its MD5 computed on the way): the client's MD5 is checked as SubmitFeed's is
  (:mod:`gateway.translate.engine.document`), the document must be well-formed XML without DTD
  or entities (:mod:`gateway.feeds.safexml`), and it is sent base64-encoded as
  ``InvoiceContent`` with the MD5 as ``ContentMD5Value``. It is not retried blindly.
* SP-API's one ``Shipments`` object becomes MWS's ``Shipments > Shipment`` list.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.feeds.safexml import UnreadableDocument, parse
from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.document import content_md5
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.params import ParsedParams, parse_params
from gateway.translate.engine.upstream import SectionApi, field_maps, fill_path, json_object


class InvoicingApi(SectionApi):
    section = "ShipmentInvoicing"
    api = "shipmentInvoicing"


# ------------------------------------------------------------------ pure


def shipment_detail_children(payload: Mapping[str, Any], maps: FieldMaps) -> list[Element]:
    """Children of ``<GetFBAOutboundShipmentDetailResult>``: one ShipmentDetail."""
    return [("ShipmentDetail", maps.children("shipment_detail")(dict(payload)))]


def invoice_status_children(payload: Mapping[str, Any], maps: FieldMaps) -> list[Element]:
    """Children of ``<GetFBAOutboundShipmentInvoiceStatusResult>``."""
    raw = payload.get("Shipments")
    shipments = raw if isinstance(raw, list) else [raw]
    status = maps.children("invoice_status")
    return [
        (
            "Shipments",
            [("Shipment", status(dict(s))) for s in shipments if isinstance(s, Mapping)],
        )
    ]


def invoice_content(document: bytes) -> str:
    """The invoice as SP-API's ``InvoiceContent`` (base64), once it is known to be XML."""
    if not document.strip():
        raise MwsError("MissingParameter", "The invoice document (the request body) is empty.")
    try:
        parse(document)
    except UnreadableDocument as exc:
        raise MwsError(
            "InvalidParameterValue", f"The invoice is not a well-formed XML document: {exc}"
        ) from None
    return base64.b64encode(document).decode("ascii")


# ------------------------------------------------------------------ I/O


def _parse(call: Call) -> ParsedParams:
    spec, tables = call.operation.spec, call.section.tables
    return parse_params(
        spec["params"],
        spec.get("rules") or [],
        call.params,
        enums=tables.get("enums") or {},
        patterns=tables.get("patterns") or {},
        seller_marketplaces=call.identity.marketplaces,
        now=datetime.now(UTC),
    )


def _api(call: Call, parsed: ParsedParams) -> InvoicingApi:
    return InvoicingApi(call, str(parsed.values["MarketplaceId"]))


def _path(call: Call, parsed: ParsedParams) -> str:
    template = str(call.operation.spec["upstream"]["path"])
    return fill_path(template, {"shipmentId": str(parsed.values["AmazonShipmentId"])})


def _payload(data: Any, operation: str) -> Mapping[str, Any]:
    payload = json_object(data, operation).get("payload")
    if not isinstance(payload, Mapping):
        raise MwsError("InternalError", f"SP-API {operation} answered without a payload.")
    return payload


async def get_fba_outbound_shipment_detail(call: Call) -> XmlResult:
    parsed = _parse(call)
    upstream = call.operation.spec["upstream"]
    data = await _api(call, parsed)._call(
        "getShipmentDetails",
        "GET",
        _path(call, parsed),
        restricted=[] if upstream.get("restricted") else None,
        rdt_path=upstream.get("rdt_path"),
        not_found="InvalidParameterValue",
    )
    payload = _payload(data, "getShipmentDetails")
    return XmlResult(shipment_detail_children(payload, field_maps(call.section.tables)))


async def submit_fba_outbound_shipment_invoice(call: Call) -> XmlResult:
    parsed = _parse(call)
    document: Mapping[str, Any] = call.operation.spec.get("document") or {}
    what = str(document.get("what", "document"))
    body = call.body
    if body is None or body.size == 0:
        raise MwsError("MissingParameter", f"The {what} must be sent as the request body.")
    limit = int(document.get("max_bytes", 0)) or None
    if limit is not None and body.size > limit:
        raise MwsError(
            "RequestEntityTooLarge", f"The {what} is larger than the {limit} bytes allowed."
        )
    md5 = content_md5(call.params, call.headers, body.md5_base64, what=what)
    content = invoice_content(await body.read())
    await _api(call, parsed)._call(
        "submitInvoice",
        "POST",
        _path(call, parsed),
        json={
            "InvoiceContent": content,
            "MarketplaceId": str(parsed.values["MarketplaceId"]),
            "ContentMD5Value": md5,
        },
        idempotent=False,
        not_found="InvalidParameterValue",
    )
    return XmlResult(results=[])


async def get_fba_outbound_shipment_invoice_status(call: Call) -> XmlResult:
    parsed = _parse(call)
    data = await _api(call, parsed)._call(
        "getInvoiceStatus", "GET", _path(call, parsed), not_found="InvalidParameterValue"
    )
    payload = _payload(data, "getInvoiceStatus")
    return XmlResult(invoice_status_children(payload, field_maps(call.section.tables)))
