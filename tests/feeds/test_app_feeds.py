"""The Feeds section end to end through the gateway app (embedded emulator, ASGI)."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET

import pytest

from gateway.emulator.feeds import feeds_state
from gateway.schemas import feed_schema
from tests.feeds import samples
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

pytestmark = pytest.mark.anyio
V = "2009-01-01"


def md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


async def submit(
    mws: MwsClient,
    feed_type: str,
    body: bytes,
    *,
    header: bool = True,
    path: str = "/",
    content_type: str = "text/xml",
    extra: dict[str, str] | None = None,
) -> ET.Element:
    params = {"FeedType": feed_type, "MarketplaceIdList.Id.1": "ATVPDKIKX0DER", **(extra or {})}
    headers = {"Content-Type": content_type}
    if header:
        headers["Content-MD5"] = md5(body)
    else:
        params["ContentMD5Value"] = md5(body)
    response = await mws.call(
        path,
        "SubmitFeed",
        V,
        params,
        method="POST",
        body=body,
        headers=headers,
        seller_param="Merchant",
    )
    assert response.status_code == 200, response.text
    return assert_valid_mws_xml(response.content)


def submission_id(root: ET.Element) -> str:
    value = find_text(root, "SubmitFeedResult/FeedSubmissionInfo/FeedSubmissionId")
    assert value is not None and value.isdigit()
    return value


async def result(mws: MwsClient, feed_id: str) -> tuple[int, bytes, dict[str, str]]:
    mws.emulator.clock.advance(5)
    response = await mws.call("/", "GetFeedSubmissionResult", V, {"FeedSubmissionId": feed_id})
    return response.status_code, response.content, dict(response.headers)


async def test_inventory_feed_translated_applied_and_reported(mws: MwsClient) -> None:
    data = mws.emulator.data
    sku_a, sku_b = sorted(data.listings)[:2]
    doc = samples.envelope(
        "Inventory",
        samples.inventory(1, sku_a, 321),
        samples.inventory(2, "BAD", -1),
        samples.inventory(3, sku_b, 0),
    )
    feeds_state(mws.emulator).queue_seconds = 3600
    root = submit_root = await submit(mws, "_POST_INVENTORY_AVAILABILITY_DATA_", doc)
    feed_id = submission_id(root)
    assert find_text(submit_root, "SubmitFeedResult/FeedSubmissionInfo/FeedType") == (
        "_POST_INVENTORY_AVAILABILITY_DATA_"
    )
    assert find_text(root, "SubmitFeedResult/FeedSubmissionInfo/FeedProcessingStatus") == (
        "_SUBMITTED_"
    )
    not_ready = await mws.call("/", "GetFeedSubmissionResult", V, {"FeedSubmissionId": feed_id})
    assert not_ready.status_code == 400 and b"FeedProcessingResultNotReady" in not_ready.content
    feeds_state(mws.emulator).queue_seconds = 0
    status, body, headers = await result(mws, feed_id)
    assert status == 200
    assert headers["content-md5"] == md5(body)
    assert headers["content-type"].startswith("text/xml")
    feed_schema("processing_report").validate(body.decode())
    report = ET.fromstring(body).find("Message/ProcessingReport")
    assert report is not None
    assert report.findtext("DocumentTransactionID") == feed_id
    assert report.findtext("ProcessingSummary/MessagesProcessed") == "3"
    assert report.findtext("ProcessingSummary/MessagesSuccessful") == "2"
    assert report.findtext("ProcessingSummary/MessagesWithError") == "1"
    rows = report.findall("Result")
    assert [(r.findtext("MessageID"), r.findtext("AdditionalInfo/SKU")) for r in rows] == [
        ("2", "BAD")
    ]
    assert data.listing(sku_a)["quantity"] == 321
    assert data.listing(sku_b)["quantity"] == 0
    # the JSON feed kept the MWS MessageIDs
    assert feeds_state(mws.emulator).feeds[feed_id]["feedType"] == "JSON_LISTINGS_FEED"
    listed = await mws.call("/", "GetFeedSubmissionList", V, {"FeedSubmissionIdList.Id.1": feed_id})
    lroot = assert_valid_mws_xml(listed.content)
    assert (
        find_text(lroot, "GetFeedSubmissionListResult/FeedSubmissionInfo/FeedProcessingStatus")
        == "_DONE_"
    )
    assert find_text(lroot, "GetFeedSubmissionListResult/FeedSubmissionInfo/FeedType") == (
        "_POST_INVENTORY_AVAILABILITY_DATA_"
    )


async def test_price_feed_via_content_md5_value_on_feeds_path(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.listings)[5]
    doc = samples.envelope("Price", samples.price(1, sku, "42.42"))
    feed_id = submission_id(
        await submit(
            mws, "_POST_PRODUCT_PRICING_DATA_", doc, header=False, path="/Feeds/2009-01-01"
        )
    )
    status, body, _ = await result(mws, feed_id)
    assert status == 200, body
    assert mws.emulator.data.listing(sku)["price"] == "42.42"


async def test_duplicate_feed_returns_first_id_with_one_create_feed(mws: MwsClient) -> None:
    sku = sorted(mws.emulator.data.listings)[7]
    doc = samples.envelope("Inventory", samples.inventory(1, sku, 9))
    first = submission_id(await submit(mws, "_POST_INVENTORY_AVAILABILITY_DATA_", doc))
    second = submission_id(await submit(mws, "_POST_INVENTORY_AVAILABILITY_DATA_", doc))
    assert first == second
    assert mws.emulator.calls["feeds.createFeed"] == 1
    changed = samples.envelope("Inventory", samples.inventory(1, sku, 10))
    third = submission_id(await submit(mws, "_POST_INVENTORY_AVAILABILITY_DATA_", changed))
    assert third != first and mws.emulator.calls["feeds.createFeed"] == 2


async def test_md5_errors(mws: MwsClient) -> None:
    doc = samples.envelope("Inventory", samples.inventory(1, "X", 1))
    params = {"FeedType": "_POST_INVENTORY_AVAILABILITY_DATA_"}
    missing = await mws.call("/", "SubmitFeed", V, params, method="POST", body=doc)
    assert missing.status_code == 400 and b"<Code>ContentMD5Missing</Code>" in missing.content
    assert_valid_mws_xml(missing.content)
    wrong = await mws.call(
        "/", "SubmitFeed", V, {**params, "ContentMD5Value": md5(b"other")}, method="POST", body=doc
    )
    assert wrong.status_code == 400 and b"<Code>ContentMD5DoesNotMatch</Code>" in wrong.content
    bad_type = await mws.call(
        "/",
        "SubmitFeed",
        V,
        {"FeedType": "_NOPE_", "ContentMD5Value": md5(doc)},
        method="POST",
        body=doc,
    )
    assert bad_type.status_code == 400 and b"<Code>InvalidFeedType</Code>" in bad_type.content
    assert mws.emulator.calls["feeds.createFeedDocument"] == 0


async def test_hostile_and_retired_feeds_are_answered_locally(mws: MwsClient) -> None:
    hostile = submission_id(
        await submit(mws, "_POST_INVENTORY_AVAILABILITY_DATA_", samples.BILLION_LAUGHS)
    )
    status, body, _ = await result(mws, hostile)
    assert status == 200
    row = ET.fromstring(body).find("Message/ProcessingReport/Result")
    assert row is not None and row.findtext("MessageID") == "0"
    assert "lollol" not in body.decode()
    retired = submission_id(await submit(mws, "_POST_PRODUCT_DATA_", b"<AmazonEnvelope/>"))
    status, body, _ = await result(mws, retired)
    assert status == 200
    feed_schema("processing_report").validate(body.decode())
    assert b"JSON_LISTINGS_FEED" in body and b"2025-07-31" in body
    assert mws.emulator.calls["feeds.createFeed"] == 0


async def test_passthrough_list_count_cancel(mws: MwsClient) -> None:
    feeds_state(mws.emulator).queue_seconds = 3600
    xml = b"<AmazonEnvelope><Message><MessageID>1</MessageID></Message></AmazonEnvelope>"
    first = submission_id(await submit(mws, "_POST_ORDER_FULFILLMENT_DATA_", xml))
    second = submission_id(await submit(mws, "_POST_ORDER_ACKNOWLEDGEMENT_DATA_", xml))
    assert feeds_state(mws.emulator).feeds[first]["feedType"] == "POST_ORDER_FULFILLMENT_DATA"
    count = await mws.call("/", "GetFeedSubmissionCount", V)
    assert (
        find_text(assert_valid_mws_xml(count.content), "GetFeedSubmissionCountResult/Count") == "2"
    )
    page = await mws.call("/", "GetFeedSubmissionList", V, {"MaxCount": "1"})
    root = assert_valid_mws_xml(page.content)
    assert find_text(root, "GetFeedSubmissionListResult/HasNext") == "true"
    assert (
        find_text(root, "GetFeedSubmissionListResult/FeedSubmissionInfo/FeedSubmissionId") == second
    )
    token = find_text(root, "GetFeedSubmissionListResult/NextToken")
    assert token
    rest = await mws.call(
        "/", "GetFeedSubmissionListByNextToken", V, {"NextToken": token}, method="POST"
    )
    rroot = assert_valid_mws_xml(rest.content)
    assert (
        find_text(
            rroot, "GetFeedSubmissionListByNextTokenResult/FeedSubmissionInfo/FeedSubmissionId"
        )
        == first
    )
    assert find_text(rroot, "GetFeedSubmissionListByNextTokenResult/HasNext") == "false"
    cancel = await mws.call("/", "CancelFeedSubmissions", V, {"FeedSubmissionIdList.Id.1": first})
    croot = assert_valid_mws_xml(cancel.content)
    assert find_text(croot, "CancelFeedSubmissionsResult/Count") == "1"
    assert (
        find_text(croot, "CancelFeedSubmissionsResult/FeedSubmissionInfo/FeedProcessingStatus")
        == "_CANCELLED_"
    )
    canceled = await mws.call("/", "GetFeedSubmissionResult", V, {"FeedSubmissionId": first})
    assert b"<Code>FeedCanceled</Code>" in canceled.content
    feeds_state(mws.emulator).queue_seconds = 0
    status, body, headers = await result(mws, second)
    assert status == 200 and b"<MessagesProcessed>1</MessagesProcessed>" in body
    assert headers["content-md5"] == md5(body)
    empty_token = await mws.call("/", "GetFeedSubmissionListByNextToken", V, method="POST")
    assert empty_token.status_code == 400 and b"ValidationError" in empty_token.content
    unknown = await mws.call("/", "GetFeedSubmissionResult", V, {"FeedSubmissionId": "123"})
    assert b"<Code>InvalidFeedSubmissionId</Code>" in unknown.content
