"""Notification events of the emulated SP-API: subscriptions, the outbox, the ticker.

Section modules call :func:`emit` when something a notification type reports happens (a feed
or report finishing, a fulfillment order changing status, an offer change); it builds the
SP-API notification JSON - the envelope spelling of that type's payload version - and queues it
for the destination of the seller's subscription. Nothing is queued without a subscription,
as SP-API sends nothing then. :mod:`gateway.emulator.notifications` serves the Notifications
API and sends the queue to SQS.

Jobs that finish on the emulator clock (feeds, reports, fulfillment orders) only move when
something looks at them; with a subscription in place a *ticker* looks every
``notifications_tick_seconds``, running the functions the app registered in
``NotificationsState.tickers``, so a notification arrives although no client polls - the
point of subscribing.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.emulator.common import emulator_now, iso
from gateway.emulator.state import EmulatorState

# payload version -> envelope spelling (1.0: PascalCase keys, 2020-09-04: camelCase keys)
CAMEL_VERSIONS = frozenset({"2020-09-04"})
# notificationType -> (payload object key, payload versions accepted, default)
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ANY_OFFER_CHANGED": ("AnyOfferChangedNotification", ("1.0",)),
    "B2B_ANY_OFFER_CHANGED": ("AnyOfferChangedNotification", ("1.0",)),
    "FEED_PROCESSING_FINISHED": ("feedProcessingFinishedNotification", ("2020-09-04", "1.0")),
    "REPORT_PROCESSING_FINISHED": ("reportProcessingFinishedNotification", ("2020-09-04", "1.0")),
    "FULFILLMENT_ORDER_STATUS": ("FulfillmentOrderStatusNotification", ("1.0",)),
    "FBA_OUTBOUND_SHIPMENT_STATUS": ("FBAOutboundShipmentStatusNotification", ("1.0",)),
    "FEE_PROMOTION": ("FeePromotionNotification", ("1.0",)),
    "ACCOUNT_STATUS_CHANGED": ("accountStatusChangeNotification", ("2021-01-01",)),
    "BRANDED_ITEM_CONTENT_CHANGE": ("brandedItemContentChangeNotification", ("1.0",)),
    "ITEM_PRODUCT_TYPE_CHANGE": ("itemProductTypeChangeNotification", ("1.0",)),
    "LISTINGS_ITEM_STATUS_CHANGE": ("listingsItemStatusChangeNotification", ("1.0",)),
    "LISTINGS_ITEM_ISSUES_CHANGE": ("listingsItemIssuesChangeNotification", ("1.0",)),
    "MFN_ORDER_STATUS_CHANGE": ("mfnOrderStatusChangeNotification", ("1.0",)),
    "ORDER_CHANGE": ("orderChangeNotification", ("1.0",)),
    "PRODUCT_TYPE_DEFINITIONS_CHANGE": ("productTypeDefinitionsChangeNotification", ("1.0",)),
}

Ticker = Callable[[EmulatorState], None]


@dataclass
class Outgoing:
    destination_id: str
    body: str
    notification_type: str
    notification_id: str
    attempts: int = 0


@dataclass
class NotificationsState:
    # destinationId -> Destination JSON; owner application (LWA client id) per destination
    destinations: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    # (seller, notificationType) -> Subscription JSON (+ "_client": the application)
    subscriptions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    outbox: deque[Outgoing] = field(default_factory=deque)
    published: list[dict[str, Any]] = field(default_factory=list)  # sent notifications (tests)
    dropped: int = 0  # given up after repeated SQS failures
    tickers: list[Ticker] = field(default_factory=list)
    runner: Any = None  # the ticker task (gateway.emulator.notifications)


def notifications_state(state: EmulatorState) -> NotificationsState:
    return state.section("notifications", NotificationsState)


def subscription(state: EmulatorState, seller_id: str, ntype: str) -> dict[str, Any] | None:
    return notifications_state(state).subscriptions.get((seller_id, ntype))


def envelope(
    state: EmulatorState, sub: dict[str, Any], ntype: str, obj: dict[str, Any]
) -> dict[str, Any]:
    version = str(sub.get("payloadVersion") or "1.0")
    key, _ = TYPES.get(ntype, (ntype, ()))
    now = iso(emulator_now(state))
    stamp = datetime.now(UTC)
    publish = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    doc = {
        "NotificationVersion": version if version in CAMEL_VERSIONS else "1.0",
        "NotificationType": ntype,
        "PayloadVersion": version,
        "EventTime": now,
        "Payload": {key: obj},
        "NotificationMetadata": {
            "ApplicationId": state.config.application_id,
            "SubscriptionId": sub["subscriptionId"],
            "PublishTime": publish,
            "NotificationId": str(uuid.uuid4()),
        },
    }
    if version in CAMEL_VERSIONS:
        return _camel(doc)
    return doc


def _camel(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in doc.items():
        name = k[:1].lower() + k[1:]
        if k == "Payload":
            out[name] = v  # the payload object's own keys stay as the type spells them
        elif isinstance(v, dict):
            out[name] = _camel(v)
        else:
            out[name] = v
    return out


def emit(state: EmulatorState, seller_id: str, ntype: str, obj: dict[str, Any]) -> bool:
    """Queue a notification of ``ntype`` for ``seller_id``; False when not subscribed."""
    sub = subscription(state, seller_id, ntype)
    if sub is None:
        return False
    doc = envelope(state, sub, ntype, obj)
    meta = doc.get("NotificationMetadata") or doc.get("notificationMetadata") or {}
    nid = str(meta.get("NotificationId") or meta.get("notificationId"))
    body = json.dumps(doc, separators=(",", ":"))
    notifications_state(state).outbox.append(Outgoing(str(sub["destinationId"]), body, ntype, nid))
    return True


def tick(state: EmulatorState) -> None:
    """Let every registered section move its jobs on (they call :func:`emit`)."""
    for ticker in list(notifications_state(state).tickers):
        ticker(state)
