"""MWS Feeds request parameters parsed into plain values (pure functions, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from gateway.mws.errors import MwsError
from gateway.mws.params import list_values
from gateway.mws.timestamps import parse_iso8601

MAX_IDS = 100


@dataclass(frozen=True)
class ListFilter:
    """GetFeedSubmissionList / GetFeedSubmissionCount / CancelFeedSubmissions."""

    ids: tuple[str, ...]
    feed_types: tuple[str, ...]
    statuses: tuple[str, ...]
    max_count: int
    submitted_from: datetime | None
    submitted_to: datetime | None


def _options(raw: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (raw or "").split(";"):
        key, sep, value = part.partition("=")
        key = key.strip()
        if key.startswith("metadata:"):
            key = key[len("metadata:") :]
        if sep and key:
            out[key] = value.strip()
    return out


def submit_params(
    params: Mapping[str, str], default_marketplaces: tuple[str, ...], known: Mapping[str, object]
) -> tuple[str, tuple[str, ...], bool, dict[str, str]]:
    feed_type = (params.get("FeedType") or "").strip()
    if not feed_type:
        raise MwsError("MissingParameter", "The request must contain the parameter FeedType.")
    marketplaces = tuple(list_values(params, "MarketplaceIdList.Id"))
    if not marketplaces and params.get("Marketplace"):
        marketplaces = (params["Marketplace"],)
    for marketplace in marketplaces:
        if marketplace not in known:
            raise MwsError("InvalidParameterValue", f"Invalid MarketplaceId: {marketplace[:32]}")
    purge = (params.get("PurgeAndReplace") or "false").strip().lower()
    if purge not in ("true", "false"):
        raise MwsError("InvalidParameterValue", "PurgeAndReplace must be true or false.")
    options = _options(params.get("FeedOptions"))
    for name in ("AmazonOrderId", "DocumentType"):
        if params.get(name):
            options[name] = params[name]
    return feed_type, marketplaces or default_marketplaces[:1], purge == "true", options


def _date(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return parse_iso8601(raw)
    except ValueError:
        raise MwsError("InvalidParameterValue", f"{name} {raw[:40]!r} is not ISO 8601.") from None


def list_filter(params: Mapping[str, str], statuses: Mapping[str, object]) -> ListFilter:
    ids = tuple(list_values(params, "FeedSubmissionIdList.Id"))
    if len(ids) > MAX_IDS:
        raise MwsError("InvalidParameterValue", "FeedSubmissionIdList accepts at most 100 ids.")
    for feed_id in ids:
        if not feed_id.isdigit():
            raise MwsError("InvalidFeedSubmissionId", f"Invalid FeedSubmissionId: {feed_id[:32]}")
    wanted = tuple(list_values(params, "FeedProcessingStatusList.Status"))
    for status in wanted:
        if status not in statuses:
            raise MwsError("InvalidParameterValue", f"Invalid FeedProcessingStatus: {status[:40]}")
    raw_max = params.get("MaxCount", "10").strip()
    if not raw_max.isdigit() or not 1 <= int(raw_max) <= 100:
        raise MwsError("InvalidParameterValue", "MaxCount must be between 1 and 100.")
    start, end = _date(params, "SubmittedFromDate"), _date(params, "SubmittedToDate")
    if start and end and start > end:
        raise MwsError("InvalidParameterValue", "SubmittedFromDate is after SubmittedToDate.")
    return ListFilter(
        ids=ids,
        feed_types=tuple(list_values(params, "FeedTypeList.Type")),
        statuses=wanted,
        max_count=int(raw_max),
        submitted_from=start,
        submitted_to=end,
    )
