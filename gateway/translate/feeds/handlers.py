"""MWS Feeds 2009-01-01 handlers over the SP-API Feeds API 2021-06-30.

What happens to a feed depends on its type (``mappings/feeds/types.yaml``): still-alive types
go through createFeedDocument -> upload -> createFeed renamed (``_POST_X_`` -> ``POST_X``); the
retired inventory and price feeds are translated to JSON_LISTINGS_FEED (``gateway.feeds``); the
other retired listing feeds are accepted and answered with a report that says why nothing was
applied. Submission records live in the durable store (``feeds_records``); listing, counting
and cancelling work on those records, refreshing non-final ones with getFeed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict
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
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, RawResult, XmlResult
from gateway.translate.engine.nexttoken import decode_token, encode_token
from gateway.translate.feeds.params import ListFilter, content_md5, list_filter, submit_params
from gateway.translate.feeds.records import (
    DEDUPE,
    RESULT,
    SUBMISSION,
    Submission,
    dedupe_key,
    local_submission_id,
    now_iso,
    spapi_date,
    submission_info,
    submitted_at,
)
from gateway.translate.feeds.upstream import FeedsApi

XML_REPORT_TYPE = "text/xml;charset=UTF-8"
TEXT_REPORT_TYPE = "text/plain;charset=UTF-8"
PENDING_WAIT_SECONDS = 5.0
STALE_PENDING_SECONDS = 120.0
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


async def submit_feed(call: Call) -> XmlResult:
    types, statuses, translation = _tables(call)
    services = call.services
    body = call.body
    if body is None:
        raise MwsError("MissingParameter", "The feed document (FeedContent) must be the body.")
    feed_type, marketplaces, purge, options = submit_params(
        call.params, call.identity.marketplaces, services.catalog.marketplaces
    )
    md5 = content_md5(call.params, call.headers, body.md5_base64)
    mode, spapi_type, row = classify(feed_type, types)
    seller = call.identity.seller_id
    store = services.store
    key = dedupe_key(feed_type, marketplaces, md5)
    window = float(translation.get("duplicate_window_seconds", 86400))
    existing = await _claim(call, key, window)
    if existing is not None:
        call.audit.notes["duplicate_of"] = existing.id
        return XmlResult([submission_info(existing, statuses["to_mws"])])
    call.audit.notes.update({"feed_type": feed_type, "feed_mode": mode})
    if purge:
        call.audit.notes["purge_and_replace_ignored"] = True
    try:
        if mode == "retired":
            issue = retired_issue(
                feed_type,
                str(row.get("replacement", "JSON_LISTINGS_FEED")),
                ResultCodes.from_table(translation.get("result_codes")),
            )
            submission = await _local(call, feed_type, mode, row, marketplaces, md5, 0, [issue])
        elif mode == "translated":
            submission = await _translated(
                call, feed_type, row, marketplaces, md5, translation, await body.read()
            )
        else:
            submission = await _passthrough(
                call, feed_type, str(spapi_type), mode, row, marketplaces, md5, options
            )
    except BaseException:
        await store.delete(DEDUPE, seller, key)
        raise
    await store.put(DEDUPE, seller, key, {"state": "done", "at": time.time(), "id": submission.id})
    return XmlResult([submission_info(submission, statuses["to_mws"])])


async def _claim(call: Call, key: str, window: float) -> Submission | None:
    """Claim the dedupe key; the earlier submission when this feed is a duplicate."""
    store, seller = call.services.store, call.identity.seller_id
    deadline = time.monotonic() + PENDING_WAIT_SECONDS
    while True:
        record, new = await store.put_if_absent(
            DEDUPE, seller, key, {"state": "pending", "at": time.time()}
        )
        if new:
            return None
        age = time.time() - float(record.data.get("at", 0))
        state = record.data.get("state")
        if age > window or (state == "pending" and age > STALE_PENDING_SECONDS):
            await store.delete(DEDUPE, seller, key)
            continue
        if state == "done":
            found = await store.get(SUBMISSION, seller, str(record.data.get("id")))
            if found is not None:
                return Submission.from_record(found.data)
            await store.delete(DEDUPE, seller, key)
            continue
        if time.monotonic() > deadline:
            raise MwsError(
                "ServiceUnavailable",
                "An identical feed is being submitted right now; retry in a few seconds.",
            )
        await asyncio.sleep(0.1)


def _new_submission(
    feed_id: str,
    feed_type: str,
    mode: str,
    row: Mapping[str, Any],
    marketplaces: tuple[str, ...],
    md5: str,
) -> Submission:
    return Submission(
        id=feed_id,
        mws_type=feed_type,
        mode=mode,
        format=str(row.get("format", "xml")),
        marketplaces=list(marketplaces),
        submitted=now_iso(),
        status="IN_QUEUE",
        md5=md5,
    )


async def _local(
    call: Call,
    feed_type: str,
    mode: str,
    row: Mapping[str, Any],
    marketplaces: tuple[str, ...],
    md5: str,
    processed: int,
    issues: list[Issue],
) -> Submission:
    """A submission the gateway answers itself: done at once, nothing sent upstream."""
    while True:
        submission = _new_submission(local_submission_id(), feed_type, mode, row, marketplaces, md5)
        submission.status = "DONE"
        submission.started = submission.completed = submission.submitted
        submission.processed = processed
        submission.issues = [i.to_json() for i in issues]
        _, new = await call.services.store.put_if_absent(
            SUBMISSION, call.identity.seller_id, submission.id, submission.to_record()
        )
        if new:
            return submission


async def _passthrough(
    call: Call,
    feed_type: str,
    spapi_type: str,
    mode: str,
    row: Mapping[str, Any],
    marketplaces: tuple[str, ...],
    md5: str,
    options: dict[str, str],
) -> Submission:
    assert call.body is not None
    api = FeedsApi(call, marketplaces[0])
    content_type = upload_content_type(call.body.content_type, str(row.get("format", "xml")))
    document_id, url = await api.create_document(content_type)
    await api.upload(url, call.body, content_type)
    spec: dict[str, Any] = {
        "feedType": spapi_type,
        "marketplaceIds": list(marketplaces),
        "inputFeedDocumentId": document_id,
    }
    if options:
        spec["feedOptions"] = options
    feed_id = await api.create_feed(spec)
    submission = _new_submission(feed_id, feed_type, mode, row, marketplaces, md5)
    submission.spapi_type = spapi_type
    submission.feed_ids = [feed_id]
    submission.part_status = {feed_id: "IN_QUEUE"}
    await call.services.store.put(
        SUBMISSION, call.identity.seller_id, feed_id, submission.to_record()
    )
    return submission


def convert(
    row: Mapping[str, Any], body: bytes, content_type: str, options: ConversionOptions
) -> Conversion:
    if row.get("template") == "price_quantity":
        return convert_price_quantity(body, charset_of(content_type), options)
    return convert_envelope(body, str(row.get("message_type", "Inventory")), options)


async def _translated(
    call: Call,
    feed_type: str,
    row: Mapping[str, Any],
    marketplaces: tuple[str, ...],
    md5: str,
    translation: Mapping[str, Any],
    document: bytes,
) -> Submission:
    assert call.body is not None
    catalog = call.services.catalog
    options = ConversionOptions.from_table(
        translation, marketplaces=marketplaces, marketplace_rows=catalog.marketplaces
    )
    content_type = call.body.content_type
    conversion = await anyio.to_thread.run_sync(convert, row, document, content_type, options)
    seller = call.identity.seller_id
    documents = feed_documents(
        conversion.messages, seller, int(translation.get("max_messages_per_feed", 25000))
    )
    call.audit.notes["feed_messages"] = {
        "read": conversion.processed,
        "translated": len(conversion.messages),
        "parts": len(documents),
    }
    if not documents:
        return await _local(
            call,
            feed_type,
            "translated",
            row,
            marketplaces,
            md5,
            conversion.processed,
            conversion.issues,
        )
    await _admit_json_feeds(call, marketplaces[0], len(documents), translation)
    api = FeedsApi(call, marketplaces[0])
    upload_type = str(translation.get("upload_content_type", "application/json; charset=UTF-8"))
    feed_ids: list[str] = []
    issues = list(conversion.issues)
    for index, doc in enumerate(documents):
        payload = json.dumps(doc, separators=(",", ":")).encode("utf-8")
        try:
            document_id, url = await api.create_document(upload_type)
            await api.upload(url, payload, upload_type)
            feed_ids.append(
                await api.create_feed(
                    {
                        "feedType": "JSON_LISTINGS_FEED",
                        "marketplaceIds": list(marketplaces),
                        "inputFeedDocumentId": document_id,
                    }
                )
            )
        except MwsError as exc:
            if not feed_ids:
                raise
            ids = [m["messageId"] for m in doc["messages"]]
            text = (
                f"Part {index + 1} of this feed (MessageID {ids[0]} to {ids[-1]}) could not be "
                f"submitted to Amazon ({exc.code}); those messages were not applied."
            )
            issues.extend(
                Issue(int(m["messageId"]), ERROR, "90003", text, str(m["sku"]))
                for d in documents[index:]
                for m in d["messages"]
            )
            break
    submission = _new_submission(feed_ids[0], feed_type, "translated", row, marketplaces, md5)
    submission.spapi_type = "JSON_LISTINGS_FEED"
    submission.feed_ids = feed_ids
    submission.part_status = dict.fromkeys(feed_ids, "IN_QUEUE")
    submission.processed = conversion.processed
    submission.issues = [i.to_json() for i in issues]
    await call.services.store.put(SUBMISSION, seller, submission.id, submission.to_record())
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
