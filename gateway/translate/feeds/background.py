"""Listings feed parts SP-API cannot take yet, created as JSON_LISTINGS_FEED's window admits.

A big translated feed (a 59 MiB price-and-quantity file is ~50 JSON_LISTINGS_FEED parts) meets
two usage plans: JSON_LISTINGS_FEED's own (5 feeds per 5 minutes per region) and createFeed's
(burst 15, then one per 2 minutes). SubmitFeed answers at once with the first parts created;
this job creates the others from their spooled files under the data directory, one at a time,
waiting for the window, each step durable in the submission's intent
(:mod:`gateway.translate.feeds.creation`). When the last part exists the submission record
gets every feedId and the intent is finished.

Nothing is lost silently: the job survives a restart of the process (the section's
``on_start`` hook, :func:`resume`); parts it cannot create (their files gone with a replaced
pod, an error that is not transient) are reported in the processing report, message by
message, as not applied.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import structlog

from gateway import audit
from gateway.feeds.model import ERROR, Issue
from gateway.mws.errors import MwsError
from gateway.state.base import BackendUnavailable
from gateway.translate.engine.call import Call, Services, background_call
from gateway.translate.engine.intents import Intent
from gateway.translate.feeds.creation import (
    ListingsWindow,
    Part,
    PartFile,
    Work,
    create_part,
    intents_of,
    store_submission,
)
from gateway.translate.feeds.records import INTENT, SUBMISSION, Submission
from gateway.translate.feeds.upstream import FeedsApi

log = structlog.get_logger("mws_gateway.feeds")

TRANSIENT = frozenset({"RequestThrottled", "QuotaExceeded", "ServiceUnavailable"})
HOST = socket.gethostname()
MAX_FAILURES = 8  # consecutive non-throttle failures of one part before it is given up
MAX_WAIT_SECONDS = 60.0  # the longest sleep between two looks at the window (heartbeat)
ORPHAN_SECONDS = 3600.0  # another host's job silent this long: its pod is gone
UNSENT_CODE = "90003"


def part_directory(services: Services, seller_id: str, key: str) -> Path:
    return services.settings.data_dir / "feeds" / seller_id / key


def owner() -> dict[str, Any]:
    """What the intent records about who continues it."""
    return {"background": True, "host": HOST}


def start(services: Services, seller_id: str, key: str) -> bool:
    async def job() -> None:
        await run(services, seller_id, key)

    return services.background.spawn(f"feeds:{seller_id}:{key}", job)


def _emit(call: Call, submission_id: str, part: int, outcome: str, error: str | None) -> None:
    event: dict[str, Any] = {
        "request_id": call.request_id,
        "section": "Feeds",
        "action": "SubmitFeed",
        "route": "background",
        "seller_id": call.identity.seller_id,
        "feed_submission_id": submission_id,
        "part": part,
        "outcome": outcome,
        "error_code": error,
    }
    if call.audit.upstream:
        event["upstream"] = audit.upstream_entries(call.audit.upstream)
    audit.emit(event, "background_work")


async def run(services: Services, seller_id: str, key: str) -> None:
    record = await services.store.get(INTENT, seller_id, key)
    if record is None or record.data.get("state") == "done":
        return
    data = dict(record.data)
    spec: Mapping[str, Any] = data["spec"]
    work = Work(
        background_call(services, "Feeds", "SubmitFeed", seller_id, list(spec["marketplaceIds"])),
        intents_of(services, seller_id),
        Intent(key, data, False),
    )
    directory = part_directory(services, seller_id, key)
    window = ListingsWindow.of(services, seller_id, spec["marketplaceIds"][0])
    api = FeedsApi(work.call, spec["marketplaceIds"][0])
    states: list[dict[str, Any]] = data["parts"]
    failure: str | None = None
    for number, state in enumerate(states, 1):
        failures = 0
        while not state.get("feed") and failure is None:
            path = directory / str(state["file"])
            if not path.exists():
                failure = "PartLost"
                break
            taken, retry_after = await window.take(services, 1)
            if not taken:
                await work.save()  # the heartbeat: this job is alive
                await anyio.sleep(min(MAX_WAIT_SECONDS, retry_after + 0.05))
                continue
            work.call.audit.upstream.clear()
            try:
                await create_part(work, api, spec, state, Part(data["upload_type"], PartFile(path)))
            except (MwsError, BackendUnavailable) as exc:
                code = exc.code if isinstance(exc, MwsError) else "ServiceUnavailable"
                _emit(work.call, str(data["id"]), number, "error", code)
                if code != "RequestThrottled":
                    failures += 1
                if code not in TRANSIENT or failures > MAX_FAILURES:
                    failure = code
                    break
                await anyio.sleep(min(MAX_WAIT_SECONDS, 2.0**failures))
                continue
            _emit(work.call, str(data["id"]), number, "ok", None)
        if failure is not None:
            break
    await settle(work, directory, failure)


async def settle(work: Work, directory: Path, failure: str | None) -> None:
    """Give the submission record every feedId, report what was not sent, finish the intent."""
    call, data = work.call, work.intent.data
    states: list[dict[str, Any]] = data["parts"]
    feed_ids = [str(s["feed"]) for s in states if s.get("feed")]
    found = await call.services.store.get(SUBMISSION, call.identity.seller_id, str(data["id"]))
    if found is None:
        raise MwsError("InternalError", "The feed submission record is missing.")
    submission = Submission.from_record(found.data)
    for feed_id in feed_ids:
        if feed_id not in submission.feed_ids:
            submission.feed_ids.append(feed_id)
            submission.part_status.setdefault(feed_id, "IN_QUEUE")
    submission.pending_parts = 0
    if failure is not None:
        submission.issues.extend(i.to_json() for i in unsent_issues(directory, states, failure))
    submission.merge_parts()
    await store_submission(call, submission)
    await work.intents.finish(work.intent, id=submission.id)
    shutil.rmtree(directory, ignore_errors=True)
    log.info(
        "feed_parts_settled",
        seller_id=call.identity.seller_id,
        feed_submission_id=submission.id,
        parts=len(states),
        created=len(feed_ids),
        failure=failure,
    )


def unsent_issues(directory: Path, states: list[dict[str, Any]], code: str) -> list[Issue]:
    """One issue per message of every part that was not created (SKU from its file)."""
    issues: list[Issue] = []
    for number, state in enumerate(states, 1):
        if state.get("feed"):
            continue
        first, last = state.get("first"), state.get("last")
        text = (
            f"Part {number} of this feed (MessageID {first} to {last}) could not be submitted "
            f"to Amazon ({code}); those messages were not applied."
        )
        path = directory / str(state.get("file", ""))
        try:
            messages = json.loads(path.read_bytes())["messages"]
        except (OSError, ValueError, KeyError, TypeError):
            messages = None
        if isinstance(messages, list):
            issues.extend(
                Issue(int(m["messageId"]), ERROR, UNSENT_CODE, text, str(m.get("sku") or ""))
                for m in messages
            )
        elif isinstance(first, int) and isinstance(last, int):
            issues.extend(Issue(i, ERROR, UNSENT_CODE, text) for i in range(first, last + 1))
        else:
            issues.append(Issue(0, ERROR, UNSENT_CODE, text))
    return issues


async def resume(services: Services) -> None:
    """At start-up: continue this host's unfinished submissions; settle orphans."""
    since = datetime.now(UTC) - timedelta(days=30)
    for seller_id in services.settings.sellers:
        try:
            records = await services.store.list(INTENT, seller_id, since=since, limit=10000)
        except BackendUnavailable as exc:
            log.warning("feed_resume_unavailable", seller_id=seller_id, error=str(exc))
            return
        for record in records:
            data = record.data
            if data.get("state") == "done" or not data.get("background"):
                continue
            directory = part_directory(services, seller_id, record.key)
            if data.get("host") == HOST or directory.exists():
                start(services, seller_id, record.key)
            elif float(data.get("lease", 0)) < time.time() - ORPHAN_SECONDS:
                spec = data.get("spec") or {}
                work = Work(
                    background_call(
                        services,
                        "Feeds",
                        "SubmitFeed",
                        seller_id,
                        list(spec.get("marketplaceIds") or []),
                    ),
                    intents_of(services, seller_id),
                    Intent(record.key, dict(data), False),
                )
                await settle(work, directory, "PartLost")
