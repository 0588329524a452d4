"""Log hygiene: a mixed workload through the demo gateway leaves no secret, token, signature,
presigned-URL signature, MWSAuthToken or buyer PII in its logs (JSON audit log and the
standard-library loggers at the level a deployment runs them)."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.config import (
    DEMO_ACCESS_KEY,
    DEMO_LWA_CLIENT_SECRET,
    DEMO_MARKETPLACE,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    DEMO_SELLER,
)
from tests.conftest import AuditCapture
from tests.fuzz.strategies import HANDLED_OPS
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.logscan import find_leaks
from tests.support.signing import encode, signed_params

pytestmark = pytest.mark.anyio

AUTH_TOKEN = "amzn.mws.4ea38b7b-f563-7709-4bae-12ab34cd56ef"
V = "2009-01-01"
ORDERS = ("/Orders/2013-09-01", "2013-09-01")


def _md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def _ids(body: bytes, tag: str) -> list[str]:
    return [m.decode() for m in re.findall(rf"<{tag}>([^<]+)</{tag}>".encode(), body)]


class Workload:
    """Signed calls with the MWSAuthToken the demo key's grant requires."""

    def __init__(self, mws: MwsClient) -> None:
        self.mws = mws
        self.statuses: list[int] = []
        self.bodies: list[bytes] = []

    async def call(
        self,
        path: str,
        action: str,
        version: str,
        params: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        seller_param = "Merchant" if version == V else "SellerId"
        merged = {"MWSAuthToken": AUTH_TOKEN, **(params or {})}
        resp = await self.mws.call(
            path, action, version, merged, seller_param=seller_param, **kwargs
        )
        self.statuses.append(resp.status_code)
        self.bodies.append(resp.content)
        return resp


async def _orders(w: Workload) -> None:
    listed = await w.call(
        *ORDERS[:1],
        "ListOrders",
        ORDERS[1],
        {
            "CreatedAfter": "2020-01-01T00:00:00Z",
            "MarketplaceId.Id.1": DEMO_MARKETPLACE,
            "MaxResultsPerPage": "5",
        },
    )
    assert listed.status_code == 200, listed.text
    order_ids = _ids(listed.content, "AmazonOrderId")
    assert order_ids
    token = _ids(listed.content, "NextToken")
    await w.call(ORDERS[0], "ListOrdersByNextToken", ORDERS[1], {"NextToken": token[0]})
    got = await w.call(ORDERS[0], "GetOrder", ORDERS[1], {"AmazonOrderId.Id.1": order_ids[0]})
    assert got.status_code == 200
    emails = _ids(got.content, "BuyerEmail")
    items = await w.call(ORDERS[0], "ListOrderItems", ORDERS[1], {"AmazonOrderId": order_ids[1]})
    assert items.status_code == 200
    await w.call(ORDERS[0], "ListOrderItemsByNextToken", ORDERS[1], {"NextToken": "bm9wZQ=="})
    if emails:  # PII in a request parameter must not reach the log either
        await w.call(
            ORDERS[0],
            "ListOrders",
            ORDERS[1],
            {
                "CreatedAfter": "2020-01-01T00:00:00Z",
                "MarketplaceId.Id.1": DEMO_MARKETPLACE,
                "BuyerEmail": emails[0],
            },
        )


async def _reports(w: Workload) -> None:
    request_ids = []
    for report_type in ("_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_", "_GET_MERCHANT_LISTINGS_DATA_"):
        resp = await w.call(
            "/",
            "RequestReport",
            V,
            {"ReportType": report_type, "StartDate": "2020-01-01T00:00:00Z"},
        )
        assert resp.status_code == 200, resp.text
        request_ids += _ids(resp.content, "ReportRequestId")
    w.mws.emulator.clock.advance(120)
    listed = await w.call(
        "/",
        "GetReportRequestList",
        V,
        {"ReportRequestIdList.Id.1": request_ids[0], "ReportRequestIdList.Id.2": request_ids[1]},
    )
    report_ids = _ids(listed.content, "GeneratedReportId")
    assert len(report_ids) == 2, listed.text
    reports = await w.call("/", "GetReportList", V)
    report_ids += _ids(reports.content, "ReportId")
    for report_id in report_ids[:3]:
        got = await w.call("/", "GetReport", V, {"ReportId": report_id})
        assert got.status_code == 200, got.text
    await w.call("/", "GetReportCount", V)
    await w.call("/", "GetReportRequestCount", V)
    await w.call(
        "/",
        "UpdateReportAcknowledgements",
        V,
        {"ReportIdList.Id.1": report_ids[0], "Acknowledged": "true"},
    )
    await w.call(
        "/",
        "ManageReportSchedule",
        V,
        {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_", "Schedule": "_1_DAY_"},
    )
    await w.call("/", "GetReportScheduleList", V)
    await w.call("/", "GetReportScheduleCount", V)
    await w.call("/", "CancelReportRequests", V, {"ReportRequestIdList.Id.1": request_ids[-1]})


INVENTORY = (
    b'<?xml version="1.0" encoding="utf-8"?><AmazonEnvelope><Header><DocumentVersion>1.01'
    b"</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>"
    b"Inventory</MessageType><Message><MessageID>1</MessageID><OperationType>Update"
    b"</OperationType><Inventory><SKU>SKU</SKU><Quantity>7</Quantity></Inventory></Message>"
    b"</AmazonEnvelope>"
)


async def _feeds(w: Workload) -> None:
    sku = sorted(w.mws.emulator.data.listings)[0]
    body = INVENTORY.replace(b"<SKU>SKU</SKU>", f"<SKU>{sku}</SKU>".encode())
    submitted = await w.call(
        "/",
        "SubmitFeed",
        V,
        {"FeedType": "_POST_INVENTORY_AVAILABILITY_DATA_", "ContentMD5Value": _md5(body)},
        method="POST",
        body=body,
        headers={"Content-Type": "text/xml"},
    )
    assert submitted.status_code == 200, submitted.text
    feed_id = _ids(submitted.content, "FeedSubmissionId")[0]
    w.mws.emulator.clock.advance(30)
    await w.call("/", "GetFeedSubmissionList", V)
    await w.call("/", "GetFeedSubmissionCount", V)
    await w.call("/", "GetFeedSubmissionResult", V, {"FeedSubmissionId": feed_id})
    await w.call("/", "CancelFeedSubmissions", V, {"FeedSubmissionIdList.Id.1": feed_id})


INBOUND = "/FulfillmentInboundShipment/2010-10-01"


async def _inbound(w: Workload) -> None:
    """A plan, its shipment, transport and labels: presigned label URLs must stay unlogged."""
    from gateway.emulator.inbound.store import InboundStore

    w.mws.emulator.section("fbaInbound", InboundStore).operation_seconds = 0.0
    sku = sorted(w.mws.emulator.data.inventory)[0]
    ship_from = {
        "Name": "Hygiene Dock",
        "AddressLine1": "1 Clean Street",
        "City": "Seattle",
        "CountryCode": "US",
        "PostalCode": "98101",
    }
    plan = {f"ShipFromAddress.{k}": v for k, v in ship_from.items()}
    plan["InboundShipmentPlanRequestItems.member.1.SellerSKU"] = sku
    plan["InboundShipmentPlanRequestItems.member.1.Quantity"] = "3"
    planned = await w.call(INBOUND, "CreateInboundShipmentPlan", "2010-10-01", plan)
    assert planned.status_code == 200, planned.text
    shipment_id = _ids(planned.content, "ShipmentId")[0]
    center = _ids(planned.content, "DestinationFulfillmentCenterId")[0]
    header = {f"InboundShipmentHeader.ShipFromAddress.{k}": v for k, v in ship_from.items()}
    created = await w.call(
        INBOUND,
        "CreateInboundShipment",
        "2010-10-01",
        {
            "ShipmentId": shipment_id,
            "InboundShipmentHeader.ShipmentName": "Hygiene",
            "InboundShipmentHeader.DestinationFulfillmentCenterId": center,
            **header,
            "InboundShipmentItems.member.1.SellerSKU": sku,
            "InboundShipmentItems.member.1.QuantityShipped": "3",
        },
    )
    assert created.status_code == 200, created.text
    lead = "TransportDetails.PartneredSmallParcelData.PackageList.member.1"
    package = {
        f"{lead}.Dimensions.Length": "10",
        f"{lead}.Dimensions.Width": "10",
        f"{lead}.Dimensions.Height": "10",
        f"{lead}.Dimensions.Unit": "inches",
        f"{lead}.Weight.Value": "5",
        f"{lead}.Weight.Unit": "pounds",
    }
    transport = {"ShipmentId": shipment_id, "IsPartnered": "true", "ShipmentType": "SP"}
    await w.call(INBOUND, "PutTransportContent", "2010-10-01", {**transport, **package})
    labels = await w.call(
        INBOUND,
        "GetPackageLabels",
        "2010-10-01",
        {"ShipmentId": shipment_id, "PageType": "PackageLabel_Letter_2"},
    )
    assert labels.status_code == 200 and b"<PdfDocument>" in labels.content, labels.text
    w.mws.emulator.faults.set("documents.download", error_rate=1.0, error_status=503, remaining=1)
    failed = await w.call(
        INBOUND,
        "GetBillOfLading",
        "2010-10-01",
        {"ShipmentId": shipment_id},
    )
    assert failed.status_code == 400  # not an LTL shipment: Amazon refuses before any URL
    again = await w.call(
        INBOUND,
        "GetPackageLabels",
        "2010-10-01",
        {"ShipmentId": shipment_id, "PageType": "PackageLabel_Letter_2"},
    )
    assert again.status_code == 503  # the download failed: its URL is in no log line either


async def _errors_and_faults(w: Workload) -> None:
    mws = w.mws
    # client mistakes: wrong secret, unknown key, missing token, throttling
    await w.call(*ORDERS[:1], "GetServiceStatus", ORDERS[1], secret="not-the-secret")
    await w.call(*ORDERS[:1], "GetServiceStatus", ORDERS[1], access_key="AKIANOBODY")
    no_token = await mws.call(*ORDERS[:1], "GetServiceStatus", ORDERS[1])
    assert no_token.status_code in (401, 403)
    for _ in range(3):
        await w.call("/Sellers/2011-07-01", "GetServiceStatus", "2011-07-01")
    assert 503 in w.statuses
    # a signed URL with the signature in the query, sent as GET: its Signature must not be logged
    params = signed_params("GetServiceStatus", "2011-10-01", "/Products/2011-10-01")
    await mws.http.get(f"/Products/2011-10-01?{encode(params)}&Bogus=%ff")
    # upstream faults: 5xx, 429 storm, reset, malformed body
    faults = mws.emulator.faults
    faults.set("orders.getOrder", error_rate=1.0, error_status=500, remaining=2)
    faults.set("reports.getReports", throttle_rate=1.0, remaining=4)
    faults.set("orders.searchOrders", reset_rate=1.0, remaining=2)
    faults.set("reports.getReportSchedules", malformed_rate=1.0, remaining=2)
    await w.call(ORDERS[0], "GetOrder", ORDERS[1], {"AmazonOrderId.Id.1": "902-3159896-1390916"})
    await w.call("/", "GetReportCount", V)
    await w.call(
        ORDERS[0],
        "ListOrders",
        ORDERS[1],
        {"CreatedAfter": "2020-01-01T00:00:00Z", "MarketplaceId.Id.1": DEMO_MARKETPLACE},
    )
    await w.call("/", "GetReportScheduleCount", V)


async def _every_other_operation(w: Workload) -> None:
    """Whatever else the tables route to a handler (other sections land over time)."""
    for op in HANDLED_OPS:
        path = op.paths[-1]
        if op.name == "SubmitFeed":
            continue
        await w.call(path, op.name, op.version, {"MarketplaceId.Id.1": DEMO_MARKETPLACE})


async def test_mixed_workload_leaves_no_secret_in_the_logs(
    tmp_path: Path, audit_log: AuditCapture, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)  # the level the deployed gateway's stdlib loggers run at
    settings = demo_settings(
        tmp_path,
        upstream={"max_attempts": 2, "retry_budget_seconds": 3},
        access_keys={DEMO_ACCESS_KEY: {"sellers": {DEMO_SELLER: {"mws_auth_token": AUTH_TOKEN}}}},
    )
    async with running_gateway(settings) as mws:
        w = Workload(mws)
        await _orders(w)
        await _reports(w)
        await _feeds(w)
        await _inbound(w)
        await _errors_and_faults(w)
        await _every_other_operation(w)
        emulator = mws.emulator
        issued = list(emulator.tokens._tokens)
        pii = emulator.data.pii_values()
        fired = dict(emulator.faults.fired)

    # the workload really exercised what the scan is about
    events = audit_log.calls()
    # with the background work (report prefetches download the restricted report ahead)
    worked = [e for e in audit_log.events() if e.get("event") in ("mws_call", "background_work")]
    upstream = [u for e in worked for u in e.get("upstream", [])]
    assert len(events) >= 40
    reports = [e for e in events if e.get("action") in ("GetReport", "RequestReport")]
    assert any(u.get("rdt") for u in upstream), f"no call used an RDT: {reports}"
    assert {e["outcome"] for e in events} >= {"ok", "error", "throttled"}
    assert any(t.startswith("Atza|") for t in issued) and any(".sprdt|" in t for t in issued)
    assert len(fired) >= 4, fired
    responses = b"".join(w.bodies).decode("utf-8", "replace")
    assert any(value in responses for value in pii), "no buyer PII went through the gateway"

    logs = audit_log.text + "\n" + caplog.text
    secrets = {DEMO_SECRET, DEMO_LWA_CLIENT_SECRET, DEMO_REFRESH_TOKEN, AUTH_TOKEN, *issued, *pii}
    assert find_leaks(logs, secrets) == []
