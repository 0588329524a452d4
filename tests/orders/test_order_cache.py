"""The order cache: what searchOrders and getOrder returned answers GetOrder and ListOrderItems
for orders seen within ``order_cache_seconds``; stale or updated orders are fetched again;
turned off, every call is translated 1:1; in Redis nothing of the buyer is in clear."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from gateway.state.cache_memory import MemoryCache
from gateway.state.cache_redis import RedisCache
from tests.orders.test_app import PATH, US, VERSION, ok, orders_of, text
from tests.support.gateway import MwsClient, demo_settings, running_gateway

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[MwsClient]:
    async with running_gateway(demo_settings(tmp_path, quotas="off")) as client:
        yield client


async def list_all(gw: MwsClient, page_size: int = 50) -> list[str]:
    """ListOrders (+ByNextToken) over the emulator's last 60 days: the listed order ids."""
    after = (gw.emulator.data.anchor - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {"CreatedAfter": after, "MarketplaceId.Id.1": US, "MaxResultsPerPage": str(page_size)}
    result = ok(await gw.call(PATH, "ListOrders", VERSION, params), "ListOrders")
    ids = [text(o, "AmazonOrderId") or "" for o in orders_of(result)]
    token = text(result, "NextToken")
    while token:
        nxt = await gw.call(
            PATH, "ListOrdersByNextToken", VERSION, {"NextToken": token}, method="POST"
        )
        result = ok(nxt, "ListOrdersByNextToken")
        ids.extend(text(o, "AmazonOrderId") or "" for o in orders_of(result))
        token = text(result, "NextToken")
    return ids


async def get_orders(gw: MwsClient, ids: list[str]) -> list[Any]:
    params = {f"AmazonOrderId.Id.{i + 1}": order_id for i, order_id in enumerate(ids)}
    return orders_of(ok(await gw.call(PATH, "GetOrder", VERSION, params), "GetOrder"))


async def test_the_standard_sync_reuses_what_the_listing_returned(gw: MwsClient) -> None:
    """ListOrders pages, ListOrderItems of every listed order, GetOrder of 50 listed ids."""
    ids = await list_all(gw)
    assert len(ids) >= 50
    searches = gw.emulator.calls["orders.searchOrders"]
    for order_id in ids:
        items = ok(
            await gw.call(PATH, "ListOrderItems", VERSION, {"AmazonOrderId": order_id}),
            "ListOrderItems",
        )
        assert text(items, "AmazonOrderId") == order_id
        assert text(items, "OrderItems/OrderItem/OrderItemId")
    got = await get_orders(gw, ids[:50])
    assert [text(o, "AmazonOrderId") for o in got] == ids[:50]
    assert gw.emulator.calls["orders.getOrder"] == 0
    mws_calls = 1 + (searches - 1) + len(ids) + 1
    assert gw.emulator.calls["orders.searchOrders"] == searches
    assert searches / mws_calls <= 0.2


async def test_items_from_the_cache_equal_items_from_get_order(tmp_path: Path) -> None:
    async def items_of(settings: Any) -> tuple[bytes, int]:
        async with running_gateway(settings) as gw:
            order_id = (await list_all(gw))[5]
            response = await gw.call(PATH, "ListOrderItems", VERSION, {"AmazonOrderId": order_id})
            items = response.content.split(b"<OrderItems>")[1].split(b"</OrderItems>")[0]
            return items, gw.emulator.calls["orders.getOrder"]

    cached, cached_calls = await items_of(demo_settings(tmp_path / "a", quotas="off"))
    off = demo_settings(tmp_path / "b", quotas="off", order_cache={"seconds": 0})
    fetched, fetched_calls = await items_of(off)
    assert cached == fetched and b"<OrderItemId>" in cached
    assert (cached_calls, fetched_calls) == (0, 1)


async def test_a_stale_entry_is_fetched_again(gw: MwsClient) -> None:
    clock = Clock()
    gw.app.state.services.cache = MemoryCache(clock=clock)
    ids = (await list_all(gw))[:3]
    await get_orders(gw, ids)
    assert gw.emulator.calls["orders.getOrder"] == 0
    clock.now += gw.app.state.services.settings.order_cache_seconds + 1
    await get_orders(gw, ids)
    assert gw.emulator.calls["orders.getOrder"] == 3
    await get_orders(gw, ids)  # and those answers are cached in turn
    assert gw.emulator.calls["orders.getOrder"] == 3


async def test_an_updated_order_is_seen_after_the_next_listing(gw: MwsClient) -> None:
    ids = await list_all(gw)
    order = gw.emulator.data.order(ids[0])
    assert order is not None
    before = text((await get_orders(gw, ids[:1]))[0], "OrderStatus")
    order["fulfillment"]["fulfillmentStatus"] = "CANCELLED"
    order["lastUpdatedTime"] = (gw.emulator.data.anchor).strftime("%Y-%m-%dT%H:%M:%SZ")
    await list_all(gw)  # a new listing carries the change and replaces the entry
    after = text((await get_orders(gw, ids[:1]))[0], "OrderStatus")
    assert before != "Canceled" and after == "Canceled"
    assert gw.emulator.calls["orders.getOrder"] == 0


async def test_cache_off_translates_one_to_one(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path, quotas="off", order_cache={"seconds": 0})
    assert settings.order_cache_seconds == 0
    async with running_gateway(settings) as gw:
        assert gw.app.state.services.cache is None
        ids = (await list_all(gw))[:4]
        await get_orders(gw, ids)
        for order_id in ids:
            await gw.call(PATH, "ListOrderItems", VERSION, {"AmazonOrderId": order_id})
        assert gw.emulator.calls["orders.getOrder"] == 8


@pytest.mark.services
async def test_buyer_data_is_never_in_clear_in_redis(tmp_path: Path) -> None:
    prefix = f"mwsgw-test-cache:{tmp_path.name}:"
    cache = RedisCache("redis://127.0.0.1:6379/0", b"k" * 32, prefix=prefix)
    raw = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        order = {"orderId": "111-0000000-0000001", "buyer": {"buyerEmail": "jane@example.com"}}
        value = json.dumps({"o": order}).encode()
        await cache.put_many({"orders:A1:111-0000000-0000001": value}, 60)
        stored = raw.get(prefix + "orders:A1:111-0000000-0000001")
        assert isinstance(stored, bytes) and len(stored) > len(value)
        assert b"jane" not in stored and b"example.com" not in stored and b"buyer" not in stored
        assert 0 < raw.pttl(prefix + "orders:A1:111-0000000-0000001") <= 60_000
        assert await cache.get_many(["orders:A1:111-0000000-0000001"]) == {
            "orders:A1:111-0000000-0000001": value
        }
        # another deployment's key (or a tampered value) does not open: a miss
        other = RedisCache("redis://127.0.0.1:6379/0", b"x" * 32, prefix=prefix)
        assert await other.get_many(["orders:A1:111-0000000-0000001"]) == {}
        await other.close()
        # a value moved to another key does not open there either
        raw.set(prefix + "orders:A1:111-0000000-0000002", stored)
        assert await cache.get_many(["orders:A1:111-0000000-0000002"]) == {}
    finally:
        for key in raw.scan_iter(match=prefix + "*"):
            raw.delete(key)
        raw.close()
        await cache.close()
