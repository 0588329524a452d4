"""An SP-API notification, read from the JSON SP-API delivers to the source queue.

SP-API spells the envelope two ways: ``NotificationVersion`` / ``NotificationType`` /
``Payload`` / ``NotificationMetadata`` (notification version 1.0: ANY_OFFER_CHANGED,
FULFILLMENT_ORDER_STATUS, ...) and ``notificationVersion`` / ``notificationType`` / ``payload``
/ ``notificationMetadata`` (2020-09-04: FEED_PROCESSING_FINISHED, REPORT_PROCESSING_FINISHED).
Both are read here; anything that is not such a document raises :class:`PoisonMessage` with
the reason, which sends the message to the dead-letter queue.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_BODY = 256 * 1024  # SQS's own message size limit


class PoisonMessage(ValueError):
    """A message the bridge cannot render; the text is the dead-letter reason."""


def field(obj: Mapping[str, Any], name: str) -> Any:
    """``obj[name]`` under either spelling of its first letter (``Payload`` / ``payload``)."""
    if name in obj:
        return obj[name]
    other = name[:1].swapcase() + name[1:]
    return obj.get(other)


def dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = field(obj, part)
    return obj


@dataclass(frozen=True)
class SpNotification:
    notification_id: str
    notification_type: str  # SP-API notificationType
    payload_version: str
    event_time: str | None
    publish_time: str | None
    subscription_id: str | None
    payload: Mapping[str, Any]  # the whole payload object


def parse(body: str) -> SpNotification:
    if len(body) > MAX_BODY:
        raise PoisonMessage("message larger than SQS allows")
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise PoisonMessage(f"not JSON: {str(exc)[:120]}") from None
    if not isinstance(doc, dict):
        raise PoisonMessage("not a JSON object")
    ntype = field(doc, "NotificationType")
    if not isinstance(ntype, str) or not ntype:
        raise PoisonMessage("no notificationType")
    payload = field(doc, "Payload")
    if not isinstance(payload, dict):
        raise PoisonMessage("no payload object")
    meta = field(doc, "NotificationMetadata")
    meta = meta if isinstance(meta, dict) else {}
    nid = field(meta, "NotificationId")
    if not isinstance(nid, str) or not nid.strip():
        raise PoisonMessage("no notificationMetadata.notificationId")
    version = field(doc, "PayloadVersion")
    return SpNotification(
        notification_id=nid.strip(),
        notification_type=ntype,
        payload_version=str(version) if version is not None else "",
        event_time=_text(field(doc, "EventTime")),
        publish_time=_text(field(meta, "PublishTime")),
        subscription_id=_text(field(meta, "SubscriptionId")),
        payload=payload,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
