"""The durable records of notifications, in the gateway's store (SQLite | PostgreSQL).

Per seller (``seller_id`` of the store's key):

* ``subscriptions.destination``   a legacy queue registered with RegisterDestination, per
  marketplace (key ``<marketplace> <queue url>``);
* ``subscriptions.subscription``  an MWS subscription: NotificationType, legacy queue,
  IsEnabled (key ``<marketplace> <type> <queue url>``);
* ``subscriptions.upstream``      the SP-API subscription behind them, one per SP-API region
  and notificationType (key ``<region> <notificationType>``): SP-API allows one per seller,
  type and application, while MWS allowed any number of queues per type;
* ``notifications.delivered``     a notification delivered to one legacy queue (key
  ``<notificationId> <queue url>``) and ``notifications.done``, delivered to all of them
  (key ``<notificationId>``): what makes a redelivered SQS message no second delivery.

And for the application (seller ``""``): ``notifications.destination``, the SP-API
destination of the source queue per region (key ``<region>``).

Queue URLs are compared in :func:`gateway.notifications.queues.canonical_url` form; the URL
as the client wrote it is kept for the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.notifications.queues import canonical_url
from gateway.state.base import Store

DESTINATION = "subscriptions.destination"
SUBSCRIPTION = "subscriptions.subscription"
UPSTREAM = "subscriptions.upstream"
APP_DESTINATION = "notifications.destination"
DELIVERED = "notifications.delivered"
DONE = "notifications.done"
APP = ""  # the seller key of application-wide records


@dataclass(frozen=True)
class Destination:
    marketplace: str
    url: str  # as registered

    @property
    def key(self) -> str:
        return destination_key(self.marketplace, self.url)


@dataclass(frozen=True)
class Subscription:
    marketplace: str
    notification_type: str  # MWS NotificationType
    url: str
    enabled: bool

    @property
    def key(self) -> str:
        return subscription_key(self.marketplace, self.notification_type, self.url)

    def to_record(self) -> dict[str, Any]:
        return {
            "marketplace": self.marketplace,
            "type": self.notification_type,
            "url": self.url,
            "enabled": self.enabled,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Subscription:
        return cls(
            str(data["marketplace"]), str(data["type"]), str(data["url"]), bool(data["enabled"])
        )


@dataclass(frozen=True)
class Upstream:
    subscription_id: str
    destination_id: str
    payload_version: str


def destination_key(marketplace: str, url: str) -> str:
    return f"{marketplace} {canonical_url(url)}"


def subscription_key(marketplace: str, notification_type: str, url: str) -> str:
    return f"{marketplace} {notification_type} {canonical_url(url)}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Registry:
    def __init__(self, store: Store, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.store = store
        self.clock = clock  # the store's clock (records are timed by it)

    # -- legacy destinations -------------------------------------------------------------

    async def destinations(self, seller: str, marketplace: str | None = None) -> list[Destination]:
        records = await self.store.list(DESTINATION, seller)
        found = [Destination(str(r.data["marketplace"]), str(r.data["url"])) for r in records]
        found.sort(key=lambda d: d.key)
        return [d for d in found if marketplace is None or d.marketplace == marketplace]

    async def destination(self, seller: str, marketplace: str, url: str) -> Destination | None:
        record = await self.store.get(DESTINATION, seller, destination_key(marketplace, url))
        if record is None:
            return None
        return Destination(str(record.data["marketplace"]), str(record.data["url"]))

    async def add_destination(self, seller: str, marketplace: str, url: str) -> bool:
        """Register; False when it was registered already."""
        data = {"marketplace": marketplace, "url": url, "channel": "SQS"}
        _, created = await self.store.put_if_absent(
            DESTINATION, seller, destination_key(marketplace, url), data
        )
        return created

    async def restore_destination(self, seller: str, destination: Destination) -> None:
        data = {"marketplace": destination.marketplace, "url": destination.url, "channel": "SQS"}
        await self.store.put(DESTINATION, seller, destination.key, data)

    async def remove_destination(self, seller: str, marketplace: str, url: str) -> bool:
        return await self.store.delete(DESTINATION, seller, destination_key(marketplace, url))

    # -- MWS subscriptions ---------------------------------------------------------------

    async def subscriptions(
        self, seller: str, marketplace: str | None = None
    ) -> list[Subscription]:
        records = await self.store.list(SUBSCRIPTION, seller)
        found = [Subscription.from_record(r.data) for r in records]
        found.sort(key=lambda s: s.key)
        return [s for s in found if marketplace is None or s.marketplace == marketplace]

    async def subscription(
        self, seller: str, marketplace: str, notification_type: str, url: str
    ) -> Subscription | None:
        key = subscription_key(marketplace, notification_type, url)
        record = await self.store.get(SUBSCRIPTION, seller, key)
        return None if record is None else Subscription.from_record(record.data)

    async def add_subscription(self, seller: str, sub: Subscription) -> bool:
        _, created = await self.store.put_if_absent(SUBSCRIPTION, seller, sub.key, sub.to_record())
        return created

    async def put_subscription(self, seller: str, sub: Subscription) -> None:
        await self.store.put(SUBSCRIPTION, seller, sub.key, sub.to_record())

    async def delete_subscription(self, seller: str, sub: Subscription) -> bool:
        return await self.store.delete(SUBSCRIPTION, seller, sub.key)

    async def targets(
        self, seller: str, notification_type: str, marketplaces: Iterable[str] | None = None
    ) -> list[str]:
        """The legacy queues an enabled subscription sends ``notification_type`` to, each once.

        ``marketplaces``: the notification's marketplaces, when it names them (None: any)."""
        wanted = None if marketplaces is None else set(marketplaces)
        urls: dict[str, str] = {}
        for sub in await self.subscriptions(seller):
            if not sub.enabled or sub.notification_type != notification_type:
                continue
            if wanted is not None and sub.marketplace not in wanted:
                continue
            urls.setdefault(canonical_url(sub.url), sub.url)
        return [urls[k] for k in sorted(urls)]

    # -- SP-API side ---------------------------------------------------------------------

    async def upstream(self, seller: str, region: str, spapi_type: str) -> Upstream | None:
        record = await self.store.get(UPSTREAM, seller, f"{region} {spapi_type}")
        if record is None:
            return None
        data = record.data
        return Upstream(
            str(data["subscriptionId"]), str(data["destinationId"]), str(data["payloadVersion"])
        )

    async def put_upstream(self, seller: str, region: str, spapi_type: str, up: Upstream) -> None:
        data = {
            "subscriptionId": up.subscription_id,
            "destinationId": up.destination_id,
            "payloadVersion": up.payload_version,
        }
        await self.store.put(UPSTREAM, seller, f"{region} {spapi_type}", data)

    async def forget_upstream(self, seller: str, region: str, spapi_type: str) -> None:
        await self.store.delete(UPSTREAM, seller, f"{region} {spapi_type}")

    async def app_destination(self, region: str) -> tuple[str, str] | None:
        """(destinationId, arn) of the source queue's SP-API destination in ``region``."""
        record = await self.store.get(APP_DESTINATION, APP, region)
        if record is None:
            return None
        return str(record.data["destinationId"]), str(record.data["arn"])

    async def put_app_destination(self, region: str, destination_id: str, arn: str) -> None:
        data = {"destinationId": destination_id, "arn": arn}
        await self.store.put(APP_DESTINATION, APP, region, data)

    async def forget_app_destination(self, region: str) -> None:
        await self.store.delete(APP_DESTINATION, APP, region)

    # -- deliveries ----------------------------------------------------------------------

    async def delivered_to(self, seller: str, notification_id: str, urls: list[str]) -> set[str]:
        """Which of ``urls`` (canonical) already got ``notification_id``."""
        keys = {f"{notification_id} {canonical_url(u)}": canonical_url(u) for u in urls}
        found = await self.store.get_many(DELIVERED, seller, list(keys))
        return {keys[k] for k in found}

    async def mark_delivered(self, seller: str, notification_id: str, url: str) -> None:
        key = f"{notification_id} {canonical_url(url)}"
        await self.store.put(DELIVERED, seller, key, {})

    async def is_done(self, seller: str, notification_id: str) -> bool:
        return await self.store.get(DONE, seller, notification_id) is not None

    async def mark_done(self, seller: str, notification_id: str, targets: int) -> None:
        await self.store.put(DONE, seller, notification_id, {"targets": targets})

    async def prune(self, seller: str, keep_days: int, *, limit: int = 1000) -> int:
        """Forget delivery records older than ``keep_days`` (bounded work per call)."""
        until = self.clock() - timedelta(days=keep_days)
        removed = 0
        for kind in (DELIVERED, DONE):
            for record in await self.store.list(kind, seller, until=until, limit=limit):
                removed += int(await self.store.delete(kind, seller, record.key))
        return removed
