"""Emulated SP-API Reports 2021-06-30.

Reports move IN_QUEUE -> IN_PROGRESS -> DONE on the emulator clock (``queue_seconds``,
``processing_seconds``); the document is generated from the seeded data when the report is
done (gzip for order and settlement reports). Types with no data end CANCELLED after
processing. Schedules create reports whenever their ``nextReportCreationTime`` has passed (checked
on every Reports call). Two settlement reports exist from the start (Amazon-generated).

Big documents for benchmarks: ``reportOptions: {"emulatorSize": "<bytes>"}`` on createReport
gives a lazily generated TSV document of exactly that size, never held in memory.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    advance_job,
    emulator_now,
    invalid_input,
    iso,
    json_response,
    not_found,
    parse_datetime,
    query_list,
    read_json_object,
    require_rdt,
    spapi_operation,
)
from gateway.emulator.documents import synthetic_tsv
from gateway.emulator.events import emit
from gateway.emulator.reports_content import (
    AMAZON_GENERATED,
    GZIP_TYPES,
    RESTRICTED_TYPES,
    content_for,
)
from gateway.emulator.state import EmulatorState

STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
PERIODS = {
    "PT5M": timedelta(minutes=5), "PT15M": timedelta(minutes=15),
    "PT30M": timedelta(minutes=30), "PT1H": timedelta(hours=1), "PT2H": timedelta(hours=2),
    "PT4H": timedelta(hours=4), "PT8H": timedelta(hours=8), "PT12H": timedelta(hours=12),
    "P1D": timedelta(days=1), "P2D": timedelta(days=2), "P3D": timedelta(days=3),
    "PT84H": timedelta(hours=84), "P7D": timedelta(days=7), "P14D": timedelta(days=14),
    "P15D": timedelta(days=15), "P18D": timedelta(days=18), "P30D": timedelta(days=30),
    "P1M": timedelta(days=30),
}  # fmt: skip
TYPE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_]*[A-Z0-9]$")
RETENTION = timedelta(days=90)
MAX_SCHEDULED_PER_TICK = 5


@dataclass
class ReportsState:
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # reportId -> seller
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)
    schedule_owners: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # reportId -> emulatorSize
    created: dict[str, datetime] = field(default_factory=dict)  # precise creation times
    next_id: int = 51780018000
    next_schedule: int = 90000001
    queue_seconds: float = 0.2
    processing_seconds: float = 0.3
    seeded: bool = False


now = emulator_now


def reports_state(state: EmulatorState) -> ReportsState:
    rs = state.sections.get("reports")
    if not isinstance(rs, ReportsState):
        rs = ReportsState()
        state.sections["reports"] = rs
    if not rs.seeded:
        rs.seeded = True
        _seed_settlements(state, rs)
    return rs


def _seed_settlements(state: EmulatorState, rs: ReportsState) -> None:
    anchor = state.data.anchor
    for weeks in (4, 2):
        end = anchor - timedelta(days=7 * (weeks - 2) + 1)
        start = end - timedelta(days=14)
        report = _new_report(
            rs, state.config.seller_id, "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE",
            ["ATVPDKIKX0DER"], start, end, end + timedelta(hours=2), None,
        )  # fmt: skip
        report["processingStartTime"] = iso(end + timedelta(hours=2))
        _finish(state, rs, report, end + timedelta(hours=3))


def _new_report(
    rs: ReportsState,
    seller: str,
    report_type: str,
    marketplaces: list[str],
    start: datetime | None,
    end: datetime | None,
    created: datetime,
    schedule_id: str | None,
) -> dict[str, Any]:
    rs.next_id += 1000
    report_id = str(rs.next_id)
    report: dict[str, Any] = {
        "reportId": report_id,
        "reportType": report_type,
        "marketplaceIds": marketplaces,
        "dataStartTime": iso(start or created),
        "dataEndTime": iso(end or created),
        "createdTime": iso(created),
        "processingStatus": "IN_QUEUE",
    }
    if schedule_id:
        report["reportScheduleId"] = schedule_id
    rs.reports[report_id] = report
    rs.owners[report_id] = seller
    rs.created[report_id] = created
    return report


def _finish(state: EmulatorState, rs: ReportsState, report: dict[str, Any], at: datetime) -> None:
    report_type = report["reportType"]
    report["processingEndTime"] = iso(at)
    size = rs.sizes.get(report["reportId"])
    compression: Literal["GZIP"] | None = "GZIP" if report_type in GZIP_TYPES else None
    if size is not None:
        doc_id = state.documents.register_generated(
            synthetic_tsv(size), "text/plain; charset=UTF-8", size=size
        )
    else:
        start = parse_datetime(report["dataStartTime"], "dataStartTime")
        end = parse_datetime(report["dataEndTime"], "dataEndTime")
        produced = content_for(state.data, report_type, start, end, report["reportId"])
        if produced is None:
            report["processingStatus"] = "CANCELLED"
            return
        make, content_type = produced
        doc_id = state.documents.put_document(make(), content_type, compression=compression)
    report["processingStatus"] = "DONE"
    report["reportDocumentId"] = doc_id


def _advance(state: EmulatorState, rs: ReportsState, report: dict[str, Any]) -> None:
    created = rs.created.get(report["reportId"])
    if created is None:
        return
    done = advance_job(state, report, created, rs.queue_seconds, rs.processing_seconds)
    if done is not None:
        _finish(state, rs, report, done)
        _finished(state, rs, report)


def _finished(state: EmulatorState, rs: ReportsState, report: dict[str, Any]) -> None:
    """REPORT_PROCESSING_FINISHED for the report's seller (when subscribed)."""
    body: dict[str, Any] = {
        "sellerId": rs.owners.get(report["reportId"], state.config.seller_id),
        "reportId": report["reportId"],
        "reportType": report["reportType"],
        "processingStatus": report["processingStatus"],
    }
    if report.get("reportDocumentId"):
        body["reportDocumentId"] = report["reportDocumentId"]
    emit(state, body["sellerId"], "REPORT_PROCESSING_FINISHED", body)


def advance_all(state: EmulatorState) -> None:
    """Create due scheduled reports and move reports on (the notifications ticker)."""
    _tick(state, reports_state(state))


def _tick(state: EmulatorState, rs: ReportsState) -> None:
    """Create the reports schedules owe, then move reports along."""
    current = now(state)
    for schedule_id, schedule in rs.schedules.items():
        due = parse_datetime(schedule["nextReportCreationTime"], "nextReportCreationTime")
        step = PERIODS[schedule["period"]]
        made = 0
        while due <= current and made < MAX_SCHEDULED_PER_TICK:
            _new_report(
                rs, rs.schedule_owners[schedule_id], schedule["reportType"],
                list(schedule["marketplaceIds"]), due - step, due, due, schedule_id,
            )  # fmt: skip
            due += step
            made += 1
        while due <= current:
            due += step
        schedule["nextReportCreationTime"] = iso(due)
    for report in rs.reports.values():
        _advance(state, rs, report)


def _context(ctx: OperationContext) -> ReportsState:
    rs = reports_state(ctx.state)
    _tick(ctx.state, rs)
    return rs


def _own_report(ctx: OperationContext, rs: ReportsState, report_id: str) -> dict[str, Any]:
    report = rs.reports.get(report_id)
    if report is None or rs.owners.get(report_id) != ctx.seller_id:
        raise not_found(f"Report {report_id} not found.")
    return report


def _check_type(value: Any) -> str:
    if not isinstance(value, str) or not TYPE_RE.match(value):
        raise invalid_input("Invalid Report Type", str(value)[:100])
    return value


def _check_marketplaces(value: Any, max_items: int = 25) -> list[str]:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= max_items
        or not all(isinstance(m, str) and m for m in value)
    ):
        raise invalid_input(f"marketplaceIds must be a list of 1 to {max_items} marketplace ids.")
    return value


def _check_options(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid_input("reportOptions must be an object of strings.")
    return value


# -- reports ------------------------------------------------------------------------------------


@spapi_operation("reports.createReport")
async def create_report(request: Request, ctx: OperationContext) -> Response:
    body = await read_json_object(request)
    rs = _context(ctx)
    report_type = _check_type(body.get("reportType"))
    if report_type in AMAZON_GENERATED:
        raise invalid_input(f"Report type {report_type} cannot be requested.")
    marketplaces = _check_marketplaces(body.get("marketplaceIds"))
    options = _check_options(body.get("reportOptions"))
    current = now(ctx.state)
    start = (
        parse_datetime(body["dataStartTime"], "dataStartTime")
        if body.get("dataStartTime")
        else None
    )
    end = parse_datetime(body["dataEndTime"], "dataEndTime") if body.get("dataEndTime") else None
    if start is not None and start > current:
        raise invalid_input("dataStartTime must not be in the future.")
    if start is not None and end is not None and start > end:
        raise invalid_input("dataStartTime must be before dataEndTime.")
    report = _new_report(rs, ctx.seller_id, report_type, marketplaces, start, end, current, None)
    if options:
        report["reportOptions"] = options
        size = options.get("emulatorSize")
        if size is not None:
            if not size.isdigit():
                raise invalid_input("emulatorSize must be a number of bytes.")
            rs.sizes[report["reportId"]] = int(size)
    return json_response({"reportId": report["reportId"]}, status=202)


def _public(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "reportOptions"}


def _encode_token(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode_token(token: str) -> dict[str, Any]:
    try:
        doc = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        raise invalid_input("Invalid nextToken.") from None
    if not isinstance(doc, dict):
        raise invalid_input("Invalid nextToken.")
    return doc


@spapi_operation("reports.getReports")
async def get_reports(request: Request, ctx: OperationContext) -> JsonBody:
    rs = _context(ctx)
    q = request.query_params
    token = q.get("nextToken")
    if token:
        if len(q) > 1:
            raise invalid_input("nextToken must be the only parameter when it is given.")
        filters = _decode_token(token)
    else:
        types = query_list(request, "reportTypes", 10)
        if not types:
            raise invalid_input("Either reportTypes or nextToken is required.")
        statuses = query_list(request, "processingStatuses")
        for s in statuses:
            if s not in STATUSES:
                raise invalid_input(f"Invalid processingStatuses value: {s}.")
        size_raw = q.get("pageSize", "10")
        if not size_raw.isdigit() or not 1 <= int(size_raw) <= 100:
            raise invalid_input("pageSize must be from 1 to 100.")
        current = now(ctx.state)
        since = q.get("createdSince")
        until = q.get("createdUntil")
        filters = {
            "types": types,
            "statuses": statuses,
            "markets": query_list(request, "marketplaceIds", 10),
            "size": int(size_raw),
            "since": iso(parse_datetime(since, "createdSince") if since else current - RETENTION),
            "until": iso(parse_datetime(until, "createdUntil") if until else current),
            "offset": 0,
        }
    since_dt = parse_datetime(str(filters["since"]), "createdSince")
    until_dt = parse_datetime(str(filters["until"]), "createdUntil")
    matches = [
        r
        for r in rs.reports.values()
        if rs.owners.get(r["reportId"]) == ctx.seller_id
        and r["reportType"] in filters["types"]
        and (not filters["statuses"] or r["processingStatus"] in filters["statuses"])
        and (not filters["markets"] or set(r["marketplaceIds"]) & set(filters["markets"]))
        and since_dt <= parse_datetime(r["createdTime"], "createdTime") <= until_dt
    ]
    matches.sort(key=lambda r: (r["createdTime"], int(r["reportId"])), reverse=True)
    offset, size = int(filters["offset"]), int(filters["size"])
    page = matches[offset : offset + size]
    body: dict[str, Any] = {"reports": [_public(r) for r in page]}
    if offset + size < len(matches):
        body["nextToken"] = _encode_token({**filters, "offset": offset + size})
    return body


@spapi_operation("reports.getReport")
async def get_report(request: Request, ctx: OperationContext) -> JsonBody:
    rs = _context(ctx)
    return _public(_own_report(ctx, rs, request.path_params["reportId"]))


@spapi_operation("reports.cancelReport")
async def cancel_report(request: Request, ctx: OperationContext) -> Response:
    rs = _context(ctx)
    report = _own_report(ctx, rs, request.path_params["reportId"])
    if report["processingStatus"] != "IN_QUEUE":
        raise invalid_input("Only reports with processingStatus IN_QUEUE can be cancelled.")
    report["processingStatus"] = "CANCELLED"
    _finished(ctx.state, rs, report)
    return Response(status_code=200)


# -- schedules ----------------------------------------------------------------------------------


@spapi_operation("reports.getReportSchedules")
async def get_report_schedules(request: Request, ctx: OperationContext) -> JsonBody:
    rs = _context(ctx)
    types = query_list(request, "reportTypes", 10)
    if not types:
        raise invalid_input("reportTypes is required.")
    return {
        "reportSchedules": [
            dict(s)
            for sid, s in rs.schedules.items()
            if rs.schedule_owners[sid] == ctx.seller_id and s["reportType"] in types
        ]
    }


@spapi_operation("reports.createReportSchedule")
async def create_report_schedule(request: Request, ctx: OperationContext) -> Response:
    body = await read_json_object(request)
    rs = _context(ctx)
    report_type = _check_type(body.get("reportType"))
    marketplaces = _check_marketplaces(body.get("marketplaceIds"))
    period = body.get("period")
    if period not in PERIODS:
        raise invalid_input("Invalid period.", str(period)[:40])
    options = _check_options(body.get("reportOptions"))
    raw_next = body.get("nextReportCreationTime")
    first = parse_datetime(raw_next, "nextReportCreationTime") if raw_next else now(ctx.state)
    for sid, s in list(rs.schedules.items()):  # same type + marketplaces: replaced
        same = s["reportType"] == report_type and sorted(s["marketplaceIds"]) == sorted(
            marketplaces
        )
        if rs.schedule_owners[sid] == ctx.seller_id and same:
            del rs.schedules[sid]
    rs.next_schedule += 1
    schedule_id = str(rs.next_schedule)
    schedule: dict[str, Any] = {
        "reportScheduleId": schedule_id,
        "reportType": report_type,
        "marketplaceIds": marketplaces,
        "period": period,
        "nextReportCreationTime": iso(first),
    }
    if options:
        schedule["reportOptions"] = options
    rs.schedules[schedule_id] = schedule
    rs.schedule_owners[schedule_id] = ctx.seller_id
    return json_response({"reportScheduleId": schedule_id}, status=201)


def _own_schedule(ctx: OperationContext, rs: ReportsState, schedule_id: str) -> dict[str, Any]:
    schedule = rs.schedules.get(schedule_id)
    if schedule is None or rs.schedule_owners.get(schedule_id) != ctx.seller_id:
        raise not_found(f"Report schedule {schedule_id} not found.")
    return schedule


@spapi_operation("reports.getReportSchedule")
async def get_report_schedule(request: Request, ctx: OperationContext) -> JsonBody:
    rs = _context(ctx)
    return dict(_own_schedule(ctx, rs, request.path_params["reportScheduleId"]))


@spapi_operation("reports.cancelReportSchedule")
async def cancel_report_schedule(request: Request, ctx: OperationContext) -> Response:
    rs = _context(ctx)
    schedule_id = request.path_params["reportScheduleId"]
    _own_schedule(ctx, rs, schedule_id)
    del rs.schedules[schedule_id]
    return Response(status_code=200)


# -- documents ----------------------------------------------------------------------------------


@spapi_operation("reports.getReportDocument")
async def get_report_document(request: Request, ctx: OperationContext) -> JsonBody:
    rs = _context(ctx)
    document_id = request.path_params["reportDocumentId"]
    report = next(
        (
            r
            for r in rs.reports.values()
            if r.get("reportDocumentId") == document_id
            and rs.owners.get(r["reportId"]) == ctx.seller_id
        ),
        None,
    )
    if report is None or document_id not in ctx.state.documents:
        raise not_found(f"Report document {document_id} not found.")
    if report["reportType"] in RESTRICTED_TYPES:
        require_rdt(request)
    stored = ctx.state.documents.get(document_id)
    body: dict[str, Any] = {
        "reportDocumentId": document_id,
        "url": ctx.state.documents.download_url(document_id),
    }
    if stored is not None and stored.compression:
        body["compressionAlgorithm"] = stored.compression
    return body


routes: list[BaseRoute] = [
    Route("/reports/2021-06-30/reports", get_reports, methods=["GET"]),
    Route("/reports/2021-06-30/reports", create_report, methods=["POST"]),
    Route("/reports/2021-06-30/reports/{reportId}", get_report, methods=["GET"]),
    Route("/reports/2021-06-30/reports/{reportId}", cancel_report, methods=["DELETE"]),
    Route("/reports/2021-06-30/schedules", get_report_schedules, methods=["GET"]),
    Route("/reports/2021-06-30/schedules", create_report_schedule, methods=["POST"]),
    Route("/reports/2021-06-30/schedules/{reportScheduleId}", get_report_schedule, methods=["GET"]),
    Route(
        "/reports/2021-06-30/schedules/{reportScheduleId}",
        cancel_report_schedule,
        methods=["DELETE"],
    ),
    Route("/reports/2021-06-30/documents/{reportDocumentId}", get_report_document, methods=["GET"]),
]
