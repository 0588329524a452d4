"""Fulfillment Inbound API v0: the operations that survived the 2025-01-21 removals.

* ``getPrepInstructions``: per SKU (``SellerSKUList``) or ASIN (``ASINList``, up to 50) the
  barcode and prep guidance of :mod:`gateway.emulator.inbound.prep`; unknown ones go to the
  invalid lists (``DoesNotExist`` / ``InvalidASIN``).
* ``getShipments`` (QueryType SHIPMENT, DATE_RANGE or NEXT_TOKEN) and ``getShipmentItems`` /
  ``getShipmentItemsByShipmentId``: the seeded legacy shipments plus every 2024-03-20 shipment
  whose placement was confirmed, under its ``FBA...`` confirmation id; pages of
  ``InboundStore.page_size`` with an opaque NextToken that carries the query.
* ``getLabels`` (LabelType BARCODE_2D, UNIQUE or PALLET) and ``getBillOfLading``: a PDF in the
  document store behind a presigned ``DownloadURL`` (one page per label; four per pallet).

Shipments are the token's seller's own: another seller's ShipmentId is not found (404).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    invalid_input,
    not_found,
    parse_datetime,
    query_list,
    require_query,
    spapi_operation,
)
from gateway.emulator.data import MARKETPLACES
from gateway.emulator.inbound.labels import page_size_of, pdf_document
from gateway.emulator.inbound.prep import FEES, barcode_instruction, prep_instructions
from gateway.emulator.inbound.store import InboundStore, Shipment, inbound_store

BASE = "/fba/inbound/v0"
API = "fbaInbound"
SHIPMENT_STATUSES = (
    "WORKING", "READY_TO_SHIP", "SHIPPED", "RECEIVING", "CANCELLED", "DELETED", "CLOSED",
    "ERROR", "IN_TRANSIT", "DELIVERED", "CHECKED_IN",
)  # fmt: skip
PAGE_TYPES = (
    "PackageLabel_Letter_2", "PackageLabel_Letter_4", "PackageLabel_Letter_6",
    "PackageLabel_Letter_6_CarrierLeft", "PackageLabel_A4_2", "PackageLabel_A4_4",
    "PackageLabel_Plain_Paper", "PackageLabel_Plain_Paper_CarrierBottom",
    "PackageLabel_Thermal", "PackageLabel_Thermal_Unified", "PackageLabel_Thermal_NonPCP",
    "PackageLabel_Thermal_No_Carrier_Rotation",
)  # fmt: skip
LABEL_TYPES = ("BARCODE_2D", "UNIQUE", "PALLET")
COUNTRIES = ("US", "CA", "MX", "GB", "DE", "FR", "IT", "ES", "JP", "IN", "AU")

Row = tuple[dict[str, Any], list[dict[str, Any]], str, datetime]


def _store(ctx: OperationContext) -> InboundStore:
    store = inbound_store(ctx)
    store.tick(ctx)
    return store


def _marketplace(request: Request, *, required: bool = True) -> str | None:
    value = request.query_params.get("MarketplaceId")
    if value is None:
        if required:
            raise invalid_input("Missing required parameter: MarketplaceId.")
        return None
    if value not in MARKETPLACES:
        raise invalid_input(f"Invalid MarketplaceId {value[:32]!r}.")
    return value


def _date(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    return parse_datetime(value, name) if value else None


def _int(request: Request, name: str, lo: int, hi: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise invalid_input(f"{name} must be an integer.") from None
    if not lo <= value <= hi:
        raise invalid_input(f"{name} must be between {lo} and {hi}.")
    return value


# ------------------------------------------------------------------ next tokens


def _token(kind: str, seller: str, query: dict[str, Any], offset: int) -> str:
    raw = json.dumps({"k": kind, "s": seller, "q": query, "o": offset}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii")


def _untoken(request: Request, kind: str, seller: str) -> tuple[dict[str, Any], int]:
    token = require_query(request, "NextToken")
    try:
        doc = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        if doc["k"] != kind or doc["s"] != seller:
            raise ValueError(kind)
        return dict(doc["q"]), int(doc["o"])
    except (ValueError, KeyError, TypeError, UnicodeEncodeError):
        raise invalid_input("The NextToken is invalid or has expired.") from None


# ------------------------------------------------------------------ prep instructions


def _fees(prep: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"PrepInstruction": p, "FeePerUnit": {"CurrencyCode": "USD", "Value": FEES[p]}}
        for p in prep
    ]


@spapi_operation(f"{API}.getPrepInstructions")
async def get_prep_instructions(request: Request, ctx: OperationContext) -> JsonBody:
    country = require_query(request, "ShipToCountryCode")
    if len(country) != 2 or not country.isupper() or not country.isalpha():
        raise invalid_input("ShipToCountryCode must be a two-letter country code.")
    if country not in COUNTRIES:
        raise invalid_input(f"ShipToCountryCode {country} is not supported.")
    skus = query_list(request, "SellerSKUList", 50)
    asins = query_list(request, "ASINList", 50)
    if bool(skus) == bool(asins):
        raise invalid_input("Give exactly one of SellerSKUList and ASINList.")
    data = ctx.state.data
    payload: dict[str, Any] = {}
    if skus:
        known, invalid = [], []
        for sku in skus:
            listing = data.listings.get(sku)
            if listing is None:
                invalid.append({"SellerSKU": sku, "ErrorReason": "DoesNotExist"})
                continue
            prep = prep_instructions(sku)
            known.append(
                {
                    "SellerSKU": sku,
                    "ASIN": listing["asin"],
                    "BarcodeInstruction": barcode_instruction(sku),
                    "PrepGuidance": "SeePrepInstructionsList"
                    if prep
                    else "NoAdditionalPrepRequired",
                    "PrepInstructionList": list(prep),
                    "AmazonPrepFeesDetailsList": _fees(prep),
                }
            )
        payload = {"SKUPrepInstructionsList": known, "InvalidSKUList": invalid}
    else:
        by_asin = {str(li["asin"]): li for li in data.listings.values()}
        known, invalid = [], []
        for asin in asins:
            if asin not in by_asin:
                invalid.append({"ASIN": asin, "ErrorReason": "InvalidASIN"})
                continue
            prep = prep_instructions(by_asin[asin]["sku"])
            known.append(
                {
                    "ASIN": asin,
                    "BarcodeInstruction": barcode_instruction(asin),
                    "PrepGuidance": "SeePrepInstructionsList"
                    if prep
                    else "NoAdditionalPrepRequired",
                    "PrepInstructionList": list(prep),
                }
            )
        payload = {"ASINPrepInstructionsList": known, "InvalidASINList": invalid}
    return {"payload": payload}


# ------------------------------------------------------------------ shipments


def _select(rows: list[Row], query: dict[str, Any]) -> list[Row]:
    statuses = query.get("statuses") or []
    ids = query.get("ids") or []
    after = datetime.fromisoformat(query["after"]) if query.get("after") else None
    before = datetime.fromisoformat(query["before"]) if query.get("before") else None
    out = []
    for row in rows:
        info, _, marketplace, updated = row
        if marketplace != query["marketplace"]:
            continue
        if statuses and info["ShipmentStatus"] not in statuses:
            continue
        if ids and info["ShipmentId"] not in ids:
            continue
        if after is not None and updated < after:
            continue
        if before is not None and updated > before:
            continue
        out.append(row)
    return sorted(out, key=lambda r: (r[3], r[0]["ShipmentId"]))


@spapi_operation(f"{API}.getShipments")
async def get_shipments(request: Request, ctx: OperationContext) -> JsonBody:
    store = _store(ctx)
    query_type = require_query(request, "QueryType")
    if query_type not in ("SHIPMENT", "DATE_RANGE", "NEXT_TOKEN"):
        raise invalid_input("QueryType must be SHIPMENT, DATE_RANGE or NEXT_TOKEN.")
    marketplace = _marketplace(request)
    if query_type == "NEXT_TOKEN":
        query, offset = _untoken(request, "shipments", ctx.seller_id)
    else:
        statuses = query_list(request, "ShipmentStatusList")
        for status in statuses:
            if status not in SHIPMENT_STATUSES:
                raise invalid_input(f"Invalid ShipmentStatusList value {status[:32]!r}.")
        ids = query_list(request, "ShipmentIdList", 999)
        after, before = _date(request, "LastUpdatedAfter"), _date(request, "LastUpdatedBefore")
        if query_type == "SHIPMENT" and not statuses and not ids:
            raise invalid_input("QueryType SHIPMENT needs ShipmentStatusList or ShipmentIdList.")
        if query_type == "DATE_RANGE" and (after is None or before is None):
            raise invalid_input(
                "QueryType DATE_RANGE needs LastUpdatedAfter and LastUpdatedBefore."
            )
        if after is not None and before is not None and before < after:
            raise invalid_input("LastUpdatedBefore must not be earlier than LastUpdatedAfter.")
        query = {
            "marketplace": marketplace,
            "statuses": statuses,
            "ids": ids,
            "after": after.isoformat() if after else None,
            "before": before.isoformat() if before else None,
        }
        offset = 0
    rows = _select(store.v0_shipments(ctx.seller_id), query)
    page = rows[offset : offset + store.page_size]
    payload: dict[str, Any] = {"ShipmentData": [dict(r[0]) for r in page]}
    if offset + store.page_size < len(rows):
        payload["NextToken"] = _token("shipments", ctx.seller_id, query, offset + store.page_size)
    return {"payload": payload}


def _items_page(
    store: InboundStore, rows: list[Row], kind: str, seller: str, query: dict[str, Any], offset: int
) -> JsonBody:
    items = [item for row in rows for item in row[1]]
    page = items[offset : offset + store.page_size]
    payload: dict[str, Any] = {"ItemData": [dict(i) for i in page]}
    if offset + store.page_size < len(items):
        payload["NextToken"] = _token(kind, seller, query, offset + store.page_size)
    return {"payload": payload}


@spapi_operation(f"{API}.getShipmentItemsByShipmentId")
async def get_shipment_items_by_shipment_id(request: Request, ctx: OperationContext) -> JsonBody:
    store = _store(ctx)
    shipment_id = str(request.path_params["shipmentId"])
    _marketplace(request, required=False)
    rows = [r for r in store.v0_shipments(ctx.seller_id) if r[0]["ShipmentId"] == shipment_id]
    if not rows:
        raise not_found(f"Shipment {shipment_id[:40]} was not found.")
    return _items_page(store, rows, "items", ctx.seller_id, {"ids": [shipment_id]}, 0)


@spapi_operation(f"{API}.getShipmentItems")
async def get_shipment_items(request: Request, ctx: OperationContext) -> JsonBody:
    store = _store(ctx)
    query_type = require_query(request, "QueryType")
    if query_type not in ("DATE_RANGE", "NEXT_TOKEN"):
        raise invalid_input("QueryType must be DATE_RANGE or NEXT_TOKEN.")
    marketplace = _marketplace(request)
    if query_type == "NEXT_TOKEN":
        query, offset = _untoken(request, "items", ctx.seller_id)
    else:
        after, before = _date(request, "LastUpdatedAfter"), _date(request, "LastUpdatedBefore")
        if after is None or before is None:
            raise invalid_input(
                "QueryType DATE_RANGE needs LastUpdatedAfter and LastUpdatedBefore."
            )
        if before < after:
            raise invalid_input("LastUpdatedBefore must not be earlier than LastUpdatedAfter.")
        query = {"after": after.isoformat(), "before": before.isoformat()}
        offset = 0
    rows = store.v0_shipments(ctx.seller_id)
    if query.get("ids"):
        rows = [r for r in rows if r[0]["ShipmentId"] in query["ids"]]
    else:
        rows = _select(rows, {"marketplace": marketplace, **query})
    return _items_page(store, rows, "items", ctx.seller_id, query, offset)


# ------------------------------------------------------------------ labels


def _find(
    store: InboundStore, seller: str, shipment_id: str
) -> tuple[dict[str, Any], Shipment | None]:
    for shipment in store.all_shipments():
        if shipment.seller_id == seller and shipment.confirmation_id == shipment_id:
            info = next(
                r[0] for r in store.v0_shipments(seller) if r[0]["ShipmentId"] == shipment_id
            )
            return info, shipment
    legacy = store.legacy.get(shipment_id)
    if legacy is None or legacy.seller_id != seller:
        raise not_found(f"Shipment {shipment_id[:40]} was not found.")
    return legacy.info, None


def _transport(plan_options: list[dict[str, Any]], shipment: Shipment) -> dict[str, Any] | None:
    return next(
        (o for o in plan_options if o["transportationOptionId"] == shipment.transport_option_id),
        None,
    )


def _document(ctx: OperationContext, pages: list[list[str]], page_type: str) -> JsonBody:
    pdf = pdf_document(pages, page_size=page_size_of(page_type))
    document_id = ctx.state.documents.put_document(pdf, "application/pdf", prefix="amzn1.fbalabel.")
    return {"payload": {"DownloadURL": ctx.state.documents.download_url(document_id)}}


@spapi_operation(f"{API}.getLabels")
async def get_labels(request: Request, ctx: OperationContext) -> JsonBody:
    store = _store(ctx)
    shipment_id = str(request.path_params["shipmentId"])
    page_type = require_query(request, "PageType")
    if page_type not in PAGE_TYPES:
        raise invalid_input(f"Invalid PageType {page_type[:48]!r}.")
    label_type = require_query(request, "LabelType")
    if label_type not in LABEL_TYPES:
        raise invalid_input("LabelType must be BARCODE_2D, UNIQUE or PALLET.")
    packages = _int(request, "NumberOfPackages", 1, 999)
    pallets = _int(request, "NumberOfPallets", 1, 999)
    ids = query_list(request, "PackageLabelsToPrint", 999)
    _int(request, "PageSize", 1, 1000)
    _int(request, "PageStartIndex", 0, 10**6)
    info, shipment = _find(store, ctx.seller_id, shipment_id)
    ltl = False
    if shipment is not None:
        option = _transport(store.plans[shipment.plan_id].transport_options, shipment)
        ltl = bool(shipment.pallets) or bool(option and option["shippingMode"] == "FREIGHT_LTL")
    head = [
        "Amazon FBA inbound label (emulated)",
        f"Shipment {shipment_id}",
        f"Ship to {info['DestinationFulfillmentCenterId']}",
    ]
    if label_type == "PALLET":
        if pallets is None:
            raise invalid_input("NumberOfPallets is required for PALLET labels.")
        if not ltl:
            raise invalid_input(
                f"Shipment {shipment_id} is not a Less Than Truckload shipment; "
                "pallet labels are for LTL/FTL shipments."
            )
        names = [
            f"Pallet {p} of {pallets} (copy {c})"
            for p in range(1, pallets + 1)
            for c in range(1, 5)
        ]
    elif label_type == "UNIQUE":
        if not ids:
            raise invalid_input("PackageLabelsToPrint is required for UNIQUE labels.")
        names = [f"Carton {carton}" for carton in ids]
    else:
        count = packages or (len(shipment.boxes) if shipment is not None else 0)
        if not count:
            raise invalid_input("NumberOfPackages is required for BARCODE_2D labels.")
        names = [f"Package {n} of {count}" for n in range(1, count + 1)]
    if shipment is not None:
        shipment.label_pages += len(names)
    pages = [[*head, name, page_type] for name in names]
    return _document(ctx, pages, page_type)


@spapi_operation(f"{API}.getBillOfLading")
async def get_bill_of_lading(request: Request, ctx: OperationContext) -> JsonBody:
    store = _store(ctx)
    shipment_id = str(request.path_params["shipmentId"])
    info, shipment = _find(store, ctx.seller_id, shipment_id)
    option = (
        _transport(store.plans[shipment.plan_id].transport_options, shipment)
        if shipment is not None
        else None
    )
    if (
        shipment is None
        or option is None
        or option["shippingMode"] != "FREIGHT_LTL"
        or option["shippingSolution"] != "AMAZON_PARTNERED_CARRIER"
    ):
        raise invalid_input(
            "A bill of lading is available only for an Amazon-partnered LTL shipment whose "
            "carrier is confirmed."
        )
    number = (shipment.tracking or {}).get("ltlTrackingDetail", {}).get("billOfLadingNumber", "")
    pages = [
        [
            "Straight bill of lading (emulated)",
            f"Shipment {shipment_id}",
            f"Bill of lading {number}",
            f"Carrier {option['carrier'].get('name', '')}",
            f"Consignee {info['DestinationFulfillmentCenterId']}",
        ]
    ]
    return _document(ctx, pages, "PackageLabel_Letter_2")


routes: list[BaseRoute] = [
    Route(f"{BASE}/prepInstructions", get_prep_instructions, methods=["GET"]),
    Route(f"{BASE}/shipments", get_shipments, methods=["GET"]),
    Route(
        f"{BASE}/shipments/{{shipmentId}}/items", get_shipment_items_by_shipment_id, methods=["GET"]
    ),
    Route(f"{BASE}/shipmentItems", get_shipment_items, methods=["GET"]),
    Route(f"{BASE}/shipments/{{shipmentId}}/labels", get_labels, methods=["GET"]),
    Route(f"{BASE}/shipments/{{shipmentId}}/billOfLading", get_bill_of_lading, methods=["GET"]),
]
