"""The bridge against moto's SQS server: routing, de-duplication, retries, the dead-letter queue.

Each test writes the registry (what the Subscriptions section records) straight into a SQLite
store, puts SP-API notification JSON on the source queue and lets the bridge handle what it
receives, one round at a time, then reads the legacy queues like a legacy program would.
"""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from gateway.catalog import load_catalog
from gateway.config import NotificationSettings
from gateway.notifications.bridge import Bridge, BridgeMetrics, Outcome
from gateway.notifications.registry import Registry, Subscription, Upstream
from gateway.notifications.service import NotificationService, SourceQueue
from gateway.notifications.sqs import Sqs
from gateway.schemas import notification_schema
from gateway.state.store_sqlite import SqliteStore
from tests.notifications import samples
from tests.support.sqs import SqsProbe, unique

pytestmark = pytest.mark.anyio

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
CATALOG = load_catalog()


@dataclass
class Rig:
    bridge: Bridge
    source: SourceQueue
    registry: Registry
    store: SqliteStore
    probe: SqsProbe

    async def subscribe(self, url: str, ntype: str, market: str = US, enabled: bool = True) -> None:
        seller = samples.SELLER
        await self.registry.add_destination(seller, market, url)
        await self.registry.put_subscription(seller, Subscription(market, ntype, url, enabled))

    def publish(self, doc: dict[str, Any]) -> None:
        self.probe.send(self.source.url, json.dumps(doc))

    async def round(self, expect: int = 1) -> list[Outcome]:
        """Receive until ``expect`` messages were handled (or 10 s passed)."""
        outcomes: list[Outcome] = []
        with anyio.move_on_after(10):
            while len(outcomes) < expect:
                messages = await self.bridge.service.sqs.receive(
                    self.source.url, max_messages=10, wait_seconds=1, visibility_timeout=30
                )
                for message in messages:
                    outcomes.append(await self.bridge.handle(self.source, message))
        return outcomes

    async def read(self, url: str, expect: int) -> list[ET.Element]:
        got = await anyio.to_thread.run_sync(
            lambda: self.probe.drain(url, expect=expect, timeout=5)
        )
        roots = []
        for message in got:
            notification_schema().validate(message["Body"])
            roots.append(ET.fromstring(message["Body"]))
        return roots


@pytest.fixture
async def rig(
    tmp_path: Path, sqs_endpoint: str, probe: SqsProbe, sqs_client: Sqs
) -> AsyncIterator[Rig]:
    source_url = probe.create(unique("source"))
    dlq_url = probe.create(unique("dlq"))
    settings = NotificationSettings(
        sqs_endpoint=sqs_endpoint, source_queue_url=source_url, dead_letter_queue_url=dlq_url
    )
    service = NotificationService(settings, sqs_client)
    store = SqliteStore(tmp_path / "gateway.sqlite3")
    await store.open()
    bridge = Bridge(service, store, CATALOG, BridgeMetrics())
    try:
        yield Rig(bridge, await service.source(), Registry(store), store, probe)
    finally:
        await store.close()


def unique_ids(roots: list[ET.Element]) -> list[str]:
    return [str(r.findtext("NotificationMetaData/UniqueId")) for r in roots]


async def test_every_subscribed_queue_gets_it_once(rig: Rig) -> None:
    a, b, other = (rig.probe.create(unique(n)) for n in ("a", "b", "ca"))
    await rig.subscribe(a, "AnyOfferChanged")
    await rig.subscribe(b, "AnyOfferChanged")
    await rig.subscribe(b, "FeedProcessingFinished")
    await rig.subscribe(other, "AnyOfferChanged", market=CA)  # another marketplace
    rig.publish(samples.any_offer_changed("B0ROUTE001", nid="n-route"))
    [outcome] = await rig.round()
    assert (outcome.status, outcome.targets, outcome.sent) == ("delivered", 2, 2)
    for url in (a, b):
        [root] = await rig.read(url, 1)
        assert unique_ids([root]) == ["n-route"]
        assert root.findtext(".//OfferChangeTrigger/ASIN") == "B0ROUTE001"
    assert rig.probe.count(other) == 0
    assert rig.probe.count(rig.source.url) == 0  # deleted once every queue accepted it
    assert rig.bridge.metrics.delivered.labels("AnyOfferChanged")._value.get() == 2


async def test_a_redelivered_notification_is_not_sent_again(rig: Rig) -> None:
    a = rig.probe.create(unique("a"))
    await rig.subscribe(a, "FulfillmentOrderStatus")
    doc = samples.fulfillment_order_status("MCF-DUP")
    rig.publish(doc)
    rig.publish(doc)  # SQS's at-least-once: the same notificationId twice
    outcomes = await rig.round(expect=2)
    assert sorted(o.status for o in outcomes) == ["delivered", "duplicate"]
    assert len(await rig.read(a, 1)) == 1
    assert rig.probe.count(a) == 0
    assert rig.bridge.metrics.duplicates._value.get() == 1


async def test_a_queue_that_is_down_gets_it_later_and_the_others_no_copy(rig: Rig) -> None:
    a, b = rig.probe.create(unique("a")), rig.probe.create(unique("b"))
    await rig.subscribe(a, "AnyOfferChanged")
    await rig.subscribe(b, "AnyOfferChanged")
    rig.probe.delete_queue(b)  # the legacy queue is gone for a while
    rig.publish(samples.any_offer_changed(nid="n-down"))
    [first] = await rig.round()
    assert (first.status, first.sent) == ("retry", 1)
    assert rig.probe.count(rig.source.url) == 1  # kept, hidden for the backoff
    assert rig.bridge.metrics.failed.labels("target_missing")._value.get() == 1
    rig.probe.create(b.rsplit("/", 1)[1])  # the queue is back
    [second] = await rig.round()  # comes back after the 2 s backoff
    assert (second.status, second.sent) == ("delivered", 1)
    assert unique_ids(await rig.read(a, 1)) == ["n-down"]
    assert unique_ids(await rig.read(b, 1)) == ["n-down"]
    assert rig.probe.count(a) == rig.probe.count(b) == rig.probe.count(rig.source.url) == 0


async def test_what_cannot_be_rendered_goes_to_the_dead_letter_queue(rig: Rig) -> None:
    rig.probe.send(rig.source.url, "{not json")
    rig.publish(samples.pascal("ORDER_CHANGE", "orderChangeNotification", {"x": 1}))
    outcomes = await rig.round(expect=2)
    assert [o.status for o in outcomes] == ["dead_letter", "dead_letter"]
    assert rig.source.dead_letter_url is not None
    dead = rig.probe.drain(rig.source.dead_letter_url, expect=2, timeout=5)
    reasons = sorted(m["MessageAttributes"]["reason"]["StringValue"] for m in dead)
    assert reasons[0].startswith("not JSON")
    assert reasons[1] == "notificationType ORDER_CHANGE has no MWS notification"
    assert sorted(m["Body"] for m in dead)[-1] == "{not json"  # the original body, unchanged
    assert rig.probe.count(rig.source.url) == 0
    assert rig.bridge.metrics.dead_lettered._value.get() == 2


async def test_disabled_and_missing_subscriptions_receive_nothing(rig: Rig) -> None:
    a = rig.probe.create(unique("a"))
    await rig.subscribe(a, "AnyOfferChanged", enabled=False)
    rig.publish(samples.any_offer_changed())
    rig.publish(samples.report_finished("9001"))
    outcomes = await rig.round(expect=2)
    assert [o.status for o in outcomes] == ["unrouted", "unrouted"]
    assert rig.probe.count(a) == 0
    assert rig.bridge.metrics.unrouted._value.get() == 2


async def test_feed_notifications_carry_the_submission_the_client_made(rig: Rig) -> None:
    a = rig.probe.create(unique("a"))
    await rig.subscribe(a, "FeedProcessingFinished")
    seller = samples.SELLER
    # what the Feeds section records for a translated price feed split into two SP-API feeds
    await rig.store.put(
        "feeds.submission",
        seller,
        "61001",
        {"id": "61001", "mws_type": "_POST_PRODUCT_PRICING_DATA_", "feed_ids": ["61001", "61002"]},
    )
    await rig.store.put("feeds.created", seller, "61002", {"intent": "k"})
    rig.publish(samples.feed_finished("61001", "JSON_LISTINGS_FEED"))
    rig.publish(samples.feed_finished("61002", "JSON_LISTINGS_FEED"))  # the second part
    rig.publish(samples.feed_finished("77777", "POST_ORDER_FULFILLMENT_DATA", status="FATAL"))
    outcomes = await rig.round(expect=3)
    assert sorted(o.status for o in outcomes) == ["absorbed", "delivered", "delivered"]
    roots = await rig.read(a, 2)
    got = {
        r.findtext(".//FeedSubmissionId"): (
            r.findtext(".//FeedType"),
            r.findtext(".//FeedProcessingStatus"),
        )
        for r in roots
    }
    assert got == {
        "61001": ("_POST_PRODUCT_PRICING_DATA_", "_DONE_"),
        "77777": ("_POST_ORDER_FULFILLMENT_DATA_", "_CANCELLED_"),
    }


async def test_report_notifications_use_the_mws_names(rig: Rig) -> None:
    a = rig.probe.create(unique("a"))
    await rig.subscribe(a, "ReportProcessingFinished")
    rig.publish(samples.report_finished("8001"))
    rig.publish(samples.report_finished("8002", document=False))
    await rig.round(expect=2)
    roots = await rig.read(a, 2)
    got = {
        r.findtext(".//ReportId"): (
            r.findtext(".//ReportType"),
            r.findtext(".//ReportProcessingStatus"),
        )
        for r in roots
    }
    assert got == {
        "8001": ("_GET_MERCHANT_LISTINGS_ALL_DATA_", "_DONE_"),
        "8002": ("_GET_MERCHANT_LISTINGS_ALL_DATA_", "_DONE_NO_DATA_"),
    }


async def test_two_copies_in_one_batch_are_delivered_once(rig: Rig) -> None:
    a = rig.probe.create(unique("a"))
    await rig.subscribe(a, "FeePromotion")
    doc = samples.fee_promotion()
    rig.publish(doc)
    rig.publish(doc)
    messages: list[Any] = []
    with anyio.move_on_after(10):
        while len(messages) < 2:
            messages += await rig.bridge.service.sqs.receive(
                rig.source.url, max_messages=10, wait_seconds=1, visibility_timeout=30
            )
    outcomes = await asyncio.gather(*(rig.bridge.handle(rig.source, m) for m in messages))
    assert sorted(o.status for o in outcomes) == ["delivered", "retry"]
    assert len(await rig.read(a, 1)) == 1
    assert rig.probe.count(a) == 0


async def test_a_feed_notifies_the_queues_of_its_region_only(rig: Rig) -> None:
    us, uk = rig.probe.create(unique("us")), rig.probe.create(unique("uk"))
    await rig.subscribe(us, "FeedProcessingFinished", market=US)
    await rig.subscribe(uk, "FeedProcessingFinished", market="A1F83G8C2ARO7P")
    for region, sub_id in (("na", "sub-na"), ("eu", "sub-eu")):
        await rig.registry.put_upstream(
            samples.SELLER, region, "FEED_PROCESSING_FINISHED", Upstream(sub_id, "d", "2020-09-04")
        )
    doc = samples.feed_finished("90001")
    doc["notificationMetadata"]["subscriptionId"] = "sub-eu"  # sent for the EU subscription
    rig.publish(doc)
    [outcome] = await rig.round()
    assert (outcome.status, outcome.targets) == ("delivered", 1)
    [root] = await rig.read(uk, 1)
    assert root.findtext(".//FeedSubmissionId") == "90001"
    assert rig.probe.count(us) == 0
