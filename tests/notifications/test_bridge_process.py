"""End to end on moto's SQS server, with the bridge as its own process killed mid-stream.

A live gateway (uvicorn) on a live emulator (uvicorn, publishing SP-API JSON to moto); boto 2.49
subscribes a legacy queue to FeedProcessingFinished and AnyOfferChanged; a feed is submitted
and offers change through the emulator's admin endpoint; ``mws-gateway bridge`` runs as a
subprocess, is SIGKILLed after some deliveries and started again. The legacy queue must end
with every notification, as MWS XML valid against the project's XSD, with the right
FeedSubmissionId / ASIN, none lost and none twice beyond the sends a kill interrupts.
"""

from __future__ import annotations

import collections
import collections.abc
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import mws
import pytest
import yaml
from boto.mws.connection import MWSConnection

from gateway.app import create_app
from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.events import notifications_state
from gateway.schemas import notification_schema
from tests.feeds import samples
from tests.subscriptions.conftest import notification_settings
from tests.support.gateway import demo_settings
from tests.support.live import serve_in_thread
from tests.support.sqs import SqsProbe, unique

collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]

pytestmark = pytest.mark.live

US = "ATVPDKIKX0DER"
OFFER_CHANGES = 30


def wait_for(what: str, check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def loop(tmp_path: Path, sqs_endpoint: str) -> Iterator[dict[str, Any]]:
    emulator = create_emulator_app(
        EmulatorConfig(rate_mode="off", sqs_endpoint=sqs_endpoint, notifications_tick_seconds=0.1)
    )
    with serve_in_thread(emulator) as emu:
        notes = notification_settings(sqs_endpoint)
        settings = demo_settings(
            tmp_path,
            notifications=notes,
            upstream={"mode": "emulator", "emulator_url": emu.url},
        )
        with serve_in_thread(create_app(settings)) as gateway:
            yield {
                "emulator": emulator.state.emulator,
                "emulator_url": emu.url,
                "gateway": gateway,
                "settings": settings,
                "notifications": notes,
            }


def kind(root: ET.Element) -> str | None:
    return root.findtext("NotificationMetaData/NotificationType")


def bridge_process(tmp_path: Path, config: dict[str, Any]) -> subprocess.Popen[bytes]:
    path = tmp_path / "bridge.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "MWS_GATEWAY_LOG_LEVEL": "warning"}
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "bridge", "--demo", "--config", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_feed_and_offer_changes_reach_the_legacy_queue_across_a_bridge_kill(
    loop: dict[str, Any], probe: SqsProbe, tmp_path: Path
) -> None:
    gateway = loop["gateway"]
    legacy = probe.create(unique("legacy"))
    conn = MWSConnection(
        DEMO_ACCESS_KEY,
        DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=gateway.port,
        is_secure=False,
    )
    dest = {"DeliveryChannel": "SQS", "AttributeList": [{"Key": "sqsQueueUrl", "Value": legacy}]}
    conn.register_destination(MarketplaceId=US, Destination=dest)
    for ntype in ("FeedProcessingFinished", "AnyOfferChanged"):
        conn.create_subscription(
            MarketplaceId=US,
            Subscription={"NotificationType": ntype, "Destination": dest, "IsEnabled": True},
        )

    emulator = loop["emulator"]
    offers = sorted(
        (sku, str(item["asin"]))
        for sku, item in emulator.data.listings.items()
        if item.get("marketplace_id") == US
        and item.get("condition") == "new_new"
        and int(item.get("quantity", 0)) > 0
    )
    sku, _ = offers[0]
    feeds = mws.Feeds(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=gateway.url)
    submitted = feeds.submit_feed(
        samples.envelope("Price", samples.price(1, sku, "17.25")), "_POST_PRODUCT_PRICING_DATA_"
    )
    feed_id = str(submitted.parsed["FeedSubmissionInfo"]["FeedSubmissionId"])
    asins = []
    with httpx.Client(base_url=loop["emulator_url"]) as admin:
        for i in range(OFFER_CHANGES):
            asin = offers[i % len(offers)][1]
            answer = admin.post(
                "/_emulator/notifications/offer-change", json={"asin": asin, "price": 10 + i}
            )
            assert answer.status_code == 200 and answer.json()["queued"], answer.text
            asins.append(asin)
    published = notifications_state(emulator).published
    # the feed's end, and the offer change its new price is
    wait_for(
        "the feed's notifications",
        lambda: (
            len(published) == OFFER_CHANGES + 2
            and [p["type"] for p in published].count("FEED_PROCESSING_FINISHED") == 1
        ),
    )
    expected = {p["notificationId"] for p in published}
    assert len(expected) == OFFER_CHANGES + 2

    notes = loop["notifications"]
    source = probe.client.get_queue_url(QueueName=notes["source_queue_name"])["QueueUrl"]
    dlq = probe.client.get_queue_url(QueueName=notes["dead_letter_queue_name"])["QueueUrl"]
    config = {
        "data_dir": str(loop["settings"].data_dir),
        "notifications": {
            "sqs_endpoint": notes["sqs_endpoint"],
            "source_queue_url": source,
            "dead_letter_queue_url": dlq,
            "bridge": {
                "wait_seconds": 1,
                "visibility_timeout": 3,
                "batch_size": 2,
                "metrics_port": 0,
            },
        },
    }
    first = bridge_process(tmp_path, config)
    try:
        wait_for("some deliveries", lambda: probe.count(legacy) >= 8)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    delivered_before_kill = probe.count(legacy)
    assert delivered_before_kill < len(expected)  # killed mid-stream

    second = bridge_process(tmp_path, config)
    try:
        wait_for("every notification", lambda: probe.count(legacy) >= len(expected), 60)
        wait_for("the source queue to empty", lambda: probe.count(source) == 0, 30)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0, second.stderr.read() if second.stderr else ""

    messages = probe.drain(legacy, expect=len(expected) + 2, timeout=3)
    roots = []
    for message in messages:
        notification_schema().validate(message["Body"])
        roots.append(ET.fromstring(message["Body"]))
    ids = [str(r.findtext("NotificationMetaData/UniqueId")) for r in roots]
    assert set(ids) == expected  # nothing lost
    # at most the sends in flight when it was killed: batch_size 2, one queue
    assert len(ids) - len(set(ids)) <= 2
    feed_roots = [r for r in roots if kind(r) == "FeedProcessingFinished"]
    assert {r.findtext(".//FeedSubmissionId") for r in feed_roots} == {feed_id}
    assert {r.findtext(".//FeedType") for r in feed_roots} == {"_POST_PRODUCT_PRICING_DATA_"}
    offer_asins = [
        r.findtext(".//OfferChangeTrigger/ASIN") for r in roots if kind(r) == "AnyOfferChanged"
    ]
    assert sorted(set(offer_asins)) == sorted(set(asins))
    assert probe.count(dlq) == 0
