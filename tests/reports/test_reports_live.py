"""Real legacy clients (python-amazon-mws 0.8.15, boto 2.49.0) against a live gateway."""

from __future__ import annotations

import time

import mws
import pytest
from boto.mws.connection import MWSConnection

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from tests.support.live import LiveServer

pytestmark = pytest.mark.live


def poll_done(reports: mws.Reports, request_id: str) -> dict:
    for _ in range(50):
        info = reports.get_report_request_list(requestids=[request_id]).parsed["ReportRequestInfo"]
        if info["ReportProcessingStatus"] in ("_DONE_", "_DONE_NO_DATA_", "_CANCELLED_"):
            return info
        time.sleep(0.1)
    raise AssertionError("report never finished")


def test_python_amazon_mws_report_flow(live_gateway: LiveServer) -> None:
    reports = mws.Reports(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    raw = reports.request_report("_GET_MERCHANT_LISTINGS_ALL_DATA_")
    requested = raw.parsed
    request_id = requested["ReportRequestInfo"]["ReportRequestId"]
    assert requested["ReportRequestInfo"]["ReportProcessingStatus"] == "_SUBMITTED_"
    info = poll_done(reports, request_id)
    assert info["ReportProcessingStatus"] == "_DONE_"
    report_id = info["GeneratedReportId"]

    listed = reports.get_report_list(types=["_GET_MERCHANT_LISTINGS_ALL_DATA_"]).parsed
    assert listed["HasNext"] == "false"
    assert listed["ReportInfo"]["ReportId"] == report_id

    # GetReport: the client checks Content-MD5 itself (MWSError on mismatch)
    body = reports.get_report(report_id)
    assert body.response.headers["Content-MD5"]
    text = body.parsed.decode("utf-8")
    assert text.startswith("item-name\t") and "EMU-" in text

    count = reports.get_report_count(report_types=["_GET_MERCHANT_LISTINGS_ALL_DATA_"]).parsed
    assert count["Count"] == "1"
    rcount = reports.get_report_request_count(report_types=["_GET_MERCHANT_LISTINGS_ALL_DATA_"])
    assert rcount.parsed["Count"] == "1"

    acked = reports.make_request(
        {"Action": "UpdateReportAcknowledgements", "ReportIdList.Id.1": report_id}
    ).parsed
    assert acked["Count"] == "1"
    assert acked["ReportInfo"]["Acknowledged"] == "true"
    unacked = reports.get_report_count(
        report_types=["_GET_MERCHANT_LISTINGS_ALL_DATA_"], acknowledged="false"
    )
    assert unacked.parsed["Count"] == "0"

    # schedules
    made = reports.make_request(
        {
            "Action": "ManageReportSchedule",
            "ReportType": "_GET_AFN_INVENTORY_DATA_",
            "Schedule": "_1_DAY_",
        }
    ).parsed
    assert made["ReportSchedule"]["Schedule"] == "_1_DAY_"
    listed_s = reports.get_report_schedule_list(types=["_GET_AFN_INVENTORY_DATA_"]).parsed
    assert listed_s["ReportSchedule"]["ReportType"] == "_GET_AFN_INVENTORY_DATA_"
    assert reports.get_report_schedule_count().parsed["Count"] == "1"

    # cancellation of a queued request
    queued = reports.request_report("_GET_MERCHANT_LISTINGS_INACTIVE_DATA_").parsed
    qid = queued["ReportRequestInfo"]["ReportRequestId"]
    cancelled = reports.make_request(
        {"Action": "CancelReportRequests", "ReportRequestIdList.Id.1": qid}
    ).parsed
    assert cancelled["ReportRequestInfo"]["ReportProcessingStatus"] == "_CANCELLED_"
    with pytest.raises(mws.MWSError) as err:
        reports.make_request({"Action": "CancelReportRequests", "ReportRequestIdList.Id.1": "1"})
    assert "InvalidReportRequestId" in str(err.value.response.text)


def test_boto_reports(live_gateway: LiveServer) -> None:
    conn = MWSConnection(
        DEMO_ACCESS_KEY, DEMO_SECRET, Merchant=DEMO_SELLER,
        host="127.0.0.1", port=live_gateway.port, is_secure=False,
    )  # fmt: skip
    requested = conn.request_report(ReportType="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    request_id = requested.RequestReportResult.ReportRequestInfo.ReportRequestId
    assert request_id.isdigit()
    for _ in range(50):
        listed = conn.get_report_request_list(ReportRequestIdList=[request_id])
        info = listed.GetReportRequestListResult.ReportRequestInfo[0]
        if info.ReportProcessingStatus == "_DONE_":
            break
        time.sleep(0.1)
    assert info.ReportProcessingStatus == "_DONE_"
    report_id = info.GeneratedReportId
    reports = conn.get_report_list(ReportTypeList=["_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"])
    assert [r.ReportId for r in reports.GetReportListResult.ReportInfo] == [report_id]
    # unfiltered counts include the two Amazon-generated settlement reports
    assert conn.get_report_count().GetReportCountResult.Count == "3"
    assert conn.get_report_request_count().GetReportRequestCountResult.Count == "3"
    acked = conn.update_report_acknowledgements(ReportIdList=[report_id])
    assert acked.UpdateReportAcknowledgementsResult.ReportInfo[0].Acknowledged == "true"
    sched = conn.manage_report_schedule(
        ReportType="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", Schedule="_1_WEEK_"
    )
    assert sched.ManageReportScheduleResult.Count == "1"
    assert conn.get_report_schedule_count().GetReportScheduleCountResult.Count == "1"
    # boto asserts on Content-MD5 under Python 3 (bytes vs str): GetReport fails exactly there
    with pytest.raises(AssertionError):
        conn.get_report(ReportId=report_id)
