"""The SP-API Feeds 2021-06-30 operations the Feeds handlers use (``call.services.spapi``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from gateway.mws.errors import MwsError
from gateway.spapi import documents
from gateway.spapi.errors import UpstreamClientError, UpstreamNotFound
from gateway.translate.engine.upstream import SectionApi, json_object

BASE = "/feeds/2021-06-30"
SECTION = "Feeds"
MAX_RESULT_BYTES = 64 * 1024 * 1024


class FeedsApi(SectionApi):
    """One MWS call's view of the SP-API Feeds API (seller, marketplace and audit bound)."""

    section = SECTION
    api = "feeds"

    async def create_document(self, content_type: str) -> tuple[str, str]:
        """createFeedDocument: (feedDocumentId, presigned upload URL)."""
        data = json_object(
            await self._call(
                "createFeedDocument",
                "POST",
                f"{BASE}/documents",
                json={"contentType": content_type},
            ),
            "createFeedDocument",
        )
        return str(data["feedDocumentId"]), str(data["url"])

    async def upload(self, url: str, body: Any, content_type: str) -> None:
        await documents.upload(
            self.client,
            url,
            body,
            content_type=content_type,
            audit=self.call.audit,
            section=SECTION,
        )

    async def create_feed(self, spec: Mapping[str, Any]) -> str:
        """createFeed, sent once: never retried when it may have reached SP-API."""
        data = json_object(
            await self._call(
                "createFeed", "POST", f"{BASE}/feeds", json=dict(spec), idempotent=False
            ),
            "createFeed",
        )
        return str(data["feedId"])

    async def list_feeds(
        self, feed_type: str, marketplaces: list[str], created_since: str
    ) -> list[dict[str, Any]]:
        """getFeeds: one page (100) of the seller's feeds of one type, newest first."""
        data = json_object(
            await self._call(
                "getFeeds",
                "GET",
                f"{BASE}/feeds",
                query={
                    "feedTypes": feed_type,
                    "marketplaceIds": ",".join(marketplaces),
                    "createdSince": created_since,
                    "pageSize": 100,
                },
            ),
            "getFeeds",
        )
        return [f for f in data.get("feeds") or [] if isinstance(f, dict)]

    async def get_feed(self, feed_id: str) -> dict[str, Any] | None:
        """The feed, or ``None`` when SP-API does not know it.

        A feed still in progress is answered from the last getFeed for
        ``status_poll_seconds`` (repeated status polls), a finished one for an hour."""
        kept = await self.remembered("feed", feed_id)
        if kept is not None:
            return kept
        try:
            data = await self._call("getFeed", "GET", f"{BASE}/feeds/{quote(feed_id, safe='')}")
        except (UpstreamNotFound, UpstreamClientError):
            return None
        feed = json_object(data, "getFeed")
        final = str(feed.get("processingStatus")) in ("DONE", "CANCELLED", "FATAL")
        poll = self.call.services.settings.status_poll_seconds
        await self.remember("feed", feed_id, feed, 3600.0 if final else poll)
        return feed

    async def cancel_feed(self, feed_id: str) -> bool:
        """Cancel an IN_QUEUE feed; ``False`` when SP-API refuses (already started)."""
        await self.forget("feed", feed_id)
        try:
            await self._call(
                "cancelFeed", "DELETE", f"{BASE}/feeds/{quote(feed_id, safe='')}", idempotent=True
            )
        except (UpstreamNotFound, UpstreamClientError):
            return False
        return True

    async def fetch_document(self, document_id: str) -> tuple[str, bytes]:
        """getFeedDocument + download (gunzipped): (Content-Type, bytes)."""
        info = json_object(
            await self._call(
                "getFeedDocument",
                "GET",
                f"{BASE}/documents/{quote(document_id, safe='')}",
                not_found="FeedProcessingResultNoLongerAvailable",
            ),
            "getFeedDocument",
        )
        doc = await documents.open_download(
            self.client,
            str(info["url"]),
            compression=info.get("compressionAlgorithm"),
            audit=self.call.audit,
            section=SECTION,
        )
        parts: list[bytes] = []
        size = 0
        async for chunk in doc.chunks():
            size += len(chunk)
            if size > MAX_RESULT_BYTES:
                await doc.aclose()
                raise MwsError("InternalError", "The processing report is too large to return.")
            parts.append(chunk)
        return doc.content_type, b"".join(parts)
