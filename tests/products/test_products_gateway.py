"""Products (repricers' section) through the gateway app: Pricing v0 on the embedded emulator."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest

from gateway.emulator import pricing
from gateway.emulator.feeds import feeds_state
from tests.feeds import samples
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

pytestmark = pytest.mark.anyio

P = "/Products/2011-10-01"
V = "2011-10-01"
US = "ATVPDKIKX0DER"
NS2 = "http://mws.amazonservices.com/schema/Products/2011-10-01/default.xsd"


def results(root: ET.Element, action: str) -> list[ET.Element]:
    found = [c for c in root if strip_ns(c.tag) == f"{action}Result"]
    assert [strip_ns(c.tag) for c in root][-1] == "ResponseMetadata"
    return found


def child(node: ET.Element, path: str) -> ET.Element:
    for part in path.split("/"):
        nxt = next((c for c in node if strip_ns(c.tag) == part), None)
        assert nxt is not None, f"{part} missing under {strip_ns(node.tag)}"
        node = nxt
    return node


def text(node: ET.Element, path: str) -> str:
    value = find_text(node, path)
    assert value is not None, path
    return value


def listings(mws: MwsClient) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = mws.emulator.data.listings
    return data


def sku_list(skus: list[str]) -> dict[str, str]:
    return {f"SellerSKUList.SellerSKU.{i}": s for i, s in enumerate(skus, 1)}


def asin_list(asins: list[str]) -> dict[str, str]:
    return {f"ASINList.ASIN.{i}": a for i, a in enumerate(asins, 1)}


async def call(mws: MwsClient, action: str, params: dict[str, str]) -> ET.Element:
    response = await mws.call(P, action, V, {"MarketplaceId": US, **params}, method="POST")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return assert_valid_mws_xml(response.content)


def expected_landed(listing: dict[str, Any]) -> Decimal:
    shipping = Decimal("0.00") if pricing.is_afn(listing) else Decimal("4.99")
    return Decimal(listing["price"]) + shipping


# ------------------------------------------------------------------ GetMyPrice


async def test_get_my_price_for_sku_values_order_and_per_item_error(mws: MwsClient) -> None:
    data = listings(mws)
    a, b = sorted(data)[10], sorted(data)[3]
    root = await call(mws, "GetMyPriceForSKU", sku_list([a, "NO-SUCH-SKU", b]))
    items = results(root, "GetMyPriceForSKU")
    assert [(r.get("SellerSKU"), r.get("status")) for r in items] == [
        (a, "Success"),
        ("NO-SUCH-SKU", "ClientError"),
        (b, "Success"),
    ]
    for node, sku in ((items[0], a), (items[2], b)):
        listing = data[sku]
        product = child(node, "Product")
        assert product.attrib == {}  # xmlns:ns2 is a declaration, not an attribute
        assert text(product, "Identifiers/MarketplaceASIN/ASIN") == listing["asin"]
        assert text(product, "Identifiers/SKUIdentifier/SellerSKU") == sku
        assert text(product, "Identifiers/SKUIdentifier/SellerId") == "A1EXAMPLESELLER"
        offer = child(product, "Offers/Offer")
        assert text(offer, "RegularPrice/Amount") == listing["price"]
        assert text(offer, "RegularPrice/CurrencyCode") == listing["currency"]
        assert text(offer, "BuyingPrice/ListingPrice/Amount") == listing["price"]
        assert Decimal(text(offer, "BuyingPrice/LandedPrice/Amount")) == expected_landed(listing)
        channel = "Amazon" if pricing.is_afn(listing) else "Merchant"
        assert text(offer, "FulfillmentChannel") == channel
        assert text(offer, "ItemCondition") == pricing.condition_of(listing)[0]
        assert text(offer, "SellerSKU") == sku
    error = child(items[1], "Error")
    assert text(error, "Type") == "Sender"
    assert text(error, "Code") == "InvalidParameterValue"
    assert (
        text(error, "Message") == f"Invalid SellerSKU identifier NO-SUCH-SKU for marketplace {US}"
    )


async def test_get_my_price_for_asin_and_ns2_declaration(mws: MwsClient) -> None:
    data = listings(mws)
    sku = sorted(data)[20]
    asin = data[sku]["asin"]
    response = await mws.call(
        P, "GetMyPriceForASIN", V, {"MarketplaceId": US, **asin_list([asin, "B0UNKNOWN1"])}
    )
    assert f'<Product xmlns:ns2="{NS2}">'.encode() in response.content
    root = assert_valid_mws_xml(response.content)
    items = results(root, "GetMyPriceForASIN")
    assert [(r.get("ASIN"), r.get("status")) for r in items] == [
        (asin, "Success"),
        ("B0UNKNOWN1", "ClientError"),
    ]
    assert text(items[0], "Product/Offers/Offer/SellerSKU") == sku
    assert "SKUIdentifier" not in [strip_ns(c.tag) for c in child(items[0], "Product/Identifiers")]
    assert text(items[1], "Error/Message") == (
        f"Invalid ASIN identifier B0UNKNOWN1 for marketplace {US}"
    )


async def test_item_condition_filters_my_offers(mws_free: MwsClient) -> None:
    data = listings(mws_free)
    sku = next(s for s in sorted(data) if data[s]["condition"] == "new_new")
    root = await call(mws_free, "GetMyPriceForSKU", {**sku_list([sku]), "ItemCondition": "Used"})
    (item,) = results(root, "GetMyPriceForSKU")
    assert item.get("status") == "Success"
    assert list(child(item, "Product/Offers")) == []
    root = await call(mws_free, "GetMyPriceForSKU", {**sku_list([sku]), "ItemCondition": "New"})
    assert len(list(child(results(root, "GetMyPriceForSKU")[0], "Product/Offers"))) == 1


async def test_price_feed_then_get_my_price_shows_new_price(mws_free: MwsClient) -> None:
    mws = mws_free
    sku = sorted(listings(mws))[7]
    before = await call(mws, "GetMyPriceForSKU", sku_list([sku]))
    old = text(results(before, "GetMyPriceForSKU")[0], "Product/Offers/Offer/RegularPrice/Amount")
    assert old == listings(mws)[sku]["price"] != "77.70"

    doc = samples.envelope("Price", samples.price(1, sku, "77.70"))
    feeds_state(mws.emulator).queue_seconds = 0
    submitted = await mws.call(
        "/",
        "SubmitFeed",
        "2009-01-01",
        {"FeedType": "_POST_PRODUCT_PRICING_DATA_", "MarketplaceIdList.Id.1": US},
        method="POST",
        body=doc,
        headers={"Content-Type": "text/xml", "Content-MD5": samples_md5(doc)},
        seller_param="Merchant",
    )
    assert submitted.status_code == 200, submitted.text
    feed_id = find_text(
        assert_valid_mws_xml(submitted.content),
        "SubmitFeedResult/FeedSubmissionInfo/FeedSubmissionId",
    )
    assert feed_id
    mws.emulator.clock.advance(5)
    report = await mws.call(
        "/", "GetFeedSubmissionResult", "2009-01-01", {"FeedSubmissionId": feed_id}
    )
    assert report.status_code == 200, report.text

    after = await call(mws, "GetMyPriceForSKU", sku_list([sku]))
    offer = child(results(after, "GetMyPriceForSKU")[0], "Product/Offers/Offer")
    assert text(offer, "RegularPrice/Amount") == "77.70"
    assert text(offer, "BuyingPrice/ListingPrice/Amount") == "77.70"


def samples_md5(body: bytes) -> str:
    import base64
    import hashlib

    return base64.b64encode(hashlib.md5(body).digest()).decode()


# ------------------------------------------------------------------ limits and quotas


async def test_more_than_20_items_is_refused_when_quotas_are_off(mws_free: MwsClient) -> None:
    asins = [f"B0TEST{n:04d}" for n in range(25)]
    response = await mws_free.call(
        P, "GetCompetitivePricingForASIN", V, {"MarketplaceId": US, **asin_list(asins)}
    )
    assert response.status_code == 400
    root = assert_valid_mws_xml(response.content)
    assert find_text(root, "Error/Code") == "InvalidParameterValue"
    assert "ASINList.ASIN.N accepts at most 20 values" in (find_text(root, "Error/Message") or "")
    assert mws_free.emulator.calls["productPricing.getCompetitivePricing"] == 0


async def test_per_item_quota_counts_items_not_requests(mws: MwsClient) -> None:
    """GetMyPrice: burst 20 items restoring 10 items/s, shared by the SKU and ASIN twins."""
    data = listings(mws)
    skus = sorted(data)[:15]
    first = await mws.call(P, "GetMyPriceForSKU", V, {"MarketplaceId": US, **sku_list(skus)})
    assert first.status_code == 200
    assert first.headers["x-mws-quota-max"] == "36000.0"
    # the hourly quota counts items too (MWS: 36000/hour = 10 items/s)
    assert first.headers["x-mws-quota-remaining"] == f"{36000 - 15:.1f}"
    # 5 items left in the burst (plus what restored meanwhile, < 10): 15 more ASINs are too many
    asins = [data[s]["asin"] for s in skus]
    second = await mws.call(P, "GetMyPriceForASIN", V, {"MarketplaceId": US, **asin_list(asins)})
    assert second.status_code == 503, second.text
    root = assert_valid_mws_xml(second.content)
    assert find_text(root, "Error/Code") == "RequestThrottled"
    assert int(second.headers["Retry-After"]) >= 1
    # one item still fits
    third = await mws.call(P, "GetMyPriceForASIN", V, {"MarketplaceId": US, **asin_list(asins[:1])})
    assert third.status_code == 200
    # 25 items can never fit a 20-item burst: refused outright, before the quota and SP-API
    many = [f"B0TEST{n:04d}" for n in range(25)]
    refused = await mws.call(
        P, "GetCompetitivePricingForASIN", V, {"MarketplaceId": US, **asin_list(many)}
    )
    assert refused.status_code == 400
    root = assert_valid_mws_xml(refused.content)
    assert find_text(root, "Error/Code") == "InvalidParameterValue"
    assert "at most 20" in (find_text(root, "Error/Message") or "")
    assert mws.emulator.calls["productPricing.getPricing"] == 2
    assert mws.emulator.calls["productPricing.getCompetitivePricing"] == 0


async def test_parameter_errors(mws_free: MwsClient) -> None:
    missing = await mws_free.call(P, "GetMyPriceForSKU", V, {"MarketplaceId": US})
    assert missing.status_code == 400
    root = assert_valid_mws_xml(missing.content)
    assert find_text(root, "Error/Code") == "MissingParameter"
    foreign = await mws_free.call(
        P, "GetMyPriceForSKU", V, {"MarketplaceId": "A1PA6795UKMFR9", **sku_list(["X"])}
    )
    assert foreign.status_code == 400
    assert find_text(assert_valid_mws_xml(foreign.content), "Error/Code") == (
        "InvalidParameterValue"
    )
    bad_condition = await mws_free.call(
        P,
        "GetLowestPricedOffersForASIN",
        V,
        {"MarketplaceId": US, "ASIN": "B0X", "ItemCondition": "Mint"},
    )
    assert bad_condition.status_code == 400
    assert mws_free.emulator.calls["productPricing.getItemOffers"] == 0


async def test_sku_with_a_comma_gets_a_per_item_error(mws_free: MwsClient) -> None:
    sku = sorted(listings(mws_free))[0]
    root = await call(mws_free, "GetMyPriceForSKU", sku_list(["A,B", sku]))
    items = results(root, "GetMyPriceForSKU")
    assert [(r.get("SellerSKU"), r.get("status")) for r in items] == [
        ("A,B", "ClientError"),
        (sku, "Success"),
    ]
    assert "comma" in text(items[0], "Error/Message")


# ------------------------------------------------------------------ GetCompetitivePricing


async def test_competitive_pricing_for_sku_against_the_emulated_market(mws_free: MwsClient) -> None:
    data = listings(mws_free)
    state = mws_free.emulator
    chosen = [s for s in sorted(data) if data[s]["quantity"] > 0][:6]
    root = await call(mws_free, "GetCompetitivePricingForSKU", sku_list([*chosen, "GONE"]))
    items = results(root, "GetCompetitivePricingForSKU")
    assert [r.get("SellerSKU") for r in items] == [*chosen, "GONE"]
    assert items[-1].get("status") == "ClientError"
    for node, sku in zip(items, chosen, strict=False):
        asin = data[sku]["asin"]
        offers = pricing.competitors(asin, Decimal(data[sku]["price"]), "USD")
        mine = [
            pricing.own_offer(x, "A1EXAMPLESELLER")
            for x in data.values()
            if x["asin"] == asin and x["quantity"] > 0
        ]
        market = mine + offers
        prices = child(node, "Product/CompetitivePricing/CompetitivePrices")
        by_condition = {p.get("condition"): p for p in prices}
        for condition in ("New", "Used"):
            winner = pricing.buy_box(market, condition)
            if winner is None:
                assert condition not in by_condition
                continue
            price = by_condition[condition]
            assert price.get("belongsToRequester") == (
                "true" if winner.seller_id == "A1EXAMPLESELLER" else "false"
            )
            assert price.get("subcondition") == winner.subcondition
            assert text(price, "CompetitivePriceId") == ("1" if condition == "New" else "2")
            assert Decimal(text(price, "Price/LandedPrice/Amount")) == winner.landed
        counts = {
            c.get("condition"): int(c.text or "")
            for c in child(node, "Product/CompetitivePricing/NumberOfOfferListings")
        }
        assert counts["Any"] == len(market)
        ranks = child(node, "Product/SalesRankings")
        assert [text(r, "Rank") for r in ranks] == [
            str(r["Rank"]) for r in pricing.sales_ranks(asin)
        ]
    assert state.calls["productPricing.getCompetitivePricing"] == 1


# ------------------------------------------------------------------ GetLowestPricedOffers


async def test_lowest_priced_offers_for_sku(mws_free: MwsClient) -> None:
    data = listings(mws_free)
    sku = next(
        s
        for s in sorted(data)
        if data[s]["quantity"] > 0
        and data[s]["condition"] == "new_new"
        and len(pricing.competitors(data[s]["asin"], Decimal(data[s]["price"]), "USD")) >= 2
    )
    root = await call(
        mws_free, "GetLowestPricedOffersForSKU", {"SellerSKU": sku, "ItemCondition": "New"}
    )
    (item,) = results(root, "GetLowestPricedOffersForSKU")
    assert item.attrib == {
        "MarketplaceID": US,
        "SKU": sku,
        "ItemCondition": "New",
        "status": "Success",
    }
    assert list(item.attrib) == ["MarketplaceID", "SKU", "ItemCondition", "status"]
    assert text(item, "Identifier/SellerSKU") == sku
    offers = list(child(item, "Offers"))
    # the Summary counts every condition (as SP-API's does), the Offers only the one asked for
    counts = [int(c.text or "") for c in child(item, "Summary/NumberOfOffers")]
    assert int(text(item, "Summary/TotalOfferCount")) == sum(counts) >= len(offers) >= 1
    new_counts = [
        int(c.text or "")
        for c in child(item, "Summary/NumberOfOffers")
        if c.get("condition") == "new"
    ]
    assert sum(new_counts) == len(offers)
    mine = [o for o in offers if find_text(o, "MyOffer") == "true"]
    assert len(mine) == 1
    assert text(mine[0], "ListingPrice/Amount") == data[sku]["price"]
    landed = [
        Decimal(text(o, "ListingPrice/Amount")) + Decimal(text(o, "Shipping/Amount"))
        for o in offers
    ]
    assert landed == sorted(landed)
    winners = [o for o in offers if find_text(o, "IsBuyBoxWinner") == "true"]
    assert len(winners) == 1
    buy_box = child(item, "Summary/BuyBoxPrices/BuyBoxPrice")
    assert Decimal(text(buy_box, "LandedPrice/Amount")) == landed[0]
    shipping_time = child(offers[0], "ShippingTime")
    assert list(shipping_time) == [] and "maximumHours" in shipping_time.attrib


async def test_lowest_priced_offers_for_unknown_asin_is_a_per_item_error(mws: MwsClient) -> None:
    root = await call(
        mws, "GetLowestPricedOffersForASIN", {"ASIN": "B0NOTLISTED", "ItemCondition": "Used"}
    )
    (item,) = results(root, "GetLowestPricedOffersForASIN")
    assert item.attrib == {
        "MarketplaceID": US,
        "ASIN": "B0NOTLISTED",
        "ItemCondition": "Used",
        "status": "ClientError",
    }
    assert text(item, "Error/Code") == "InvalidParameterValue"
    assert text(item, "Error/Type") == "Sender"


# ------------------------------------------------------------------ one SP-API call per MWS call


async def test_twenty_ids_are_one_pricing_call(mws_free: MwsClient, audit_log: Any) -> None:
    """getPricing / getCompetitivePricing take 20 Asins/Skus: no batch operation saves more."""
    data = listings(mws_free)
    skus = sorted(data)[:20]
    asins = sorted({data[s]["asin"] for s in skus})
    mine = results(await call(mws_free, "GetMyPriceForSKU", sku_list(skus)), "GetMyPriceForSKU")
    assert [r.get("status") for r in mine] == ["Success"] * 20
    theirs = results(
        await call(mws_free, "GetCompetitivePricingForASIN", asin_list(asins)),
        "GetCompetitivePricingForASIN",
    )
    assert [r.get("ASIN") for r in theirs] == asins
    upstream = {
        e["action"]: [u["operation"] for u in e["upstream"]]
        for e in audit_log.calls()
        if e.get("action") in ("GetMyPriceForSKU", "GetCompetitivePricingForASIN")
    }
    assert upstream == {
        "GetMyPriceForSKU": ["productPricingV0.getPricing"],
        "GetCompetitivePricingForASIN": ["productPricingV0.getCompetitivePricing"],
    }
    assert mws_free.emulator.calls["productPricing.getPricing"] == 1
    assert mws_free.emulator.calls["productPricing.getCompetitivePricing"] == 1
