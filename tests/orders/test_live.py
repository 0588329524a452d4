"""Unmodified legacy clients (python-amazon-mws, boto 2) against a live gateway + emulator."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto.mws.connection
import boto.mws.exception
import mws
import pytest

from gateway.app import create_app
from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.config import FaultSpec
from gateway.emulator.state import EmulatorState
from tests.support.gateway import demo_settings
from tests.support.live import LiveServer, serve_in_thread

pytestmark = pytest.mark.live
US = "ATVPDKIKX0DER"
STATUS = {"SHIPPED": "Shipped", "UNSHIPPED": "Unshipped", "CANCELLED": "Canceled"}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    settings = demo_settings(
        tmp_path, quotas="off", upstream={"max_attempts": 2, "retry_budget_seconds": 4}
    )
    with serve_in_thread(create_app(settings), settings=settings) as server:
        yield server


def emulator(live: LiveServer) -> EmulatorState:
    state: EmulatorState = live.app.state.emulator_app.state.emulator
    return state


def as_list(node: Any) -> list[Any]:
    if node is None:
        return []
    return node if isinstance(node, list) else [node]


def expected_orders(
    state: EmulatorState, after: datetime, statuses: set[str], channel: str
) -> list[dict[str, Any]]:
    def created(o: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(o["createdTime"].replace("Z", "+00:00"))

    return sorted(
        (
            o
            for o in state.data.orders
            if created(o) >= after
            and o["salesChannel"]["marketplaceId"] == US
            and o["fulfillment"]["fulfillmentStatus"] in statuses
            and o["fulfillment"]["fulfilledBy"] == channel
        ),
        key=lambda o: (o["createdTime"], o["orderId"]),
    )


def big_order(state: EmulatorState, order_id: str, count: int) -> dict[str, Any]:
    order = copy.deepcopy(
        next(o for o in state.data.orders if o["fulfillment"]["fulfilledBy"] == "MERCHANT")
    )
    order["orderId"] = order_id
    template = order["orderItems"][0]
    order["orderItems"] = []
    for i in range(count):
        item = copy.deepcopy(template)
        item["orderItemId"] = f"{50000000000000 + i}"
        item["product"]["sellerSku"] = f"LIVE-{i:02d}"
        item["quantityOrdered"] = i % 4 + 1
        order["orderItems"].append(item)
    state.data.add_order(order)
    return order


def item_price(item: dict[str, Any]) -> str:
    return next(b for b in item["proceeds"]["breakdowns"] if b["type"] == "ITEM")["subtotal"][
        "amount"
    ]


def test_python_amazon_mws_orders_flow(live: LiveServer) -> None:
    state = emulator(live)
    api = mws.Orders(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live.url)
    after = state.data.anchor - timedelta(days=70)
    parsed = api.list_orders(
        marketplaceids=[US],
        created_after=after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        orderstatus=["Unshipped", "PartiallyShipped", "Shipped"],
        fulfillment_channels=["MFN"],
        max_results="10",
    ).parsed
    orders = as_list(parsed["Orders"]["Order"])
    pages = 1
    while "NextToken" in parsed:
        parsed = api.list_orders(next_token=parsed["NextToken"]).parsed
        orders.extend(as_list(parsed["Orders"]["Order"]))
        pages += 1
    want = expected_orders(state, after, {"UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"}, "MERCHANT")
    assert pages > 1 and len(orders) == len(want)
    for got, src in zip(orders, want, strict=True):
        assert got["AmazonOrderId"] == src["orderId"]
        assert got["OrderStatus"] == STATUS.get(
            src["fulfillment"]["fulfillmentStatus"], "PartiallyShipped"
        )
        assert got["FulfillmentChannel"] == "MFN"
        assert got["OrderTotal"]["Amount"] == src["proceeds"]["grandTotal"]["amount"]
        assert got["OrderTotal"]["CurrencyCode"] == "USD"
        assert got["ShippingAddress"]["City"] == src["recipient"]["deliveryAddress"]["city"]
        assert got["BuyerEmail"] == src["buyer"]["buyerEmail"]

    # several orders at once
    ids = [o["orderId"] for o in want[:3]]
    got_orders = as_list(api.get_order(ids).parsed["Orders"]["Order"])
    assert [o["AmazonOrderId"] for o in got_orders] == ids

    # items with paging (ListOrderItemsByNextToken gets nothing but the token)
    order = big_order(state, "113-0000000-2525252", 25)
    parsed = api.list_order_items(amazon_order_id=order["orderId"]).parsed
    items = as_list(parsed["OrderItems"]["OrderItem"])
    while "NextToken" in parsed:
        parsed = api.list_order_items(next_token=parsed["NextToken"]).parsed
        assert parsed["AmazonOrderId"] == order["orderId"]
        items.extend(as_list(parsed["OrderItems"]["OrderItem"]))
    assert [i["SellerSKU"] for i in items] == [f"LIVE-{i:02d}" for i in range(25)]
    assert [i["QuantityOrdered"] for i in items] == [str(i % 4 + 1) for i in range(25)]
    assert {i["ItemPrice"]["Amount"] for i in items} == {item_price(order["orderItems"][0])}


def test_python_amazon_mws_tampered_token_and_429_storm(live: LiveServer) -> None:
    state = emulator(live)
    api = mws.Orders(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live.url)
    order = big_order(state, "113-0000000-3636363", 21)
    token = api.list_order_items(amazon_order_id=order["orderId"]).parsed["NextToken"]
    tampered = token[:-6] + ("x" if token[-6] != "x" else "y") + token[-5:]
    with pytest.raises(mws.MWSError) as err:
        api.list_order_items(next_token=tampered)
    assert "<Code>NextTokenCorrupted</Code>" in str(err.value)
    assert err.value.response.status_code == 400

    state.faults["orders.*"] = FaultSpec(throttle_rate=1.0)
    with pytest.raises(mws.MWSError) as err:
        api.get_order([order["orderId"]])
    assert "<Code>RequestThrottled</Code>" in str(err.value)
    assert err.value.response.status_code == 503
    assert state.throttled["orders.getOrder"] >= 1


def _boto(live: LiveServer) -> boto.mws.connection.MWSConnection:
    conn = boto.mws.connection.MWSConnection(
        aws_access_key_id=DEMO_ACCESS_KEY,
        aws_secret_access_key=DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host=live.host,
        port=live.port,
        is_secure=False,
    )
    conn.num_retries = 0
    return conn


def test_boto_orders_flow(live: LiveServer) -> None:
    state = emulator(live)
    conn = _boto(live)
    after = state.data.anchor - timedelta(days=80)
    response = conn.list_orders(
        MarketplaceId=[US],
        CreatedAfter=after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        OrderStatus=["Shipped", "Canceled"],
        FulfillmentChannel=["AFN"],
        MaxResultsPerPage=10,
    )
    result = response.ListOrdersResult
    orders = list(result.Orders.Order)
    pages = 1
    while getattr(result, "NextToken", None):
        result = conn.list_orders_by_next_token(
            NextToken=result.NextToken
        ).ListOrdersByNextTokenResult
        orders.extend(result.Orders.Order)
        pages += 1
    want = expected_orders(state, after, {"SHIPPED", "CANCELLED"}, "AMAZON")
    assert pages > 1
    assert [o.AmazonOrderId for o in orders] == [o["orderId"] for o in want]
    for got, src in zip(orders, want, strict=True):
        assert got.OrderStatus == STATUS[src["fulfillment"]["fulfillmentStatus"]]
        assert got.FulfillmentChannel == "AFN"
        assert got.BuyerEmail == src["buyer"]["buyerEmail"]
        assert got.ShippingAddress.City == src["recipient"]["deliveryAddress"]["city"]
        if "proceeds" in src:
            # boto's ComplexMoney parses Amount into a Decimal
            assert str(got.OrderTotal.Amount) == src["proceeds"]["grandTotal"]["amount"]
            assert got.OrderTotal.CurrencyCode == "USD"

    ids = [o["orderId"] for o in want[:4]]
    got_ids = [
        o.AmazonOrderId for o in conn.get_order(AmazonOrderId=ids).GetOrderResult.Orders.Order
    ]
    assert got_ids == ids

    order = big_order(state, "113-0000000-4747474", 30)
    result = conn.list_order_items(AmazonOrderId=order["orderId"]).ListOrderItemsResult
    items = list(result.OrderItems.OrderItem)
    while getattr(result, "NextToken", None):
        result = conn.list_order_items_by_next_token(
            NextToken=result.NextToken
        ).ListOrderItemsByNextTokenResult
        items.extend(result.OrderItems.OrderItem)
    assert [i.SellerSKU for i in items] == [f"LIVE-{i:02d}" for i in range(30)]
    assert [i.QuantityOrdered for i in items] == [str(i % 4 + 1) for i in range(30)]
    assert {str(i.ItemPrice.Amount) for i in items} == {item_price(order["orderItems"][0])}

    with pytest.raises(boto.mws.exception.ResponseError) as err:
        conn.list_order_items_by_next_token(NextToken="AAAA" + "B" * 60)
    assert type(err.value).__name__ == "NextTokenCorrupted"
