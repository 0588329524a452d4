"""Sellers, FulfillmentInventory and Finances through the demo gateway and its emulator.

Every rendered body is validated against the project's XSDs; values are compared with the
emulator's own data (seeded inventory, the Finances ledger built from seeded orders).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from gateway.emulator import finances as emulated_finances
from gateway.emulator.data import PRIMARY_MARKETPLACE
from gateway.emulator.inventory import InventorySettings
from tests.emulator.modelcheck import validate_against_model
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

SELLERS = ("/Sellers/2011-07-01", "2011-07-01")
INVENTORY = ("/FulfillmentInventory/2010-10-01", "2010-10-01")
FINANCES = ("/Finances/2015-05-01", "2015-05-01")

pytestmark = pytest.mark.anyio


def kids(node: ET.Element | None, tag: str) -> list[ET.Element]:
    return [] if node is None else [c for c in node if strip_ns(c.tag) == tag]


def child(node: ET.Element, path: str) -> ET.Element:
    found: ET.Element | None = node
    for part in path.split("/"):
        assert found is not None
        found = next((c for c in found if strip_ns(c.tag) == part), None)
    assert found is not None, path
    return found


async def ok(client: MwsClient, where: tuple[str, str], action: str, **params: str) -> ET.Element:
    response = await client.call(where[0], action, where[1], params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return assert_valid_mws_xml(response.content)


async def error(
    client: MwsClient, where: tuple[str, str], action: str, **params: str
) -> tuple[int, str]:
    response = await client.call(where[0], action, where[1], params)
    root = assert_valid_mws_xml(response.content)
    return response.status_code, str(find_text(root, "Error/Code"))


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------ Sellers


async def test_list_marketplace_participations(gw: MwsClient) -> None:
    root = await ok(gw, SELLERS, "ListMarketplaceParticipations")
    result = child(root, "ListMarketplaceParticipationsResult")
    assert find_text(result, "NextToken") is None
    parts = kids(child(result, "ListParticipations"), "Participation")
    markets = kids(child(result, "ListMarketplaces"), "Marketplace")
    seeded = gw.emulator.data.marketplaces
    assert [find_text(p, "MarketplaceId") for p in parts] == [m["id"] for m in seeded]
    assert {find_text(p, "SellerId") for p in parts} == {"A1EXAMPLESELLER"}
    assert {find_text(p, "HasSellerSuspendedListings") for p in parts} == {"No"}
    for element, source in zip(markets, seeded, strict=True):
        assert [strip_ns(c.tag) for c in element] == [
            "MarketplaceId",
            "Name",
            "DefaultCountryCode",
            "DefaultCurrencyCode",
            "DefaultLanguageCode",
            "DomainName",
        ]
        assert find_text(element, "Name") == source["name"]
        assert find_text(element, "DomainName") == source["domainName"]
        assert find_text(element, "DefaultCurrencyCode") == source["defaultCurrencyCode"]


async def test_sellers_by_next_token_pages_and_refuses_tampering(gw: MwsClient) -> None:
    # a one-participation page size, as a table change would set it
    op = gw.app.state.services.catalog.sections["Sellers"].operations
    op["ListMarketplaceParticipations"].spec["page"]["size"] = 1
    try:
        first = child(
            await ok(gw, SELLERS, "ListMarketplaceParticipations"),
            "ListMarketplaceParticipationsResult",
        )
        token = find_text(first, "NextToken")
        assert token
        second = child(
            await ok(gw, SELLERS, "ListMarketplaceParticipationsByNextToken", NextToken=token),
            "ListMarketplaceParticipationsByNextTokenResult",
        )
        ids = [
            find_text(p, "MarketplaceId")
            for r in (first, second)
            for p in kids(child(r, "ListParticipations"), "Participation")
        ]
        assert ids == [m["id"] for m in gw.emulator.data.marketplaces]
        assert find_text(second, "NextToken") is None
        tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        status, code = await error(
            gw, SELLERS, "ListMarketplaceParticipationsByNextToken", NextToken=tampered
        )
        assert (status, code) == (400, "NextTokenCorrupted")
    finally:
        op["ListMarketplaceParticipations"].spec["page"]["size"] = 100


# ------------------------------------------------------------------ FulfillmentInventory


def afn_skus(gw: MwsClient) -> list[str]:
    return sorted(gw.emulator.data.inventory)


async def test_list_inventory_supply_by_skus_detailed(gw: MwsClient) -> None:
    skus = afn_skus(gw)[:3]
    params = {f"SellerSkus.member.{i}": s for i, s in enumerate([*skus, "NO-SUCH-SKU"], 1)}
    root = await ok(gw, INVENTORY, "ListInventorySupply", ResponseGroup="Detailed", **params)
    result = child(root, "ListInventorySupplyResult")
    assert find_text(result, "MarketplaceId") == PRIMARY_MARKETPLACE
    members = kids(child(result, "InventorySupplyList"), "member")
    by_sku = {find_text(m, "SellerSKU"): m for m in members}
    assert set(by_sku) == {*skus, "NO-SUCH-SKU"}
    for sku in skus:
        seeded = gw.emulator.data.inventory[sku]
        details = seeded["inventoryDetails"]
        member = by_sku[sku]
        in_stock = details["fulfillableQuantity"]
        inbound = (
            details["inboundWorkingQuantity"]
            + details["inboundShippedQuantity"]
            + details["inboundReceivingQuantity"]
        )
        assert find_text(member, "FNSKU") == seeded["fnSku"]
        assert find_text(member, "ASIN") == seeded["asin"]
        assert find_text(member, "Condition") == seeded["condition"]
        assert find_text(member, "InStockSupplyQuantity") == str(in_stock)
        assert find_text(member, "TotalSupplyQuantity") == str(in_stock + inbound)
        supply = {
            find_text(d, "SupplyType"): find_text(d, "Quantity")
            for d in kids(member.find("{*}SupplyDetail"), "member")
        }
        expected = {"InStock": in_stock, "Inbound": inbound}
        assert supply == {k: str(v) for k, v in expected.items() if v}
        if in_stock:
            assert find_text(member, "EarliestAvailability/TimepointType") == "Immediately"
    unknown = by_sku["NO-SUCH-SKU"]
    assert [strip_ns(c.tag) for c in unknown] == [
        "SellerSKU",
        "TotalSupplyQuantity",
        "InStockSupplyQuantity",
    ]
    assert find_text(unknown, "TotalSupplyQuantity") == "0"


async def test_list_inventory_supply_basic_has_no_supply_detail(gw: MwsClient) -> None:
    sku = afn_skus(gw)[0]
    root = await ok(gw, INVENTORY, "ListInventorySupply", **{"SellerSkus.member.1": sku})
    member = kids(child(root, "ListInventorySupplyResult/InventorySupplyList"), "member")[0]
    assert member.find("{*}SupplyDetail") is None
    assert find_text(member, "InStockSupplyQuantity") == str(
        gw.emulator.data.inventory[sku]["inventoryDetails"]["fulfillableQuantity"]
    )


async def test_list_inventory_supply_pages_by_next_token(gw: MwsClient) -> None:
    gw.emulator.section("fbaInventory", InventorySettings).page_size = 7
    seen: list[str] = []
    root = await ok(gw, INVENTORY, "ListInventorySupply", QueryStartDateTime="2000-01-01T00:00:00Z")
    result = child(root, "ListInventorySupplyResult")
    pages = 1
    while True:
        seen.extend(
            str(find_text(m, "SellerSKU"))
            for m in kids(child(result, "InventorySupplyList"), "member")
        )
        token = find_text(result, "NextToken")
        if token is None:
            break
        root = await ok(gw, INVENTORY, "ListInventorySupplyByNextToken", NextToken=token)
        result = child(root, "ListInventorySupplyByNextTokenResult")
        pages += 1
    assert seen == afn_skus(gw)
    assert pages == -(-len(seen) // 7)
    status, code = await error(
        gw, INVENTORY, "ListInventorySupplyByNextToken", NextToken="not-a-token"
    )
    assert (status, code) == (400, "NextTokenCorrupted")


async def test_list_inventory_supply_parameter_errors(gw: MwsClient) -> None:
    assert await error(gw, INVENTORY, "ListInventorySupply") == (400, "MissingParameter")
    both = {"SellerSkus.member.1": "A", "QueryStartDateTime": "2020-01-01T00:00:00Z"}
    assert await error(gw, INVENTORY, "ListInventorySupply", **both) == (
        400,
        "InvalidParameterValue",
    )
    too_many = {f"SellerSkus.member.{i}": f"S{i}" for i in range(1, 52)}
    assert await error(gw, INVENTORY, "ListInventorySupply", **too_many) == (
        400,
        "InvalidParameterValue",
    )
    assert await error(
        gw,
        INVENTORY,
        "ListInventorySupply",
        ResponseGroup="Everything",
        **{"SellerSkus.member.1": "A"},
    ) == (400, "InvalidParameterValue")
    assert await error(
        gw,
        INVENTORY,
        "ListInventorySupply",
        MarketplaceId="A1PA6795UKMFR9",
        **{"SellerSkus.member.1": "A"},
    ) == (400, "InvalidParameterValue")


# ------------------------------------------------------------------ Finances


def ledger(gw: MwsClient) -> emulated_finances.Ledger:
    built = gw.emulator.sections.get("financesV0")
    assert isinstance(built, emulated_finances.Ledger)
    return built


async def test_financial_event_groups_all_pages_match_the_ledger(gw: MwsClient) -> None:
    after = "2000-01-01T00:00:00Z"
    root = await ok(
        gw,
        FINANCES,
        "ListFinancialEventGroups",
        FinancialEventGroupStartedAfter=after,
        MaxResultsPerPage="5",
    )
    result = child(root, "ListFinancialEventGroupsResult")
    groups: list[ET.Element] = []
    while True:
        page = kids(child(result, "FinancialEventGroupList"), "FinancialEventGroup")
        assert len(page) <= 5
        groups.extend(page)
        token = find_text(result, "NextToken")
        if token is None:
            break
        root = await ok(gw, FINANCES, "ListFinancialEventGroupsByNextToken", NextToken=token)
        result = child(root, "ListFinancialEventGroupsByNextTokenResult")
    expected = ledger(gw).groups
    assert [find_text(g, "FinancialEventGroupId") for g in groups] == [g.group_id for g in expected]
    for element, group in zip(groups, expected, strict=True):
        body = group.body()
        assert find_text(element, "ProcessingStatus") == body["ProcessingStatus"]
        total = Decimal(str(find_text(element, "OriginalTotal/CurrencyAmount")))
        assert total == Decimal(str(body["OriginalTotal"]["CurrencyAmount"]))
        assert find_text(element, "OriginalTotal/CurrencyCode") == group.currency
        assert (find_text(element, "FinancialEventGroupEnd") is None) == (group.end is None)


async def test_financial_events_by_posted_date_pages_and_keeps_every_list(gw: MwsClient) -> None:
    root = await ok(
        gw,
        FINANCES,
        "ListFinancialEvents",
        PostedAfter="2000-01-01T00:00:00Z",
        MaxResultsPerPage="40",
    )
    result = child(root, "ListFinancialEventsResult")
    shipments: list[ET.Element] = []
    counts: dict[str, int] = {}
    pages = 0
    while True:
        pages += 1
        events = child(result, "FinancialEvents")
        names = [strip_ns(c.tag) for c in events]
        assert len(names) == 29 and "ShipmentEventList" in names  # all lists, every page
        for lst in events:
            counts[strip_ns(lst.tag)] = counts.get(strip_ns(lst.tag), 0) + len(lst)
        shipments.extend(kids(child(events, "ShipmentEventList"), "ShipmentEvent"))
        token = find_text(result, "NextToken")
        if token is None:
            break
        root = await ok(gw, FINANCES, "ListFinancialEventsByNextToken", NextToken=token)
        result = child(root, "ListFinancialEventsByNextTokenResult")
    events_ = ledger(gw).events
    assert pages == -(-len(events_) // 40)
    mapped = [e for e in events_ if e.list_name != "ValueAddedServiceChargeEventList"]
    for name in (
        "ShipmentEventList",
        "RefundEventList",
        "ServiceFeeEventList",
        "AdjustmentEventList",
    ):
        assert counts[name] == sum(1 for e in mapped if e.list_name == name) > 0
    assert sum(counts.values()) == len(mapped)
    first = next(e for e in events_ if e.list_name == "ShipmentEventList")
    element = shipments[0]
    assert find_text(element, "AmazonOrderId") == first.order_id
    item = child(element, "ShipmentItemList/ShipmentItem")
    principal = next(
        c
        for c in kids(child(item, "ItemChargeList"), "ChargeComponent")
        if find_text(c, "ChargeType") == "Principal"
    )
    sp_item = first.body["ShipmentItemList"][0]
    assert find_text(item, "SellerSKU") == sp_item["SellerSKU"]
    assert Decimal(str(find_text(principal, "ChargeAmount/CurrencyAmount"))) == Decimal(
        str(sp_item["ItemChargeList"][0]["ChargeAmount"]["CurrencyAmount"])
    )
    assert b"StoreName" not in ET.tostring(element)  # SP-API-only key dropped


async def test_financial_events_by_order_id_and_group_id(gw: MwsClient, audit_log: Any) -> None:
    await ok(
        gw, FINANCES, "ListFinancialEventGroups", FinancialEventGroupStartedAfter=ago(days=400)
    )
    refund = next(e for e in ledger(gw).events if e.list_name == "RefundEventList")
    root = await ok(gw, FINANCES, "ListFinancialEvents", AmazonOrderId=str(refund.order_id))
    events = child(root, "ListFinancialEventsResult/FinancialEvents")
    assert [
        find_text(e, "AmazonOrderId")
        for e in kids(child(events, "ShipmentEventList"), "ShipmentEvent")
    ] == [refund.order_id]
    refunds = kids(child(events, "RefundEventList"), "ShipmentEvent")
    assert len(refunds) == 1
    adjustment = child(refunds[0], "ShipmentItemAdjustmentList/ShipmentItem")
    assert find_text(
        adjustment,
        "OrderAdjustmentItemId",
    ).startswith("ADJ")  # type: ignore[union-attr]

    group = next(
        g
        for g in ledger(gw).groups
        if any(e.list_name == "ValueAddedServiceChargeEventList" for e in g.events)
    )
    root = await ok(gw, FINANCES, "ListFinancialEvents", FinancialEventGroupId=group.group_id)
    events = child(root, "ListFinancialEventsResult/FinancialEvents")
    total = sum(len(lst) for lst in events)
    assert total == len(group.events) - sum(
        1 for e in group.events if e.list_name == "ValueAddedServiceChargeEventList"
    )
    calls = [c for c in audit_log.calls() if c.get("action") == "ListFinancialEvents"]
    assert calls[-1]["upstream"][0]["operation"] == "financesV0.listFinancialEventsByGroupId"
    assert calls[-1]["notes"]["finances_dropped"] >= 1
    assert calls[-2]["upstream"][0]["operation"] == "financesV0.listFinancialEventsByOrderId"


async def test_finances_parameter_errors_and_tampered_tokens(gw: MwsClient) -> None:
    assert await error(gw, FINANCES, "ListFinancialEventGroups") == (400, "MissingParameter")
    assert await error(
        gw, FINANCES, "ListFinancialEventGroups", FinancialEventGroupStartedAfter=ago(seconds=30)
    ) == (400, "InvalidParameterValue")
    assert await error(gw, FINANCES, "ListFinancialEvents") == (400, "MissingParameter")
    assert await error(
        gw,
        FINANCES,
        "ListFinancialEvents",
        PostedAfter=ago(days=3),
        AmazonOrderId="111-1111111-1111111",
    ) == (400, "InvalidParameterValue")
    assert await error(gw, FINANCES, "ListFinancialEvents", AmazonOrderId="bad") == (
        400,
        "InvalidParameterValue",
    )
    assert await error(
        gw, FINANCES, "ListFinancialEvents", PostedAfter=ago(days=3), PostedBefore=ago(days=4)
    ) == (400, "InvalidParameterValue")
    assert await error(
        gw, FINANCES, "ListFinancialEvents", PostedAfter=ago(days=3), MaxResultsPerPage="101"
    ) == (400, "InvalidParameterValue")
    root = await ok(
        gw,
        FINANCES,
        "ListFinancialEvents",
        PostedAfter="2000-01-01T00:00:00Z",
        MaxResultsPerPage="1",
    )
    token = str(find_text(root, "ListFinancialEventsResult/NextToken"))
    flipped = token[:10] + ("x" if token[10] != "x" else "y") + token[11:]
    assert await error(gw, FINANCES, "ListFinancialEventsByNextToken", NextToken=flipped) == (
        400,
        "NextTokenCorrupted",
    )
    # a groups token is no events token
    groups = await ok(
        gw,
        FINANCES,
        "ListFinancialEventGroups",
        FinancialEventGroupStartedAfter="2000-01-01T00:00:00Z",
        MaxResultsPerPage="1",
    )
    gtoken = str(find_text(groups, "ListFinancialEventGroupsResult/NextToken"))
    assert await error(gw, FINANCES, "ListFinancialEventsByNextToken", NextToken=gtoken) == (
        400,
        "NextTokenCorrupted",
    )
    assert await error(gw, FINANCES, "ListFinancialEventsByNextToken") == (400, "MissingParameter")


# ------------------------------------------------------------------ emulator vs models


async def test_emulator_answers_match_the_models(gw: MwsClient) -> None:
    upstream = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gw.app.state.emulator_app), base_url="http://emu"
    )
    cases: list[tuple[str, str, str, dict[str, str]]] = [
        (
            "fbaInventory.json",
            "getInventorySummaries",
            "/fba/inventory/v1/summaries",
            {
                "granularityType": "Marketplace",
                "granularityId": PRIMARY_MARKETPLACE,
                "marketplaceIds": PRIMARY_MARKETPLACE,
                "details": "true",
            },
        ),
        (
            "financesV0.json",
            "listFinancialEventGroups",
            "/finances/v0/financialEventGroups",
            {"FinancialEventGroupStartedAfter": "2000-01-01T00:00:00Z"},
        ),
        (
            "financesV0.json",
            "listFinancialEvents",
            "/finances/v0/financialEvents",
            {"PostedAfter": "2000-01-01T00:00:00Z"},
        ),
    ]
    async with upstream:
        headers = {"x-amz-access-token": await _access_token(upstream)}
        for model, op, path, query in cases:
            response = await upstream.get(path, params=query, headers=headers)
            assert response.status_code == 200, response.text
            validate_against_model(model, op, 200, response.json())
        order = next(e.order_id for e in ledger(gw).events if e.order_id)
        response = await upstream.get(
            f"/finances/v0/orders/{order}/financialEvents", headers=headers
        )
        validate_against_model(
            "financesV0.json", "listFinancialEventsByOrderId", 200, response.json()
        )
        group = ledger(gw).groups[0].group_id
        response = await upstream.get(
            f"/finances/v0/financialEventGroups/{group}/financialEvents", headers=headers
        )
        validate_against_model(
            "financesV0.json", "listFinancialEventsByGroupId", 200, response.json()
        )
        bad = await upstream.get(
            "/fba/inventory/v1/summaries",
            headers=headers,
            params={"granularityType": "Marketplace"},
        )
        assert bad.status_code == 400


async def _access_token(client: httpx.AsyncClient) -> str:
    from gateway.emulator.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN

    response = await client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": DEMO_REFRESH_TOKEN,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
