"""MWS Feeds 2009-01-01 handlers over the SP-API Feeds API 2021-06-30.

What happens to a feed depends on its type (``mappings/feeds/types.yaml``): still-alive types
go through createFeedDocument -> upload -> createFeed renamed (``_POST_X_`` -> ``POST_X``); the
retired inventory and price feeds are translated to JSON_LISTINGS_FEED (``gateway.feeds``); the
other retired listing feeds are accepted and answered with a report that says why nothing was
applied. Submission records live in the durable store (``feeds_records``); listing, counting
and cancelling work on those records, refreshing non-final ones with getFeed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio

from gateway.feeds.envelope import convert_envelope
from gateway.feeds.flatfile import charset_of, convert_price_quantity
from gateway.feeds.listings import feed_documents
from gateway.feeds.model import ERROR, Conversion, ConversionOptions, Issue, ResultCodes
from gateway.feeds.report import (
    processing_report_text,
    processing_report_xml,
    retired_issue,
    summarize,
    upstream_issues,
)
from gateway.mws.errors import MwsError
from gateway.mws.quotas import Throttle
from gateway.mws.timestamps import format_millis
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, RawResult, RequestBody, XmlResult
from gateway.translate.engine.document import content_md5
from gateway.translate.engine.intents import Intent, Intents
from gateway.translate.engine.nexttoken import decode_token, encode_token
from gateway.translate.feeds.params import ListFilter, list_filter, submit_params
from gateway.translate.feeds.records import (
    CREATED,
    INTENT,
    LAST,
    RESULT,
    SUBMISSION,
    Submission,
    fingerprint,
    intent_key,
    local_submission_id,
    now_iso,
    spapi_date,
    submission_info,
    submitted_at,
)
from gateway.translate.feeds.upstream import FeedsApi

XML_REPORT_TYPE = "text/xml;charset=UTF-8"
TEXT_REPORT_TYPE = "text/plain;charset=UTF-8"
MAX_REFRESH = 30
LIST_TOKEN = "feeds.list"  # noqa: S105 - a NextToken kind, not a secret


# -- tables ---------------------------------------------------------------------------------


def _tables(call: Call) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    catalog = call.services.catalog
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


# -- SubmitFeed -------------------------------------------------------------------------------
#
# Every SubmitFeed is a new feed, as it was for MWS, except a true retry: the same type,
# marketplaces and content as the seller's latest feed of that type, within the retry window
# (``feeds.retry_window_seconds``; 0 turns retry detection off). A retry gets the first call's
# FeedSubmissionId and resumes the work where it stopped; nothing is created twice upstream.
# The work is a durable intent (:mod:`gateway.translate.engine.intents`): recorded before the
# first upstream effect, and before each createFeed, so a createFeed whose answer was lost is
# found again with getFeeds instead of being sent a second time.

RECONCILE_SKEW_SECONDS = 300.0  # clock difference tolerated between the gateway and SP-API


@dataclass(frozen=True)
class Feed:
    """What the client submitted, as the tables classify it."""

    mws_type: str
    mode: str  # translated | retired | passthrough | native
    spapi_type: str | None
    row: Mapping[str, Any]
    marketplaces: tuple[str, ...]
    md5: str
    options: Mapping[str, str]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.mws_type, self.marketplaces, self.md5)

    def submission(self, submission_id: str, mode: str | None = None) -> Submission:
        return Submission(
            id=submission_id,
            mws_type=self.mws_type,
            mode=mode or self.mode,
            format=str(self.row.get("format", "xml")),
            marketplaces=list(self.marketplaces),
            submitted=now_iso(),
            status="IN_QUEUE",
            md5=self.md5,
        )


@dataclass
class Part:
    """One SP-API feed to create: its document and the upload Content-Type."""

    content_type: str
    body: bytes | RequestBody
    messages: list[int] = field(default_factory=list)  # MessageIDs it carries (translated)


@dataclass
class Work:
    """One SubmitFeed call's hold on its intent."""

    call: Call
    intents: Intents
    intent: Intent

    async def save(self, **changes: Any) -> None:
        await self.intents.save(self.intent, **changes)


async def submit_feed(call: Call) -> XmlResult:
    types, statuses, translation = _tables(call)
    body = call.body
    if body is None:
        raise MwsError("MissingParameter", "The feed document (FeedContent) must be the body.")
    feed_type, marketplaces, purge, options = submit_params(
        call.params, call.identity.marketplaces, call.services.catalog.marketplaces
    )
    md5 = content_md5(call.params, call.headers, body.md5_base64)
    mode, spapi_type, row = classify(feed_type, types)
    feed = Feed(feed_type, mode, spapi_type, row, marketplaces, md5, options)
    intents = Intents(call.services.store, INTENT, call.identity.seller_id)
    intent = await intents.claim(
        await _intent_key(call, feed), {"feed_type": feed_type, "at": time.time()}
    )
    call.audit.notes["feed_intent"] = "new" if intent.new else "retry" if intent.done else "resumed"
    call.audit.notes.update({"feed_type": feed_type, "feed_mode": mode})
    try:
        await _remember_latest(call, feed, intent)
        if intent.done:
            submission = await _submission_of(call, str(intent.data["id"]))
        else:
            if purge:
                call.audit.notes["purge_and_replace_ignored"] = True
            submission = await _submit(Work(call, intents, intent), feed, translation)
            await intents.finish(intent, id=submission.id)
    except BaseException:
        await intents.release(intent)
        raise
    return XmlResult([submission_info(submission, statuses["to_mws"])])


async def _intent_key(call: Call, feed: Feed) -> str:
    """The key of this call's intent: the latest one of its type when this is a retry."""
    window = call.services.settings.feed_retry_window_seconds
    if window <= 0:
        return uuid.uuid4().hex
    latest = await call.services.store.get(LAST, call.identity.seller_id, feed.mws_type)
    if latest is None:
        return intent_key(feed.fingerprint, None)
    data = latest.data
    fresh = time.time() - float(data.get("at", 0)) <= window
    if data.get("fingerprint") == feed.fingerprint and fresh:
        return str(data["intent"])
    return intent_key(feed.fingerprint, str(data.get("intent")))


async def _remember_latest(call: Call, feed: Feed, intent: Intent) -> None:
    """Make a new intent the latest of its type (what the next call's retry test reads)."""
    store, seller = call.services.store, call.identity.seller_id
    latest = await store.get(LAST, seller, feed.mws_type)
    if latest is not None and (latest.data.get("intent") == intent.key or not intent.new):
        return  # already recorded, or an older intent resumed after a newer one
    at = float(intent.data.get("at", time.time()))
    data = {"intent": intent.key, "fingerprint": feed.fingerprint, "at": at}
    await store.put(LAST, seller, feed.mws_type, data)


async def _submission_of(call: Call, submission_id: str) -> Submission:
    found = await call.services.store.get(SUBMISSION, call.identity.seller_id, submission_id)
    if found is None:
        raise MwsError("InternalError", "The feed submission record is missing.")
    return Submission.from_record(found.data)


async def _submit(work: Work, feed: Feed, translation: Mapping[str, Any]) -> Submission:
    body = work.call.body
    assert body is not None
    if feed.mode == "retired":
        codes = ResultCodes.from_table(translation.get("result_codes"))
        replacement = str(feed.row.get("replacement", "JSON_LISTINGS_FEED"))
        return await _local(
            work, feed, feed.mode, 0, [retired_issue(feed.mws_type, replacement, codes)]
        )
    if feed.mode == "translated":
        return await _translated(work, feed, translation, await body.read())
    content_type = upload_content_type(body.content_type, str(feed.row.get("format", "xml")))
    spec: dict[str, Any] = {
        "feedType": str(feed.spapi_type),
        "marketplaceIds": list(feed.marketplaces),
    }
    if feed.options:
        spec["feedOptions"] = dict(feed.options)
    feed_ids, _ = await _create_feeds(work, spec, [Part(content_type, body)])
    submission = feed.submission(feed_ids[0])
    submission.spapi_type = feed.spapi_type
    submission.feed_ids = feed_ids
    submission.part_status = {feed_ids[0]: "IN_QUEUE"}
    await _store_submission(work.call, submission)
    return submission


async def _store_submission(call: Call, submission: Submission) -> None:
    await call.services.store.put(
        SUBMISSION, call.identity.seller_id, submission.id, submission.to_record()
    )


async def _create_feeds(
    work: Work, spec: Mapping[str, Any], parts: list[Part]
) -> tuple[list[str], MwsError | None]:
    """createFeedDocument, upload and createFeed for each part not created yet.

    Returns the feedIds in part order and, when a later part failed, that error (the first
    part's failure is raised: nothing was created). Progress is durable at every step."""
    api = FeedsApi(work.call, spec["marketplaceIds"][0])
    states: list[dict[str, Any]] = work.intent.data.setdefault("parts", [{} for _ in parts])
    if len(states) != len(parts):
        raise MwsError("InternalError", "The resumed feed no longer splits as it did.")
    feed_ids: list[str] = []
    for index, (part, state) in enumerate(zip(parts, states, strict=True)):
        try:
            if not state.get("feed") and state.get("creating_at"):
                found = await _reconcile(work.call, api, spec, float(state["creating_at"]))
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
        except MwsError as exc:
            if index == 0:
                raise
            return feed_ids, exc
        feed_ids.append(str(state["feed"]))
    return feed_ids, None


async def _record_created(work: Work, state: dict[str, Any], feed_id: str) -> None:
    call = work.call
    await call.services.store.put(
        CREATED, call.identity.seller_id, feed_id, {"intent": work.intent.key}
    )
    state["feed"] = feed_id
    await work.save()


async def _reconcile(
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


async def _local(
    work: Work, feed: Feed, mode: str, processed: int, issues: list[Issue]
) -> Submission:
    """A submission the gateway answers itself: done at once, nothing sent upstream."""
    call = work.call
    submission_id = work.intent.data.get("local_id")
    if submission_id is None:
        submission_id = local_submission_id()
        while await call.services.store.get(SUBMISSION, call.identity.seller_id, submission_id):
            submission_id = local_submission_id()
        await work.save(local_id=submission_id)
    submission = feed.submission(str(submission_id), mode)
    submission.status = "DONE"
    submission.started = submission.completed = submission.submitted
    submission.processed = processed
    submission.issues = [i.to_json() for i in issues]
    await _store_submission(call, submission)
    return submission


def convert(
    row: Mapping[str, Any], body: bytes, content_type: str, options: ConversionOptions
) -> Conversion:
    if row.get("template") == "price_quantity":
        return convert_price_quantity(body, charset_of(content_type), options)
    return convert_envelope(body, str(row.get("message_type", "Inventory")), options)


async def _translated(
    work: Work, feed: Feed, translation: Mapping[str, Any], document: bytes
) -> Submission:
    call = work.call
    assert call.body is not None
    options = ConversionOptions.from_table(
        translation,
        marketplaces=feed.marketplaces,
        marketplace_rows=call.services.catalog.marketplaces,
    )
    conversion = await anyio.to_thread.run_sync(
        convert, feed.row, document, call.body.content_type, options
    )
    documents = feed_documents(
        conversion.messages,
        call.identity.seller_id,
        int(translation.get("max_messages_per_feed", 25000)),
    )
    call.audit.notes["feed_messages"] = {
        "read": conversion.processed,
        "translated": len(conversion.messages),
        "parts": len(documents),
    }
    if not documents:
        return await _local(work, feed, "translated", conversion.processed, conversion.issues)
    created = sum(1 for s in work.intent.data.get("parts") or [] if s.get("feed"))
    if created < len(documents):
        await _admit_json_feeds(call, feed.marketplaces[0], len(documents) - created, translation)
    upload_type = str(translation.get("upload_content_type", "application/json; charset=UTF-8"))
    parts = [
        Part(
            upload_type,
            json.dumps(doc, separators=(",", ":")).encode("utf-8"),
            [int(m["messageId"]) for m in doc["messages"]],
        )
        for doc in documents
    ]
    spec = {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": list(feed.marketplaces)}
    feed_ids, failure = await _create_feeds(work, spec, parts)
    issues = list(conversion.issues)
    if failure is not None:
        index = len(feed_ids)
        ids = parts[index].messages
        text = (
            f"Part {index + 1} of this feed (MessageID {ids[0]} to {ids[-1]}) could not be "
            f"submitted to Amazon ({failure.code}); those messages were not applied."
        )
        issues.extend(
            Issue(int(m["messageId"]), ERROR, "90003", text, str(m["sku"]))
            for d in documents[index:]
            for m in d["messages"]
        )
    submission = feed.submission(feed_ids[0], "translated")
    submission.spapi_type = "JSON_LISTINGS_FEED"
    submission.feed_ids = feed_ids
    submission.part_status = dict.fromkeys(feed_ids, "IN_QUEUE")
    submission.processed = conversion.processed
    submission.issues = [i.to_json() for i in issues]
    await _store_submission(call, submission)
    return submission


async def _admit_json_feeds(
    call: Call, marketplace: str, parts: int, translation: Mapping[str, Any]
) -> None:
    """JSON_LISTINGS_FEED allows 5 feeds per 5 minutes per seller and region."""
    region = str((call.services.catalog.marketplaces.get(marketplace) or {}).get("region", "na"))
    limit = int(translation.get("submissions_per_window", 5))
    period = float(translation.get("submission_window_seconds", 300))
    throttle = Throttle(bucket="JSON_LISTINGS_FEED", max=limit, restore=limit, period=period)
    key = f"spapi:{call.identity.seller_id}:{region}:JSON_LISTINGS_FEED"
    decision = await call.services.quotas.acquire(key, throttle, cost=float(parts))
    if not decision.allowed:
        raise MwsError(
            "RequestThrottled",
            "Request is throttled: Amazon accepts at most "
            f"{limit} listings feeds per {int(period // 60)} minutes.",
            headers={"Retry-After": str(max(1, int(decision.retry_after + 0.999)))},
        )


# -- status ---------------------------------------------------------------------------------


async def _refresh(call: Call, submission: Submission) -> Submission:
    """Bring a non-final submission's status up to date with getFeed (saved when changed)."""
    if submission.final or not submission.feed_ids:
        return submission
    api = FeedsApi(call, submission.marketplaces[0] if submission.marketplaces else None)
    before = submission.to_record()
    starts: list[str] = []
    ends: list[str] = []
    for feed_id in submission.feed_ids:
        if submission.part_status.get(feed_id) in ("DONE", "CANCELLED", "FATAL"):
            continue
        feed = await api.get_feed(feed_id)
        if feed is None:
            continue
        submission.part_status[feed_id] = str(feed.get("processingStatus", "IN_QUEUE"))
        if feed.get("resultFeedDocumentId"):
            submission.result_docs[feed_id] = str(feed["resultFeedDocumentId"])
        if (start := spapi_date(feed.get("processingStartTime"))) is not None:
            starts.append(start)
        if (end := spapi_date(feed.get("processingEndTime"))) is not None:
            ends.append(end)
    submission.merge_parts()
    if starts and submission.started is None:
        submission.started = min(starts)
    if submission.final:
        submission.completed = max(ends) if ends else now_iso()
        submission.started = submission.started or submission.completed
    if submission.to_record() != before:
        await call.services.store.put(
            SUBMISSION, call.identity.seller_id, submission.id, submission.to_record()
        )
    return submission


async def _select(call: Call, flt: ListFilter, until: datetime | None) -> list[Submission]:
    store, seller = call.services.store, call.identity.seller_id
    _, statuses, _ = _tables(call)
    if flt.ids:
        found = await store.get_many(SUBMISSION, seller, list(flt.ids))
        subs = [Submission.from_record(found[i].data) for i in flt.ids if i in found]
    else:
        since = flt.submitted_from or datetime.now(UTC) - timedelta(days=90)
        end = (
            min(d for d in (flt.submitted_to, until) if d) if (flt.submitted_to or until) else None
        )
        records = await store.list(SUBMISSION, seller, since=since, until=end, limit=10000)
        subs = [Submission.from_record(r.data) for r in records]
        subs = [
            s for s in subs if since <= submitted_at(s) and (end is None or submitted_at(s) <= end)
        ]
    pending = [s for s in subs if not s.final][:MAX_REFRESH]
    for submission in pending:
        await _refresh(call, submission)
    if flt.ids:
        return subs
    to_mws = statuses["to_mws"]
    if flt.feed_types:
        subs = [s for s in subs if s.mws_type in flt.feed_types]
    if flt.statuses:
        subs = [s for s in subs if to_mws.get(s.status) in flt.statuses]
    subs.sort(key=lambda s: (s.submitted, s.id), reverse=True)
    return subs


def _filter_state(flt: ListFilter) -> dict[str, Any]:
    state = asdict(flt)
    for name in ("submitted_from", "submitted_to"):
        value = state[name]
        state[name] = value.isoformat() if value else None
    return state


def _filter_from_state(state: Mapping[str, Any]) -> ListFilter:
    def date(value: Any) -> datetime | None:
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    return ListFilter(
        ids=tuple(state.get("ids") or ()),
        feed_types=tuple(state.get("feed_types") or ()),
        statuses=tuple(state.get("statuses") or ()),
        max_count=int(state.get("max_count", 10)),
        submitted_from=date(state.get("submitted_from")),
        submitted_to=date(state.get("submitted_to")),
    )


async def _page(call: Call, flt: ListFilter, offset: int, until: datetime) -> XmlResult:
    _, statuses, _ = _tables(call)
    subs = await _select(call, flt, until)
    page = subs[offset : offset + flt.max_count]
    more = offset + flt.max_count < len(subs)
    out: list[Element] = []
    if more:
        token = encode_token(
            call.services.settings.token_key,
            LIST_TOKEN,
            {"f": _filter_state(flt), "o": offset + flt.max_count, "u": until.isoformat()},
        )
        out.append(("NextToken", token))
    out.append(("HasNext", "true" if more else "false"))
    out.extend(submission_info(s, statuses["to_mws"]) for s in page)
    return XmlResult(out)


async def get_feed_submission_list(call: Call) -> XmlResult:
    _, statuses, _ = _tables(call)
    flt = list_filter(call.params, statuses["to_spapi"])
    return await _page(call, flt, 0, datetime.now(UTC))


async def get_feed_submission_list_by_next_token(call: Call) -> XmlResult:
    token = call.params.get("NextToken")
    if not token:
        raise MwsError(
            "ValidationError",
            "1 validation error detected: Value null at 'nextToken' failed to satisfy "
            "constraint: Member must not be null",
        )
    state = decode_token(call.services.settings.token_key, token, LIST_TOKEN)
    flt = _filter_from_state(state.get("f") or {})
    until = datetime.fromisoformat(str(state.get("u")))
    return await _page(call, flt, int(state.get("o", 0)), until)


async def get_feed_submission_count(call: Call) -> XmlResult:
    _, statuses, _ = _tables(call)
    flt = list_filter(call.params, statuses["to_spapi"])
    flt = ListFilter((), flt.feed_types, flt.statuses, 100, flt.submitted_from, flt.submitted_to)
    subs = await _select(call, flt, None)
    return XmlResult([("Count", str(len(subs)))])


async def cancel_feed_submissions(call: Call) -> XmlResult:
    _, statuses, _ = _tables(call)
    flt = list_filter(call.params, statuses["to_spapi"])
    if not flt.ids and flt.submitted_from is None:
        flt = ListFilter(
            (),
            flt.feed_types,
            flt.statuses,
            flt.max_count,
            datetime.now(UTC) - timedelta(days=180),
            flt.submitted_to,
        )
    subs = await _select(call, flt, None)
    cancelled: list[Submission] = []
    for submission in subs:
        if submission.final or submission.status != "IN_QUEUE":
            continue
        api = FeedsApi(call, submission.marketplaces[0] if submission.marketplaces else None)
        results = [await api.cancel_feed(feed_id) for feed_id in submission.feed_ids]
        if results and all(results):
            submission.part_status = dict.fromkeys(submission.feed_ids, "CANCELLED")
            submission.status = "CANCELLED"
            submission.completed = now_iso()
            await call.services.store.put(
                SUBMISSION, call.identity.seller_id, submission.id, submission.to_record()
            )
            cancelled.append(submission)
    infos = [submission_info(s, statuses["to_mws"]) for s in cancelled[:100]]
    return XmlResult([("Count", str(len(cancelled))), *infos])


# -- GetFeedSubmissionResult --------------------------------------------------------------------


async def _one(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _raw(body: bytes, content_type: str) -> RawResult:
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
    return RawResult(content_type=content_type, md5_base64=md5, length=len(body), stream=_one(body))


async def _unknown_submission(call: Call, feed_id: str) -> Submission:
    """A feed not submitted through the gateway: served as pass-through if SP-API knows it."""
    feed = await FeedsApi(call).get_feed(feed_id)
    if feed is None:
        raise MwsError("InvalidFeedSubmissionId", f"FeedSubmissionId {feed_id} was not found.")
    spapi_type = str(feed.get("feedType", ""))
    submission = Submission(
        id=feed_id,
        mws_type=f"_{spapi_type}_",
        mode="passthrough",
        format="xml",
        marketplaces=list(feed.get("marketplaceIds") or []),
        submitted=spapi_date(feed.get("createdTime")) or now_iso(),
        status="IN_QUEUE",
        md5="",
        spapi_type=spapi_type,
        feed_ids=[feed_id],
    )
    return await _refresh(call, submission)


async def get_feed_submission_result(call: Call) -> RawResult:
    feed_id = (call.params.get("FeedSubmissionId") or "").strip()
    if not feed_id:
        raise MwsError(
            "MissingParameter", "The request must contain the parameter FeedSubmissionId."
        )
    if not feed_id.isdigit():
        raise MwsError("InvalidFeedSubmissionId", f"FeedSubmissionId {feed_id[:32]} was not found.")
    store, seller = call.services.store, call.identity.seller_id
    cached = await store.get(RESULT, seller, feed_id)
    if cached is not None:
        return _raw(base64.b64decode(cached.data["body"]), str(cached.data["content_type"]))
    record = await store.get(SUBMISSION, seller, feed_id)
    if record is None:
        submission = await _unknown_submission(call, feed_id)
    else:
        submission = await _refresh(call, Submission.from_record(record.data))
    if submission.status == "CANCELLED":
        raise MwsError("FeedCanceled", f"Feed submission {feed_id} was cancelled.")
    if not submission.final:
        raise MwsError(
            "FeedProcessingResultNotReady",
            f"Feed Submission Result is not ready for Feed Submission Id: {feed_id}",
        )
    body, content_type = await _build_result(call, submission)
    data = {"body": base64.b64encode(body).decode("ascii"), "content_type": content_type}
    if record is not None:
        await store.put(RESULT, seller, feed_id, data)
    return _raw(body, content_type)


async def _build_result(call: Call, submission: Submission) -> tuple[bytes, str]:
    _, _, translation = _tables(call)
    codes = ResultCodes.from_table(translation.get("result_codes"))
    seller = call.identity.seller_id
    api = FeedsApi(call, submission.marketplaces[0] if submission.marketplaces else None)
    if submission.mode in ("passthrough", "native"):
        document_id = submission.result_docs.get(submission.feed_ids[0])
        if document_id is None:
            raise MwsError("FeedCanceled", "The feed was aborted by Amazon; it has no report.")
        content_type, body = await api.fetch_document(document_id)
        return body, content_type or XML_REPORT_TYPE
    issues = [Issue.from_json(raw, codes) for raw in submission.issues]
    reports: list[dict[str, Any]] = []
    for feed_id in submission.feed_ids:
        document_id = submission.result_docs.get(feed_id)
        report: Any = None
        if document_id is not None:
            _, raw = await api.fetch_document(document_id)
            try:
                report = json.loads(raw)
            except ValueError:
                report = None
        if isinstance(report, dict):
            reports.append(report)
        else:
            text = (
                f"Amazon could not process the listings feed {feed_id} "
                f"({submission.part_status.get(feed_id, 'FATAL')}); its messages were not applied."
            )
            issues.append(Issue(0, ERROR, codes.feed_failed, text))
    summary = summarize(submission.processed, [*issues, *upstream_issues(reports, codes)])
    if submission.format == "flat":
        return processing_report_text(summary), TEXT_REPORT_TYPE
    return processing_report_xml(submission.id, seller, summary), XML_REPORT_TYPE
