"""Benchmark: SP-API calls per MWS call and LWA exchanges per seller on a scripted workload.
Goals (issue 2): SP-API calls per MWS call <= 1 where SP-API allows; 1 LWA exchange per seller
per hour (the run lasts well under an hour: exactly 1).

A demo gateway (``create_app`` of the demo settings, MWS quotas off) with its in-process
emulator, driven through httpx's ASGI transport with freshly signed requests. The workload
mixes every operation whose ``target.kind`` is ``spapi`` in ``mappings/sections/*.yaml``
(Orders, Reports, Feeds, Sellers, FulfillmentInventory, Finances and whatever lands later:
operations the script does not know get a generic call with the seller's marketplace), each
``...ByNextToken`` with a token a previous answer offered (a page size of 1 where MWS has one).

Counted from the gateway's audit events (one ``mws_call`` per request, with its ``upstream``
list), cross-checked against the emulator's own counters (``app.state.emulator.calls``, which
also sees presigned-URL uploads and downloads): SP-API calls per MWS call per operation and
overall, and ``lwa_exchanges_by_seller``. Operations that need more than one call by design
are listed in the detail (GetOrder with N ids = N getOrder; SubmitFeed = createFeedDocument +
upload + createFeed; GetReport = getReport + getReportDocument + download; RDT exchanges for
restricted reports). Run alone: ``.venv/bin/python -m bench.upstream_calls [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import io
import json
import re
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.runner import BenchResult
from gateway.catalog import default_mappings_dir, load_catalog
from gateway.config import DEMO_ACCESS_KEY, DEMO_MARKETPLACE, DEMO_SECRET, DEMO_SELLER

HOST = "testserver"
V = "2009-01-01"  # Reports and Feeds: seller parameter ``Merchant``, path ``/``
ORDERS = ("/Orders/2013-09-01", "2013-09-01")
FINANCES = ("/Finances/2015-05-01", "2015-05-01")
INVENTORY = ("/FulfillmentInventory/2010-10-01", "2010-10-01")
SELLERS = ("/Sellers/2011-07-01", "2011-07-01")
PRODUCTS = ("/Products/2011-10-01", "2011-10-01")
OUTBOUND = ("/FulfillmentOutboundShipment/2010-10-01", "2010-10-01")
INBOUND = ("/FulfillmentInboundShipment/2010-10-01", "2010-10-01")
SINCE = "2020-01-01T00:00:00Z"

# Upstream calls MWS semantics require: (operation, why). SP-API has no single call for these.
BY_DESIGN = {
    "GetOrder": "N getOrder for N AmazonOrderIds (searchOrders cannot filter by id)",
    "SubmitFeed": "createFeedDocument + upload + createFeed",
    "GetReport": "getReport + getReportDocument + download (+ RDT for restricted reports)",
    "GetReportRequestList": "N getReport for N ReportRequestIds (getReports has no id filter)",
    "CancelReportRequests": "getReport (the MWS answer lists what was cancelled) + cancelReport",
    "GetFeedSubmissionResult": "getFeedDocument + download of the processing report",
    "GetMatchingProductForId": "IdType SellerSKU: 1 searchCatalogItems per SKU (SP-API does "
    "not say which SKU matched an item)",
    "CreateInboundShipmentPlan": "the 2024-03-20 plan workflow: createInboundPlan, packing and "
    "placement options with their operations, getShipment + listShipmentItems per shipment",
    "CreateInboundShipment": "confirmPlacementOption + its operation, getShipment, "
    "updateShipmentName",
    "UpdateInboundShipment": "updateShipmentName / updateShipmentSourceAddress + its operation",
    "PutTransportContent": "setPackingInformation + generateTransportationOptions and their "
    "operations",
    "ConfirmTransportRequest": "confirmTransportationOptions + its operation",
    "GetPackageLabels": "getLabels + the PDF download",
    "GetUniquePackageLabels": "getLabels + the PDF download",
    "GetPalletLabels": "getLabels + the PDF download",
    "GetBillOfLading": "getBillOfLading + the PDF download",
}

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><AmazonEnvelope><Header><DocumentVersion>1.01'
    b"</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>"
    b"Inventory</MessageType><Message><MessageID>1</MessageID><OperationType>Update"
    b"</OperationType><Inventory><SKU>{sku}</SKU><Quantity>7</Quantity></Inventory></Message>"
    b"</AmazonEnvelope>"
)


def _ids(body: bytes, tag: str) -> list[str]:
    return [m.decode() for m in re.findall(rf"<{tag}>([^<]+)</{tag}>".encode(), body)]


def _md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def translated_operations() -> dict[str, tuple[str, str, str]]:
    """Every operation the tables translate to SP-API: name -> (section, path, version)."""
    out: dict[str, tuple[str, str, str]] = {}
    for name, section in load_catalog(check_handlers=False).sections.items():
        for op_name, op in section.operations.items():
            if op.target.kind == "spapi":
                version = section.versions[-1]
                out[op_name] = (name, version.paths[-1], version.version)
    return out


class Driver:
    """Freshly signed MWS requests to the ASGI gateway; remembers every answer's status."""

    def __init__(self, http: httpx.AsyncClient, emulator: Any) -> None:
        self.http = http
        self.emulator = emulator
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.generic: set[str] = set()  # operations this script only knows generically
        self.round = 0

    async def call(
        self,
        path: str,
        action: str,
        version: str,
        params: Mapping[str, str] | None = None,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        from gateway.mws.signature import signed_query
        from gateway.mws.timestamps import format_millis, from_epoch

        method = "GET" if body is None else "POST"
        full = {
            "AWSAccessKeyId": DEMO_ACCESS_KEY,
            "Action": action,
            "Merchant" if version == V else "SellerId": DEMO_SELLER,
            "Timestamp": format_millis(from_epoch(time.time())),
            "Version": version,
            **(params or {}),
        }
        query = signed_query(secret=DEMO_SECRET, method=method, host=HOST, path=path, params=full)
        if body is None:
            resp = await self.http.get(f"{path}?{query}", headers=headers)
        else:
            resp = await self.http.post(f"{path}?{query}", content=body, headers=headers)
        self.statuses[action][resp.status_code] += 1
        return resp

    async def next_page(self, path: str, action: str, version: str, first: httpx.Response) -> None:
        """Follow the NextToken ``first`` offered (one page), if any."""
        tokens = _ids(first.content, "NextToken")
        if tokens:
            await self.call(path, f"{action}ByNextToken", version, {"NextToken": tokens[0]})


async def orders(d: Driver) -> None:
    path, version = ORDERS
    listed = await d.call(
        path,
        "ListOrders",
        version,
        {"CreatedAfter": SINCE, "MarketplaceId.Id.1": DEMO_MARKETPLACE, "MaxResultsPerPage": "5"},
    )
    ids = _ids(listed.content, "AmazonOrderId")
    await d.next_page(path, "ListOrders", version, listed)
    await d.call(path, "GetOrder", version, {"AmazonOrderId.Id.1": ids[0]})
    await d.call(
        path, "GetOrder", version, {f"AmazonOrderId.Id.{i + 1}": x for i, x in enumerate(ids[:3])}
    )
    for order_id in [*ids[:2], BIG_ORDER]:
        items = await d.call(path, "ListOrderItems", version, {"AmazonOrderId": order_id})
        await d.next_page(path, "ListOrderItems", version, items)


async def reports(d: Driver) -> None:
    request_ids: list[str] = []
    for report_type in ("_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_", "_GET_MERCHANT_LISTINGS_DATA_"):
        resp = await d.call(
            "/", "RequestReport", V, {"ReportType": report_type, "StartDate": SINCE}
        )
        request_ids += _ids(resp.content, "ReportRequestId")
    d.emulator.clock.advance(120)  # the emulator finishes reports on its own clock
    listed = await d.call(
        "/",
        "GetReportRequestList",
        V,
        {f"ReportRequestIdList.Id.{i + 1}": x for i, x in enumerate(request_ids)},
    )
    report_ids = _ids(listed.content, "GeneratedReportId")
    paged = await d.call("/", "GetReportRequestList", V, {"MaxCount": "1"})
    await d.next_page("/", "GetReportRequestList", V, paged)
    await d.call("/", "GetReportRequestCount", V)
    reports_page = await d.call("/", "GetReportList", V, {"MaxCount": "1"})
    await d.next_page("/", "GetReportList", V, reports_page)
    await d.call("/", "GetReportCount", V)
    for report_id in report_ids:  # one restricted (buyer data: RDT), one not
        await d.call("/", "GetReport", V, {"ReportId": report_id})
    if report_ids:
        await d.call(
            "/",
            "UpdateReportAcknowledgements",
            V,
            {"ReportIdList.Id.1": report_ids[0], "Acknowledged": "true"},
        )
    await d.call(
        "/",
        "ManageReportSchedule",
        V,
        {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_", "Schedule": "_1_DAY_"},
    )
    await d.call("/", "GetReportScheduleList", V)
    await d.call("/", "GetReportScheduleCount", V)
    pending = await d.call("/", "RequestReport", V, {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_"})
    await d.call(
        "/",
        "CancelReportRequests",
        V,
        {"ReportRequestIdList.Id.1": _ids(pending.content, "ReportRequestId")[0]},
    )


async def feeds(d: Driver) -> None:
    sku = sorted(d.emulator.data.listings)[0]
    feed_ids: list[str] = []
    # new content each time (no duplicate feed); two feeds in the first round only, as the
    # gateway admits at most 5 listings feeds per 5 minutes (Amazon's rule)
    quantities = (10, 11) if d.round == 0 else (11 + d.round,)
    for quantity in quantities:
        body = FEED.replace(b"{sku}", sku.encode()).replace(b">7<", f">{quantity}<".encode())
        submitted = await d.call(
            "/",
            "SubmitFeed",
            V,
            {"FeedType": "_POST_INVENTORY_AVAILABILITY_DATA_", "ContentMD5Value": _md5(body)},
            body=body,
            headers={"Content-Type": "text/xml"},
        )
        feed_ids += _ids(submitted.content, "FeedSubmissionId")
    d.emulator.clock.advance(60)
    paged = await d.call("/", "GetFeedSubmissionList", V, {"MaxCount": "1"})
    await d.next_page("/", "GetFeedSubmissionList", V, paged)
    await d.call("/", "GetFeedSubmissionCount", V)
    await d.call("/", "GetFeedSubmissionResult", V, {"FeedSubmissionId": feed_ids[0]})
    await d.call("/", "CancelFeedSubmissions", V, {"FeedSubmissionIdList.Id.1": feed_ids[-1]})


async def others(d: Driver) -> None:
    path, version = SELLERS
    participations = await d.call(path, "ListMarketplaceParticipations", version)
    await d.next_page(path, "ListMarketplaceParticipations", version, participations)
    path, version = INVENTORY
    supply = await d.call(path, "ListInventorySupply", version, {"QueryStartDateTime": SINCE})
    await d.next_page(path, "ListInventorySupply", version, supply)
    path, version = FINANCES
    groups = await d.call(
        path,
        "ListFinancialEventGroups",
        version,
        {"FinancialEventGroupStartedAfter": SINCE, "MaxResultsPerPage": "1"},
    )
    await d.next_page(path, "ListFinancialEventGroups", version, groups)
    events = await d.call(
        path, "ListFinancialEvents", version, {"PostedAfter": SINCE, "MaxResultsPerPage": "1"}
    )
    await d.next_page(path, "ListFinancialEvents", version, events)
    group_ids = _ids(groups.content, "FinancialEventGroupId")
    if group_ids:
        await d.call(path, "ListFinancialEvents", version, {"FinancialEventGroupId": group_ids[0]})


async def products(d: Driver) -> None:
    path, version = PRODUCTS
    listings = [d.emulator.data.listings[k] for k in sorted(d.emulator.data.listings)[:3]]
    skus = {f"SellerSKUList.SellerSKU.{i}": x["sku"] for i, x in enumerate(listings, 1)}
    asins = {f"ASINList.ASIN.{i}": x["asin"] for i, x in enumerate(listings, 1)}
    market = {"MarketplaceId": DEMO_MARKETPLACE}
    await d.call(path, "GetCompetitivePricingForSKU", version, {**market, **skus})
    await d.call(path, "GetCompetitivePricingForASIN", version, {**market, **asins})
    await d.call(path, "GetMyPriceForSKU", version, {**market, **skus})
    await d.call(path, "GetMyPriceForASIN", version, {**market, **asins})
    await d.call(path, "GetMatchingProduct", version, {**market, **dict(list(asins.items())[:2])})
    for id_type, key in (("ASIN", "asin"), ("SellerSKU", "sku")):
        ids = {f"IdList.Id.{i}": x[key] for i, x in enumerate(listings[:2], 1)}
        await d.call(path, "GetMatchingProductForId", version, {**market, "IdType": id_type, **ids})
    new = {**market, "ItemCondition": "New"}
    await d.call(
        path, "GetLowestPricedOffersForSKU", version, {**new, "SellerSKU": listings[0]["sku"]}
    )
    await d.call(
        path, "GetLowestPricedOffersForASIN", version, {**new, "ASIN": listings[0]["asin"]}
    )
    await d.call(path, "GetLowestOfferListingsForSKU", version, {**market, **skus})
    await d.call(path, "GetLowestOfferListingsForASIN", version, {**market, **asins})
    await d.call(path, "ListMatchingProducts", version, {**market, "Query": "mug"})
    first = listings[0]
    await d.call(path, "GetProductCategoriesForSKU", version, {**market, "SellerSKU": first["sku"]})
    await d.call(path, "GetProductCategoriesForASIN", version, {**market, "ASIN": first["asin"]})
    fees: dict[str, str] = {}
    for i, x in enumerate(listings, 1):
        lead = f"FeesEstimateRequestList.FeesEstimateRequest.{i}."
        fees.update(
            {
                lead + "MarketplaceId": DEMO_MARKETPLACE,
                lead + "IdType": "SellerSKU",
                lead + "IdValue": x["sku"],
                lead + "IsAmazonFulfilled": "false",
                lead + "Identifier": f"bench-{i}",
                lead + "PriceToEstimateFees.ListingPrice.CurrencyCode": "USD",
                lead + "PriceToEstimateFees.ListingPrice.Amount": str(x["price"]),
            }
        )
    await d.call(path, "GetMyFeesEstimate", version, fees)


def outbound_order(order_id: str, sku: str) -> dict[str, str]:
    return {
        "SellerFulfillmentOrderId": order_id,
        "DisplayableOrderId": f"SHOP-{order_id}",
        "DisplayableOrderDateTime": "2026-11-20T10:00:00Z",
        "DisplayableOrderComment": "Thank you",
        "ShippingSpeedCategory": "Standard",
        "DestinationAddress.Name": "A Buyer",
        "DestinationAddress.Line1": "1 Main St",
        "DestinationAddress.City": "Portland",
        "DestinationAddress.StateOrProvinceCode": "OR",
        "DestinationAddress.CountryCode": "US",
        "DestinationAddress.PostalCode": "97201",
        "Items.member.1.SellerSKU": sku,
        "Items.member.1.SellerFulfillmentOrderItemId": f"{order_id}-1",
        "Items.member.1.Quantity": "1",
    }


async def outbound(d: Driver, round_no: int) -> None:
    path, version = OUTBOUND
    sku = sorted(d.emulator.data.inventory)[0]  # an FBA SKU
    order_id = f"BENCH-{round_no}-{time.time_ns() % 10**9}"
    order = outbound_order(order_id, sku)
    preview = {k: v for k, v in order.items() if k.startswith("Items.")}
    preview.update(
        {
            k.replace("DestinationAddress.", "Address."): v
            for k, v in order.items()
            if k.startswith("DestinationAddress.")
        }
    )
    await d.call(path, "GetFulfillmentPreview", version, preview)
    await d.call(path, "CreateFulfillmentOrder", version, order)
    await d.call(path, "GetFulfillmentOrder", version, {"SellerFulfillmentOrderId": order_id})
    listed = await d.call(path, "ListAllFulfillmentOrders", version, {"QueryStartDateTime": SINCE})
    await d.next_page(path, "ListAllFulfillmentOrders", version, listed)
    await d.call(path, "CancelFulfillmentOrder", version, {"SellerFulfillmentOrderId": order_id})


SHIP_FROM = {
    "Name": "Bench Dock",
    "AddressLine1": "1 Bench Street",
    "City": "Seattle",
    "StateOrProvinceCode": "WA",
    "CountryCode": "US",
    "PostalCode": "98101",
}


async def inbound_shipment(d: Driver, skus: list[str], quantity: int) -> tuple[str, str, str]:
    """A plan of ``skus`` and its first shipment created: (ShipmentId, center, first SKU)."""
    path, version = INBOUND
    plan = {f"ShipFromAddress.{k}": v for k, v in SHIP_FROM.items()}
    for n, sku in enumerate(skus, 1):
        plan[f"InboundShipmentPlanRequestItems.member.{n}.SellerSKU"] = sku
        plan[f"InboundShipmentPlanRequestItems.member.{n}.Quantity"] = str(quantity)
    planned = await d.call(path, "CreateInboundShipmentPlan", version, plan)
    shipment_id = _ids(planned.content, "ShipmentId")[0]
    center = _ids(planned.content, "DestinationFulfillmentCenterId")[0]
    sku = _ids(planned.content, "SellerSKU")[0]
    header = {
        "ShipmentId": shipment_id,
        "InboundShipmentHeader.ShipmentName": "Bench",
        "InboundShipmentHeader.DestinationFulfillmentCenterId": center,
        "InboundShipmentItems.member.1.SellerSKU": sku,
        "InboundShipmentItems.member.1.QuantityShipped": str(quantity),
        **{f"InboundShipmentHeader.ShipFromAddress.{k}": v for k, v in SHIP_FROM.items()},
    }
    await d.call(path, "CreateInboundShipment", version, header)
    await d.call(
        path,
        "UpdateInboundShipment",
        version,
        {**header, "InboundShipmentHeader.ShipmentName": "Bench 2"},
    )
    return shipment_id, center, sku


async def inbound(d: Driver, round_no: int) -> None:
    path, version = INBOUND
    skus = sorted(d.emulator.data.inventory)[:2]
    shipment_id, _, sku = await inbound_shipment(d, skus, 6 + round_no)
    listed = await d.call(
        path,
        "ListInboundShipments",
        version,
        {"ShipmentStatusList.member.1": "WORKING", "ShipmentStatusList.member.2": "CLOSED"},
    )
    await d.next_page(path, "ListInboundShipments", version, listed)
    window = {"LastUpdatedAfter": SINCE, "LastUpdatedBefore": "2099-01-01T00:00:00Z"}
    items = await d.call(path, "ListInboundShipmentItems", version, window)
    await d.next_page(path, "ListInboundShipmentItems", version, items)
    await d.call(path, "ListInboundShipmentItems", version, {"ShipmentId": shipment_id})
    asin = d.emulator.data.listings[sku]["asin"]
    await d.call(
        path,
        "GetPrepInstructionsForSKU",
        version,
        {"SellerSKUList.Id.1": sku, "ShipToCountryCode": "US"},
    )
    await d.call(
        path,
        "GetPrepInstructionsForASIN",
        version,
        {"AsinList.Id.1": asin, "ShipToCountryCode": "US"},
    )
    lead = "TransportDetails.PartneredSmallParcelData.PackageList.member.1"
    transport = {
        "ShipmentId": shipment_id,
        "IsPartnered": "true",
        "ShipmentType": "SP",
        f"{lead}.Dimensions.Length": "10",
        f"{lead}.Dimensions.Width": "10",
        f"{lead}.Dimensions.Height": "10",
        f"{lead}.Dimensions.Unit": "inches",
        f"{lead}.Weight.Value": "5",
        f"{lead}.Weight.Unit": "pounds",
    }
    await d.call(path, "PutTransportContent", version, transport)
    await d.call(path, "EstimateTransportRequest", version, {"ShipmentId": shipment_id})
    await d.call(path, "ConfirmTransportRequest", version, {"ShipmentId": shipment_id})
    await d.call(path, "GetTransportContent", version, {"ShipmentId": shipment_id})
    labels = {"ShipmentId": shipment_id, "PageType": "PackageLabel_Letter_2"}
    await d.call(path, "GetPackageLabels", version, labels)
    await d.call(
        path, "GetUniquePackageLabels", version, {**labels, "PackageLabelsToPrint.member.1": "B1"}
    )
    # an Amazon-partnered LTL shipment: pallet labels and a bill of lading
    ltl_id, _, _ = await inbound_shipment(d, skus[1:], 30 + round_no)
    ltl = "TransportDetails.PartneredLtlData"
    freight = {
        "ShipmentId": ltl_id,
        "IsPartnered": "true",
        "ShipmentType": "LTL",
        f"{ltl}.Contact.Name": "Dock",
        f"{ltl}.Contact.Phone": "+1 206 555 0100",
        f"{ltl}.Contact.Email": "dock@example.com",
        f"{ltl}.BoxCount": "4",
        f"{ltl}.FreightReadyDate": "2026-12-01",
        f"{ltl}.PalletList.member.1.Dimensions.Length": "40",
        f"{ltl}.PalletList.member.1.Dimensions.Width": "48",
        f"{ltl}.PalletList.member.1.Dimensions.Height": "40",
        f"{ltl}.PalletList.member.1.Dimensions.Unit": "inches",
        f"{ltl}.PalletList.member.1.IsStacked": "false",
        f"{ltl}.SellerDeclaredValue.CurrencyCode": "USD",
        f"{ltl}.SellerDeclaredValue.Value": "900",
    }
    await d.call(path, "PutTransportContent", version, freight)
    await d.call(path, "EstimateTransportRequest", version, {"ShipmentId": ltl_id})
    await d.call(path, "ConfirmTransportRequest", version, {"ShipmentId": ltl_id})
    await d.call(
        path,
        "GetPalletLabels",
        version,
        {"ShipmentId": ltl_id, "PageType": "PackageLabel_Letter_2", "NumberOfPallets": "1"},
    )
    await d.call(path, "GetBillOfLading", version, {"ShipmentId": ltl_id})


BIG_ORDER = "999-0000000-0000001"


def small_pages(emulator: Any) -> None:
    """Pages of a few records where the emulator lets a caller choose, and one order with more
    items than an MWS ListOrderItems page (20), so the workload's ``...ByNextToken`` calls have
    a token to follow (a seller with more data gets the same)."""
    import copy

    order = copy.deepcopy(emulator.data.orders[0])
    template = order["orderItems"][0]
    order["orderId"] = BIG_ORDER
    order["orderItems"] = [
        {**copy.deepcopy(template), "orderItemId": f"{90000000000000 + i}"} for i in range(25)
    ]
    emulator.data.add_order(order)
    from gateway.emulator.inventory import InventorySettings

    emulator.section("fbaInventory", InventorySettings).page_size = 10
    try:
        from gateway.emulator.outbound import OutboundSettings
    except ImportError:  # the section has not landed
        return
    emulator.section("fbaOutbound", OutboundSettings).page_size = 2
    from gateway.emulator.inbound.store import InboundStore

    inbound_store = emulator.section("fbaInbound", InboundStore)
    inbound_store.page_size = 1
    inbound_store.operation_seconds = 0.0


async def not_yet_scripted(d: Driver, ops: Mapping[str, tuple[str, str, str]]) -> None:
    """Operations translated since this script was written: one generic call each."""
    for action, (_, path, version) in sorted(ops.items()):
        if action not in d.statuses and not action.endswith("ByNextToken"):
            d.generic.add(action)
            await d.call(path, action, version, {"MarketplaceId.Id.1": DEMO_MARKETPLACE})


def relaxed_mappings(target: Path) -> Path:
    """A copy of the mapping tables whose SP-API pacing table allows 1000 requests/s."""
    shutil.copytree(default_mappings_dir(), target)
    path = target / "spapi" / "rate_limits.yaml"
    doc = yaml.safe_load(path.read_text())
    for row in (doc.get("operations") or {}).values():
        if isinstance(row, dict):
            row.update({"rate": 1000, "burst": 1000})
    path.write_text(yaml.safe_dump(doc))
    return target


async def workload(data_dir: str, rounds: int) -> dict[str, Any]:
    """Run the script ``rounds`` times. SP-API rate limits are out of the way (emulator limits
    off, gateway pacing table relaxed): this counts calls, throttling is the soak's business."""
    from gateway.app import create_app
    from gateway.audit import configure_logging
    from gateway.config import load_settings

    ops = translated_operations()
    capture = io.StringIO()
    configure_logging("info", stream=capture)
    overrides = {
        "quotas": "off",
        "data_dir": data_dir,
        "token_key": "bench",
        "mappings_dir": str(relaxed_mappings(Path(data_dir) / "mappings")),
    }
    app = create_app(load_settings(demo=True, env={}, overrides=overrides))
    started = time.monotonic()
    async with app.router.lifespan_context(app):
        emulator = app.state.emulator_app.state.emulator
        emulator.config.rate_mode = "off"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{HOST}", timeout=120
        ) as http:
            d = Driver(http, emulator)
            small_pages(emulator)
            for round_no in range(rounds):
                d.round = round_no
                await orders(d)
                await reports(d)
                await feeds(d)
                await others(d)
                await products(d)
                await outbound(d, round_no)
                await inbound(d, round_no)
                await not_yet_scripted(d, ops)
        emulator_calls = dict(emulator.calls)
        lwa = dict(emulator.lwa_exchanges_by_seller)
    elapsed = time.monotonic() - started
    configure_logging("info")
    events = [json.loads(line) for line in capture.getvalue().splitlines() if line.strip()]
    calls = [e for e in events if e.get("event") == "mws_call"]
    return {
        "ops": ops,
        "calls": calls,
        "statuses": {k: dict(v) for k, v in d.statuses.items()},
        "generic": sorted(d.generic),
        "emulator_calls": emulator_calls,
        "lwa": lwa,
        "seconds": elapsed,
        "rounds": rounds,
    }


def summarise(m: Mapping[str, Any]) -> dict[str, Any]:
    per_op: dict[str, list[int]] = defaultdict(list)  # action -> upstream calls per MWS call
    upstream_ops: dict[str, Counter[str]] = defaultdict(Counter)
    audited_all = 0
    for event in m["calls"]:
        action = event.get("action")
        audited_all += len(event.get("upstream", []))
        if action not in m["ops"] or event.get("outcome") != "ok":
            continue
        upstream = event.get("upstream", [])
        per_op[action].append(len(upstream))
        for u in upstream:
            upstream_ops[action][str(u.get("operation"))] += 1
    emulator_total = sum(n for op, n in m["emulator_calls"].items() if op != "lwa.token")
    mws_calls = sum(len(v) for v in per_op.values())
    all_calls = sum(1 for e in m["calls"] if e.get("action") in m["ops"])
    return {
        "per_op": per_op,
        "upstream_ops": upstream_ops,
        "audited": audited_all,
        "emulator_total": emulator_total,
        "mws_calls": mws_calls,
        "all_calls": all_calls,
        "missing": sorted(set(m["ops"]) - set(per_op)),
    }


def run(quick: bool) -> list[BenchResult]:
    with tempfile.TemporaryDirectory(prefix="bench-upstream-") as tmp:
        m = asyncio.run(workload(str(Path(tmp)), 1 if quick else 3))
    s = summarise(m)
    per_op, upstream_ops = s["per_op"], s["upstream_ops"]
    over = {a: max(v) for a, v in per_op.items() if max(v) > 1}
    allowed = {a for a in over if a in BY_DESIGN}
    unexpected = sorted(set(over) - allowed)
    rows = []
    for action in sorted(per_op):
        counts = per_op[action]
        rows.append(f"{action} {sum(counts) / len(counts):.2f}")
    one_call = {a: v for a, v in per_op.items() if a not in BY_DESIGN}
    one_total = sum(sum(v) for v in one_call.values())
    one_calls = sum(len(v) for v in one_call.values())
    all_total = sum(sum(v) for v in per_op.values())
    non_ok = {a: {k: v for k, v in st.items() if k != 200} for a, st in m["statuses"].items()}
    non_ok = {a: st for a, st in non_ok.items() if st}
    design = "; ".join(
        f"{a} {sum(per_op[a]) / len(per_op[a]):.2f} (max {max(per_op[a])}: {BY_DESIGN[a]}; "
        + ", ".join(f"{op} {n}" for op, n in sorted(upstream_ops[a].items()))
        + ")"
        for a in sorted(set(per_op) & set(BY_DESIGN))
    )
    coverage = (
        f"{s['mws_calls']} answered MWS calls of {len(per_op)}/{len(m['ops'])} translated "
        f"operations in {m['seconds']:.1f} s ({m['rounds']} rounds of the script; SP-API rate "
        "limits out of the way)"
        + (f"; not exercised: {', '.join(s['missing'])}" if s["missing"] else "")
        + (
            f"; not scripted yet (one generic call): {', '.join(m['generic'])}"
            if m["generic"]
            else ""
        )
        + (f"; non-200 answers (not counted): {non_ok}" if non_ok else "")
    )
    unexpected_text = "; ".join(
        f"{a} max {over[a]} ("
        + ", ".join(f"{op} {n}" for op, n in sorted(upstream_ops[a].items()))
        + f" over {len(per_op[a])} calls)"
        for a in unexpected
    )
    lwa = m["lwa"]
    per_seller = max(lwa.values()) if lwa else 0
    return [
        BenchResult(
            "SP-API calls per MWS call where SP-API allows one",
            one_total / one_calls,
            "calls",
            "<= 1 where SP-API allows",
            not unexpected,
            f"{one_total} upstream calls for {one_calls} MWS calls of {len(one_call)} "
            "operations; "
            + (f"more than 1: {unexpected_text}; " if unexpected else "each op max <= 1; ")
            + "mean per op: "
            + ", ".join(r for r in rows if r.split()[0] in one_call)
            + f". {coverage}",
        ),
        BenchResult(
            "SP-API calls per MWS call, every translated operation",
            all_total / s["mws_calls"],
            "calls",
            None,
            None,
            f"{all_total} upstream calls (audit events) for {s['mws_calls']} MWS calls. "
            f"Need more than 1 by design: {design}",
        ),
        BenchResult(
            "upstream requests per MWS call, emulator counters (cross-check)",
            s["emulator_total"] / s["all_calls"],
            "calls",
            None,
            None,
            f"the emulator served {s['emulator_total']} requests (excl. LWA, incl. presigned "
            f"uploads/downloads) for {s['all_calls']} MWS calls incl. errors; their audit "
            f"events list {s['audited']}; by operation: "
            + ", ".join(f"{k} {v}" for k, v in sorted(m["emulator_calls"].items())),
        ),
        BenchResult(
            "LWA exchanges per seller during the run",
            float(per_seller),
            "exchanges",
            "== 1 (1 per seller per hour)",
            bool(lwa) and all(n == 1 for n in lwa.values()),
            f"by seller: {lwa}; {s['all_calls']} MWS calls over {m['seconds']:.0f} s",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for r in run(args.quick):
        print(f"{r.name}: {r.value:.3f} {r.unit} (goal {r.goal}, met {r.met}) - {r.detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
