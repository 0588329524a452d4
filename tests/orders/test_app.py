"""Orders through the whole gateway (ASGI, signed requests, embedded emulator); every body
is validated against the project's XSDs."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.emulator.config import FaultSpec
from tests.orders.samples import NS_2011, NS_2013
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

pytestmark = pytest.mark.anyio
PATH, VERSION = "/Orders/2013-09-01", "2013-09-01"
US = "ATVPDKIKX0DER"


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[MwsClient]:
    """A demo gateway with MWS quota emulation off (these tests page more than MWS allowed)."""
    settings = demo_settings(
        tmp_path, quotas="off", upstream={"max_attempts": 2, "retry_budget_seconds": 4}
    )
    async with running_gateway(settings) as client:
        yield client


def ok(response: httpx.Response, action: str, namespace: str = NS_2013) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = assert_valid_mws_xml(response.content)
    assert root.tag == f"{{{namespace}}}{action}Response"
    result = root.find(f"{{{namespace}}}{action}Result")
    assert result is not None
    return result


def error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    root = assert_valid_mws_xml(response.content)
    assert find_text(root, "Error/Code") == code, response.text
    return find_text(root, "Error/Message") or ""


def child(el: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in el if strip_ns(c.tag) == name), None)


def text(el: ET.Element, path: str) -> str | None:
    return find_text(el, path)


def kids(el: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if el is None else [c for c in el if strip_ns(c.tag) == name]


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def orders_of(result: ET.Element) -> list[ET.Element]:
    return kids(child(result, "Orders"), "Order")


async def test_list_orders_with_filters_pages_through_the_emulator_data(gw: MwsClient) -> None:
    data = gw.emulator.data
    after = (data.anchor - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = await gw.call(
        PATH,
        "ListOrders",
        VERSION,
        {
            "CreatedAfter": after,
            "MarketplaceId.Id.1": US,
            "OrderStatus.Status.1": "Shipped",
            "OrderStatus.Status.2": "Canceled",
            "FulfillmentChannel.Channel.1": "MFN",
            "MaxResultsPerPage": "10",
        },
    )
    result = ok(first, "ListOrders")
    assert text(result, "CreatedBefore")
    seen = [o for o in orders_of(result)]
    token = text(result, "NextToken")
    pages = 1
    while token:
        nxt = await gw.call(
            PATH, "ListOrdersByNextToken", VERSION, {"NextToken": token}, method="POST"
        )
        result = ok(nxt, "ListOrdersByNextToken")
        seen.extend(orders_of(result))
        token = text(result, "NextToken")
        pages += 1
    expected = sorted(
        (
            o
            for o in data.orders
            if stamp(o["createdTime"]) >= stamp(after)
            and o["salesChannel"]["marketplaceId"] == US
            and o["fulfillment"]["fulfillmentStatus"] in ("SHIPPED", "CANCELLED")
            and o["fulfillment"]["fulfilledBy"] == "MERCHANT"
        ),
        key=lambda o: (o["createdTime"], o["orderId"]),
    )
    assert len(expected) > 10 and pages == (len(expected) + 9) // 10
    assert [text(o, "AmazonOrderId") for o in seen] == [o["orderId"] for o in expected]
    for el, src in zip(seen, expected, strict=True):
        assert (
            text(el, "OrderStatus")
            == {"SHIPPED": "Shipped", "CANCELLED": "Canceled"}[
                src["fulfillment"]["fulfillmentStatus"]
            ]
        )
        assert text(el, "FulfillmentChannel") == "MFN"
        assert text(el, "BuyerEmail") == src["buyer"]["buyerEmail"]
        assert text(el, "ShippingAddress/City") == src["recipient"]["deliveryAddress"]["city"]
        if "proceeds" in src:
            assert text(el, "OrderTotal/Amount") == src["proceeds"]["grandTotal"]["amount"]
            assert text(el, "OrderTotal/CurrencyCode") == "USD"
        else:
            assert child(el, "OrderTotal") is None
    assert gw.emulator.calls["orders.searchOrders"] == pages


async def test_the_2011_alias_answers_in_its_own_namespace(gw: MwsClient) -> None:
    after = (gw.emulator.data.anchor - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = await gw.call(
        "/Orders/2011-01-01",
        "ListOrders",
        "2011-01-01",
        {"LastUpdatedAfter": after, "MarketplaceId.Id.1": US},
    )
    result = ok(response, "ListOrders", NS_2011)
    assert text(result, "LastUpdatedBefore") and text(result, "CreatedBefore") is None
    for order in orders_of(result):
        assert stamp(text(order, "LastUpdateDate") or "") >= stamp(after)


async def test_get_order_several_ids_one_call_each_unknown_left_out(gw: MwsClient) -> None:
    data = gw.emulator.data
    picks = [data.orders[i] for i in (3, 17, 42)]
    params = {f"AmazonOrderId.Id.{i + 1}": o["orderId"] for i, o in enumerate(picks)}
    params["AmazonOrderId.Id.4"] = "999-0000000-0000000"
    result = ok(await gw.call(PATH, "GetOrder", VERSION, params, method="POST"), "GetOrder")
    got = orders_of(result)
    assert [text(o, "AmazonOrderId") for o in got] == [o["orderId"] for o in picks]
    assert gw.emulator.calls["orders.getOrder"] == 4
    assert gw.emulator.calls["orders.searchOrders"] == 0


async def test_list_order_items_pages_with_a_token_that_carries_the_order(gw: MwsClient) -> None:
    data = gw.emulator.data
    big = copy.deepcopy(data.orders[0])
    big["orderId"] = "114-0000000-4545454"
    template = big["orderItems"][0]
    big["orderItems"] = []
    for i in range(45):
        item = copy.deepcopy(template)
        item["orderItemId"] = f"{40000000000000 + i}"
        item["product"]["sellerSku"] = f"BULK-{i:02d}"
        item["quantityOrdered"] = i % 3 + 1
        big["orderItems"].append(item)
    data.add_order(big)
    result = ok(
        await gw.call(PATH, "ListOrderItems", VERSION, {"AmazonOrderId": big["orderId"]}),
        "ListOrderItems",
    )
    items = kids(child(result, "OrderItems"), "OrderItem")
    sizes = [len(items)]
    token = text(result, "NextToken")
    assert text(result, "AmazonOrderId") == big["orderId"]
    while token:
        result = ok(
            await gw.call(
                PATH, "ListOrderItemsByNextToken", VERSION, {"NextToken": token}, method="POST"
            ),
            "ListOrderItemsByNextToken",
        )
        assert text(result, "AmazonOrderId") == big["orderId"]
        page = kids(child(result, "OrderItems"), "OrderItem")
        sizes.append(len(page))
        items.extend(page)
        token = text(result, "NextToken")
    assert sizes == [20, 20, 5]
    assert [text(i, "SellerSKU") for i in items] == [f"BULK-{i:02d}" for i in range(45)]
    assert [text(i, "QuantityOrdered") for i in items] == [str(i % 3 + 1) for i in range(45)]
    item_price = next(b for b in template["proceeds"]["breakdowns"] if b["type"] == "ITEM")
    assert text(items[7], "ItemPrice/Amount") == item_price["subtotal"]["amount"]
    # one getOrder for the first page; the next pages come from the order cache
    assert gw.emulator.calls["orders.getOrder"] == 1


async def test_list_order_items_of_an_unknown_order(gw: MwsClient) -> None:
    response = await gw.call(
        PATH, "ListOrderItems", VERSION, {"AmazonOrderId": "999-0000000-0000001"}
    )
    assert "999-0000000-0000001" in error(response, 400, "InvalidParameterValue")


async def test_tampered_or_foreign_next_tokens_are_corrupted(gw: MwsClient) -> None:
    after = (gw.emulator.data.anchor - timedelta(days=80)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = ok(
        await gw.call(
            PATH,
            "ListOrders",
            VERSION,
            {"CreatedAfter": after, "MarketplaceId.Id.1": US, "MaxResultsPerPage": "2"},
        ),
        "ListOrders",
    )
    token = text(result, "NextToken")
    assert token
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    for action, bad in (
        ("ListOrdersByNextToken", tampered),
        ("ListOrdersByNextToken", "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4="),
        ("ListOrderItemsByNextToken", token),  # a ListOrders token is no ListOrderItems token
    ):
        response = await gw.call(PATH, action, VERSION, {"NextToken": bad}, method="POST")
        error(response, 400, "NextTokenCorrupted")
    calls_before = gw.emulator.calls["orders.searchOrders"]
    assert calls_before == 1  # none of the bad tokens reached SP-API


async def test_validation_errors_are_mws_error_responses(gw: MwsClient) -> None:
    both = await gw.call(
        PATH,
        "ListOrders",
        VERSION,
        {
            "CreatedAfter": "2026-01-01T00:00:00Z",
            "LastUpdatedAfter": "2026-01-01T00:00:00Z",
            "MarketplaceId.Id.1": US,
        },
    )
    assert "cannot both be specified" in error(both, 400, "InvalidParameterValue")
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = await gw.call(
        PATH, "ListOrders", VERSION, {"CreatedAfter": future, "MarketplaceId.Id.1": US}
    )
    assert "future" in error(response, 400, "InvalidParameterValue")
    response = await gw.call(
        PATH,
        "ListOrders",
        VERSION,
        {"CreatedAfter": "2026-01-01T00:00:00Z", "MarketplaceId.Id.1": "A1F83G8C2ARO7P"},
    )
    error(response, 400, "InvalidParameterValue")
    response = await gw.call(PATH, "GetOrder", VERSION, {})
    error(response, 400, "MissingParameter")
    assert gw.emulator.calls["orders.searchOrders"] == 0


async def test_gateway_side_filters(gw: MwsClient) -> None:
    data = gw.emulator.data
    after = (data.anchor - timedelta(days=95)).strftime("%Y-%m-%dT%H:%M:%SZ")
    target = [o for o in data.orders if o.get("orderAliases")][-1]
    market = target["salesChannel"]["marketplaceId"]
    for params in (
        {"BuyerEmail": target["buyer"]["buyerEmail"].upper()},
        {"SellerOrderId": target["orderAliases"][0]["aliasId"]},
    ):
        found: list[str | None] = []
        response = await gw.call(
            PATH,
            "ListOrders",
            VERSION,
            {
                "CreatedAfter": after,
                "MarketplaceId.Id.1": market,
                "MaxResultsPerPage": "40",
                **params,
            },
        )
        result = ok(response, "ListOrders")
        found.extend(text(o, "AmazonOrderId") for o in orders_of(result))
        token, pages = text(result, "NextToken"), 1
        while token:
            response = await gw.call(
                PATH, "ListOrdersByNextToken", VERSION, {"NextToken": token}, method="POST"
            )
            result = ok(response, "ListOrdersByNextToken")
            found.extend(text(o, "AmazonOrderId") for o in orders_of(result))
            token, pages = text(result, "NextToken"), pages + 1
        assert found == [target["orderId"]]
        # the whole window is far more than one SP-API page; pages without a match are
        # skipped inside one MWS call (up to filter_pages), so few MWS pages remain
        assert pages <= 3
    refused = await gw.call(
        PATH,
        "ListOrders",
        VERSION,
        {
            "CreatedAfter": after,
            "MarketplaceId.Id.1": US,
            "TFMShipmentStatus.Status.1": "Delivered",
        },
    )
    assert "TFMShipmentStatus" in error(refused, 400, "InvalidParameterValue")


async def test_an_sp_api_429_storm_is_request_throttled(gw: MwsClient) -> None:
    gw.emulator.faults["orders.*"] = FaultSpec(throttle_rate=1.0)
    order_id = gw.emulator.data.orders[0]["orderId"]
    response = await gw.call(PATH, "GetOrder", VERSION, {"AmazonOrderId.Id.1": order_id})
    assert response.status_code == 503
    error(response, 503, "RequestThrottled")
    assert gw.emulator.throttled["orders.getOrder"] >= 1


async def test_buyer_pii_reaches_the_client_but_not_the_logs(gw: MwsClient, audit_log: Any) -> None:
    data = gw.emulator.data
    after = (data.anchor - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = await gw.call(
        PATH, "ListOrders", VERSION, {"CreatedAfter": after, "MarketplaceId.Id.1": US}
    )
    result = ok(response, "ListOrders")
    emails = [text(o, "BuyerEmail") for o in orders_of(result)]
    assert emails and all(emails)
    filtered = await gw.call(
        PATH,
        "ListOrders",
        VERSION,
        {"CreatedAfter": after, "MarketplaceId.Id.1": US, "BuyerEmail": emails[0] or ""},
    )
    ok(filtered, "ListOrders")
    log = audit_log.text
    assert '"action": "ListOrders"' in log
    leaked = [value for value in data.pii_values() if value and value in log]
    assert leaked == []
    calls = audit_log.calls()
    assert calls[-1]["notes"]["gateway_filters"] == 1


async def test_get_order_looks_in_each_of_the_sellers_regions(tmp_path: Path) -> None:
    from gateway.config import DEMO_SELLER

    settings = demo_settings(
        tmp_path, quotas="off", sellers={DEMO_SELLER: {"marketplaces": [US, "A1PA6795UKMFR9"]}}
    )
    async with running_gateway(settings) as gw:
        known = gw.emulator.data.orders[5]["orderId"]
        params = {"AmazonOrderId.Id.1": known, "AmazonOrderId.Id.2": "999-0000000-0000000"}
        result = ok(await gw.call(PATH, "GetOrder", VERSION, params), "GetOrder")
        assert [text(o, "AmazonOrderId") for o in orders_of(result)] == [known]
        # the known order is found in the first region (NA); the unknown id is also asked
        # in the seller's second region (EU) before it is left out
        assert gw.emulator.calls["orders.getOrder"] == 3


async def test_a_page_token_sp_api_rejects_is_next_token_corrupted(gw: MwsClient) -> None:
    from gateway.translate.engine.nexttoken import TokenCodec

    key = gw.app.state.services.settings.token_key
    state = {
        "q": {"createdAfter": "2026-01-01T00:00:00.000Z", "marketplaceIds": US},
        "p": "expired-sp-api-token",
        "f": [],
        "e": {},
        "m": US,
        "u": "A1EXAMPLESELLER",
        "x": {},
    }
    token = TokenCodec(key).encode("orders.list", state)
    response = await gw.call(PATH, "ListOrdersByNextToken", VERSION, {"NextToken": token})
    error(response, 400, "NextTokenCorrupted")
    assert gw.emulator.calls["orders.searchOrders"] == 1  # it did ask SP-API, which refused
