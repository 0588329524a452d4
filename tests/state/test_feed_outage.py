"""PostgreSQL goes away between createFeed and the record write: one feed upstream, and the
client's retry (once the store is back) gets its FeedSubmissionId.

The store is the real PostgreSQL behind an in-process TCP proxy that the upstream transport
cuts the moment SP-API has answered createFeed.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.emulator.feeds import feeds_state
from gateway.state.store_postgres import PostgresStore
from tests.feeds import samples
from tests.feeds.test_app_feeds import V, md5
from tests.state.conftest import proxied_url
from tests.state.servers import TcpProxy
from tests.support.gateway import demo_settings, running_gateway
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

pytestmark = [pytest.mark.anyio, pytest.mark.services]


class CutStoreAfterCreateFeed(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, proxy: TcpProxy) -> None:
        self.inner = inner
        self.proxy = proxy
        self.cuts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == "/feeds/2021-06-30/feeds":
            await response.aread()
            if self.cuts == 0:
                self.cuts += 1
                await self.proxy.cut()
        return response


async def test_store_killed_after_create_feed(
    tmp_path: Path, pg_proxy: TcpProxy, pg_schema: str
) -> None:
    store = PostgresStore(proxied_url(pg_proxy), schema=pg_schema, timeout=2.0)
    wrapper: list[CutStoreAfterCreateFeed] = []

    def upstream(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        wrapper.append(CutStoreAfterCreateFeed(inner, pg_proxy))
        return wrapper[0]

    async with running_gateway(demo_settings(tmp_path), upstream=upstream, store=store) as mws:
        sku = sorted(mws.emulator.data.listings)[2]
        feeds_state(mws.emulator).queue_seconds = 0
        doc = samples.envelope("Inventory", samples.inventory(1, sku, 23))

        async def submit() -> httpx.Response:
            return await mws.call(
                "/",
                "SubmitFeed",
                V,
                {"FeedType": "_POST_INVENTORY_AVAILABILITY_DATA_"},
                method="POST",
                body=doc,
                headers={"Content-Type": "text/xml", "Content-MD5": md5(doc)},
                seller_param="Merchant",
            )

        failed = await submit()
        assert failed.status_code == 503, failed.text
        assert find_text(assert_valid_mws_xml(failed.content), "Error/Code") == (
            "ServiceUnavailable"
        )
        assert wrapper[0].cuts == 1
        assert mws.emulator.calls["feeds.createFeed"] == 1
        (created,) = feeds_state(mws.emulator).feeds  # applied upstream, unknown to the client

        still_down = await submit()
        assert still_down.status_code == 503
        assert mws.emulator.calls["feeds.createFeed"] == 1

        await pg_proxy.restore()
        retried = await submit()
        assert retried.status_code == 200, retried.text
        root = assert_valid_mws_xml(retried.content)
        assert find_text(root, "SubmitFeedResult/FeedSubmissionInfo/FeedSubmissionId") == created
        assert mws.emulator.calls["feeds.createFeed"] == 1
        assert list(feeds_state(mws.emulator).feeds) == [created]

        again = await submit()  # and a further retry is answered from the record
        root = assert_valid_mws_xml(again.content)
        assert find_text(root, "SubmitFeedResult/FeedSubmissionInfo/FeedSubmissionId") == created
        assert mws.emulator.calls["feeds.createFeed"] == 1
