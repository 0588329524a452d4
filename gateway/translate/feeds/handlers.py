"""MWS Feeds 2009-01-01 listing, counting, cancelling and results over SP-API Feeds 2021-06-30.

SubmitFeed lives in :mod:`gateway.translate.feeds.submit`. Submission records live in the
durable store (``feeds.records``); listing, counting and cancelling work on those records,
refreshing non-final ones with getFeed. A translated feed whose last parts are still being
created in the background (:mod:`gateway.translate.feeds.background`) is not final, whatever
its created parts say.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.feeds.model import ERROR, Issue, IssueTotals, ResultCodes
from gateway.feeds.report import (
    processing_report_text,
    processing_report_xml,
    summarize,
    upstream_issues,
)
from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, RawResult, XmlResult
from gateway.translate.engine.nexttoken import decode_token, encode_token
from gateway.translate.feeds.params import ListFilter, list_filter
from gateway.translate.feeds.records import (
    INTENT,
    RESULT,
    SUBMISSION,
    Submission,
    now_iso,
    spapi_date,
    submission_info,
    submitted_at,
)
from gateway.translate.feeds.types import feed_tables
from gateway.translate.feeds.upstream import FeedsApi

XML_REPORT_TYPE = "text/xml;charset=UTF-8"
TEXT_REPORT_TYPE = "text/plain;charset=UTF-8"
MAX_REFRESH = 30
LIST_TOKEN = "feeds.list"  # noqa: S105 - a NextToken kind, not a secret


# -- status ---------------------------------------------------------------------------------


async def _parts_from_intent(call: Call, submission: Submission, key: str) -> None:
    """The parts created so far, from the intent the background job writes to."""
    found = await call.services.store.get(INTENT, call.identity.seller_id, key)
    if found is None:
        return
    states = found.data.get("parts") or []
    created = [str(s["feed"]) for s in states if s.get("feed")]
    for feed_id in created:
        if feed_id not in submission.feed_ids:
            submission.feed_ids.append(feed_id)
    done = found.data.get("state") == "done"
    submission.pending_parts = 0 if done else max(0, len(states) - len(created))


async def _refresh(call: Call, submission: Submission) -> Submission:
    """Bring a non-final submission's status up to date with getFeed (saved when changed)."""
    if submission.final or not submission.feed_ids:
        return submission
    if submission.pending_parts and submission.intent:
        await _parts_from_intent(call, submission, submission.intent)
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
    _, statuses, _ = feed_tables(call.services.catalog)
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
    _, statuses, _ = feed_tables(call.services.catalog)
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
    _, statuses, _ = feed_tables(call.services.catalog)
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
    _, statuses, _ = feed_tables(call.services.catalog)
    flt = list_filter(call.params, statuses["to_spapi"])
    flt = ListFilter((), flt.feed_types, flt.statuses, 100, flt.submitted_from, flt.submitted_to)
    subs = await _select(call, flt, None)
    return XmlResult([("Count", str(len(subs)))])


async def cancel_feed_submissions(call: Call) -> XmlResult:
    _, statuses, _ = feed_tables(call.services.catalog)
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
    _, _, translation = feed_tables(call.services.catalog)
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
    local = IssueTotals(**submission.issue_totals) if submission.issue_totals else None
    summary = summarize(
        submission.processed, [*issues, *upstream_issues(reports, codes)], local, codes
    )
    if submission.format == "flat":
        return processing_report_text(summary), TEXT_REPORT_TYPE
    return processing_report_xml(submission.id, seller, summary), XML_REPORT_TYPE
