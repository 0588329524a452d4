"""The Reports mapping tables (``mappings/reports/*.yaml``) as typed lookups.

Pure data: report types (MWS ``_GET_X_`` <-> SP-API ``GET_X``), processing statuses and schedule
periods. Built once per catalog and cached on the table object's identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.mws.errors import MwsError


@dataclass(frozen=True)
class ReportType:
    mws: str
    spapi: str
    format: str  # flat | csv | xml | pdf | json
    rdt: bool = False
    home_marketplace: bool = False
    requestable: bool = True
    schedulable: bool = True

    @property
    def content_type(self) -> str:
        """The Content-Type family GetReport answers with (charset added at download time)."""
        if self.format == "xml":
            return "text/xml"
        if self.format == "pdf":
            return "application/pdf"
        return "text/plain"


def mws_spelling(spapi_type: str) -> str:
    return f"_{spapi_type}_"


class ReportTypes:
    """Both directions of the report type table."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self._by_mws: dict[str, ReportType] = {}
        self._by_spapi: dict[str, ReportType] = {}
        self._missing: dict[str, tuple[str | None, str | None]] = {}
        for mws, row in (table.get("types") or {}).items():
            row = row or {}
            spapi = row.get("spapi")
            if not spapi:
                self._missing[mws] = (row.get("replacement"), row.get("note"))
                continue
            info = _row(mws, str(spapi), row)
            self._by_mws[mws] = info
            self._by_spapi.setdefault(info.spapi, info)
        for spapi, row in (table.get("spapi_only") or {}).items():
            if spapi in self._by_spapi:
                continue
            info = _row(mws_spelling(spapi), spapi, row or {})
            self._by_mws.setdefault(info.mws, info)
            self._by_spapi[spapi] = info
        self.default_list_types: tuple[str, ...] = tuple(table.get("default_list_types") or ())

    def lookup(self, mws_type: str) -> ReportType | None:
        """The entry for an MWS type, or ``None`` when unknown or without an SP-API equivalent.

        Any known SP-API type is also accepted in the MWS spelling ``_NAME_``."""
        info = self._by_mws.get(mws_type)
        if info is None and len(mws_type) > 2 and mws_type[0] == mws_type[-1] == "_":
            info = self._by_spapi.get(mws_type[1:-1])
        return info

    def resolve(self, mws_type: str) -> ReportType:
        """The entry for an MWS ReportType, or ``InvalidReportType`` saying what to use instead."""
        info = self.lookup(mws_type)
        if info is not None:
            return info
        if mws_type in self._missing:
            replacement, note = self._missing[mws_type]
            message = f"Report type {mws_type} has no equivalent in the Selling Partner API"
            if note:
                message += f" ({note})"
            if replacement:
                message += f"; request {replacement} instead"
            raise MwsError("InvalidReportType", message + ".")
        raise MwsError("InvalidReportType", f"Report type {mws_type[:120]} is not valid.")

    def for_spapi(self, spapi_type: str) -> ReportType:
        """The entry for an SP-API type; unknown types are treated as flat files."""
        info = self._by_spapi.get(spapi_type)
        if info is None:
            return ReportType(mws=mws_spelling(spapi_type), spapi=spapi_type, format="flat")
        return info

    def to_mws(self, spapi_type: str) -> str:
        return self.for_spapi(spapi_type).mws

    def filter_types(self, mws_types: Iterable[str]) -> tuple[str, ...]:
        """SP-API types for an MWS ``ReportTypeList``; types with no equivalent match nothing."""
        out: list[str] = []
        for mws in mws_types:
            info = self.lookup(mws)
            if info is None and mws not in self._missing:
                raise MwsError("InvalidReportType", f"Report type {mws[:120]} is not valid.")
            if info is not None and info.spapi not in out:
                out.append(info.spapi)
        return tuple(out)


def _row(mws: str, spapi: str, row: Mapping[str, Any]) -> ReportType:
    return ReportType(
        mws=mws,
        spapi=spapi,
        format=str(row.get("format", "flat")),
        rdt=bool(row.get("rdt", False)),
        home_marketplace=bool(row.get("home_marketplace", False)),
        requestable=bool(row.get("requestable", True)),
        schedulable=bool(row.get("schedulable", row.get("requestable", True))),
    )


MWS_STATUSES = ("_SUBMITTED_", "_IN_PROGRESS_", "_CANCELLED_", "_DONE_", "_DONE_NO_DATA_")


class Statuses:
    def __init__(self, table: Mapping[str, Any]) -> None:
        self._to_mws: dict[str, str] = dict(table.get("spapi_to_mws") or {})
        self._no_data = str(table.get("no_data", "_DONE_NO_DATA_"))
        self._to_spapi: dict[str, list[str]] = {
            k: list(v) for k, v in (table.get("mws_to_spapi") or {}).items()
        }

    def mws_status(self, report: Mapping[str, Any]) -> str:
        """The MWS status of an SP-API ``Report`` (see ``mappings/reports/statuses.yaml``)."""
        status = str(report.get("processingStatus", ""))
        if status == "DONE" and not report.get("reportDocumentId"):
            return self._no_data
        if status == "CANCELLED" and report.get("processingStartTime"):
            return self._no_data
        return self._to_mws.get(status, "_SUBMITTED_")

    def spapi_statuses(self, mws_statuses: Iterable[str]) -> tuple[str, ...]:
        out: list[str] = []
        for mws in mws_statuses:
            if mws not in self._to_spapi:
                raise MwsError(
                    "InvalidParameterValue",
                    f"Invalid ReportProcessingStatus {mws[:60]}; valid values are "
                    + ", ".join(MWS_STATUSES)
                    + ".",
                )
            for s in self._to_spapi[mws]:
                if s not in out:
                    out.append(s)
        return tuple(out)


class Schedules:
    def __init__(self, table: Mapping[str, Any]) -> None:
        self._to_spapi: dict[str, str] = dict(table.get("mws_to_spapi") or {})
        self.never = str(table.get("never", "_NEVER_"))
        self._to_mws: dict[str, str] = {v: k for k, v in self._to_spapi.items()}
        self._to_mws.update(table.get("spapi_only") or {})

    def period(self, schedule: str) -> str | None:
        """SP-API period for an MWS Schedule; ``None`` for ``_NEVER_`` (delete)."""
        if schedule == self.never:
            return None
        try:
            return self._to_spapi[schedule]
        except KeyError:
            raise MwsError(
                "InvalidScheduleFrequency",
                f"The Schedule {schedule[:60]} is not valid; valid values are "
                + ", ".join([*self._to_spapi, self.never])
                + ".",
            ) from None

    def schedule(self, period: str) -> str:
        return self._to_mws.get(period, "_30_DAYS_")


@dataclass(frozen=True)
class ReportsTables:
    types: ReportTypes
    statuses: Statuses
    schedules: Schedules


_CACHE: dict[int, tuple[Any, ReportsTables]] = {}


def tables_from(
    types: Mapping[str, Any], statuses: Mapping[str, Any], schedules: Any
) -> ReportsTables:
    key = id(types)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is types:
        return hit[1]
    built = ReportsTables(ReportTypes(types), Statuses(statuses), Schedules(schedules))
    _CACHE[key] = (types, built)
    return built
