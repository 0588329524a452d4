"""Nothing lost, nothing applied twice: every SubmitFeed is a new feed except a true retry.

A true retry is the same seller, type, marketplaces and content as the seller's latest feed of
that type, within the retry window. The work behind a SubmitFeed is a durable intent: a lost
createFeed answer is found again upstream instead of being created a second time.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from gateway.emulator.config import FaultSpec
from gateway.emulator.feeds import feeds_state
from gateway.translate.feeds.records import LAST
from tests.feeds import samples
from tests.feeds.test_app_feeds import V, md5, result, submission_id, submit
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

pytestmark = pytest.mark.anyio
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"


def quantity_feed(sku: str, quantity: int) -> bytes:
    return samples.envelope("Inventory", samples.inventory(1, sku, quantity))


async def applied(mws: MwsClient, feed_id: str) -> None:
    status, body, _ = await result(mws, feed_id)
    assert status == 200, body


async def test_a_b_a_applies_a_twice(mws: MwsClient) -> None:
    """qty 7, then 3, then 7 again: Amazon ends at 7, through three feeds."""
    sku = sorted(mws.emulator.data.listings)[3]
    feeds_state(mws.emulator).queue_seconds = 0
    ids = []
    for quantity in (7, 3, 7):
        ids.append(submission_id(await submit(mws, INVENTORY, quantity_feed(sku, quantity))))
        await applied(mws, ids[-1])
        assert mws.emulator.data.listing(sku)["quantity"] == quantity
    assert len(set(ids)) == 3
    assert mws.emulator.calls["feeds.createFeed"] == 3


async def test_a_feed_of_another_type_between_keeps_the_retry(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.listings)[4]
    first = submission_id(await submit(mws, INVENTORY, quantity_feed(sku, 5)))
    price = samples.envelope("Price", samples.price(1, sku, "9.99"))
    submission_id(await submit(mws, "_POST_PRODUCT_PRICING_DATA_", price))
    again = submission_id(await submit(mws, INVENTORY, quantity_feed(sku, 5)))
    assert again == first
    assert mws.emulator.calls["feeds.createFeed"] == 2


async def test_concurrent_identical_calls_make_one_feed(mws: MwsClient) -> None:
    """A client that times out and re-sends while the first call is still working."""
    sku = sorted(mws.emulator.data.listings)[5]
    mws.emulator.faults["feeds.createFeed"] = FaultSpec(latency_ms=300, remaining=1)
    doc = quantity_feed(sku, 11)
    ids: list[str] = []

    async def one() -> None:
        ids.append(submission_id(await submit(mws, INVENTORY, doc)))

    async with anyio.create_task_group() as tg:
        tg.start_soon(one)
        tg.start_soon(one)
    assert ids[0] == ids[1]
    assert mws.emulator.calls["feeds.createFeed"] == 1


async def test_after_the_window_the_same_content_is_a_new_feed(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.listings)[6]
    first = submission_id(await submit(mws, INVENTORY, quantity_feed(sku, 12)))
    store, seller = mws.app.state.services.store, mws.app.state.services.settings.sellers
    (seller_id,) = seller
    latest = await store.get(LAST, seller_id, INVENTORY)
    assert latest is not None
    window = mws.app.state.services.settings.feed_retry_window_seconds
    await store.put(LAST, seller_id, INVENTORY, {**latest.data, "at": latest.data["at"] - window})
    second = submission_id(await submit(mws, INVENTORY, quantity_feed(sku, 12)))
    assert second != first
    assert mws.emulator.calls["feeds.createFeed"] == 2


async def test_retry_detection_off(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path, feeds={"retry_window_seconds": 0})
    assert settings.feed_retry_window_seconds == 0
    async with running_gateway(settings) as mws:
        doc = quantity_feed(sorted(mws.emulator.data.listings)[0], 1)
        first = submission_id(await submit(mws, INVENTORY, doc))
        second = submission_id(await submit(mws, INVENTORY, doc))
        assert first != second
        assert mws.emulator.calls["feeds.createFeed"] == 2


async def test_lost_create_feed_answer_is_reconciled_not_sent_again(mws: MwsClient) -> None:
    """createFeed reached SP-API but its answer was cut off: the client saw an error; its retry
    gets the feed that exists, found with getFeeds, and no second createFeed is sent."""
    sku = sorted(mws.emulator.data.listings)[8]
    feeds_state(mws.emulator).queue_seconds = 0
    mws.emulator.faults["feeds.createFeed"] = FaultSpec(truncate_rate=1.0, remaining=1)
    doc = quantity_feed(sku, 17)
    params = {"FeedType": INVENTORY, "MarketplaceIdList.Id.1": "ATVPDKIKX0DER"}
    lost = await mws.call(
        "/",
        "SubmitFeed",
        V,
        params,
        method="POST",
        body=doc,
        headers={"Content-Type": "text/xml", "Content-MD5": md5(doc)},
        seller_param="Merchant",
    )
    assert lost.status_code in (500, 503)
    assert find_text(assert_valid_mws_xml(lost.content), "Error/Code") in (
        "ServiceUnavailable",
        "InternalError",
    )
    assert mws.emulator.calls["feeds.createFeed"] == 1
    upstream = list(feeds_state(mws.emulator).feeds)
    assert len(upstream) == 1

    retried = submission_id(await submit(mws, INVENTORY, doc))
    assert retried == upstream[0]
    assert mws.emulator.calls["feeds.createFeed"] == 1
    assert mws.emulator.calls["feeds.getFeeds"] == 1
    await applied(mws, retried)
    assert mws.emulator.data.listing(sku)["quantity"] == 17
