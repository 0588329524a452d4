"""The feed tables: which FeedTypes exist, how each is handled, and how it is uploaded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.catalog import Catalog
from gateway.feeds.flatfile import charset_of
from gateway.mws.errors import MwsError


def feed_tables(catalog: Catalog) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The feed type, status and translation tables (``mappings/feeds/``)."""
    return (
        catalog.table("feeds/types"),
        catalog.table("feeds/statuses"),
        catalog.table("feeds/translation"),
    )


def classify(feed_type: str, types: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
    """(mode, SP-API feed type, table row) for an MWS FeedType; InvalidFeedType if unknown."""
    for mode in ("translated", "retired", "passthrough"):
        row = (types.get(mode) or {}).get(feed_type)
        if row is not None:
            spapi = None if mode == "retired" else feed_type.strip("_")
            if mode == "translated":
                spapi = "JSON_LISTINGS_FEED"
            return mode, str(row.get("spapi", spapi)) if spapi else None, dict(row)
    if feed_type in (types.get("native") or []):
        return "native", feed_type, {"format": "json" if "JSON" in feed_type else "xml"}
    raise MwsError("InvalidFeedType", f"The FeedType {feed_type[:100]} is not valid.")


def upload_content_type(client_type: str, fmt: str) -> str:
    lowered = client_type.lower()
    if fmt == "xml":
        return client_type if lowered.startswith("text/xml") else "text/xml; charset=UTF-8"
    if fmt == "flat":
        if lowered.startswith("text/tab-separated-values"):
            return client_type
        return f"text/tab-separated-values; charset={charset_of(client_type)}"
    if fmt == "json":
        return "application/json; charset=UTF-8"
    return client_type if "/" in client_type else "application/octet-stream"
