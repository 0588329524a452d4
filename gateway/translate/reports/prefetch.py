"""Reports the client is about to fetch, downloaded ahead into the disk cache.

A legacy client that sees a report ``_DONE_`` in GetReportList or GetReportRequestList asks
for it with GetReport next. So when a listing shows a done report that is not cached yet,
the gateway starts its download in the background: getReportDocument, the presigned
download, spooled and hashed into the report cache. The GetReport that follows streams from
the cache at once, its Content-MD5 ready; one that arrives while the prefetch still runs waits
for it instead of downloading a second time.

SP-API calls stay the scarce resource: a prefetch starts only while getReportDocument's bucket
holds more than one token (the client's own GetReport is never starved), at most
``MAX_PER_LISTING`` per listing and ``MAX_RUNNING`` at once per process. A failed prefetch
costs nothing but its calls: GetReport then downloads as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway import audit
from gateway.translate.engine.call import Call, Services, background_call
from gateway.translate.reports.download import ReportCache
from gateway.translate.reports.tables import ReportsTables
from gateway.translate.reports.upstream import ReportsApi

MAX_PER_LISTING = 3
MAX_RUNNING = 2
OPERATION = "reports.getReportDocument"
PREFIX = "report-prefetch:"


def job_name(key: str) -> str:
    return PREFIX + key


def _spare_tokens(services: Services, seller_id: str) -> bool:
    pacer = getattr(services.spapi, "pacer", None)
    return pacer is None or pacer.available(seller_id, OPERATION) >= 2


@dataclass(frozen=True)
class Prefetch:
    """One report's download ahead: what it needs, and the job itself."""

    services: Services
    marketplaces: tuple[str, ...]
    seller: str
    cache: ReportCache
    key: str
    report_id: str
    document_id: str
    rdt: bool
    content_type: str

    async def run(self) -> None:
        call = background_call(
            self.services, "Reports", "GetReport", self.seller, self.marketplaces
        )
        outcome, error = "ok", None
        try:
            api = ReportsApi(call)
            document = await api.get_report_document(self.document_id, rdt=self.rdt)
            spooled = await api.fetch_document(
                str(document["url"]),
                self.cache.directory,
                self.content_type,
                gzip_declared=document.get("compressionAlgorithm") == "GZIP",
            )
            _, handle = self.cache.store(self.key, spooled)
            handle.close()
        except Exception as exc:  # the client's own GetReport will try again
            outcome, error = "error", str(getattr(exc, "code", type(exc).__name__))
        event: dict[str, Any] = {
            "request_id": call.request_id,
            "section": "Reports",
            "action": "GetReport",
            "route": "background",
            "prefetch": True,
            "seller_id": self.seller,
            "report_id": self.report_id,
            "outcome": outcome,
            "error_code": error,
        }
        if call.audit.upstream:
            event["upstream"] = audit.upstream_entries(call.audit.upstream)
        audit.emit(event, "background_work")


def start(
    call: Call, cache: ReportCache, tables: ReportsTables, reports: Sequence[dict[str, Any]]
) -> int:
    """Start prefetches for the done, uncached reports among ``reports``; how many started."""
    services = call.services
    if not services.settings.report_prefetch:
        return 0
    seller = call.identity.seller_id
    started = 0
    for report in reports:
        running = sum(1 for n in services.background.names if n.startswith(PREFIX))
        if started >= MAX_PER_LISTING or running >= MAX_RUNNING:
            break
        document_id = report.get("reportDocumentId")
        report_id = str(report.get("reportId", ""))
        if not document_id or tables.statuses.mws_status(report) != "_DONE_":
            continue
        key = cache.key(seller, report_id)
        if cache.contains(key) or not _spare_tokens(services, seller):
            continue
        info = tables.types.for_spapi(str(report.get("reportType", "")))
        job = Prefetch(
            services,
            tuple(call.identity.marketplaces),
            seller,
            cache,
            key,
            report_id,
            str(document_id),
            info.rdt,
            info.content_type,
        )
        if services.background.spawn(job_name(key), job.run):
            started += 1
    if started:
        call.audit.notes["report_prefetches"] = started
    return started
