"""Shipment Invoicing API v0 over the seeded Brazilian (A2Q3Y263D00KWC) FBA shipments.

`getShipmentDetails` is restricted: it answers only a Restricted Data Token covering its path
(403 Unauthorized with a plain LWA token), and carries the buyer's name, address and CPF.
`submitInvoice` takes the invoice as base64 `InvoiceContent` with its `ContentMD5Value` (the
base64 MD5 MWS used; the hex form of the model's example is accepted too) and refuses a body
that does not decode or whose MD5 does not match (400 InvalidInput). An invoice is Processing
for `PROCESSING_SECONDS` on the emulator clock, then Accepted when it is well-formed XML and
Errored otherwise; a shipment without one is NotFound (`getInvoiceStatus`). Seeded: one
shipment without an invoice, one Accepted, one Errored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree as SafeET
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    invalid_input,
    not_found,
    read_json_object,
    require_rdt,
    spapi_operation,
)
from gateway.emulator.data import BRAZIL_INVOICE_STATUSES, BRAZIL_MARKETPLACE

BASE = "/fba/outbound/brazil/v0/shipments"
PROCESSING_SECONDS = 60.0
MAX_INVOICE_BYTES = 5 * 1024 * 1024


@dataclass
class Invoice:
    content: bytes
    submitted: float  # emulator clock
    well_formed: bool


@dataclass
class InvoicingSettings:
    invoices: dict[str, Invoice] = field(default_factory=dict)  # by AmazonShipmentId
    seeded: bool = False


def store(ctx: OperationContext) -> InvoicingSettings:
    settings = ctx.state.section("shipmentInvoicing", InvoicingSettings)
    if not settings.seeded:
        settings.seeded = True
        long_ago = ctx.state.clock() - 86400
        shipments = ctx.state.data.brazil_shipments
        for shipment, status in zip(shipments, BRAZIL_INVOICE_STATUSES, strict=False):
            if status is not None:
                accepted = status == "Accepted"
                content = b"<NFe/>" if accepted else b"not xml"
                invoice = Invoice(content, long_ago, accepted)
                settings.invoices[shipment["AmazonShipmentId"]] = invoice
    return settings


def invoice_status(invoice: Invoice | None, clock: float) -> str:
    if invoice is None:
        return "NotFound"
    if clock - invoice.submitted < PROCESSING_SECONDS:
        return "Processing"
    return "Accepted" if invoice.well_formed else "Errored"


def _shipment(ctx: OperationContext, request: Request) -> dict[str, Any]:
    shipment_id = request.path_params["shipmentId"]
    for shipment in ctx.state.data.brazil_shipments:
        if shipment["AmazonShipmentId"] == shipment_id:
            return shipment
    raise not_found(f"Shipment {shipment_id:.40} was not found.")


def _well_formed(content: bytes) -> bool:
    try:
        SafeET.fromstring(content, forbid_dtd=True)
    except Exception:  # any refusal (syntax, DTD, entities) means not accepted
        return False
    return True


def _md5_matches(given: str, content: bytes) -> bool:
    digest = hashlib.md5(content).digest()
    return given in (base64.b64encode(digest).decode("ascii"), digest.hex())


@spapi_operation("shipmentInvoicing.getShipmentDetails")
async def get_shipment_details(request: Request, ctx: OperationContext) -> JsonBody:
    require_rdt(request)
    return {"payload": _shipment(ctx, request)}


@spapi_operation("shipmentInvoicing.submitInvoice")
async def submit_invoice(request: Request, ctx: OperationContext) -> JsonBody:
    shipment = _shipment(ctx, request)
    body = await read_json_object(request)
    raw, md5 = body.get("InvoiceContent"), body.get("ContentMD5Value")
    if not isinstance(raw, str) or not raw:
        raise invalid_input("Missing required field: InvoiceContent.")
    if not isinstance(md5, str) or not md5:
        raise invalid_input("Missing required field: ContentMD5Value.")
    marketplace = body.get("MarketplaceId", BRAZIL_MARKETPLACE)
    if marketplace != BRAZIL_MARKETPLACE:
        raise invalid_input(f"Value {marketplace!s:.40} for parameter MarketplaceId is invalid.")
    try:
        content = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_input("InvoiceContent is not base64.") from None
    if not content or len(content) > MAX_INVOICE_BYTES:
        raise invalid_input(f"InvoiceContent must hold 1 to {MAX_INVOICE_BYTES} bytes.")
    if not _md5_matches(md5, content):
        raise invalid_input("ContentMD5Value does not match the MD5 of InvoiceContent.")
    store(ctx).invoices[shipment["AmazonShipmentId"]] = Invoice(
        content, ctx.state.clock(), _well_formed(content)
    )
    return {}


@spapi_operation("shipmentInvoicing.getInvoiceStatus")
async def get_invoice_status(request: Request, ctx: OperationContext) -> JsonBody:
    shipment = _shipment(ctx, request)
    invoice = store(ctx).invoices.get(shipment["AmazonShipmentId"])
    return {
        "payload": {
            "Shipments": {
                "AmazonShipmentId": shipment["AmazonShipmentId"],
                "InvoiceStatus": invoice_status(invoice, ctx.state.clock()),
            }
        }
    }


routes: list[BaseRoute] = [
    Route(f"{BASE}/{{shipmentId}}", get_shipment_details, methods=["GET"]),
    Route(f"{BASE}/{{shipmentId}}/invoice", submit_invoice, methods=["POST"]),
    Route(f"{BASE}/{{shipmentId}}/invoice/status", get_invoice_status, methods=["GET"]),
]
