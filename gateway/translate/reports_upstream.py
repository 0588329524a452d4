"""The SP-API Reports 2021-06-30 operations the Reports handlers use (``call.services.spapi``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from gateway.mws.errors import MwsError
from gateway.spapi.errors import UpstreamClientError, UpstreamNotFound
from gateway.translate.base import Call

BASE = "/reports/2021-06-30"


def _object(data: Any, operation: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MwsError("InternalError", f"SP-API {operation} answered with an unexpected body.")
    return data


class ReportsApi:
    """One MWS call's view of the SP-API Reports API (seller and audit trail bound)."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self.client = call.services.spapi
        self.seller_id = call.identity.seller_id
        self.marketplace = call.identity.marketplaces[0] if call.identity.marketplaces else None

    async def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        restricted: list[str] | None = None,
        idempotent: bool | None = None,
        not_found: str | None = None,
    ) -> Any:
        response = await self.client.call(
            seller_id=self.seller_id,
            marketplace_id=self.marketplace,
            section="Reports",
            operation=f"reports.{operation}",
            method=method,
            path=path,
            query=query,
            json=json,
            restricted=restricted,
            idempotent=idempotent,
            audit=self.call.audit,
            not_found=not_found,
        )
        return response.data

    async def create_report(self, spec: Mapping[str, Any]) -> str:
        data = _object(
            await self._call("createReport", "POST", f"{BASE}/reports", json=dict(spec)),
            "createReport",
        )
        return str(data["reportId"])

    async def get_reports(self, query: Mapping[str, str]) -> dict[str, Any]:
        data = _object(
            await self._call("getReports", "GET", f"{BASE}/reports", query=query), "getReports"
        )
        if not isinstance(data.get("reports"), list):
            raise MwsError("InternalError", "SP-API getReports answered without reports.")
        return data

    async def get_report(self, report_id: str) -> dict[str, Any] | None:
        """The report, or ``None`` when SP-API does not know it (404, or 400 for a bad id)."""
        try:
            data = await self._call(
                "getReport", "GET", f"{BASE}/reports/{quote(report_id, safe='')}"
            )
        except (UpstreamNotFound, UpstreamClientError):
            return None
        return _object(data, "getReport")

    async def cancel_report(self, report_id: str) -> bool:
        """Cancel an IN_QUEUE report; ``False`` when SP-API refuses (already started)."""
        try:
            await self._call(
                "cancelReport",
                "DELETE",
                f"{BASE}/reports/{quote(report_id, safe='')}",
                idempotent=True,
            )
        except (UpstreamNotFound, UpstreamClientError):
            return False
        return True

    async def create_schedule(self, spec: Mapping[str, Any]) -> str:
        data = _object(
            await self._call("createReportSchedule", "POST", f"{BASE}/schedules", json=dict(spec)),
            "createReportSchedule",
        )
        return str(data["reportScheduleId"])

    async def get_schedules(self, report_types: list[str]) -> list[dict[str, Any]]:
        data = _object(
            await self._call(
                "getReportSchedules",
                "GET",
                f"{BASE}/schedules",
                query={"reportTypes": ",".join(report_types)},
            ),
            "getReportSchedules",
        )
        schedules = data.get("reportSchedules")
        return [s for s in schedules if isinstance(s, dict)] if isinstance(schedules, list) else []

    async def cancel_schedule(self, schedule_id: str) -> None:
        await self._call(
            "cancelReportSchedule",
            "DELETE",
            f"{BASE}/schedules/{quote(schedule_id, safe='')}",
            idempotent=True,
        )

    async def get_report_document(self, document_id: str, *, rdt: bool) -> dict[str, Any]:
        data = await self._call(
            "getReportDocument",
            "GET",
            f"{BASE}/documents/{quote(document_id, safe='')}",
            restricted=[] if rdt else None,
            not_found="ReportNoLongerAvailable",
        )
        return _object(data, "getReportDocument")

    @asynccontextmanager
    async def download(self, url: str) -> AsyncIterator[tuple[str, AsyncIterator[bytes]]]:
        """GET a presigned document URL: (Content-Type, raw bytes with no decoding applied).

        No SP-API credentials are sent (the URL is presigned) and the body is read with
        ``aiter_raw`` so a ``Content-Encoding: gzip`` answer is not decompressed behind our back.
        """
        http = self.client.http
        try:
            async with http.stream("GET", url, headers={"accept-encoding": "identity"}) as resp:
                if resp.status_code != 200:
                    await resp.aread()
                    raise MwsError(
                        "ReportNoLongerAvailable"
                        if resp.status_code in (403, 404)
                        else "ServiceUnavailable",
                        None,
                    )
                yield resp.headers.get("content-type", ""), resp.aiter_raw(1024 * 1024)
        except MwsError:
            raise
        except Exception as exc:  # httpx transport errors: no URL (presigned) in the message
            raise MwsError(
                "ServiceUnavailable", f"The report document download failed ({type(exc).__name__})."
            ) from None
