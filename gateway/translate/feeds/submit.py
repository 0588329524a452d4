"""MWS SubmitFeed on the SP-API Feeds API 2021-06-30.

What happens to a feed depends on its type (``mappings/feeds/types.yaml``): still-alive types
go through createFeedDocument -> upload -> createFeed renamed (``_POST_X_`` -> ``POST_X``); the
retired inventory and price feeds are translated to JSON_LISTINGS_FEED (``gateway.feeds``); the
other retired listing feeds are accepted and answered with a report that says why nothing was
applied.

Every SubmitFeed is a new feed, as it was for MWS, except a true retry: the same type,
marketplaces and content as the seller's latest feed of that type, within the retry window
(``feeds.retry_window_seconds``; 0 turns retry detection off). A retry gets the first call's
FeedSubmissionId and resumes the work where it stopped; nothing is created twice upstream
(:mod:`gateway.translate.feeds.creation`).

A translated feed that needs more listings feeds than JSON_LISTINGS_FEED's window admits now
is answered at once, as MWS answered every SubmitFeed: its first parts are created, the rest
are created in the background as the window admits them
(:mod:`gateway.translate.feeds.background`), and its status stays ``_SUBMITTED_`` /
``_IN_PROGRESS_`` until the last part is done.
"""

from __future__ import annotations

import functools
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import anyio

from gateway.feeds.model import ConversionOptions, Issue, ResultCodes
from gateway.feeds.parts import convert_to_parts
from gateway.feeds.report import retired_issue
from gateway.mws.errors import MwsError
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.document import content_md5
from gateway.translate.engine.intents import Intent
from gateway.translate.feeds import background
from gateway.translate.feeds.creation import (
    JSON_LISTINGS_FEED,
    ListingsWindow,
    Part,
    PartFile,
    Work,
    create_part,
    intents_of,
    store_submission,
)
from gateway.translate.feeds.params import submit_params
from gateway.translate.feeds.records import (
    LAST,
    SUBMISSION,
    Submission,
    fingerprint,
    intent_key,
    local_submission_id,
    now_iso,
    submission_info,
)
from gateway.translate.feeds.types import classify, feed_tables, upload_content_type
from gateway.translate.feeds.upstream import FeedsApi


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

    def submission(self, submission_id: str) -> Submission:
        return Submission(
            id=submission_id,
            mws_type=self.mws_type,
            mode=self.mode,
            format=str(self.row.get("format", "xml")),
            marketplaces=list(self.marketplaces),
            submitted=now_iso(),
            status="IN_QUEUE",
            md5=self.md5,
        )


async def submit_feed(call: Call) -> XmlResult:
    types, statuses, translation = feed_tables(call.services.catalog)
    body = call.body
    if body is None:
        raise MwsError("MissingParameter", "The feed document (FeedContent) must be the body.")
    feed_type, marketplaces, purge, options = submit_params(
        call.params, call.identity.marketplaces, call.services.catalog.marketplaces
    )
    md5 = content_md5(call.params, call.headers, body.md5_base64)
    mode, spapi_type, row = classify(feed_type, types)
    feed = Feed(feed_type, mode, spapi_type, row, marketplaces, md5, options)
    intents = intents_of(call.services, call.identity.seller_id)
    intent = await intents.claim(
        await _intent_key(call, feed), {"feed_type": feed_type, "at": time.time()}
    )
    call.audit.notes["feed_intent"] = (
        "new" if intent.new else "retry" if intent.answered else "resumed"
    )
    call.audit.notes.update({"feed_type": feed_type, "feed_mode": mode})
    work = Work(call, intents, intent)
    try:
        await _remember_latest(call, feed, intent)
        if intent.answered:
            submission = await _submission_of(call, str(intent.data["id"]))
        else:
            if purge:
                call.audit.notes["purge_and_replace_ignored"] = True
            submission = await _submit(work, feed, translation)
            if not intent.answered:
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
        issue = retired_issue(feed.mws_type, replacement, codes)
        return await _local(work, feed, 0, [issue])
    if feed.mode == "translated":
        return await _translated(work, feed, translation)
    content_type = upload_content_type(body.content_type, str(feed.row.get("format", "xml")))
    spec: dict[str, Any] = {
        "feedType": str(feed.spapi_type),
        "marketplaceIds": list(feed.marketplaces),
    }
    if feed.options:
        spec["feedOptions"] = dict(feed.options)
    (state,) = work.part_states(1)
    api = FeedsApi(work.call, feed.marketplaces[0])
    feed_id = await create_part(work, api, spec, state, Part(content_type, body))
    submission = feed.submission(feed_id)
    submission.spapi_type = feed.spapi_type
    submission.feed_ids = [feed_id]
    submission.part_status = {feed_id: "IN_QUEUE"}
    await store_submission(work.call, submission)
    return submission


async def _local(
    work: Work,
    feed: Feed,
    processed: int,
    issues: list[Issue],
    totals: dict[str, int] | None = None,
) -> Submission:
    """A submission the gateway answers itself: done at once, nothing sent upstream."""
    call = work.call
    submission_id = work.intent.data.get("local_id")
    if submission_id is None:
        submission_id = local_submission_id()
        while await call.services.store.get(SUBMISSION, call.identity.seller_id, submission_id):
            submission_id = local_submission_id()
        await work.save(local_id=submission_id)
    submission = feed.submission(str(submission_id))
    submission.status = "DONE"
    submission.started = submission.completed = submission.submitted
    submission.processed = processed
    submission.issues = [i.to_json() for i in issues]
    submission.issue_totals = dict(totals or {})
    await store_submission(call, submission)
    return submission


async def _translated(work: Work, feed: Feed, translation: Mapping[str, Any]) -> Submission:
    call = work.call
    services = call.services
    body = call.body
    assert body is not None
    options = ConversionOptions.from_table(
        translation, marketplaces=feed.marketplaces, marketplace_rows=services.catalog.marketplaces
    )
    directory = background.part_directory(services, call.identity.seller_id, work.intent.key)
    conversion = await anyio.to_thread.run_sync(
        functools.partial(
            convert_to_parts,
            body.rewound(),
            feed.row,
            body.content_type,
            options,
            seller_id=call.identity.seller_id,
            max_messages=int(translation.get("max_messages_per_feed", 25000)),
            directory=directory,
        )
    )
    files = conversion.parts
    call.audit.notes["feed_messages"] = {
        "read": conversion.processed,
        "translated": conversion.translated,
        "parts": len(files),
    }
    issues = [i.to_json() for i in conversion.issues]
    totals = asdict(conversion.totals)
    if not files:
        shutil.rmtree(directory, ignore_errors=True)
        return await _local(work, feed, conversion.processed, list(conversion.issues), totals)
    states = work.part_states(len(files))
    for state, part in zip(states, files, strict=True):
        state.update(
            file=part.path.name,
            first=part.first_message_id,
            last=part.last_message_id,
            count=part.messages,
        )
    window = ListingsWindow.of(services, call.identity.seller_id, feed.marketplaces[0])
    created = sum(1 for s in states if s.get("feed"))
    taken, retry_after = await window.take(services, len(files) - created)
    if created == 0 and taken == 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise window.refusal(retry_after)
    upload_type = str(translation.get("upload_content_type", "application/json; charset=UTF-8"))
    spec = {"feedType": JSON_LISTINGS_FEED, "marketplaceIds": list(feed.marketplaces)}
    api = FeedsApi(call, feed.marketplaces[0])
    failure: MwsError | None = None
    budget = created + taken
    for index, (state, part) in enumerate(zip(states, files, strict=True)):
        if index >= budget and not state.get("feed"):
            break
        try:
            await create_part(work, api, spec, state, Part(upload_type, PartFile(part.path)))
        except MwsError as exc:
            if index == 0:
                raise
            failure = exc
            break
    feed_ids = [str(s["feed"]) for s in states if s.get("feed")]
    submission = feed.submission(feed_ids[0])
    submission.spapi_type = JSON_LISTINGS_FEED
    submission.feed_ids = feed_ids
    submission.part_status = dict.fromkeys(feed_ids, "IN_QUEUE")
    submission.processed = conversion.processed
    submission.issues = issues
    submission.issue_totals = totals
    pending = len(files) - len(feed_ids)
    if pending and (failure is None or failure.code in background.TRANSIENT):
        submission.pending_parts = pending
        submission.intent = work.intent.key
        await store_submission(call, submission)
        await work.intents.answer(
            work.intent, id=submission.id, spec=spec, upload_type=upload_type, **background.owner()
        )
        call.audit.notes["feed_parts_in_background"] = pending
        background.start(services, call.identity.seller_id, work.intent.key)
        return submission
    if failure is not None:
        submission.issues.extend(
            i.to_json() for i in background.unsent_issues(directory, states, failure.code)
        )
    await store_submission(call, submission)
    shutil.rmtree(directory, ignore_errors=True)
    return submission
