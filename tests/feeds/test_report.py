"""MWS processing reports from local issues and JSON processing reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from gateway.feeds.model import ERROR, WARNING, Issue, ResultCodes
from gateway.feeds.report import (
    processing_report_text,
    processing_report_xml,
    retired_issue,
    summarize,
    upstream_issues,
)
from gateway.schemas import feed_schema

CODES = ResultCodes()


def test_report_merges_local_and_upstream_issues_per_message() -> None:
    upstream = {
        "header": {"sellerId": "A1", "version": "2.0", "feedId": "123"},
        "issues": [
            {
                "messageId": 3,
                "sku": "S3",
                "code": "90220",
                "severity": "ERROR",
                "message": "'[batteries_required]' is required but not supplied.",
            },
            {
                "messageId": 4,
                "sku": "S4",
                "code": "18448",
                "severity": "WARNING",
                "message": "Attributes are incomplete.",
            },
            {"messageId": 4, "sku": "S4", "code": "X1", "severity": "INFO", "message": "fyi"},
        ],
        "summary": {
            "errors": 1,
            "warnings": 1,
            "messagesProcessed": 3,
            "messagesAccepted": 2,
            "messagesInvalid": 1,
        },
    }
    local = [Issue(2, ERROR, "5000", "XML Parsing Error at /AmazonEnvelope/Message[2]", "S2")]
    summary = summarize(5, [*local, *upstream_issues([upstream], CODES)])
    assert (summary.processed, summary.successful, summary.with_error, summary.with_warning) == (
        5,
        3,
        2,
        1,
    )
    body = processing_report_xml("51799018438", "M_TEST", summary)
    feed_schema("processing_report").validate(body.decode())
    root = ET.fromstring(body)
    report = root.find("Message/ProcessingReport")
    assert report is not None
    assert report.findtext("DocumentTransactionID") == "51799018438"
    assert report.findtext("StatusCode") == "Complete"
    rows = [
        (
            r.findtext("MessageID"),
            r.findtext("ResultCode"),
            r.findtext("ResultMessageCode"),
            r.findtext("AdditionalInfo/SKU"),
        )
        for r in report.findall("Result")
    ]
    assert rows == [
        ("2", "Error", "5000", "S2"),
        ("3", "Error", "90220", "S3"),
        ("4", "Warning", "18448", "S4"),
    ]


def test_document_level_failure_and_retired_types() -> None:
    issue = retired_issue("_POST_PRODUCT_DATA_", "JSON_LISTINGS_FEED", CODES)
    summary = summarize(0, [issue])
    assert (summary.successful, summary.with_error) == (0, 1)
    body = processing_report_xml("90000000000000001", "M", summary)
    feed_schema("processing_report").validate(body.decode())
    row = ET.fromstring(body).find("Message/ProcessingReport/Result")
    assert row is not None and row.findtext("MessageID") == "0"
    assert "2025-07-31" in (row.findtext("ResultDescription") or "")
    assert "JSON_LISTINGS_FEED" in (row.findtext("ResultDescription") or "")


def test_flat_file_summary_text() -> None:
    summary = summarize(
        3,
        [
            Issue(2, ERROR, "5000", "price 'abc'\tis not a number.", "F2"),
            Issue(3, WARNING, "90001", "ignored", "F3"),
        ],
    )
    text = processing_report_text(summary).decode()
    lines = text.splitlines()
    assert lines[0] == "Feed Processing Summary:"
    assert lines[1] == "\tNumber of records processed\t\t3"
    assert lines[2] == "\tNumber of records successful\t\t2"
    assert lines[4].split("\t") == [
        "original-record-number",
        "sku",
        "error-code",
        "error-type",
        "error-message",
    ]
    assert lines[5].split("\t") == ["2", "F2", "5000", "Error", "price 'abc' is not a number."]


def test_issue_json_roundtrip_keeps_message_id() -> None:
    issue = Issue(7, ERROR, "5000", "bad", "S7")
    assert Issue.from_json(json.loads(json.dumps(issue.to_json())), CODES) == issue


def test_capped_local_issues_count_through_their_totals() -> None:
    from gateway.feeds.model import IssueTotals

    listed = [Issue(1, ERROR, "5000", "bad", "S1"), Issue(2, WARNING, "90001", "ignored", "S2")]
    totals = IssueTotals(
        errors=4,
        warnings=2,
        unlisted_errors=3,
        unlisted_warnings=1,
        unlisted_error_messages=2,
        unlisted_warning_messages=1,
    )
    upstream = [Issue(5, ERROR, "90220", "required", "S5")]
    summary = summarize(10, [*listed, *upstream], totals, CODES)
    assert (summary.successful, summary.with_error, summary.with_warning) == (6, 4, 2)
    assert summary.unlisted == 4
    assert [r.message_id for r in summary.results] == [1, 2, 5, 0]
    assert summary.results[-1].message.startswith("3 more errors and 1 more warnings")
    # without totals nothing changes
    assert summarize(10, listed).results == listed
