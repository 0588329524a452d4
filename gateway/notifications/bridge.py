"""The notification bridge: SP-API JSON on the source queue -> MWS XML on the legacy queues.

One loop: long-poll the source queue, and for each message

1. parse and classify it (:mod:`envelope`, :mod:`render`); what cannot be read or rendered goes
   to the dead-letter queue with the reason as a message attribute, then leaves the source
   queue (never dropped silently; with no dead-letter queue configured it stays where it is);
2. skip it when its notificationId was delivered already (``notifications.done``);
3. find the legacy queues subscribed to its MWS type for its seller (and marketplace, when it
   names one) in the durable registry;
4. render the MWS XML once and send it to each queue that has not had it yet (side by side),
   recording every delivery (``notifications.delivered``) as it happens;
5. delete the message from the source queue only once every queue accepted it. A queue that
   fails leaves the message in the source queue, hidden for a backoff that doubles with each
   receive (up to ``max_backoff_seconds``), so the next attempt sends only to the queues still
   missing it.

The messages of one receive (up to ``batch_size``) are handled side by side; two copies of one
notificationId in a batch are not: the second waits for its redelivery. So delivery is at
least once, and a restart mid-batch (or a crash) repeats at most the sends whose record was not
yet written. On a stop the messages received but not handled are made visible again at once.

Metrics (``mws_gateway_bridge_*``): received, delivered (per MWS type), failed (per reason),
dead_lettered, duplicates, unrouted, absorbed, and lag (seconds from SQS's SentTimestamp of
the SP-API message to its handling).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from gateway.notifications.enrich import Absorbed, enrich
from gateway.notifications.envelope import PoisonMessage, parse
from gateway.notifications.queues import canonical_url
from gateway.notifications.registry import Registry
from gateway.notifications.render import NotificationTables, classify, render
from gateway.notifications.service import NotificationService, SourceQueue
from gateway.notifications.sqs import QueueMissing, ReceivedMessage, SqsError
from gateway.state.base import BackendUnavailable, Store

log = structlog.get_logger("mws_gateway.bridge")

RETRY_BASE_SECONDS = 2.0


class BridgeMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.received = Counter(
            "mws_gateway_bridge_received", "SP-API notifications received", registry=r
        )
        self.delivered = Counter(
            "mws_gateway_bridge_delivered",
            "MWS notifications accepted by a legacy queue",
            ["notification_type"],
            registry=r,
        )
        self.failed = Counter(
            "mws_gateway_bridge_failed",
            "Failed handling attempts by reason",
            ["reason"],
            registry=r,
        )
        self.dead_lettered = Counter(
            "mws_gateway_bridge_dead_lettered",
            "Messages moved to the dead-letter queue",
            registry=r,
        )
        self.duplicates = Counter(
            "mws_gateway_bridge_duplicates", "Redelivered notifications already done", registry=r
        )
        self.unrouted = Counter(
            "mws_gateway_bridge_unrouted", "Notifications no enabled subscription wants", registry=r
        )
        self.absorbed = Counter(
            "mws_gateway_bridge_absorbed", "Notifications covered by another one", registry=r
        )
        self.lag = Histogram(
            "mws_gateway_bridge_lag_seconds",
            "From SQS accepting the SP-API notification to the bridge handling it",
            buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
            registry=r,
        )
        self.last_lag = Gauge(
            "mws_gateway_bridge_last_lag_seconds", "Lag of the latest notification", registry=r
        )


@dataclass
class Outcome:
    """What became of one message (for tests and the log)."""

    status: str  # delivered | retry | dead_letter | duplicate | unrouted | absorbed | kept
    targets: int = 0
    sent: int = 0
    reason: str = ""


class Bridge:
    def __init__(
        self,
        service: NotificationService,
        store: Store,
        catalog: Any,
        metrics: BridgeMetrics | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.settings = service.settings.bridge
        self.store = store
        self.catalog = catalog
        self.registry = Registry(store)
        self.tables = NotificationTables.from_catalog(catalog)
        self.metrics = metrics or BridgeMetrics()
        self.clock = clock
        self.handled = 0  # messages handled (any outcome), for tests and health
        self.alive_at = clock()
        self._sellers: set[str] = set()
        self._working: set[tuple[str, str]] = set()  # (seller, notificationId) being delivered
        self._pruned_at = 0.0

    # -- the loop ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set."""
        source = await self._source(stop)
        if source is None:
            return
        log.info("bridge.started", source=source.url, dead_letter=source.dead_letter_url)
        failures = 0
        while not stop.is_set():
            self.alive_at = self.clock()
            try:
                messages = await self.service.sqs.receive(
                    source.url,
                    max_messages=self.settings.batch_size,
                    wait_seconds=self.settings.wait_seconds,
                    visibility_timeout=self.settings.visibility_timeout,
                )
                failures = 0
            except SqsError as exc:
                failures += 1
                self.metrics.failed.labels("source_unavailable").inc()
                log.warning("bridge.receive_failed", error=str(exc), attempt=failures)
                await _sleep_or_stop(stop, min(30.0, RETRY_BASE_SECONDS * 2 ** min(failures, 4)))
                continue
            if stop.is_set():
                await self.service.sqs.release(source.url, [m.receipt for m in messages])
                break
            # the messages of a batch are independent: handled side by side
            await asyncio.gather(*(self.handle(source, m) for m in messages))
            await self._prune()
        log.info("bridge.stopped", handled=self.handled)

    async def _source(self, stop: asyncio.Event) -> SourceQueue | None:
        attempt = 0
        while not stop.is_set():
            try:
                return await self.service.source()
            except SqsError as exc:
                attempt += 1
                log.warning("bridge.source_unavailable", error=str(exc), attempt=attempt)
                await _sleep_or_stop(stop, min(30.0, RETRY_BASE_SECONDS * 2 ** min(attempt, 4)))
        return None

    # -- one message ---------------------------------------------------------------------

    async def handle(self, source: SourceQueue, message: ReceivedMessage) -> Outcome:
        self.metrics.received.inc()
        self.handled += 1
        if message.sent_at is not None:
            lag = max(0.0, self.clock() - message.sent_at)
            self.metrics.lag.observe(lag)
            self.metrics.last_lag.set(lag)
        try:
            return await self._handle(source, message)
        except BackendUnavailable as exc:
            # The registry is down: keep the message; it comes back after the visibility timeout.
            self.metrics.failed.labels("store").inc()
            log.warning("bridge.store_unavailable", error=str(exc), message_id=message.message_id)
            return Outcome("retry", reason="store")
        except Exception:  # a bug: logged; the message stays and is tried again later
            self.metrics.failed.labels("internal").inc()
            log.exception("bridge.handle_failed", message_id=message.message_id)
            await self._hide(source, message, self._backoff(message.receive_count))
            return Outcome("retry", reason="internal error")

    async def _handle(self, source: SourceQueue, message: ReceivedMessage) -> Outcome:
        sqs = self.service.sqs
        try:
            note = parse(message.body)
            routed = classify(note, self.tables)
        except PoisonMessage as exc:
            return await self._dead_letter(source, message, str(exc))
        seller, nid = routed.seller_id, note.notification_id
        self._sellers.add(seller)
        if await self.registry.is_done(seller, nid):
            self.metrics.duplicates.inc()
            await self._delete(source, message)
            return Outcome("duplicate")
        markets = (
            [routed.marketplace]
            if routed.marketplace
            else await self._region_markets(seller, routed, note.subscription_id)
        )
        targets = await self.registry.targets(seller, routed.mws_type, markets)
        if not targets:
            self.metrics.unrouted.inc()
            log.info("bridge.unrouted", notification_id=nid, type=routed.mws_type, seller_id=seller)
            await self._delete(source, message)
            return Outcome("unrouted")
        try:
            extra = await enrich(routed, self.tables, self.catalog, self.store)
        except Absorbed as exc:
            self.metrics.absorbed.inc()
            log.info("bridge.absorbed", notification_id=nid, reason=str(exc))
            await self._delete(source, message)
            return Outcome("absorbed", reason=str(exc))
        try:
            body = render(note, routed, self.tables, extra).decode("utf-8")
        except PoisonMessage as exc:
            return await self._dead_letter(source, message, str(exc))
        key = (seller, nid)
        if key in self._working:  # a second copy in this very batch: the first one decides
            return Outcome("retry", len(targets), reason="the same notification is in hand")
        self._working.add(key)
        try:
            done = await self.registry.delivered_to(seller, nid, targets)
            pending = [url for url in targets if canonical_url(url) not in done]
            results = await asyncio.gather(
                *(
                    self._deliver(seller, nid, routed.mws_type, url, body, message)
                    for url in pending
                )
            )
        finally:
            self._working.discard(key)
        sent = sum(results)
        failed = len(results) - sent
        if failed:
            delay = self._backoff(message.receive_count)
            try:
                await sqs.change_visibility(source.url, message.receipt, delay)
            except SqsError as exc:  # it comes back after the visibility timeout anyway
                log.warning("bridge.backoff_failed", error=str(exc))
            return Outcome("retry", len(targets), sent, reason=f"{failed} queue(s) failed")
        await self.registry.mark_done(seller, nid, len(targets))
        await self._delete(source, message)
        log.info(
            "bridge.delivered",
            notification_id=nid,
            type=routed.mws_type,
            seller_id=seller,
            targets=len(targets),
            sent=sent,
        )
        return Outcome("delivered", len(targets), sent)

    async def _region_markets(
        self, seller: str, routed: Any, subscription_id: str | None
    ) -> list[str] | None:
        """The marketplaces of the region whose SP-API subscription sent a notification that
        names no marketplace (a feed or report finishing): the one SQS queue serves every
        region, and a US feed must not notify a queue subscribed in the UK. None: not known."""
        if not subscription_id:
            return None
        spapi_type = str(routed.row["spapi"])
        regions = sorted({str(m.get("region")) for m in self.catalog.marketplaces.values()})
        for region in regions:
            up = await self.registry.upstream(seller, region, spapi_type)
            if up is not None and up.subscription_id == subscription_id:
                return [
                    m for m, row in self.catalog.marketplaces.items()
                    if str(row.get("region")) == region
                ]  # fmt: skip
        return None

    async def _deliver(
        self, seller: str, nid: str, mws_type: str, url: str, body: str, message: ReceivedMessage
    ) -> bool:
        """Send to one legacy queue and record it; False when the queue did not take it."""
        try:
            await self.service.sqs.send(url, body)
        except SqsError as exc:
            reason = "target_missing" if isinstance(exc, QueueMissing) else "target_unavailable"
            self.metrics.failed.labels(reason).inc()
            log.warning(
                "bridge.delivery_failed",
                notification_id=nid,
                type=mws_type,
                target=url,
                error=str(exc),
                attempt=message.receive_count,
            )
            return False
        await self.registry.mark_delivered(seller, nid, url)
        self.metrics.delivered.labels(mws_type).inc()
        return True

    def _backoff(self, receive_count: int) -> int:
        exponent = max(0, min(receive_count - 1, 20))
        return int(min(self.settings.max_backoff_seconds, RETRY_BASE_SECONDS * 2**exponent))

    async def _delete(self, source: SourceQueue, message: ReceivedMessage) -> None:
        try:
            await self.service.sqs.delete(source.url, message.receipt)
        except SqsError as exc:  # it comes back, and is then a duplicate
            log.warning("bridge.delete_failed", error=str(exc), message_id=message.message_id)

    async def _dead_letter(
        self, source: SourceQueue, message: ReceivedMessage, reason: str
    ) -> Outcome:
        self.metrics.failed.labels("unrenderable").inc()
        if not source.dead_letter_url:
            log.error("bridge.unrenderable_kept", reason=reason, message_id=message.message_id)
            await self._hide(source, message, self.settings.max_backoff_seconds)
            return Outcome("kept", reason=reason)
        attributes = {
            "reason": reason[:256],
            "sourceMessageId": message.message_id,
            "receiveCount": str(message.receive_count),
        }
        try:
            await self.service.sqs.send(source.dead_letter_url, message.body, attributes)
        except SqsError as exc:
            self.metrics.failed.labels("dead_letter_unavailable").inc()
            log.warning("bridge.dead_letter_failed", error=str(exc))
            await self._hide(source, message, self._backoff(message.receive_count))
            return Outcome("retry", reason="dead-letter queue unavailable")
        self.metrics.dead_lettered.inc()
        log.warning("bridge.dead_lettered", reason=reason, message_id=message.message_id)
        await self._delete(source, message)
        return Outcome("dead_letter", reason=reason)

    async def _hide(self, source: SourceQueue, message: ReceivedMessage, seconds: int) -> None:
        with contextlib.suppress(SqsError):
            await self.service.sqs.change_visibility(source.url, message.receipt, seconds)

    async def _prune(self) -> None:
        now = self.clock()
        if now - self._pruned_at < 3600:
            return
        self._pruned_at = now
        for seller in sorted(self._sellers):
            try:
                await self.registry.prune(seller, self.settings.delivered_retention_days)
            except BackendUnavailable:
                return


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
