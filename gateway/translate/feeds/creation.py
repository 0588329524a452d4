"""Creating SP-API feeds from a durable intent, one part at a time, never one twice.

A SubmitFeed becomes one SP-API feed (pass-through types) or several (a translated listings
feed split into JSON_LISTINGS_FEED documents of at most 25,000 messages). Each part goes
through createFeedDocument -> upload -> createFeed, and the intent
(:mod:`gateway.translate.engine.intents`) records, per part, the uploaded document and the
moment createFeed is attempted *before* sending it. A createFeed whose answer never came back
is found again with getFeeds (:func:`reconcile`) instead of being sent a second time.

Used by the SubmitFeed handler (:mod:`gateway.translate.feeds.submit`) for the parts SP-API
takes now, and by :mod:`gateway.translate.feeds.background` for the rest.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from gateway.mws.errors import MwsError
from gateway.mws.quotas import Throttle
from gateway.mws.timestamps import format_millis
from gateway.translate.engine.call import Call, RequestBody, Services
from gateway.translate.engine.intents import Intent, Intents
from gateway.translate.feeds.records import CREATED, INTENT, SUBMISSION, Submission
from gateway.translate.feeds.upstream import FeedsApi

RECONCILE_SKEW_SECONDS = 300.0  # clock difference tolerated between the gateway and SP-API
JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"


class PartFile:
    """A feed part spooled to disk (``spapi.documents.upload`` reads it in chunks)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size

    async def chunks(self, chunk_size: int = 256 * 1024) -> AsyncIterator[bytes]:
        handle = await anyio.open_file(self.path, "rb")
        try:
            while chunk := await handle.read(chunk_size):
                yield chunk
        finally:
            await handle.aclose()


@dataclass
class Part:
    """One SP-API feed to create: its document and the upload Content-Type."""

    content_type: str
    body: bytes | RequestBody | PartFile


@dataclass
class Work:
    """A hold on one SubmitFeed's intent, by the call or by the background job."""

    call: Call
    intents: Intents
    intent: Intent

    async def save(self, **changes: Any) -> None:
        await self.intents.save(self.intent, **changes)

    def part_states(self, count: int) -> list[dict[str, Any]]:
        states: list[dict[str, Any]] = self.intent.data.setdefault(
            "parts", [{} for _ in range(count)]
        )
        if len(states) != count:
            raise MwsError("InternalError", "The resumed feed no longer splits as it did.")
        return states


def intents_of(services: Services, seller_id: str) -> Intents:
    return Intents(services.store, INTENT, seller_id)


async def create_part(
    work: Work, api: FeedsApi, spec: Mapping[str, Any], state: dict[str, Any], part: Part
) -> str:
    """The SP-API feedId of one part, created unless the intent shows it was already."""
    if not state.get("feed") and state.get("creating_at"):
        found = await reconcile(work.call, api, spec, float(state["creating_at"]))
        if found is not None:
            work.call.audit.notes["feed_reconciled"] = found
            await _record_created(work, state, found)
    if not state.get("feed"):
        if not state.get("doc"):
            document_id, url = await api.create_document(part.content_type)
            await api.upload(url, part.body, part.content_type)
            state["doc"] = document_id
        state["creating_at"] = time.time()
        await work.save()  # durable before the one call that has an effect
        feed_id = await api.create_feed({**spec, "inputFeedDocumentId": state["doc"]})
        await _record_created(work, state, feed_id)
    return str(state["feed"])


async def _record_created(work: Work, state: dict[str, Any], feed_id: str) -> None:
    call = work.call
    await call.services.store.put(
        CREATED, call.identity.seller_id, feed_id, {"intent": work.intent.key}
    )
    state["feed"] = feed_id
    await work.save()


async def reconcile(
    call: Call, api: FeedsApi, spec: Mapping[str, Any], creating_at: float
) -> str | None:
    """The feed a lost createFeed answer had created, if SP-API has it.

    Candidates: the seller's feeds of that type and marketplaces created since shortly before
    the attempt, less every feed the gateway has recorded as created (by any submission). The
    earliest is the one: createFeed attempts of one intent never overlap (its lease)."""
    since = datetime.fromtimestamp(creating_at - RECONCILE_SKEW_SECONDS, tz=UTC)
    wanted = sorted(spec["marketplaceIds"])
    feeds = [
        f
        for f in await api.list_feeds(str(spec["feedType"]), wanted, format_millis(since))
        if f.get("feedId") and sorted(f.get("marketplaceIds") or []) == wanted
    ]
    ids = [str(f["feedId"]) for f in feeds]
    known = await call.services.store.get_many(CREATED, call.identity.seller_id, ids)
    fresh = sorted(
        (f for f in feeds if str(f["feedId"]) not in known),
        key=lambda f: (str(f.get("createdTime", "")), str(f["feedId"])),
    )
    return str(fresh[0]["feedId"]) if fresh else None


async def store_submission(call: Call, submission: Submission) -> None:
    await call.services.store.put(
        SUBMISSION, call.identity.seller_id, submission.id, submission.to_record()
    )


@dataclass(frozen=True)
class ListingsWindow:
    """JSON_LISTINGS_FEED's own limit: ``limit`` feeds per ``period`` seconds per seller and
    region (``mappings/feeds/translation.yaml``), kept in the shared quota backend."""

    key: str
    throttle: Throttle

    @classmethod
    def of(cls, services: Services, seller_id: str, marketplace: str) -> ListingsWindow:
        translation = services.catalog.table("feeds/translation")
        rows = services.catalog.marketplaces
        region = str((rows.get(marketplace) or {}).get("region", "na"))
        limit = int(translation.get("submissions_per_window", 5))
        period = float(translation.get("submission_window_seconds", 300))
        throttle = Throttle(bucket=JSON_LISTINGS_FEED, max=limit, restore=limit, period=period)
        return cls(f"spapi:{seller_id}:{region}:{JSON_LISTINGS_FEED}", throttle)

    def refusal(self, retry_after: float) -> MwsError:
        return MwsError(
            "RequestThrottled",
            "Request is throttled: Amazon accepts at most "
            f"{self.throttle.max} listings feeds per {int(self.throttle.period // 60)} minutes.",
            headers={"Retry-After": str(max(1, int(retry_after + 0.999)))},
        )

    async def take(self, services: Services, wanted: int) -> tuple[int, float]:
        """Take up to ``wanted`` feeds from the window: (how many, seconds until the next)."""
        taken = 0
        while taken < wanted:
            decision = await services.quotas.acquire(self.key, self.throttle)
            if not decision.allowed:
                return taken, decision.retry_after
            taken += 1
        return taken, 0.0
