"""Unmodified legacy clients (python-amazon-mws, boto 2) submit feeds to a live gateway."""

from __future__ import annotations

import boto.mws.connection
import mws
import pytest

from gateway.config import DEMO_ACCESS_KEY, DEMO_MARKETPLACE, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.feeds import feeds_state
from tests.feeds import samples
from tests.support.live import LiveServer

pytestmark = pytest.mark.live


def _emulator(server: LiveServer) -> object:
    return server.app.state.emulator_app.state.emulator


def _listing(server: LiveServer, sku: str) -> dict[str, object]:
    listing: dict[str, object] = _emulator(server).data.listing(sku)  # type: ignore[attr-defined]
    return listing


def test_python_amazon_mws_inventory_and_price_feeds(live_gateway: LiveServer) -> None:
    emulator = _emulator(live_gateway)
    skus = sorted(emulator.data.listings)[:3]  # type: ignore[attr-defined]
    api = mws.Feeds(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    inventory = samples.envelope(
        "Inventory",
        samples.inventory(1, skus[0], 55),
        samples.inventory(2, skus[1], "lots"),
        samples.inventory(3, skus[2], 66),
    )
    submitted = api.submit_feed(
        inventory, "_POST_INVENTORY_AVAILABILITY_DATA_", marketplaceids=[DEMO_MARKETPLACE]
    ).parsed
    info = submitted["FeedSubmissionInfo"]
    inv_id = info["FeedSubmissionId"]
    assert info["FeedType"] == "_POST_INVENTORY_AVAILABILITY_DATA_"
    assert info["FeedProcessingStatus"] == "_SUBMITTED_"
    price = samples.envelope("Price", samples.price(1, skus[0], "12.34"))
    price_id = api.submit_feed(price, "_POST_PRODUCT_PRICING_DATA_").parsed["FeedSubmissionInfo"][
        "FeedSubmissionId"
    ]
    emulator.clock.advance(5)  # type: ignore[attr-defined]
    listed = api.get_feed_submission_list(feedids=[inv_id, price_id]).parsed
    infos = listed["FeedSubmissionInfo"]
    assert {i["FeedSubmissionId"]: i["FeedProcessingStatus"] for i in infos} == {
        inv_id: "_DONE_",
        price_id: "_DONE_",
    }
    report = api.get_feed_submission_result(inv_id).parsed  # the Message element
    processing = report["ProcessingReport"]
    assert processing["DocumentTransactionID"] == inv_id
    assert processing["ProcessingSummary"]["MessagesProcessed"] == "3"
    assert processing["ProcessingSummary"]["MessagesSuccessful"] == "2"
    assert processing["Result"]["MessageID"] == "2"
    assert processing["Result"]["ResultCode"] == "Error"
    assert processing["Result"]["AdditionalInfo"]["SKU"] == skus[1]
    price_report = api.get_feed_submission_result(price_id).parsed["ProcessingReport"]
    assert price_report["ProcessingSummary"]["MessagesSuccessful"] == "1"
    assert _listing(live_gateway, skus[0])["quantity"] == 55
    assert _listing(live_gateway, skus[2])["quantity"] == 66
    assert _listing(live_gateway, skus[0])["price"] == "12.34"
    # the same document again: same FeedSubmissionId, still one createFeed for it
    calls = emulator.calls["feeds.createFeed"]  # type: ignore[attr-defined]
    again = api.submit_feed(
        inventory, "_POST_INVENTORY_AVAILABILITY_DATA_", marketplaceids=[DEMO_MARKETPLACE]
    ).parsed
    assert again["FeedSubmissionInfo"]["FeedSubmissionId"] == inv_id
    assert emulator.calls["feeds.createFeed"] == calls  # type: ignore[attr-defined]


def test_boto_inventory_and_price_feeds(live_gateway: LiveServer) -> None:
    emulator = _emulator(live_gateway)
    feeds_state(emulator).queue_seconds = 0  # type: ignore[arg-type]
    skus = sorted(emulator.data.listings)[10:12]  # type: ignore[attr-defined]
    conn = boto.mws.connection.MWSConnection(
        DEMO_ACCESS_KEY,
        DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=live_gateway.port,
        is_secure=False,
    )
    inventory = samples.envelope("Inventory", samples.inventory(1, skus[0], 808))
    response = conn.submit_feed(
        FeedType="_POST_INVENTORY_AVAILABILITY_DATA_",
        PurgeAndReplace=False,
        FeedContent=inventory,
        content_type="text/xml",
        MarketplaceIdList=[DEMO_MARKETPLACE],
    )
    inv_id = response.SubmitFeedResult.FeedSubmissionInfo.FeedSubmissionId
    price = samples.envelope("Price", samples.price(7, skus[1], "99.95"))
    response = conn.submit_feed(
        FeedType="_POST_PRODUCT_PRICING_DATA_", FeedContent=price, content_type="text/xml"
    )
    price_id = response.SubmitFeedResult.FeedSubmissionInfo.FeedSubmissionId
    assert inv_id.isdigit() and price_id.isdigit() and inv_id != price_id
    emulator.clock.advance(5)  # type: ignore[attr-defined]
    listed = conn.get_feed_submission_list()
    result = listed.GetFeedSubmissionListResult
    found = {
        i.FeedSubmissionId: (i.FeedType, i.FeedProcessingStatus) for i in result.FeedSubmissionInfo
    }
    assert found[inv_id] == ("_POST_INVENTORY_AVAILABILITY_DATA_", "_DONE_")
    assert found[price_id] == ("_POST_PRODUCT_PRICING_DATA_", "_DONE_")
    count = conn.get_feed_submission_count()
    assert int(count.GetFeedSubmissionCountResult.Count) == 2
    assert _listing(live_gateway, skus[0])["quantity"] == 808
    assert _listing(live_gateway, skus[1])["price"] == "99.95"
    # boto 2 asserts bytes == str on any Content-MD5 response header under Python 3
    # (reference/clients.md), so its GetFeedSubmissionResult cannot succeed while the
    # gateway sends the Content-MD5 MWS sent; the report itself is parsed by
    # python-amazon-mws above.
    with pytest.raises(AssertionError):
        conn.get_feed_submission_result(FeedSubmissionId=inv_id)


def test_python_amazon_mws_a_b_a_is_applied_three_times(live_gateway: LiveServer) -> None:
    """qty 7, then 3, then 7 again, through a live server: three FeedSubmissionIds, three
    createFeeds, and Amazon left at 7 (the audit saw it left at 3)."""
    emulator = _emulator(live_gateway)
    feeds_state(emulator).queue_seconds = 0  # type: ignore[arg-type]
    sku = sorted(emulator.data.listings)[20]  # type: ignore[attr-defined]
    api = mws.Feeds(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    before = emulator.calls["feeds.createFeed"]  # type: ignore[attr-defined]
    ids = []
    for quantity in (7, 3, 7):
        doc = samples.envelope("Inventory", samples.inventory(1, sku, quantity))
        parsed = api.submit_feed(
            doc, "_POST_INVENTORY_AVAILABILITY_DATA_", marketplaceids=[DEMO_MARKETPLACE]
        ).parsed
        ids.append(parsed["FeedSubmissionInfo"]["FeedSubmissionId"])
        emulator.clock.advance(5)  # type: ignore[attr-defined]
        report = api.get_feed_submission_result(ids[-1]).parsed
        assert report["ProcessingReport"]["ProcessingSummary"]["MessagesSuccessful"] == "1"
        assert _listing(live_gateway, sku)["quantity"] == quantity
    assert len(set(ids)) == 3
    assert emulator.calls["feeds.createFeed"] == before + 3  # type: ignore[attr-defined]
    # a client re-sending the last one (its answer lost) gets the same id, nothing sent again
    doc = samples.envelope("Inventory", samples.inventory(1, sku, 7))
    again = api.submit_feed(
        doc, "_POST_INVENTORY_AVAILABILITY_DATA_", marketplaceids=[DEMO_MARKETPLACE]
    ).parsed
    assert again["FeedSubmissionInfo"]["FeedSubmissionId"] == ids[-1]
    assert emulator.calls["feeds.createFeed"] == before + 3  # type: ignore[attr-defined]
