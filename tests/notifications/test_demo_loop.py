"""The demo's whole loop in one app: ``make run`` with MWS_GATEWAY_SQS_ENDPOINT set.

The embedded emulator publishes to the source queue the gateway created on the SQS server, and
the in-process bridge delivers MWS XML to the legacy queue subscribed through the
Subscriptions API. A price feed submitted through MWS brings both FeedProcessingFinished and,
since it changes the seller's price, AnyOfferChanged for that ASIN.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import partial
from pathlib import Path

import anyio
import pytest

from gateway.config import load_settings
from gateway.schemas import notification_schema
from tests.feeds.samples import envelope, price
from tests.feeds.test_app_feeds import submission_id, submit
from tests.subscriptions.conftest import SUBS, destination, subscription
from tests.support.gateway import running_gateway
from tests.support.sqs import SqsProbe, unique

pytestmark = pytest.mark.anyio

US = {"MarketplaceId": "ATVPDKIKX0DER"}


async def test_a_price_feed_notifies_its_end_and_the_offer_change(
    tmp_path: Path, sqs_endpoint: str, probe: SqsProbe
) -> None:
    env = {"MWS_GATEWAY_SQS_ENDPOINT": sqs_endpoint}
    names = {
        "source_queue_name": unique("demo-source"),
        "dead_letter_queue_name": unique("demo-dlq"),
        "bridge": {"wait_seconds": 1},
    }
    settings = load_settings(
        demo=True,
        env=env,
        overrides={"data_dir": str(tmp_path), "token_key": "k", "notifications": names},
    )
    assert settings.notifications.create_queues and settings.notifications.bridge.in_process
    async with running_gateway(settings) as mws:
        legacy = probe.create(unique("legacy"))
        for action, params in (
            ("RegisterDestination", destination(legacy)),
            ("CreateSubscription", subscription(legacy, "FeedProcessingFinished")),
            ("CreateSubscription", subscription(legacy, "AnyOfferChanged")),
        ):
            answer = await mws.call(SUBS[0], action, SUBS[1], {**US, **params})
            assert answer.status_code == 200, answer.text
        listings = mws.emulator.data.listings
        sku = sorted(
            s
            for s, item in listings.items()
            if item.get("marketplace_id") == "ATVPDKIKX0DER"
            and item.get("condition") == "new_new"
            and int(item.get("quantity", 0)) > 0
        )[0]
        asin = listings[sku]["asin"]
        root = await submit(
            mws, "_POST_PRODUCT_PRICING_DATA_", envelope("Price", price(1, sku, "9.87"))
        )
        feed_id = submission_id(root)
        got = await anyio.to_thread.run_sync(partial(probe.drain, legacy, expect=2, timeout=20))
    kinds = {}
    for message in got:
        notification_schema().validate(message["Body"])
        note = ET.fromstring(message["Body"])
        kinds[note.findtext("NotificationMetaData/NotificationType")] = note
    assert set(kinds) == {"FeedProcessingFinished", "AnyOfferChanged"}
    feed = kinds["FeedProcessingFinished"]
    assert feed.findtext(".//FeedSubmissionId") == feed_id
    assert feed.findtext(".//FeedType") == "_POST_PRODUCT_PRICING_DATA_"
    assert feed.findtext(".//FeedProcessingStatus") == "_DONE_"
    offer = kinds["AnyOfferChanged"]
    assert offer.findtext(".//OfferChangeTrigger/ASIN") == asin
    own = [o for o in offer.iter("Offer") if o.findtext("SellerId") == "A1EXAMPLESELLER"]
    assert [o.findtext("ListingPrice/Amount") for o in own] == ["9.87"]
