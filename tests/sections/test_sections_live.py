"""Real legacy clients (python-amazon-mws 0.8.15, boto 2.49.0) against a live gateway:
Sellers, FulfillmentInventory and Finances (boto has no Finances section)."""

from __future__ import annotations

import mws
import pytest
from boto.mws.connection import MWSConnection

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.inventory import InventorySettings
from tests.support.live import LiveServer

pytestmark = pytest.mark.live


def emulator(server: LiveServer) -> object:
    return server.app.state.emulator_app.state.emulator


def as_list(value: object) -> list[dict[str, object]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]  # type: ignore[list-item]


def test_python_amazon_mws_sellers_and_inventory(live_gw: LiveServer) -> None:
    sellers = mws.Sellers(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gw.url)
    parsed = sellers.list_marketplace_participations().parsed
    parts = as_list(parsed["ListParticipations"]["Participation"])
    assert [p["MarketplaceId"] for p in parts] == ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"]
    markets = as_list(parsed["ListMarketplaces"]["Marketplace"])
    assert markets[1]["DomainName"] == "www.amazon.ca"

    state = emulator(live_gw)
    skus = sorted(state.data.inventory)[:2]  # type: ignore[attr-defined]
    inventory = mws.Inventory(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gw.url)
    result = inventory.list_inventory_supply(skus=skus, response_group="Detailed").parsed
    members = as_list(result["InventorySupplyList"]["member"])
    assert [m["SellerSKU"] for m in members] == skus
    seeded = state.data.inventory[skus[0]]  # type: ignore[attr-defined]
    assert members[0]["FNSKU"] == seeded["fnSku"]
    assert members[0]["InStockSupplyQuantity"] == str(
        seeded["inventoryDetails"]["fulfillableQuantity"]
    )

    # paging with the client's own next_token support
    state.section("fbaInventory", InventorySettings).page_size = 10  # type: ignore[attr-defined]
    page = inventory.list_inventory_supply(datetime_="2000-01-01T00:00:00Z").parsed
    seen = [m["SellerSKU"] for m in as_list(page["InventorySupplyList"]["member"])]
    while "NextToken" in page:
        page = inventory.list_inventory_supply(next_token=page["NextToken"]).parsed
        seen.extend(m["SellerSKU"] for m in as_list(page["InventorySupplyList"]["member"]))
    assert seen == sorted(state.data.inventory)  # type: ignore[attr-defined]

    with pytest.raises(mws.MWSError) as caught:
        inventory.list_inventory_supply(next_token="tampered-token")
    assert "NextTokenCorrupted" in caught.value.response.text


def test_python_amazon_mws_finances(live_gw: LiveServer) -> None:
    finances = mws.Finances(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gw.url)
    page = finances.list_financial_event_groups(
        created_after="2000-01-01T00:00:00Z", max_results=4
    ).parsed
    groups = as_list(page["FinancialEventGroupList"]["FinancialEventGroup"])
    while "NextToken" in page:
        page = finances.list_financial_event_groups(next_token=page["NextToken"]).parsed
        groups.extend(as_list(page["FinancialEventGroupList"]["FinancialEventGroup"]))
    ledger = emulator(live_gw).sections["financesV0"]  # type: ignore[attr-defined]
    assert [g["FinancialEventGroupId"] for g in groups] == [g.group_id for g in ledger.groups]

    events = finances.list_financial_events(
        posted_after="2000-01-01T00:00:00Z", max_results=50
    ).parsed
    shipments = as_list(events["FinancialEvents"]["ShipmentEventList"].get("ShipmentEvent"))
    pages = 1
    while "NextToken" in events:
        events = finances.list_financial_events(next_token=events["NextToken"]).parsed
        shipments.extend(
            as_list(events["FinancialEvents"]["ShipmentEventList"].get("ShipmentEvent"))
        )
        pages += 1
    expected = [e.order_id for e in ledger.events if e.list_name == "ShipmentEventList"]
    assert [s["AmazonOrderId"] for s in shipments] == expected
    assert pages == -(-len(ledger.events) // 50)

    order = expected[0]
    by_order = finances.list_financial_events(amazon_order_id=order).parsed
    event = by_order["FinancialEvents"]["ShipmentEventList"]["ShipmentEvent"]
    assert event["AmazonOrderId"] == order


def test_boto_sellers_and_inventory(live_gw: LiveServer) -> None:
    conn = MWSConnection(
        DEMO_ACCESS_KEY,
        DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=live_gw.port,
        is_secure=False,
    )
    result = conn.list_marketplace_participations()
    participations = result.ListMarketplaceParticipationsResult.ListParticipations.Participation
    assert [p.MarketplaceId for p in participations] == ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"]
    markets = result.ListMarketplaceParticipationsResult.ListMarketplaces.Marketplace
    assert markets[0].DefaultCurrencyCode == "USD"

    state = emulator(live_gw)
    skus = sorted(state.data.inventory)[:3]  # type: ignore[attr-defined]
    supply = conn.list_inventory_supply(SellerSkus=skus, ResponseGroup="Detailed")
    members = supply.ListInventorySupplyResult.InventorySupplyList
    assert [m.SellerSKU for m in members] == skus
    first = state.data.inventory[skus[0]]  # type: ignore[attr-defined]
    assert first["asin"] == members[0].ASIN
    assert int(members[0].InStockSupplyQuantity) == first["inventoryDetails"]["fulfillableQuantity"]

    state.section("fbaInventory", InventorySettings).page_size = 25  # type: ignore[attr-defined]
    page = conn.list_inventory_supply(QueryStartDateTime="2000-01-01T00:00:00Z")
    seen = [m.SellerSKU for m in page.ListInventorySupplyResult.InventorySupplyList]
    token = page.ListInventorySupplyResult.NextToken
    assert token
    more = conn.list_inventory_supply_by_next_token(NextToken=token)
    result2 = more.ListInventorySupplyByNextTokenResult
    seen.extend(m.SellerSKU for m in result2.InventorySupplyList)
    assert seen == sorted(state.data.inventory)  # type: ignore[attr-defined]
