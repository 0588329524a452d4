"""Report listing spends no more of SP-API's getReports bucket than it holds, and status polls
are answered from the last answer while they may be (DESIGN.md §8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import DEMO_SELLER
from tests.reports.test_reports_gateway import all_text, call, request_done
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.xmlcheck import find_text

pytestmark = pytest.mark.anyio

TYPES = [
    "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
    "_GET_MERCHANT_LISTINGS_ALL_DATA_",
    "_GET_MERCHANT_LISTINGS_DATA_",
    "_GET_MERCHANT_LISTINGS_INACTIVE_DATA_",
    "_GET_MERCHANT_LISTINGS_DATA_BACK_COMPAT_",
    "_GET_MERCHANT_LISTINGS_DATA_LITE_",
    "_GET_MERCHANT_LISTINGS_DATA_LITER_",
    "_GET_MERCHANT_CANCELLED_LISTINGS_DATA_",
    "_GET_PAN_EU_OFFER_STATUS_",
    "_GET_MFN_PAN_EU_OFFER_STATUS_",
    "_GET_REFERRAL_FEE_PREVIEW_REPORT_",
    "_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_",
]  # 12 types: two getReports groups of at most ten


def leave_tokens(mws: MwsClient, tokens: float) -> None:
    """Empty the gateway's copy of getReports' bucket down to ``tokens`` (what is left)."""
    pacer = mws.app.state.services.spapi.pacer
    pacer.available(DEMO_SELLER, "reports.getReports")  # the bucket exists from here
    (bucket,) = [b for k, b in pacer._buckets.items() if k[1] == "reports.getReports"]
    bucket.tokens = tokens


def type_list() -> dict[str, str]:
    return {f"ReportTypeList.Type.{i + 1}": t for i, t in enumerate(TYPES)}


async def test_a_list_page_reads_only_the_pages_the_bucket_holds(mws: MwsClient) -> None:
    leave_tokens(mws, 1.0)
    root = await call(mws, "GetReportList", {**type_list(), "MaxCount": "100"})
    assert mws.emulator.calls["reports.getReports"] == 1
    assert find_text(root, "GetReportListResult/HasNext") == "true"  # the walk goes on later
    token = find_text(root, "GetReportListResult/NextToken")
    assert token
    leave_tokens(mws, 10.0)
    nxt = await call(mws, "GetReportListByNextToken", {"NextToken": token})
    assert find_text(nxt, "GetReportListByNextTokenResult/HasNext") == "false"
    assert mws.emulator.calls["reports.getReports"] == 2


async def test_a_count_that_would_empty_the_bucket_is_throttled_not_walked(
    mws: MwsClient,
) -> None:
    leave_tokens(mws, 1.0)
    err = await call(mws, "GetReportCount", type_list(), status=503)
    assert find_text(err, "Error/Code") == "RequestThrottled"
    assert mws.emulator.calls["reports.getReports"] <= 1
    leave_tokens(mws, 10.0)
    root = await call(mws, "GetReportCount", type_list())
    assert find_text(root, "GetReportCountResult/Count") is not None


async def test_finished_reports_are_answered_from_the_last_get_report(mws: MwsClient) -> None:
    report_id = await request_done(mws, "_GET_MERCHANT_LISTINGS_DATA_")
    assert report_id
    polls = mws.emulator.calls["reports.getReport"]
    request_id = report_id  # ReportRequestId = ReportId (docs/reports.md)
    for _ in range(3):
        root = await call(mws, "GetReportRequestList", {"ReportRequestIdList.Id.1": request_id})
        assert all_text(root, "ReportProcessingStatus") == ["_DONE_"]
    assert mws.emulator.calls["reports.getReport"] == polls


async def test_status_polls_within_the_window_share_one_answer(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path, status_poll={"seconds": 60})
    assert settings.status_poll_seconds == 60
    async with running_gateway(settings) as mws:
        root = await call(mws, "RequestReport", {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_"})
        request_id = find_text(root, "RequestReportResult/ReportRequestInfo/ReportRequestId")
        params = {"ReportRequestIdList.Id.1": str(request_id)}
        for _ in range(3):
            root = await call(mws, "GetReportRequestList", params)
            assert all_text(root, "ReportProcessingStatus") == ["_SUBMITTED_"]
        assert mws.emulator.calls["reports.getReport"] == 1
        # a cancellation forgets the kept answer: the next poll sees it
        await call(mws, "CancelReportRequests", params)
        root = await call(mws, "GetReportRequestList", params)
        assert all_text(root, "ReportProcessingStatus") == ["_CANCELLED_"]


async def test_without_the_window_every_poll_of_a_running_report_asks(mws: MwsClient) -> None:
    root = await call(mws, "RequestReport", {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_"})
    request_id = find_text(root, "RequestReportResult/ReportRequestInfo/ReportRequestId")
    for _ in range(2):
        await call(mws, "GetReportRequestList", {"ReportRequestIdList.Id.1": str(request_id)})
    assert mws.emulator.calls["reports.getReport"] == 2
