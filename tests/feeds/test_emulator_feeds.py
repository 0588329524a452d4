"""The emulator's Feeds 2021-06-30 API through httpx.ASGITransport."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.feeds import feeds_state
from gateway.emulator.state import EmulatorState
from tests.emulator.helpers import get_lwa_token

pytestmark = pytest.mark.anyio
US = "ATVPDKIKX0DER"


@pytest.fixture
def app() -> Starlette:
    return create_emulator_app(EmulatorConfig(data_anchor=datetime(2026, 11, 1, tzinfo=UTC)))


@pytest.fixture
def state(app: Starlette) -> EmulatorState:
    emulator: EmulatorState = app.state.emulator
    return emulator


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        client.headers["x-amz-access-token"] = await get_lwa_token(client)
        yield client


async def _submit(http: httpx.AsyncClient, feed_type: str, body: bytes, content_type: str) -> str:
    created = await http.post("/feeds/2021-06-30/documents", json={"contentType": content_type})
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["feedDocumentId"].startswith("amzn1.tortuga.")
    put = await http.put(doc["url"], content=body, headers={"content-type": content_type})
    assert put.status_code == 200, put.text
    feed = await http.post(
        "/feeds/2021-06-30/feeds",
        json={
            "feedType": feed_type,
            "marketplaceIds": [US],
            "inputFeedDocumentId": doc["feedDocumentId"],
        },
    )
    assert feed.status_code == 202, feed.text
    feed_id: str = feed.json()["feedId"]
    assert feed_id.isdigit()
    return feed_id


async def _finished(http: httpx.AsyncClient, state: EmulatorState, feed_id: str) -> dict[str, Any]:
    state.clock.advance(5)
    response = await http.get(f"/feeds/2021-06-30/feeds/{feed_id}")
    assert response.status_code == 200
    feed: dict[str, Any] = response.json()
    return feed


async def _report(http: httpx.AsyncClient, document_id: str) -> dict[str, Any]:
    info = (await http.get(f"/feeds/2021-06-30/documents/{document_id}")).json()
    assert info["compressionAlgorithm"] == "GZIP"
    raw = (await http.get(info["url"])).content
    report: dict[str, Any] = json.loads(gzip.decompress(raw))
    return report


async def test_json_listings_feed_is_applied_and_reported_per_message(
    http: httpx.AsyncClient, state: EmulatorState
) -> None:
    skus = sorted(state.data.listings)[:2]
    feed = {
        "header": {"sellerId": state.config.seller_id, "version": "2.0"},
        "messages": [
            {
                "messageId": 11,
                "sku": skus[0],
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "merge",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4321}],
                    }
                ],
            },
            {
                "messageId": 12,
                "sku": skus[1],
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/purchasable_offer",
                        "value": [
                            {
                                "marketplace_id": US,
                                "currency": "USD",
                                "our_price": [{"schedule": [{"value_with_tax": 77.01}]}],
                            }
                        ],
                    }
                ],
            },
            {
                "messageId": 13,
                "sku": "NO-SUCH-SKU",
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}],
                    }
                ],
            },
            {"messageId": 14, "sku": skus[0], "operationType": "PATCH"},
        ],
    }
    feed_id = await _submit(
        http, "JSON_LISTINGS_FEED", json.dumps(feed).encode(), "application/json; charset=UTF-8"
    )
    assert (await http.get(f"/feeds/2021-06-30/feeds/{feed_id}")).json()["processingStatus"] in (
        "IN_QUEUE",
        "IN_PROGRESS",
    )
    done = await _finished(http, state, feed_id)
    assert done["processingStatus"] == "DONE" and done["resultFeedDocumentId"]
    assert state.data.listing(skus[0])["quantity"] == 4321
    assert state.data.listing(skus[1])["price"] == "77.01"
    report = await _report(http, done["resultFeedDocumentId"])
    assert report["header"] == {
        "sellerId": state.config.seller_id,
        "version": "2.0",
        "feedId": feed_id,
    }
    assert report["summary"]["messagesProcessed"] == 4
    assert report["summary"]["messagesAccepted"] == 2
    assert report["summary"]["messagesInvalid"] == 2
    assert sorted({i["messageId"] for i in report["issues"]}) == [13, 14]
    assert all(i["severity"] == "ERROR" for i in report["issues"])


async def test_passthrough_and_retired_types(http: httpx.AsyncClient, state: EmulatorState) -> None:
    xml = (
        b"<AmazonEnvelope><Message><MessageID>1</MessageID></Message>"
        b"<Message><MessageID>2</MessageID></Message></AmazonEnvelope>"
    )
    fid = await _submit(http, "POST_ORDER_FULFILLMENT_DATA", xml, "text/xml; charset=UTF-8")
    done = await _finished(http, state, fid)
    info = (await http.get(f"/feeds/2021-06-30/documents/{done['resultFeedDocumentId']}")).json()
    body = (await http.get(info["url"])).content
    assert b"<MessagesProcessed>2</MessagesProcessed>" in body
    retired = await _submit(http, "POST_PRODUCT_DATA", xml, "text/xml; charset=UTF-8")
    gone = await _finished(http, state, retired)
    assert gone["processingStatus"] == "FATAL" and "resultFeedDocumentId" not in gone


async def test_get_feeds_cancel_and_validation(
    http: httpx.AsyncClient, state: EmulatorState
) -> None:
    feeds_state(state).queue_seconds = 3600
    first = await _submit(http, "POST_ORDER_ACKNOWLEDGEMENT_DATA", b"<a/>", "text/xml")
    second = await _submit(http, "POST_ORDER_ACKNOWLEDGEMENT_DATA", b"<b/>", "text/xml")
    missing = await http.get("/feeds/2021-06-30/feeds")
    assert missing.status_code == 400 and missing.json()["errors"][0]["code"] == "InvalidInput"
    page = await http.get(
        "/feeds/2021-06-30/feeds",
        params={"feedTypes": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "pageSize": "1"},
    )
    body = page.json()
    assert [f["feedId"] for f in body["feeds"]] == [second]
    rest = await http.get("/feeds/2021-06-30/feeds", params={"nextToken": body["nextToken"]})
    assert [f["feedId"] for f in rest.json()["feeds"]] == [first]
    assert (await http.delete(f"/feeds/2021-06-30/feeds/{first}")).status_code == 200
    again = await http.delete(f"/feeds/2021-06-30/feeds/{first}")
    assert again.status_code == 400
    assert (await http.get(f"/feeds/2021-06-30/feeds/{first}")).json()[
        "processingStatus"
    ] == "CANCELLED"
    assert (await http.get("/feeds/2021-06-30/feeds/1")).status_code == 404
    bad = await http.post(
        "/feeds/2021-06-30/feeds",
        json={"feedType": "_POST_X_", "marketplaceIds": [US], "inputFeedDocumentId": "x"},
    )
    assert bad.status_code == 400
    unauth = await http.get(
        f"/feeds/2021-06-30/feeds/{first}", headers={"x-amz-access-token": "no"}
    )
    assert unauth.status_code == 403
