"""SP-API notification JSON -> the MWS XML notification of that type (pure).

The MWS message is ``Notification`` > ``NotificationMetaData`` (NotificationType,
PayloadVersion, UniqueId, PublishTime, SellerId, MarketplaceId?) + ``NotificationPayload`` >
the payload element, with no namespace, as MWS sent it to SQS. ``UniqueId`` is SP-API's
notificationId, so legacy code de-duplicating by UniqueId keeps working across redeliveries.

What goes where is data: ``mappings/notifications/types.yaml`` (which MWS type an SP-API
type is, where its seller and marketplace are) and ``mappings/notifications/render.yaml``
(the payload element trees, in the records format of
:mod:`gateway.translate.engine.records`). The few MWS values a notification does not carry
(the MWS FeedType, FeedSubmissionId and processing statuses) are passed in by the caller as
``extra`` keys (see :mod:`gateway.notifications.enrich`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.mws.timestamps import format_millis
from gateway.mws.xml import Element, render_document
from gateway.notifications.envelope import PoisonMessage, SpNotification, dig, field
from gateway.translate.engine.fields import format_datetime
from gateway.translate.engine.records import AttributedRecordMaps, RecordMapError, attributed_maps


@dataclass(frozen=True)
class Routed:
    """A parsed notification with what routing needs: its MWS type, seller, marketplace."""

    mws_type: str
    row: Mapping[str, Any]  # its types.yaml row
    source: dict[str, Any]  # the payload's object of that type (a copy: enrich may add keys)
    seller_id: str
    marketplace: str | None


class NotificationTables:
    """``notifications/types`` and ``notifications/render``, indexed once."""

    def __init__(self, types: Mapping[str, Any], render: Mapping[str, Any]) -> None:
        self.types: Mapping[str, Mapping[str, Any]] = types.get("types") or {}
        self.by_spapi = {str(row["spapi"]): name for name, row in self.types.items()}
        self.test: Mapping[str, Any] = types.get("test") or {}
        self.mws_payload_version = str(types.get("mws_payload_version", "1.0"))
        self.offer_change_types = frozenset(types.get("offer_change_types") or ())
        self.enrichment: Mapping[str, Any] = types.get("enrichment") or {}
        try:
            self.maps: AttributedRecordMaps = attributed_maps(render.get("records") or {})
        except RecordMapError as exc:
            raise ValueError(f"notifications/render: {exc}") from None
        for name, row in self.types.items():
            if str(row.get("payload")) not in self.maps.names():
                raise ValueError(f"notifications/types: {name}: no render record {row!r}")

    @classmethod
    def from_catalog(cls, catalog: Any) -> NotificationTables:
        cached = getattr(catalog, "_notification_tables", None)
        if isinstance(cached, NotificationTables):
            return cached
        tables = cls(catalog.table("notifications/types"), catalog.table("notifications/render"))
        object.__setattr__(catalog, "_notification_tables", tables)
        return tables

    def spapi_type(self, mws_type: str) -> str | None:
        row = self.types.get(mws_type)
        return None if row is None else str(row["spapi"])


def classify(note: SpNotification, tables: NotificationTables) -> Routed:
    """Which MWS notification ``note`` is, for which seller; PoisonMessage if it is none."""
    mws_type = tables.by_spapi.get(note.notification_type)
    if mws_type is None:
        raise PoisonMessage(
            f"notificationType {note.notification_type[:80]} has no MWS notification"
        )
    row = tables.types[mws_type]
    source = field(note.payload, str(row["source"]))
    if not isinstance(source, dict):
        raise PoisonMessage(f"payload has no {row['source']} object")
    seller = next(
        (v for p in row.get("seller") or () if isinstance(v := dig(source, str(p)), str) and v),
        None,
    )
    if seller is None:
        raise PoisonMessage("the notification names no seller")
    marketplace = next(
        (
            v
            for p in row.get("marketplace") or ()
            if isinstance(v := dig(source, str(p)), str) and v
        ),
        None,
    )
    return Routed(mws_type, row, dict(source), seller, marketplace)


def _clean_offer_change(source: dict[str, Any], allowed: frozenset[str]) -> None:
    trigger = source.get("OfferChangeTrigger")
    if isinstance(trigger, dict) and trigger.get("OfferChangeType") not in allowed:
        source["OfferChangeTrigger"] = {k: v for k, v in trigger.items() if k != "OfferChangeType"}


def _publish_time(note: SpNotification) -> str:
    for value in (note.publish_time, note.event_time):
        if value:
            text = format_datetime(value)
            if text:
                return text
    return format_millis(datetime.now(UTC))


def _document(meta: list[Element], payload: Element) -> bytes:
    root: Element = (
        "Notification",
        [("NotificationMetaData", meta), ("NotificationPayload", [payload])],
    )
    return render_document(root, None)


def _meta(
    tables: NotificationTables,
    mws_type: str,
    unique_id: str,
    publish_time: str,
    seller: str,
    marketplace: str | None,
) -> list[Element]:
    meta: list[Element] = [
        ("NotificationType", mws_type),
        ("PayloadVersion", tables.mws_payload_version),
        ("UniqueId", unique_id),
        ("PublishTime", publish_time),
        ("SellerId", seller),
    ]
    if marketplace:
        meta.append(("MarketplaceId", marketplace))
    return meta


def render(
    note: SpNotification,
    routed: Routed,
    tables: NotificationTables,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """The MWS XML notification of ``note`` (already classified as ``routed``)."""
    source = dict(routed.source)
    source.update(extra or {})
    if routed.mws_type == "AnyOfferChanged":
        _clean_offer_change(source, tables.offer_change_types)
    record = str(routed.row["payload"])
    try:
        children = tables.maps.children(record, source)
    except (TypeError, ValueError, AttributeError) as exc:
        raise PoisonMessage(f"payload could not be rendered: {type(exc).__name__}") from None
    meta = _meta(
        tables,
        routed.mws_type,
        note.notification_id,
        _publish_time(note),
        routed.seller_id,
        routed.marketplace,
    )
    return _document(meta, (record, children))


def render_test(
    tables: NotificationTables, *, seller: str, marketplace: str | None, unique_id: str
) -> bytes:
    """The message SendTestNotificationToDestination sends (NotificationType ``Test``)."""
    test_type = str(tables.test.get("notification_type", "Test"))
    payload = str(tables.test.get("payload", "TestNotification"))
    now = format_millis(datetime.now(UTC))
    meta = _meta(tables, test_type, unique_id, now, seller, marketplace)
    return _document(meta, (payload, None))
