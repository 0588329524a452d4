"""Feed submission records in the durable store, and their MWS rendering.

A submission is one JSON record (kind ``feeds.submission``, key = FeedSubmissionId) holding
what SP-API cannot tell: the FeedType the client sent, how the gateway handled it, the SP-API
feedIds (several when a translated feed was split), the issues found while converting, and the
last known status (cached once final).

Beside them: ``feeds.intent`` records (:mod:`gateway.translate.engine.intents`), one per
SubmitFeed the gateway started, written before any upstream effect; ``feeds.last``, per MWS
FeedType the seller's latest intent (what tells a retry from a new submission); and
``feeds.created``, one per SP-API feedId the gateway created (so reconciling a lost createFeed
answer never adopts a feed that belongs to another submission).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.mws.timestamps import format_offset, parse_iso8601
from gateway.mws.xml import Element, children, leaf

SUBMISSION = "feeds.submission"
INTENT = "feeds.intent"
LAST = "feeds.last"
CREATED = "feeds.created"
RESULT = "feeds.result"
FINAL = frozenset({"DONE", "CANCELLED", "FATAL"})
STATUS_RANK = {"IN_QUEUE": 0, "IN_PROGRESS": 1, "DONE": 2, "CANCELLED": 3, "FATAL": 4}


@dataclass
class Submission:
    id: str
    mws_type: str
    mode: str  # passthrough | native | translated | retired
    format: str  # xml | flat | pdf | json
    marketplaces: list[str]
    submitted: str  # ISO 8601
    status: str  # SP-API processingStatus (of the whole submission)
    md5: str
    spapi_type: str | None = None
    feed_ids: list[str] = field(default_factory=list)
    part_status: dict[str, str] = field(default_factory=dict)
    result_docs: dict[str, str] = field(default_factory=dict)
    started: str | None = None
    completed: str | None = None
    processed: int = 0
    issues: list[dict[str, Any]] = field(default_factory=list)
    pending_parts: int = 0  # parts not created yet (created in the background)
    issue_totals: dict[str, int] = field(default_factory=dict)  # exact counts (issues capped)
    intent: str | None = None  # the key of the SubmitFeed intent while parts are pending

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Submission:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def merge_parts(self) -> None:
        """The submission's status from its parts: the least advanced, FATAL if any failed."""
        states = [self.part_status.get(f, "IN_QUEUE") for f in self.feed_ids]
        if not states:
            return
        if self.pending_parts:
            self.status = "IN_PROGRESS" if any(s != "IN_QUEUE" for s in states) else "IN_QUEUE"
            return
        if all(s in FINAL for s in states):
            if "FATAL" in states:
                self.status = "FATAL"
            elif all(s == "CANCELLED" for s in states):
                self.status = "CANCELLED"
            else:
                self.status = "DONE"
        else:
            self.status = "IN_PROGRESS" if any(s != "IN_QUEUE" for s in states) else "IN_QUEUE"


def now_iso() -> str:
    return format_offset(datetime.now(UTC))


def submitted_at(submission: Submission) -> datetime:
    return parse_iso8601(submission.submitted)


def fingerprint(feed_type: str, marketplaces: tuple[str, ...], md5: str) -> str:
    """What makes two SubmitFeed calls the same feed: type, marketplaces and content."""
    text = "\n".join([feed_type, ",".join(sorted(marketplaces)), md5])
    return hashlib.sha256(text.encode()).hexdigest()


def intent_key(fingerprint: str, previous: str | None) -> str:
    """The idempotency key of a new submission: its fingerprint after the previous intent of
    its type, so concurrent identical calls meet on one key while A-B-A gives A two keys."""
    return hashlib.sha256(f"{fingerprint}\n{previous or '-'}".encode()).hexdigest()


def local_submission_id() -> str:
    """A numeric id for submissions answered by the gateway itself (never sent upstream).

    20 digits starting with 9: longer than any SP-API feedId seen (8-13 digits), so the two
    kinds cannot collide; uniqueness is enforced with ``put_if_absent`` by the caller.
    """
    return f"9{time.time_ns() // 1000:016d}{secrets.randbelow(1000):03d}"


def mws_status(status: str, to_mws: Mapping[str, str]) -> str:
    return to_mws.get(status, "_IN_PROGRESS_")


def submission_info(submission: Submission, to_mws: Mapping[str, str]) -> Element:
    """``FeedSubmissionInfo`` in the documented element order."""
    return (
        "FeedSubmissionInfo",
        children(
            [
                leaf("FeedSubmissionId", submission.id),
                leaf("FeedType", submission.mws_type),
                leaf("SubmittedDate", submission.submitted),
                leaf("FeedProcessingStatus", mws_status(submission.status, to_mws)),
                leaf("StartedProcessingDate", submission.started),
                leaf("CompletedProcessingDate", submission.completed),
            ]
        ),
    )


def spapi_date(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return format_offset(parse_iso8601(value))
    except ValueError:
        return None
