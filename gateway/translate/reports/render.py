"""SP-API Reports JSON -> MWS Reports elements (pure functions).

Children follow the order of the MWS documentation's XSD (our ``gateway/schemas/Reports``).
Dates are written the way MWS Reports wrote them: ``2020-06-12T09:29:10+00:00``.
ID scheme (docs/reports.md): ReportRequestId = SP-API reportId, ReportId = SP-API reportId.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gateway.mws.timestamps import format_offset, parse_iso8601
from gateway.mws.xml import Element, children, leaf
from gateway.translate.reports.tables import ReportsTables


def mws_date(value: str | datetime | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return format_offset(value)
    try:
        return format_offset(parse_iso8601(value))
    except ValueError:
        return value


def report_request_info(report: Mapping[str, Any], tables: ReportsTables) -> Element:
    status = tables.statuses.mws_status(report)
    created = report.get("createdTime")
    generated = report.get("reportId") if status == "_DONE_" else None
    return (
        "ReportRequestInfo",
        children(
            [
                leaf("ReportRequestId", report.get("reportId")),
                leaf("ReportType", tables.types.to_mws(str(report.get("reportType", "")))),
                leaf("StartDate", mws_date(report.get("dataStartTime") or created)),
                leaf("EndDate", mws_date(report.get("dataEndTime") or created)),
                leaf("Scheduled", bool(report.get("reportScheduleId"))),
                leaf("SubmittedDate", mws_date(created)),
                leaf("ReportProcessingStatus", status),
                leaf("GeneratedReportId", generated),
                leaf("StartedProcessingDate", mws_date(report.get("processingStartTime"))),
                leaf("CompletedDate", mws_date(report.get("processingEndTime"))),
            ]
        ),
    )


def available_date(report: Mapping[str, Any]) -> str | None:
    raw = report.get("processingEndTime") or report.get("createdTime")
    return str(raw) if raw else None


def report_info(
    report: Mapping[str, Any],
    tables: ReportsTables,
    acknowledged_at: datetime | str | None,
) -> Element:
    return (
        "ReportInfo",
        children(
            [
                leaf("ReportId", report.get("reportId")),
                leaf("ReportType", tables.types.to_mws(str(report.get("reportType", "")))),
                leaf("ReportRequestId", report.get("reportId")),
                leaf("AvailableDate", mws_date(available_date(report))),
                leaf("Acknowledged", acknowledged_at is not None),
                leaf("AcknowledgedDate", mws_date(acknowledged_at)),
            ]
        ),
    )


def report_schedule(
    report_type: str, schedule: str, scheduled_date: str | datetime | None
) -> Element:
    return (
        "ReportSchedule",
        children(
            [
                leaf("ReportType", report_type),
                leaf("Schedule", schedule),
                leaf("ScheduledDate", mws_date(scheduled_date)),
            ]
        ),
    )


def schedule_from_spapi(schedule: Mapping[str, Any], tables: ReportsTables) -> Element:
    return report_schedule(
        tables.types.to_mws(str(schedule.get("reportType", ""))),
        tables.schedules.schedule(str(schedule.get("period", ""))),
        schedule.get("nextReportCreationTime"),
    )


def page(items: list[Element], next_token: str | None) -> list[Element]:
    """``NextToken?``, ``HasNext`` and the items, as the list operations answer them."""
    head: list[Element] = []
    if next_token:
        head.append(("NextToken", next_token))
    head.append(("HasNext", "true" if next_token else "false"))
    return head + items


def count(n: int, items: list[Element] | None = None) -> list[Element]:
    return [("Count", str(n)), *(items or [])]
