"""The SP-API Reports 2021-06-30 operations the Reports handlers use (``call.services.spapi``)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from gateway.audit import UpstreamCall
from gateway.mws.errors import MwsError
from gateway.spapi.errors import UpstreamClientError, UpstreamNotFound
from gateway.translate.engine.upstream import SectionApi, json_object
from gateway.translate.reports.download import (
    CHUNK,
    SpooledReport,
    content_type_for,
    spool,
    spool_sync,
)

BASE = "/reports/2021-06-30"
FINAL_STATUSES = frozenset({"DONE", "CANCELLED", "FATAL"})
FINAL_SECONDS = 3600.0  # a finished report no longer changes

_sync_lock = threading.Lock()
_sync_client: httpx.Client | None = None


def _download_client(timeout: httpx.Timeout) -> httpx.Client:
    """A shared blocking client for document downloads in worker threads."""
    global _sync_client
    with _sync_lock:
        if _sync_client is None:
            _sync_client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
        return _sync_client


def _status_error(status: int) -> MwsError:
    return MwsError(
        "ReportNoLongerAvailable" if status in (403, 404) else "ServiceUnavailable", None
    )


def _transport_error(exc: Exception) -> MwsError:
    # never the URL: it is presigned
    return MwsError(
        "ServiceUnavailable", f"The report document download failed ({type(exc).__name__})."
    )


def download_in_thread(
    url: str, directory: Path, family: str, timeout: httpx.Timeout
) -> SpooledReport:
    """GET a presigned URL with a blocking client and spool it (runs in a worker thread).

    The blocking client moves a large document about twice as fast as the asyncio one on this
    kind of host and keeps the event loop free while it does."""
    try:
        client = _download_client(timeout)
        with client.stream("GET", url, headers={"accept-encoding": "identity"}) as resp:
            if resp.status_code != 200:
                resp.read()
                raise _status_error(resp.status_code)
            content_type = content_type_for(family, resp.headers.get("content-type", ""))
            return spool_sync(resp.iter_raw(CHUNK), directory, content_type=content_type)
    except MwsError:
        raise
    except Exception as exc:
        raise _transport_error(exc) from None


class ReportsApi(SectionApi):
    """One MWS call's view of the SP-API Reports API (seller and audit trail bound)."""

    section = "Reports"
    api = "reports"

    async def create_report(self, spec: Mapping[str, Any]) -> str:
        data = json_object(
            await self._call("createReport", "POST", f"{BASE}/reports", json=dict(spec)),
            "createReport",
        )
        return str(data["reportId"])

    async def get_reports(self, query: Mapping[str, str]) -> dict[str, Any]:
        data = json_object(
            await self._call("getReports", "GET", f"{BASE}/reports", query=query), "getReports"
        )
        if not isinstance(data.get("reports"), list):
            raise MwsError("InternalError", "SP-API getReports answered without reports.")
        return data

    async def get_report(self, report_id: str) -> dict[str, Any] | None:
        """The report, or ``None`` when SP-API does not know it (404, or 400 for a bad id).

        Status polls repeat: a report still in progress is answered from the last getReport
        for ``status_poll_seconds``, a finished one (it no longer changes) for an hour."""
        kept = await self.remembered("report", report_id)
        if kept is not None:
            return kept
        try:
            data = await self._call(
                "getReport", "GET", f"{BASE}/reports/{quote(report_id, safe='')}"
            )
        except (UpstreamNotFound, UpstreamClientError):
            return None
        report = json_object(data, "getReport")
        final = str(report.get("processingStatus")) in FINAL_STATUSES
        poll = self.call.services.settings.status_poll_seconds
        await self.remember("report", report_id, report, FINAL_SECONDS if final else poll)
        return report

    async def cancel_report(self, report_id: str) -> bool:
        """Cancel an IN_QUEUE report; ``False`` when SP-API refuses (already started)."""
        await self.forget("report", report_id)
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
        data = json_object(
            await self._call("createReportSchedule", "POST", f"{BASE}/schedules", json=dict(spec)),
            "createReportSchedule",
        )
        return str(data["reportScheduleId"])

    async def get_schedules(self, report_types: list[str]) -> list[dict[str, Any]]:
        data = json_object(
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
        return json_object(data, "getReportDocument")

    async def fetch_document(
        self, url: str, directory: Path, family: str, *, gzip_declared: bool
    ) -> SpooledReport:
        """Download a presigned document URL to a spool file (see ``reports_download``).

        No SP-API credentials are sent (the URL is presigned) and raw bytes are read, so a
        ``Content-Encoding: gzip`` answer is not decompressed behind our back. Over the network
        the transfer runs in a worker thread; in-process transports (the embedded emulator) are
        read on the event loop. The download is recorded in the audit trail (no URL)."""
        started = time.perf_counter()
        error: str | None = None
        try:
            return await self._fetch(url, directory, family, gzip_declared=gzip_declared)
        except MwsError as exc:
            error = exc.code
            raise
        finally:
            self.call.audit.upstream.append(
                UpstreamCall(
                    operation="document.download",
                    status=None if error else 200,
                    attempts=1,
                    latency_ms=(time.perf_counter() - started) * 1000,
                    error=error,
                )
            )

    async def _fetch(
        self, url: str, directory: Path, family: str, *, gzip_declared: bool
    ) -> SpooledReport:
        http = self.client.http
        if isinstance(getattr(http, "_transport", None), httpx.AsyncHTTPTransport):
            timeout = http.timeout
            return await asyncio.to_thread(download_in_thread, url, directory, family, timeout)
        async with self._download(url) as (download_type, chunks):
            return await spool(
                chunks,
                directory,
                gzip_declared=gzip_declared,
                content_type=content_type_for(family, download_type),
            )

    @asynccontextmanager
    async def _download(self, url: str) -> AsyncIterator[tuple[str, AsyncIterator[bytes]]]:
        http = self.client.http
        try:
            async with http.stream("GET", url, headers={"accept-encoding": "identity"}) as resp:
                if resp.status_code != 200:
                    await resp.aread()
                    raise _status_error(resp.status_code)
                yield resp.headers.get("content-type", ""), resp.aiter_raw(CHUNK)
        except MwsError:
            raise
        except Exception as exc:  # httpx transport errors, truncated gzip
            raise _transport_error(exc) from None
