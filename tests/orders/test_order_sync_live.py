"""The classic legacy order sync, python-amazon-mws against a live gateway (quota emulation
off): ListOrders pages, ListOrderItems of every listed order, GetOrder of 50 listed ids.
Counted from the gateway's own /metrics: the sync costs the listing calls only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import mws
import pytest

from gateway.app import create_app
from gateway.config import DEMO_ACCESS_KEY, DEMO_MARKETPLACE, DEMO_SECRET, DEMO_SELLER
from tests.support.gateway import demo_settings
from tests.support.live import LiveServer, serve_in_thread

pytestmark = pytest.mark.live


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[LiveServer]:
    settings = demo_settings(tmp_path, quotas="off")
    with serve_in_thread(create_app(settings), settings=settings) as server:
        yield server


def upstream_calls(server: LiveServer) -> dict[str, float]:
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    found: dict[str, float] = {}
    for op, value in re.findall(
        r'^mws_gateway_upstream_calls_total\{operation="([^"]+)",status="[^"]+"\} ([0-9.e+]+)$',
        text,
        flags=re.M,
    ):
        found[op] = found.get(op, 0.0) + float(value)
    return found


def as_list(value: object) -> list[dict[str, object]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]  # type: ignore[list-item,return-value]


def test_the_legacy_order_sync_costs_the_listing_calls_only(gateway: LiveServer) -> None:
    orders_api = mws.Orders(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=gateway.url)
    emulator = gateway.app.state.emulator_app.state.emulator
    after = (emulator.data.anchor - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    mws_calls = 1
    page = orders_api.list_orders(
        marketplaceids=[DEMO_MARKETPLACE], created_after=after, max_results="50"
    ).parsed
    ids = [str(o["AmazonOrderId"]) for o in as_list(page["Orders"].get("Order"))]
    while page.get("NextToken"):
        page = orders_api.list_orders(next_token=page["NextToken"]).parsed
        mws_calls += 1
        ids += [str(o["AmazonOrderId"]) for o in as_list(page["Orders"].get("Order"))]
    assert len(ids) >= 50

    for order_id in ids:
        items = orders_api.list_order_items(amazon_order_id=order_id).parsed
        mws_calls += 1
        assert items["AmazonOrderId"] == order_id
        listed = as_list(items["OrderItems"]["OrderItem"])
        assert listed and all(i["OrderItemId"] for i in listed)
        expected = emulator.data.order(order_id)
        assert len(listed) == len(expected["orderItems"])
    got = orders_api.get_order(ids[:50]).parsed
    mws_calls += 1
    assert [str(o["AmazonOrderId"]) for o in as_list(got["Orders"]["Order"])] == ids[:50]

    spent = upstream_calls(gateway)
    assert spent.get("orders.getOrder", 0) == 0
    searches = spent["orders.searchOrders"]
    assert sum(spent.values()) == searches  # nothing else (the demo's LWA is not counted)
    assert searches / mws_calls <= 0.2, (searches, mws_calls)
