"""Reports through the whole gateway (ASGI) against the embedded emulator; every XML body is
validated against the project's XSDs."""

from __future__ import annotations

import base64
import gzip
import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from tests.conftest import AuditCapture
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

pytestmark = pytest.mark.anyio

V = "2009-01-01"


async def call(
    mws: MwsClient,
    action: str,
    params: dict[str, str] | None = None,
    *,
    path: str = "/",
    status: int = 200,
) -> ET.Element:
    resp = await mws.call(path, action, V, params or {}, seller_param="Merchant")
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("text/xml")
    return assert_valid_mws_xml(resp.content)


def all_text(root: ET.Element, tag: str) -> list[str]:
    return [el.text or "" for el in root.iter() if strip_ns(el.tag) == tag]


async def request_done(
    mws: MwsClient, report_type: str, extra: dict[str, str] | None = None
) -> str:
    root = await call(mws, "RequestReport", {"ReportType": report_type, **(extra or {})})
    assert (
        find_text(root, "RequestReportResult/ReportRequestInfo/ReportProcessingStatus")
        == "_SUBMITTED_"
    )
    request_id = find_text(root, "RequestReportResult/ReportRequestInfo/ReportRequestId")
    assert request_id and request_id.isdigit()
    mws.emulator.clock.advance(2)
    root = await call(mws, "GetReportRequestList", {"ReportRequestIdList.Id.1": request_id})
    assert all_text(root, "ReportProcessingStatus") == ["_DONE_"]
    generated = all_text(root, "GeneratedReportId")
    assert generated and generated[0].isdigit()
    return generated[0]


async def test_request_poll_list_download(mws: MwsClient, audit_log: AuditCapture) -> None:
    report_id = await request_done(mws, "_GET_MERCHANT_LISTINGS_DATA_")
    listed = await call(
        mws, "GetReportList", {"ReportTypeList.Type.1": "_GET_MERCHANT_LISTINGS_DATA_"}
    )
    assert find_text(listed, "GetReportListResult/HasNext") == "false"
    assert report_id in all_text(listed, "ReportId")
    assert all_text(listed, "Acknowledged") == ["false"]

    resp = await mws.call("/", "GetReport", V, {"ReportId": report_id}, seller_param="Merchant")
    assert resp.status_code == 200
    body = resp.content
    assert resp.headers["content-type"] == "text/plain;charset=UTF-8"
    assert resp.headers["content-md5"] == base64.b64encode(hashlib.md5(body).digest()).decode()
    assert body.startswith("\ufeffitem-name\t".encode())
    assert b"EMU-" in body  # seeded SKUs
    upstream = dict(mws.emulator.calls)
    again = await mws.call("/", "GetReport", V, {"ReportId": report_id}, seller_param="Merchant")
    assert again.content == body and again.headers["content-md5"] == resp.headers["content-md5"]
    assert mws.emulator.calls["reports.getReportDocument"] == upstream["reports.getReportDocument"]
    # the listing that showed it done had it downloaded ahead: the first GetReport cost no
    # SP-API call, and the prefetch's own audit event lists the download (without its URL)
    first = next(e for e in audit_log.calls() if e["action"] == "GetReport")
    assert "upstream" not in first and first["notes"]["report_cache"] == "hit"
    ahead = next(e for e in audit_log.events() if e.get("event") == "background_work")
    assert ahead["prefetch"] and ahead["route"] == "background" and ahead["outcome"] == "ok"
    operations = [u["operation"] for u in ahead["upstream"]]
    assert operations == ["reports.getReportDocument", "document.download"], operations
    assert ahead["upstream"][-1]["status"] == 200
    assert mws.emulator.calls["documents.download"] == 1
    assert "X-Amz" not in audit_log.text and "/documents/" not in audit_log.text


async def test_get_report_waits_for_its_prefetch_instead_of_downloading_twice(
    mws: MwsClient,
) -> None:
    from gateway.emulator.config import FaultSpec

    mws.emulator.faults["documents.download"] = FaultSpec(latency_ms=400, remaining=1)
    report_id = await request_done(mws, "_GET_MERCHANT_LISTINGS_DATA_")  # starts the prefetch
    assert mws.app.state.services.background.names  # still downloading
    resp = await mws.call("/", "GetReport", V, {"ReportId": report_id}, seller_param="Merchant")
    assert resp.status_code == 200 and b"EMU-" in resp.content
    assert mws.emulator.calls["documents.download"] == 1
    assert mws.emulator.calls["reports.getReportDocument"] == 1


async def test_prefetch_off_downloads_on_get_report(
    tmp_path: Path, audit_log: AuditCapture
) -> None:
    async with running_gateway(demo_settings(tmp_path, report_prefetch="off")) as mws:
        report_id = await request_done(mws, "_GET_MERCHANT_LISTINGS_DATA_")
        assert mws.emulator.calls["documents.download"] == 0
        resp = await mws.call("/", "GetReport", V, {"ReportId": report_id}, seller_param="Merchant")
        assert resp.status_code == 200
        first = next(e for e in audit_log.calls() if e["action"] == "GetReport")
        assert [u["operation"] for u in first["upstream"]][-1] == "document.download"
        assert not [e for e in audit_log.events() if e.get("prefetch")]


async def test_gzip_report_is_served_decompressed(mws: MwsClient) -> None:
    report_id = await request_done(
        mws,
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        {"StartDate": "2020-01-01T00:00:00Z"},
    )
    resp = await mws.call("/Reports/2009-01-01", "GetReport", V, {"ReportId": report_id})
    assert resp.status_code == 200
    assert resp.content.startswith(b"amazon-order-id\t")
    assert (
        resp.headers["content-md5"] == base64.b64encode(hashlib.md5(resp.content).digest()).decode()
    )
    # the emulator really stored it compressed
    state = mws.emulator
    doc_ids = [
        r["reportDocumentId"]
        for r in state.sections["reports"].reports.values()
        if r["reportId"] == report_id
    ]
    stored = b"".join(state.documents.iter_stored(doc_ids[0]))
    assert stored[:2] == b"\x1f\x8b" and gzip.decompress(stored) == resp.content


async def test_restricted_report_uses_rdt(mws: MwsClient) -> None:
    report_id = await request_done(
        mws, "_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_", {"StartDate": "2020-01-01T00:00:00Z"}
    )
    resp = await mws.call("/", "GetReport", V, {"ReportId": report_id}, seller_param="Merchant")
    assert resp.status_code == 200, resp.text
    assert resp.content.startswith(b"amazon-order-id\t")


async def test_counts_and_acknowledgements_round_trip(mws: MwsClient) -> None:
    first = await request_done(mws, "_GET_MERCHANT_LISTINGS_ALL_DATA_")
    second = await request_done(mws, "_GET_MERCHANT_LISTINGS_ALL_DATA_")
    t = {"ReportTypeList.Type.1": "_GET_MERCHANT_LISTINGS_ALL_DATA_"}
    root = await call(mws, "GetReportCount", t)
    assert find_text(root, "GetReportCountResult/Count") == "2"
    root = await call(
        mws, "GetReportRequestCount", {**t, "ReportProcessingStatusList.Status.1": "_DONE_"}
    )
    assert find_text(root, "GetReportRequestCountResult/Count") == "2"
    root = await call(mws, "UpdateReportAcknowledgements", {"ReportIdList.Id.1": first})
    assert find_text(root, "UpdateReportAcknowledgementsResult/Count") == "1"
    assert all_text(root, "Acknowledged") == ["true"] and all_text(root, "AcknowledgedDate")
    root = await call(mws, "GetReportList", {**t, "Acknowledged": "false"})
    assert all_text(root, "ReportId") == [second]
    root = await call(mws, "GetReportCount", {**t, "Acknowledged": "true"})
    assert find_text(root, "GetReportCountResult/Count") == "1"
    # settlement reports exist without having been requested (Amazon-generated)
    root = await call(
        mws,
        "GetReportCount",
        {"ReportTypeList.Type.1": "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"},
    )
    assert find_text(root, "GetReportCountResult/Count") == "2"


async def test_paging_with_next_token(mws: MwsClient) -> None:
    for _ in range(3):
        await request_done(mws, "_GET_AFN_INVENTORY_DATA_")
    t = {"ReportTypeList.Type.1": "_GET_AFN_INVENTORY_DATA_", "MaxCount": "2"}
    root = await call(mws, "GetReportRequestList", t)
    assert find_text(root, "GetReportRequestListResult/HasNext") == "true"
    token = find_text(root, "GetReportRequestListResult/NextToken")
    first_ids = all_text(root, "ReportRequestId")
    assert len(first_ids) == 2 and token
    root = await call(mws, "GetReportRequestListByNextToken", {"NextToken": token})
    assert find_text(root, "GetReportRequestListByNextTokenResult/HasNext") == "false"
    rest = all_text(root, "ReportRequestId")
    assert len(rest) == 1 and not set(rest) & set(first_ids)
    root = await call(mws, "GetReportList", t)
    token = find_text(root, "GetReportListResult/NextToken")
    root = await call(mws, "GetReportListByNextToken", {"NextToken": token})
    assert len(all_text(root, "ReportId")) == 1
    bad = await call(mws, "GetReportListByNextToken", {"NextToken": "garbage"}, status=400)
    assert find_text(bad, "Error/Code") == "NextTokenCorrupted"


async def test_cancel_and_errors(mws: MwsClient) -> None:
    root = await call(mws, "RequestReport", {"ReportType": "_GET_MERCHANT_LISTINGS_INACTIVE_DATA_"})
    request_id = find_text(root, "RequestReportResult/ReportRequestInfo/ReportRequestId")
    root = await call(mws, "CancelReportRequests", {"ReportRequestIdList.Id.1": str(request_id)})
    assert find_text(root, "CancelReportRequestsResult/Count") == "1"
    assert all_text(root, "ReportProcessingStatus") == ["_CANCELLED_"]
    err = await call(
        mws, "CancelReportRequests", {"ReportRequestIdList.Id.1": "99999999999"}, status=400
    )
    assert find_text(err, "Error/Code") == "InvalidReportRequestId"
    assert (
        find_text(err, "Error/Message")
        == "One or more of the provided ReportRequestIds could not be found."
    )
    err = await call(
        mws, "RequestReport", {"ReportType": "_GET_FLAT_FILE_ORDERS_DATA_"}, status=400
    )
    assert find_text(err, "Error/Code") == "InvalidReportType"
    assert "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL_" in (
        find_text(err, "Error/Message") or ""
    )
    err = await call(mws, "GetReport", {"ReportId": "12345"}, status=400)
    assert find_text(err, "Error/Code") == "InvalidReportId"
    err = await call(
        mws,
        "RequestReport",
        {"ReportType": "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"},
        status=400,
    )
    assert find_text(err, "Error/Code") == "InvalidReportType"


async def test_schedules_round_trip(mws: MwsClient) -> None:
    t = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
    root = await call(mws, "ManageReportSchedule", {"ReportType": t, "Schedule": "_15_MINUTES_"})
    assert find_text(root, "ManageReportScheduleResult/Count") == "1"
    assert all_text(root, "Schedule") == ["_15_MINUTES_"]
    root = await call(mws, "GetReportScheduleList")
    assert all_text(root, "ReportType") == [t] and all_text(root, "Schedule") == ["_15_MINUTES_"]
    root = await call(mws, "GetReportScheduleCount")
    assert find_text(root, "GetReportScheduleCountResult/Count") == "1"
    # the schedule creates reports over time
    mws.emulator.clock.advance(31 * 60)
    root = await call(mws, "GetReportRequestList", {"ReportTypeList.Type.1": t})
    assert "true" in all_text(root, "Scheduled")
    root = await call(mws, "ManageReportSchedule", {"ReportType": t, "Schedule": "_NEVER_"})
    assert find_text(root, "ManageReportScheduleResult/Count") == "1"
    root = await call(mws, "GetReportScheduleCount")
    assert find_text(root, "GetReportScheduleCountResult/Count") == "0"
    err = await call(
        mws, "ManageReportSchedule", {"ReportType": t, "Schedule": "_3_DAYS_"}, status=400
    )
    assert find_text(err, "Error/Code") == "InvalidScheduleFrequency"


class SchedulesOfEveryType(httpx.AsyncBaseTransport):
    """SP-API as the audit saw it: a getReportSchedules answer that holds schedules of other
    report types than the ones asked for (here: every type in ``types``)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, types: list[str]) -> None:
        self.inner = inner
        self.types = types

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == "/reports/2021-06-30/schedules":
            url = request.url.copy_set_param("reportTypes", ",".join(self.types))
            request = httpx.Request("GET", url, headers=request.headers)
        return await self.inner.handle_async_request(request)


async def test_never_cancels_only_the_schedule_of_the_requested_type(tmp_path: Path) -> None:
    orders, listings = (
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        "_GET_MERCHANT_LISTINGS_DATA_",
    )
    spapi = ["GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", "GET_MERCHANT_LISTINGS_DATA"]
    async with running_gateway(
        demo_settings(tmp_path), upstream=lambda inner: SchedulesOfEveryType(inner, spapi)
    ) as mws:
        for t, schedule in ((orders, "_15_MINUTES_"), (listings, "_1_DAY_")):
            await call(mws, "ManageReportSchedule", {"ReportType": t, "Schedule": schedule})
        root = await call(
            mws, "ManageReportSchedule", {"ReportType": orders, "Schedule": "_NEVER_"}
        )
        assert find_text(root, "ManageReportScheduleResult/Count") == "1"
        assert all_text(root, "ReportType") == [orders]
        root = await call(mws, "GetReportScheduleList", {"ReportTypeList.Type.1": listings})
        assert all_text(root, "ReportType") == [listings]
        assert all_text(root, "Schedule") == ["_1_DAY_"]
        await call(mws, "ManageReportSchedule", {"ReportType": orders, "Schedule": "_1_DAY_"})
        root = await call(mws, "GetReportScheduleCount", {"ReportTypeList.Type.1": orders})
        assert find_text(root, "GetReportScheduleCountResult/Count") == "1"


async def test_marketplaces_and_options_reach_sp_api(mws: MwsClient) -> None:
    root = await call(
        mws,
        "RequestReport",
        {
            "ReportType": "_GET_MERCHANT_LISTINGS_ALL_DATA_",
            "MarketplaceIdList.Id.1": "A2EUQ1WTGCTBG2",
            "ReportOptions": "custom=true;ShowSalesChannel=true",
            "StartDate": "2026-01-01T00:00:00Z",
        },
    )
    request_id = find_text(root, "RequestReportResult/ReportRequestInfo/ReportRequestId")
    assert find_text(root, "RequestReportResult/ReportRequestInfo/StartDate") == (
        "2026-01-01T00:00:00+00:00"
    )
    report = mws.emulator.sections["reports"].reports[request_id]
    assert report["marketplaceIds"] == ["A2EUQ1WTGCTBG2"]
    assert report["reportOptions"] == {"custom": "true", "ShowSalesChannel": "true"}
    assert report["dataStartTime"] == "2026-01-01T00:00:00Z"
    err = await call(
        mws,
        "RequestReport",
        {"ReportType": "_GET_MERCHANT_LISTINGS_ALL_DATA_", "MarketplaceIdList.Id.1": "NOPE"},
        status=400,
    )
    assert find_text(err, "Error/Code") == "InvalidParameterValue"
