"""Seeded data: determinism, coverage, model fidelity of stored records, mutability."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from gateway.emulator.data import ORDER_STATUSES, SeedData
from tests.emulator.conftest import ANCHOR
from tests.emulator.modelcheck import validate_against_model, validate_definition


@pytest.fixture(scope="module")
def data() -> SeedData:
    return SeedData.generate(anchor=ANCHOR)


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_same_seed_same_data(data: SeedData) -> None:
    again = SeedData.generate(anchor=ANCHOR)
    assert again.orders == data.orders
    assert again.listings == data.listings
    other = SeedData.generate(anchor=ANCHOR, seed=7)
    assert [o["orderId"] for o in other.orders] != [o["orderId"] for o in data.orders]


def test_orders_cover_every_status_and_channel(data: SeedData) -> None:
    assert len(data.orders) == 200
    statuses = Counter(o["fulfillment"]["fulfillmentStatus"] for o in data.orders)
    assert set(statuses) == set(ORDER_STATUSES)
    by = Counter(o["fulfillment"]["fulfilledBy"] for o in data.orders)
    assert by["AMAZON"] >= 40 and by["MERCHANT"] >= 40
    markets = Counter(o["salesChannel"]["marketplaceId"] for o in data.orders)
    assert set(markets) == {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}
    assert len({o["orderId"] for o in data.orders}) == 200


def test_orders_match_the_2026_model(data: SeedData) -> None:
    for order in data.orders:
        validate_against_model("orders_2026-01-01.json", "getOrder", 200, {"order": order})
    validate_against_model(
        "orders_2026-01-01.json", "searchOrders", 200, {"orders": data.orders[:20]}
    )


def test_order_details_are_consistent(data: SeedData) -> None:
    for order in data.orders:
        created, updated = _ts(order["createdTime"]), _ts(order["lastUpdatedTime"])
        assert ANCHOR - timedelta(days=90) <= created <= updated <= ANCHOR - timedelta(minutes=2)
        assert 1 <= len(order["orderItems"]) <= 4
        currency = "CAD" if order["salesChannel"]["marketplaceId"] == "A2EUQ1WTGCTBG2" else "USD"
        for item in order["orderItems"]:
            assert item["product"]["sellerSku"] in data.listings
            assert item["product"]["price"]["unitPrice"]["currencyCode"] == currency
        assert order["buyer"]["buyerEmail"].endswith("@marketplace.amazon.com")
        if order["fulfillment"]["fulfillmentStatus"] == "CANCELLED":
            assert "proceeds" not in order
        else:
            total = sum(float(b["subtotal"]["amount"]) for b in order["proceeds"]["breakdowns"])
            assert abs(total - float(order["proceeds"]["grandTotal"]["amount"])) < 0.005
        if order["fulfillment"]["fulfillmentStatus"] == "SHIPPED":
            assert order["packages"][0]["trackingNumber"]


def test_lookup_and_sorting(data: SeedData) -> None:
    first = data.orders[0]
    assert data.order(first["orderId"]) is first
    assert data.order("000-0000000-0000000") is None
    created = [o["createdTime"] for o in data.orders_sorted()]
    assert created == sorted(created)


def test_pii_values_cover_buyer_and_address(data: SeedData) -> None:
    pii = data.pii_values()
    order = data.orders[5]
    address = order["recipient"]["deliveryAddress"]
    for value in (
        order["buyer"]["buyerEmail"],
        address["name"],
        address["addressLine1"],
        address["phone"],
    ):
        assert value in pii
    assert "Seattle" not in pii  # cities are not personal data on their own


def test_listings_and_inventory(data: SeedData) -> None:
    assert len(data.listings) == 100
    channels = Counter(v["fulfillment_channel"] for v in data.listings.values())
    assert set(channels) == {"DEFAULT", "AMAZON_NA"}
    for sku, summary in data.inventory.items():
        assert data.listings[sku]["fulfillment_channel"] == "AMAZON_NA"
        validate_definition("fbaInventory.json", "InventorySummary", summary)


def test_listings_are_mutable() -> None:
    data = SeedData.generate(anchor=ANCHOR)
    afn_sku = next(iter(data.inventory))
    updated = data.update_listing(afn_sku, price="12.34", quantity=77)
    assert data.listing(afn_sku) is updated
    assert updated["price"] == "12.34"
    assert data.inventory[afn_sku]["inventoryDetails"]["fulfillableQuantity"] == 77
    with pytest.raises(KeyError):
        data.update_listing(afn_sku, colour="red")
    with pytest.raises(KeyError):
        data.update_listing("NO-SUCH-SKU", price="1.00")
    created = data.upsert_listing("NEW-SKU-1", price="5.00", quantity=3, title="New thing")
    assert created["condition"] == "new_new" and data.listing("NEW-SKU-1") is created
    assert data.delete_listing("NEW-SKU-1") and data.listing("NEW-SKU-1") is None
