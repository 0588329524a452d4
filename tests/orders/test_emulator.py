"""The emulated Orders 2026-01-01 endpoints, through httpx.ASGITransport, against the model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.emulator.state import EmulatorState
from tests.emulator.helpers import auth
from tests.emulator.modelcheck import validate_against_model

pytestmark = pytest.mark.anyio
MODEL = "orders_2026-01-01.json"
SEARCH = "/orders/2026-01-01/orders"
ALL_DATA = (
    "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,"
    "PAYMENT,FULFILLMENT_ORDERS"
)


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def search_all(
    client: httpx.AsyncClient, token: str, params: dict[str, str]
) -> tuple[list[dict[str, Any]], int]:
    orders: list[dict[str, Any]] = []
    pages = 0
    query: dict[str, str] = dict(params)
    while True:
        response = await client.get(SEARCH, params=query, headers=auth(token))
        assert response.status_code == 200, response.text
        body = response.json()
        validate_against_model(MODEL, "searchOrders", 200, body)
        orders.extend(body["orders"])
        pages += 1
        next_token = (body.get("pagination") or {}).get("nextToken")
        if not next_token:
            return orders, pages
        query = {"paginationToken": next_token}


async def test_search_by_creation_pages_through_every_matching_order(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    after = "2026-09-01T00:00:00Z"
    orders, pages = await search_all(
        client,
        token,
        {
            "createdAfter": after,
            "fulfillmentStatuses": "SHIPPED,UNSHIPPED",
            "marketplaceIds": "ATVPDKIKX0DER",
            "maxResultsPerPage": "7",
            "includedData": "BUYER,FULFILLMENT",
        },
    )
    expected = sorted(
        (
            o
            for o in emulator.data.orders
            if stamp(o["createdTime"]) >= stamp(after)
            and o["fulfillment"]["fulfillmentStatus"] in ("SHIPPED", "UNSHIPPED")
            and o["salesChannel"]["marketplaceId"] == "ATVPDKIKX0DER"
        ),
        key=lambda o: (o["createdTime"], o["orderId"]),
    )
    assert len(expected) > 7
    assert [o["orderId"] for o in orders] == [o["orderId"] for o in expected]
    assert pages == (len(expected) + 6) // 7
    first = orders[0]
    assert first["buyer"] == expected[0]["buyer"]
    assert "recipient" not in first and "proceeds" not in first and "packages" not in first
    assert set(first["orderItems"][0]) <= {
        "orderItemId",
        "quantityOrdered",
        "product",
        "fulfillment",
    }


async def test_search_by_update_with_channel_filter(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    orders, _ = await search_all(
        client,
        token,
        {"lastUpdatedAfter": "2026-08-01T00:00:00Z", "fulfilledBy": "AMAZON"},
    )
    expected = {
        o["orderId"]
        for o in emulator.data.orders
        if stamp(o["lastUpdatedTime"]) >= stamp("2026-08-01T00:00:00Z")
        and o["fulfillment"]["fulfilledBy"] == "AMAZON"
    }
    assert {o["orderId"] for o in orders} == expected and expected
    # no includedData: core fields only
    assert all("fulfillment" not in o and "buyer" not in o for o in orders)
    times = [o["lastUpdatedTime"] for o in orders]
    assert times == sorted(times)


async def test_search_echoes_the_upper_bound(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(
        SEARCH,
        params={"createdAfter": "2026-10-01T00:00:00Z", "createdBefore": "2026-10-02T00:00:00Z"},
        headers=auth(token),
    )
    assert response.json()["createdBefore"] == "2026-10-02T00:00:00Z"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"createdAfter": "2026-01-01T00:00:00Z", "lastUpdatedAfter": "2026-01-01T00:00:00Z"},
        {"createdAfter": "2026-01-01T00:00:00Z", "lastUpdatedBefore": "2026-02-01T00:00:00Z"},
        {"createdAfter": "2026-01-02T00:00:00Z", "createdBefore": "2026-01-01T00:00:00Z"},
        {"createdAfter": "2026-01-01T00:00:00Z", "createdBefore": "2999-01-01T00:00:00Z"},
        {"createdAfter": "not-a-date"},
        {"createdAfter": "2026-01-01T00:00:00Z", "fulfillmentStatuses": "Shipped"},
        {"createdAfter": "2026-01-01T00:00:00Z", "fulfilledBy": "AFN"},
        {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": "0"},
        {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": "101"},
        {"createdAfter": "2026-01-01T00:00:00Z", "includedData": "EVERYTHING"},
        {"createdAfter": "2026-01-01T00:00:00Z", "marketplaceIds": ",".join(["M"] * 51)},
        {"paginationToken": "bm90LWEtdG9rZW4"},
    ],
)
async def test_search_validation_errors(
    client: httpx.AsyncClient, token: str, params: dict[str, str]
) -> None:
    response = await client.get(SEARCH, params=params, headers=auth(token))
    assert response.status_code == 400
    body = response.json()
    validate_against_model(MODEL, "searchOrders", 400, body)
    assert body["errors"][0]["code"] == "InvalidInput"


async def test_get_order_with_every_dataset_is_the_stored_record(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    stored = next(o for o in emulator.data.orders if "packages" in o)
    response = await client.get(
        f"{SEARCH}/{stored['orderId']}", params={"includedData": ALL_DATA}, headers=auth(token)
    )
    assert response.status_code == 200
    body = response.json()
    validate_against_model(MODEL, "getOrder", 200, body)
    assert body["order"] == stored


async def test_get_order_core_only_and_errors(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    order_id = emulator.data.orders[0]["orderId"]
    core = (await client.get(f"{SEARCH}/{order_id}", headers=auth(token))).json()["order"]
    validate_against_model(MODEL, "getOrder", 200, {"order": core})
    assert "buyer" not in core and "fulfillment" not in core and core["orderItems"]
    missing = await client.get(f"{SEARCH}/999-0000000-0000000", headers=auth(token))
    assert missing.status_code == 404
    validate_against_model(MODEL, "getOrder", 404, missing.json())
    bad = await client.get(
        f"{SEARCH}/{order_id}", params={"includedData": "NOPE"}, headers=auth(token)
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "InvalidInput"
    assert (await client.get(f"{SEARCH}/{order_id}")).status_code == 403


async def test_search_respects_the_two_minute_rule_against_the_clock(
    client: httpx.AsyncClient, token: str
) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = await client.get(SEARCH, params={"createdAfter": now}, headers=auth(token))
    assert response.status_code == 400
