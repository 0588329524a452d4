"""MWS Reports request parameters parsed into plain values (pure functions, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from gateway.mws.errors import MwsError
from gateway.mws.params import list_values
from gateway.mws.timestamps import parse_iso8601

MAX_IDS = 100


@dataclass(frozen=True)
class RequestReportParams:
    report_type: str
    start: datetime | None
    end: datetime | None
    options: dict[str, str]
    marketplaces: tuple[str, ...]


@dataclass(frozen=True)
class RequestFilter:
    """GetReportRequestList / GetReportRequestCount / CancelReportRequests."""

    request_ids: tuple[str, ...]
    report_types: tuple[str, ...]
    statuses: tuple[str, ...]
    max_count: int
    requested_from: datetime | None
    requested_to: datetime | None


@dataclass(frozen=True)
class ReportFilter:
    """GetReportList / GetReportCount."""

    request_ids: tuple[str, ...]
    report_types: tuple[str, ...]
    acknowledged: bool | None
    max_count: int
    available_from: datetime | None
    available_to: datetime | None


@dataclass(frozen=True)
class ScheduleParams:
    report_type: str
    schedule: str
    schedule_date: datetime | None


@dataclass(frozen=True)
class AcknowledgeParams:
    report_ids: tuple[str, ...]
    acknowledged: bool


def required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "").strip()
    if not value:
        raise MwsError("MissingParameter", f"The parameter {name} is required but was not given.")
    return value


def optional_date(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_iso8601(raw)
    except ValueError:
        raise MwsError(
            "InvalidParameterValue", f"{raw[:60]} is not a valid ISO 8601 date for {name}."
        ) from None


def optional_bool(params: Mapping[str, str], name: str) -> bool | None:
    raw = params.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in ("true", "false"):
        return raw == "true"
    raise MwsError("InvalidParameterValue", f"{name} must be true or false.")


def max_count(params: Mapping[str, str]) -> int:
    raw = params.get("MaxCount", "").strip()
    if not raw:
        return 10
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise MwsError(
            "InvalidParameterValue",
            f"MaxCount {raw[:20]} is not valid: it must be a whole number from 1 to 100.",
        )
    return int(raw)


def id_list(params: Mapping[str, str], prefix: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in list_values(params, prefix) if v.strip())
    if len(values) > MAX_IDS:
        raise MwsError("InvalidParameterValue", f"{prefix} accepts at most {MAX_IDS} values.")
    return values


def parse_report_options(raw: str) -> dict[str, str]:
    """``ShowSalesChannel=true;custom=true`` (URL-encoded or not) -> an SP-API reportOptions map.

    MWS documented ``key=value`` pairs separated by ``;``; clients also sent ``&`` and one
    URL-encoding too many. A bare word (``PendingInvoices``) is kept as ``{word: "true"}``.
    """
    text = raw.strip()
    if "%" in text:
        text = unquote(text)
    options: dict[str, str] = {}
    for part in text.replace("&", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not key:
            raise MwsError("InvalidParameterValue", f"ReportOptions {raw[:80]!r} is malformed.")
        options[key] = value.strip() if sep else "true"
    return options


def format_report_options(options: Mapping[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in options.items())


def _date_order(start: datetime | None, end: datetime | None, what: str) -> None:
    if start is not None and end is not None and start > end:
        raise MwsError("InvalidParameterValue", f"{what}: the start date is after the end date.")


def request_report(params: Mapping[str, str], *, now: datetime) -> RequestReportParams:
    report_type = required(params, "ReportType")
    start = optional_date(params, "StartDate")
    end = optional_date(params, "EndDate")
    _date_order(start, end, "StartDate/EndDate")
    if start is not None and start > now:
        raise MwsError("InvalidParameterValue", "StartDate must not be in the future.")
    marketplaces = id_list(params, "MarketplaceIdList.Id")
    if not marketplaces and params.get("Marketplace"):
        marketplaces = (params["Marketplace"].strip(),)
    options = parse_report_options(params.get("ReportOptions", ""))
    return RequestReportParams(report_type, start, end, options, marketplaces)


def request_filter(params: Mapping[str, str]) -> RequestFilter:
    start = optional_date(params, "RequestedFromDate")
    end = optional_date(params, "RequestedToDate")
    _date_order(start, end, "RequestedFromDate/RequestedToDate")
    return RequestFilter(
        request_ids=id_list(params, "ReportRequestIdList.Id"),
        report_types=tuple(list_values(params, "ReportTypeList.Type")),
        statuses=tuple(list_values(params, "ReportProcessingStatusList.Status")),
        max_count=max_count(params),
        requested_from=start,
        requested_to=end,
    )


def report_filter(params: Mapping[str, str]) -> ReportFilter:
    start = optional_date(params, "AvailableFromDate")
    end = optional_date(params, "AvailableToDate")
    _date_order(start, end, "AvailableFromDate/AvailableToDate")
    return ReportFilter(
        request_ids=id_list(params, "ReportRequestIdList.Id"),
        report_types=tuple(list_values(params, "ReportTypeList.Type")),
        acknowledged=optional_bool(params, "Acknowledged"),
        max_count=max_count(params),
        available_from=start,
        available_to=end,
    )


def schedule_params(params: Mapping[str, str]) -> ScheduleParams:
    return ScheduleParams(
        report_type=required(params, "ReportType"),
        schedule=required(params, "Schedule"),
        schedule_date=optional_date(params, "ScheduleDate"),
    )


def acknowledge_params(params: Mapping[str, str]) -> AcknowledgeParams:
    ids = id_list(params, "ReportIdList.Id")
    if not ids:
        raise MwsError("MissingParameter", "The parameter ReportIdList.Id.1 is required.")
    flag = optional_bool(params, "Acknowledged")
    return AcknowledgeParams(report_ids=ids, acknowledged=True if flag is None else flag)
