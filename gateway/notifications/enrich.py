"""The MWS values a notification does not carry, worked out from the gateway's own tables.

* FeedProcessingFinished: the FeedType the client submitted (``_POST_PRODUCT_PRICING_DATA_``
  translated to JSON_LISTINGS_FEED still notifies ``_POST_PRODUCT_PRICING_DATA_``) and its
  FeedSubmissionId, from the Feeds section's submission record (kinds named in
  ``notifications/types`` ``enrichment.feed``); a feed the gateway did not submit is named by
  its SP-API feedId with the MWS spelling of its type. A feed that is a later part of a
  submission the gateway split is *absorbed* (:class:`Absorbed`): its submission is notified
  by its first part, as one FeedSubmissionId.
* ReportProcessingFinished: the MWS ReportType (``reports/types``) and status
  (``reports/statuses``; DONE without a document is ``_DONE_NO_DATA_``).
* FeedProcessingStatus through ``feeds/statuses``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.notifications.render import NotificationTables, Routed
from gateway.state.base import Store


class Absorbed(Exception):
    """The notification is part of another one already notified (nothing to deliver)."""


def mws_spelling(spapi_type: str) -> str:
    return f"_{spapi_type}_"


def _reverse_types(rows: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for mws_name, row in rows.items():
        sp = row.get("spapi") if isinstance(row, Mapping) else None
        sp = str(sp) if sp else mws_name.strip("_")
        out.setdefault(sp, mws_name)
    return out


def feed_type_of(catalog: Any, spapi_type: str) -> str:
    """The MWS FeedType of an SP-API feedType: the passthrough row naming it, the type itself
    when SP-API's spelling is accepted as sent (``native``), else ``_TYPE_``."""
    table = catalog.table("feeds/types") or {}
    passthrough = table.get("passthrough") or {}
    if isinstance(passthrough, Mapping):
        found = _reverse_types(passthrough).get(spapi_type)
        if found:
            return found
    if spapi_type in [str(t) for t in table.get("native") or ()]:
        return spapi_type
    return mws_spelling(spapi_type)


def report_type_of(catalog: Any, spapi_type: str) -> str:
    rows = (catalog.table("reports/types") or {}).get("types") or {}
    forward = {
        str(row["spapi"]): name
        for name, row in rows.items()
        if isinstance(row, Mapping) and row.get("spapi")
    }
    return forward.get(spapi_type) or mws_spelling(spapi_type)


async def enrich(
    routed: Routed, tables: NotificationTables, catalog: Any, store: Store
) -> dict[str, Any]:
    kind = routed.row.get("enrich")
    if kind == "feed":
        return await _feed(routed, tables, catalog, store)
    if kind == "report":
        return _report(routed, catalog)
    return {}


async def _feed(
    routed: Routed, tables: NotificationTables, catalog: Any, store: Store
) -> dict[str, Any]:
    source = routed.source
    feed_id = str(source.get("feedId") or "")
    spapi_type = str(source.get("feedType") or "")
    config = tables.enrichment.get("feed") or {}
    submission_kind = str(config.get("submissions", "feeds.submission"))
    parts_kind = str(config.get("parts", "feeds.created"))
    mws_type = feed_type_of(catalog, spapi_type) if spapi_type else ""
    record = await store.get(submission_kind, routed.seller_id, feed_id) if feed_id else None
    if record is not None:
        mws_type = str(record.data.get("mws_type") or mws_type)
    elif feed_id and await store.get(parts_kind, routed.seller_id, feed_id) is not None:
        raise Absorbed(f"feed {feed_id} is a later part of a split submission")
    statuses = (catalog.table("feeds/statuses") or {}).get("to_mws") or {}
    status = str(source.get("processingStatus") or "")
    return {
        "mwsFeedSubmissionId": feed_id,
        "mwsFeedType": mws_type,
        "mwsFeedProcessingStatus": str(statuses.get(status, "_DONE_")),
    }


def _report(routed: Routed, catalog: Any) -> dict[str, Any]:
    source = routed.source
    statuses = catalog.table("reports/statuses") or {}
    status = str(source.get("processingStatus") or "")
    mws_status = str((statuses.get("spapi_to_mws") or {}).get(status, "_DONE_"))
    if status == "DONE" and not source.get("reportDocumentId"):
        mws_status = str(statuses.get("no_data", "_DONE_NO_DATA_"))
    spapi_type = str(source.get("reportType") or "")
    return {
        "mwsReportType": report_type_of(catalog, spapi_type) if spapi_type else "",
        "mwsReportProcessingStatus": mws_status,
    }
