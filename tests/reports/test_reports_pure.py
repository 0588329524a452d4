"""Pure Reports translation: parameters, tables, JSON -> MWS elements, XSD validity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.mws.xml import render_document
from gateway.schemas import schema_for
from gateway.translate.reports import params as rp
from gateway.translate.reports import render as rr
from gateway.translate.reports.tables import ReportsTables, tables_from

NS = "http://mws.amazonaws.com/doc/2009-01-01/"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def tables() -> ReportsTables:
    catalog = load_catalog(check_handlers=False)
    return tables_from(
        catalog.table("reports/types"),
        catalog.table("reports/statuses"),
        catalog.table("reports/schedules"),
    )


def validate(action: str, children: list) -> None:
    body = render_document(
        (
            f"{action}Response",
            [(f"{action}Result", children), ("ResponseMetadata", [("RequestId", "r-1")])],
        ),
        NS,
    )
    schema_for(NS, ("Reports",)).validate(body.decode())


# --- report types ---------------------------------------------------------------------------


def test_plain_type_drops_underscores(tables: ReportsTables) -> None:
    info = tables.types.resolve("_GET_MERCHANT_LISTINGS_ALL_DATA_")
    assert info.spapi == "GET_MERCHANT_LISTINGS_ALL_DATA"
    assert (
        tables.types.to_mws("GET_MERCHANT_LISTINGS_ALL_DATA") == "_GET_MERCHANT_LISTINGS_ALL_DATA_"
    )


def test_renamed_type_round_trips(tables: ReportsTables) -> None:
    info = tables.types.resolve("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_")
    assert info.spapi == "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
    assert tables.types.to_mws(info.spapi) == "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
    b2b = tables.types.resolve("_MBOP_GAP_PRODUCTS_REPORT_")
    assert b2b.spapi == "GET_B2B_PRODUCT_OPPORTUNITIES_NOT_YET_ON_AMAZON"
    assert tables.types.to_mws(b2b.spapi) == "_MBOP_GAP_PRODUCTS_REPORT_"


def test_spapi_only_type_in_mws_spelling(tables: ReportsTables) -> None:
    info = tables.types.resolve("_GET_LEDGER_DETAIL_VIEW_DATA_")
    assert info.spapi == "GET_LEDGER_DETAIL_VIEW_DATA"
    assert tables.types.to_mws("GET_LEDGER_DETAIL_VIEW_DATA") == "_GET_LEDGER_DETAIL_VIEW_DATA_"
    # an SP-API type nobody listed still gets the MWS spelling
    assert tables.types.to_mws("GET_BRAND_NEW_THING") == "_GET_BRAND_NEW_THING_"


def test_type_without_equivalent_names_replacement(tables: ReportsTables) -> None:
    with pytest.raises(MwsError) as err:
        tables.types.resolve("_GET_FLAT_FILE_ORDERS_DATA_")
    assert err.value.code == "InvalidReportType"
    assert "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL_" in str(err.value.message)
    # the named replacement is itself accepted
    tables.types.resolve("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL_")


def test_unknown_type_rejected(tables: ReportsTables) -> None:
    with pytest.raises(MwsError) as err:
        tables.types.resolve("_NO_SUCH_REPORT_")
    assert err.value.code == "InvalidReportType"


def test_restricted_and_format_flags(tables: ReportsTables) -> None:
    actionable = tables.types.resolve("_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_")
    assert actionable.rdt and actionable.spapi == "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
    assert tables.types.resolve("_GET_XML_BROWSE_TREE_DATA_").content_type == "text/xml"
    assert tables.types.resolve("_GET_MERCHANT_LISTINGS_DATA_").content_type == "text/plain"
    assert tables.types.resolve("_GET_MERCHANT_LISTINGS_DATA_").home_marketplace
    assert not tables.types.resolve("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_").requestable


def test_filter_types_skips_types_without_equivalent(tables: ReportsTables) -> None:
    got = tables.types.filter_types(["_GET_ORDERS_DATA_", "_GET_MERCHANT_LISTINGS_DATA_"])
    assert got == ("GET_MERCHANT_LISTINGS_DATA",)
    with pytest.raises(MwsError):
        tables.types.filter_types(["_BOGUS_"])


# --- statuses and schedules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ({"processingStatus": "IN_QUEUE"}, "_SUBMITTED_"),
        ({"processingStatus": "IN_PROGRESS"}, "_IN_PROGRESS_"),
        ({"processingStatus": "DONE", "reportDocumentId": "d"}, "_DONE_"),
        ({"processingStatus": "DONE"}, "_DONE_NO_DATA_"),
        ({"processingStatus": "CANCELLED"}, "_CANCELLED_"),
        (
            {"processingStatus": "CANCELLED", "processingStartTime": "2026-01-01T00:00:00Z"},
            "_DONE_NO_DATA_",
        ),
        ({"processingStatus": "FATAL"}, "_CANCELLED_"),
    ],
)
def test_status_mapping(tables: ReportsTables, report: dict, expected: str) -> None:
    assert tables.statuses.mws_status(report) == expected


def test_status_filter_to_spapi(tables: ReportsTables) -> None:
    assert tables.statuses.spapi_statuses(["_SUBMITTED_", "_DONE_"]) == ("IN_QUEUE", "DONE")
    assert set(tables.statuses.spapi_statuses(["_CANCELLED_"])) == {"CANCELLED", "FATAL"}
    with pytest.raises(MwsError) as err:
        tables.statuses.spapi_statuses(["DONE"])
    assert err.value.code == "InvalidParameterValue"


def test_schedules(tables: ReportsTables) -> None:
    assert tables.schedules.period("_1_DAY_") == "P1D"
    assert tables.schedules.period("_72_HOURS_") == "P3D"
    assert tables.schedules.period("_NEVER_") is None
    assert tables.schedules.schedule("P30D") == "_30_DAYS_"
    assert tables.schedules.schedule("PT84H") == "_72_HOURS_"
    with pytest.raises(MwsError) as err:
        tables.schedules.period("_3_DAYS_")
    assert err.value.code == "InvalidScheduleFrequency"


# --- parameters ---------------------------------------------------------------------------------


def test_report_options_both_ways() -> None:
    assert rp.parse_report_options("ShowSalesChannel=true;custom=true") == {
        "ShowSalesChannel": "true",
        "custom": "true",
    }
    assert rp.parse_report_options("MarketplaceId%3DA1%3BBrowseNodeId%3D42") == {
        "MarketplaceId": "A1",
        "BrowseNodeId": "42",
    }
    assert rp.parse_report_options("PendingInvoices") == {"PendingInvoices": "true"}
    assert rp.parse_report_options("") == {}
    assert rp.format_report_options({"a": "1", "b": "2"}) == "a=1;b=2"
    with pytest.raises(MwsError):
        rp.parse_report_options("=x")


def test_request_report_params() -> None:
    got = rp.request_report(
        {
            "ReportType": "_GET_MERCHANT_LISTINGS_DATA_",
            "StartDate": "2026-11-01T00:00:00Z",
            "EndDate": "2026-11-02T00:00:00",
            "MarketplaceIdList.Id.2": "A2EUQ1WTGCTBG2",
            "MarketplaceIdList.Id.1": "ATVPDKIKX0DER",
            "ReportOptions": "custom=true",
        },
        now=NOW,
    )
    assert got.report_type == "_GET_MERCHANT_LISTINGS_DATA_"
    assert got.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert got.end == datetime(2026, 11, 2, tzinfo=UTC)
    assert got.marketplaces == ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2")
    assert got.options == {"custom": "true"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "MissingParameter"),
        ({"ReportType": "_X_", "StartDate": "yesterday"}, "InvalidParameterValue"),
        (
            {
                "ReportType": "_X_",
                "StartDate": "2026-11-03T00:00:00Z",
                "EndDate": "2026-11-02T00:00:00Z",
            },
            "InvalidParameterValue",
        ),
        ({"ReportType": "_X_", "StartDate": "2027-01-01T00:00:00Z"}, "InvalidParameterValue"),
    ],
)
def test_request_report_param_errors(params: dict, code: str) -> None:
    with pytest.raises(MwsError) as err:
        rp.request_report(params, now=NOW)
    assert err.value.code == code


def test_request_filter_and_max_count() -> None:
    got = rp.request_filter(
        {
            "ReportRequestIdList.Id.1": "123",
            "ReportTypeList.Type.1": "_GET_MERCHANT_LISTINGS_DATA_",
            "ReportProcessingStatusList.Status.1": "_DONE_",
            "MaxCount": "100",
            "RequestedFromDate": "2026-11-01T00:00:00Z",
        }
    )
    assert got.request_ids == ("123",)
    assert got.statuses == ("_DONE_",)
    assert got.max_count == 100
    assert rp.request_filter({}).max_count == 10
    for bad in ("0", "101", "ten"):
        with pytest.raises(MwsError) as err:
            rp.request_filter({"MaxCount": bad})
        assert err.value.code == "InvalidParameterValue"


def test_report_filter_acknowledged() -> None:
    assert rp.report_filter({"Acknowledged": "true"}).acknowledged is True
    assert rp.report_filter({"Acknowledged": "false"}).acknowledged is False
    assert rp.report_filter({}).acknowledged is None
    with pytest.raises(MwsError):
        rp.report_filter({"Acknowledged": "yes"})


def test_acknowledge_params() -> None:
    got = rp.acknowledge_params({"ReportIdList.Id.1": "1", "ReportIdList.Id.2": "2"})
    assert got.report_ids == ("1", "2") and got.acknowledged is True
    with pytest.raises(MwsError) as err:
        rp.acknowledge_params({})
    assert err.value.code == "MissingParameter"
    many = {f"ReportIdList.Id.{i}": str(i) for i in range(1, 102)}
    with pytest.raises(MwsError):
        rp.acknowledge_params(many)


# --- JSON -> elements ---------------------------------------------------------------------------

DONE = {
    "reportId": "51781018424",
    "reportType": "GET_MERCHANT_LISTINGS_DATA",
    "createdTime": "2026-11-20T07:44:22Z",
    "dataStartTime": "2026-11-19T00:00:00Z",
    "dataEndTime": "2026-11-20T00:00:00Z",
    "processingStatus": "DONE",
    "processingStartTime": "2026-11-20T07:44:25Z",
    "processingEndTime": "2026-11-20T07:44:32.123Z",
    "reportDocumentId": "amzn1.spdoc.1.4.na.x",
    "marketplaceIds": ["ATVPDKIKX0DER"],
}


def as_dict(element: tuple) -> dict[str, str]:
    return {child[0]: child[1] for child in element[1]}


def test_report_request_info_done(tables: ReportsTables) -> None:
    el = rr.report_request_info(DONE, tables)
    got = as_dict(el)
    assert got == {
        "ReportRequestId": "51781018424",
        "ReportType": "_GET_MERCHANT_LISTINGS_DATA_",
        "StartDate": "2026-11-19T00:00:00+00:00",
        "EndDate": "2026-11-20T00:00:00+00:00",
        "Scheduled": "false",
        "SubmittedDate": "2026-11-20T07:44:22+00:00",
        "ReportProcessingStatus": "_DONE_",
        "GeneratedReportId": "51781018424",
        "StartedProcessingDate": "2026-11-20T07:44:25+00:00",
        "CompletedDate": "2026-11-20T07:44:32+00:00",
    }
    validate("GetReportRequestList", rr.page([el], None))


def test_report_request_info_queued_scheduled(tables: ReportsTables) -> None:
    queued = {
        "reportId": "7",
        "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
        "createdTime": "2026-11-20T07:44:22Z",
        "processingStatus": "IN_QUEUE",
        "reportScheduleId": "99",
    }
    got = as_dict(rr.report_request_info(queued, tables))
    assert got["ReportType"] == "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
    assert got["Scheduled"] == "true"
    assert got["StartDate"] == got["SubmittedDate"] == "2026-11-20T07:44:22+00:00"
    assert "GeneratedReportId" not in got and "CompletedDate" not in got
    validate("RequestReport", [rr.report_request_info(queued, tables)])


def test_report_info_acknowledged(tables: ReportsTables) -> None:
    plain = as_dict(rr.report_info(DONE, tables, None))
    assert plain["Acknowledged"] == "false" and "AcknowledgedDate" not in plain
    assert plain["ReportId"] == plain["ReportRequestId"] == "51781018424"
    assert plain["AvailableDate"] == "2026-11-20T07:44:32+00:00"
    acked = rr.report_info(DONE, tables, "2026-11-21T10:00:00+00:00")
    assert as_dict(acked)["Acknowledged"] == "true"
    validate("UpdateReportAcknowledgements", rr.count(1, [acked]))
    validate("GetReportList", rr.page([acked], "tok"))


def test_schedule_and_counts_validate(tables: ReportsTables) -> None:
    el = rr.schedule_from_spapi(
        {
            "reportScheduleId": "1",
            "reportType": "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
            "period": "P30D",
            "nextReportCreationTime": "2026-12-01T00:00:00Z",
        },
        tables,
    )
    assert as_dict(el) == {
        "ReportType": "_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_",
        "Schedule": "_30_DAYS_",
        "ScheduledDate": "2026-12-01T00:00:00+00:00",
    }
    validate("ManageReportSchedule", rr.count(1, [el]))
    validate("GetReportScheduleList", rr.page([el, el], None))
    validate("GetReportScheduleCount", rr.count(0))
    validate("GetReportRequestCount", rr.count(5))
    validate("GetReportCount", rr.count(4))
    validate("CancelReportRequests", rr.count(0))


def test_schema_rejects_bad_status() -> None:
    bad = [
        (
            "ReportRequestInfo",
            [
                ("ReportRequestId", "1"),
                ("ReportType", "_X_"),
                ("StartDate", "2026-01-01T00:00:00+00:00"),
                ("EndDate", "2026-01-01T00:00:00+00:00"),
                ("Scheduled", "false"),
                ("SubmittedDate", "2026-01-01T00:00:00+00:00"),
                ("ReportProcessingStatus", "DONE"),
            ],
        )
    ]
    with pytest.raises(Exception, match=r"ReportProcessingStatus|enumeration|DONE"):
        validate("RequestReport", bad)


def test_section_table_references_real_spapi_operations() -> None:
    import json
    import os
    from pathlib import Path

    models = Path(
        os.environ.get("SPAPI_MODELS_DIR")
        or Path(__file__).resolve().parents[3] / "shared" / "spapi-models"
    )
    section = load_catalog(check_handlers=False).sections["Reports"]
    checked = 0
    for op in section.operations.values():
        for ref in op.target.spapi:
            model, _, op_id = ref.partition(".")
            doc = json.loads((models / f"{model}.json").read_text(encoding="utf-8"))
            ids = {
                o["operationId"]
                for item in doc["paths"].values()
                for o in item.values()
                if isinstance(o, dict) and "operationId" in o
            }
            assert op_id in ids, f"{op.name}: {ref}"
            checked += 1
    assert checked >= 20
    assert section.operations["GetReport"].throttle.hourly == 60
    assert section.operations["GetReportRequestListByNextToken"].throttle.max == 30
