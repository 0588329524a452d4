"""Real legacy clients (python-amazon-mws 0.8.15, boto 2.49.0) against a live gateway: Products."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import mws
import pytest
from boto.mws.connection import MWSConnection

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator import catalog, fees
from tests.support.live import LiveServer

pytestmark = pytest.mark.live

US = "ATVPDKIKX0DER"


def listings(server: LiveServer) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = server.app.state.emulator_app.state.emulator.data.listings
    return data


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_python_amazon_mws_products(live_gateway: LiveServer) -> None:
    data = listings(live_gateway)
    skus = sorted(data)[:3]
    api = mws.Products(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)

    parsed = api.get_my_price_for_sku(US, [*skus, "NO-SUCH"]).parsed
    results = as_list(parsed)
    assert [r["SellerSKU"] for r in results] == [*skus, "NO-SUCH"]
    assert [r["status"] for r in results] == ["Success"] * 3 + ["ClientError"]
    offer = results[0]["Product"]["Offers"]["Offer"]
    assert offer["RegularPrice"]["Amount"] == data[skus[0]]["price"]
    assert results[3]["Error"]["Code"] == "InvalidParameterValue"

    asins = [data[s]["asin"] for s in skus]
    competitive = as_list(api.get_competitive_pricing_for_asin(US, asins).parsed)
    assert [r["ASIN"] for r in competitive] == asins
    ids = [r["Product"]["Identifiers"]["MarketplaceASIN"]["ASIN"] for r in competitive]
    assert ids == asins

    matched = as_list(api.get_matching_product_for_id(US, "SellerSKU", skus[:2]).parsed)
    assert [(r["Id"], r["status"]) for r in matched] == [(s, "Success") for s in skus[:2]]
    product = matched[0]["Products"]["Product"]
    assert product["Identifiers"]["MarketplaceASIN"]["ASIN"] == data[skus[0]]["asin"]
    assert product["AttributeSets"]["ItemAttributes"]["Title"] == data[skus[0]]["title"]

    lowest = api.get_lowest_priced_offers_for_sku(US, skus[0], condition="New").parsed
    assert lowest["SKU"] == skus[0]
    assert lowest["status"] == "Success"
    assert lowest["Identifier"]["SellerSKU"] == skus[0]


def test_boto_products(live_gateway: LiveServer) -> None:
    data = listings(live_gateway)
    skus = sorted(data)[3:5]
    conn = MWSConnection(
        aws_access_key_id=DEMO_ACCESS_KEY,
        aws_secret_access_key=DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=live_gateway.port,
        is_secure=False,
    )
    response = conn.get_my_price_for_sku(MarketplaceId=US, SellerSKUList=[*skus, "NO-SUCH"])
    results = response._result
    assert [r["SellerSKU"] for r in results] == [*skus, "NO-SUCH"]
    assert [r["status"] for r in results] == ["Success", "Success", "ClientError"]
    price = results[0].Product.Offers.Offer[0].RegularPrice.Amount
    assert str(price) == data[skus[0]]["price"]

    asins = [data[s]["asin"] for s in skus]
    competitive = conn.get_competitive_pricing_for_asin(MarketplaceId=US, ASINList=asins)
    assert [r["ASIN"] for r in competitive._result] == asins
    assert all(r["status"] == "Success" for r in competitive._result)

    matched = conn.get_matching_product_for_id(MarketplaceId=US, IdType="ASIN", IdList=asins)
    assert [r["Id"] for r in matched._result] == asins
    first = matched._result[0].Products.Product[0]
    matched_asin = first.Identifiers.MarketplaceASIN.ASIN
    assert matched_asin == asins[0]
    assert first.AttributeSets.ItemAttributes[0].Title == data[skus[0]]["title"]


# ------------------------------------------------------------------ the remaining operations


def _fee_data(listing_sku: str, listing_asin: str, n: int) -> dict[str, str]:
    data: dict[str, str] = {"Action": "GetMyFeesEstimate"}
    for i in range(1, n + 1):
        b = f"FeesEstimateRequestList.FeesEstimateRequest.{i}."
        by_asin = i % 2 == 0
        data.update(
            {
                b + "MarketplaceId": US,
                b + "IdType": "ASIN" if by_asin else "SellerSKU",
                b + "IdValue": listing_asin if by_asin else listing_sku,
                b + "IsAmazonFulfilled": "true" if i % 3 == 0 else "false",
                b + "Identifier": f"live-{i}",
                b + "PriceToEstimateFees.ListingPrice.CurrencyCode": "USD",
                b + "PriceToEstimateFees.ListingPrice.Amount": f"{10 + i}.00",
                b + "PriceToEstimateFees.Shipping.CurrencyCode": "USD",
                b + "PriceToEstimateFees.Shipping.Amount": "1.50",
            }
        )
    return data


def _referral(listing: dict[str, Any], sale: Decimal) -> Decimal:
    rate = fees.REFERRAL_RATES[catalog.root_node(catalog.leaf_node(listing))]
    return max(Decimal("0.30"), (sale * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_python_amazon_mws_fees_estimate(live_gateway: LiveServer) -> None:
    """python-amazon-mws 0.8.15 has no get_my_fees_estimate: its generic make_request does it."""
    data = listings(live_gateway)
    sku = sorted(data)[2]
    api = mws.Products(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    state = live_gateway.app.state.emulator_app.state.emulator
    parsed = api.make_request(_fee_data(sku, data[sku]["asin"], 20), method="POST").parsed
    results = as_list(parsed["FeesEstimateResultList"]["FeesEstimateResult"])
    assert [r["FeesEstimateIdentifier"]["SellerInputIdentifier"] for r in results] == [
        f"live-{i}" for i in range(1, 21)
    ]
    assert {r["Status"] for r in results} == {"Success"}
    for i, result in enumerate(results, 1):
        details = {
            d["FeeType"]: Decimal(d["FinalFee"]["Amount"])
            for d in as_list(result["FeesEstimate"]["FeeDetailList"]["FeeDetail"])
        }
        assert details["ReferralFee"] == _referral(data[sku], Decimal(10 + i) + Decimal("1.50"))
        assert ("FBAFees" in details) == (i % 3 == 0)
    assert state.calls["productFees.getMyFeesEstimates"] == 1


def test_python_amazon_mws_catalog_and_offer_listings(live_gateway: LiveServer) -> None:
    data = listings(live_gateway)
    api = mws.Products(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    state = live_gateway.app.state.emulator_app.state.emulator

    matched = api.list_matching_products(US, "yoga mat", contextid="SportingGoods").parsed
    found = as_list(matched["Products"]["Product"])
    titles = sorted(p["AttributeSets"]["ItemAttributes"]["Title"] for p in found)
    assert (
        titles
        == sorted(
            {
                x["asin"]: x["title"] for x in data.values() if "yoga mat" in x["title"].lower()
            }.values()
        )[:10]
    )

    sku = sorted(data)[6]
    listing = data[sku]
    categories = api.get_product_categories_for_sku(US, sku).parsed
    node = catalog.leaf_node(listing)
    chain = []
    current: Any = categories["Self"]
    while current:
        chain.append(current["ProductCategoryId"])
        current = current.get("Parent")
    assert chain == catalog.node_chain(node)
    by_asin = api.get_product_categories_for_asin(US, listing["asin"]).parsed
    assert by_asin["Self"]["ProductCategoryName"] == catalog.BROWSE_NODES[node][0]

    # the ASIN and SKU twins share one MWS bucket of 20 items: 16 + 4 fit it
    asins = sorted({x["asin"] for x in data.values()})[:16]
    lowest = as_list(api.get_lowest_offer_listings_for_asin(US, asins).parsed)
    assert [r["ASIN"] for r in lowest] == asins
    assert {r["status"] for r in lowest} == {"Success"}
    first = as_list(lowest[0]["Product"]["LowestOfferListings"]["LowestOfferListing"])
    assert first[0]["Qualifiers"]["ItemCondition"] in ("New", "Used")
    assert state.calls["productPricing.getItemOffersBatch"] == 1

    skus = sorted(data)[:3]
    by_sku = as_list(
        api.get_lowest_offer_listings_for_sku(US, [*skus, "NO-SUCH"], condition="New").parsed
    )
    assert [(r["SellerSKU"], r["status"]) for r in by_sku] == [
        *((s, "Success") for s in skus),
        ("NO-SUCH", "ClientError"),
    ]
    assert by_sku[0]["Product"]["Identifiers"]["SKUIdentifier"]["SellerSKU"] == skus[0]
    assert state.calls["productPricing.getListingOffersBatch"] == 1


def test_boto_catalog_and_offer_listings(live_gateway: LiveServer) -> None:
    data = listings(live_gateway)
    conn = MWSConnection(
        aws_access_key_id=DEMO_ACCESS_KEY,
        aws_secret_access_key=DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=live_gateway.port,
        is_secure=False,
    )
    state = live_gateway.app.state.emulator_app.state.emulator

    matched = conn.list_matching_products(MarketplaceId=US, Query="kettle")
    products = matched.ListMatchingProductsResult.Products.Product
    kettles = sorted({x["asin"] for x in data.values() if "kettle" in x["title"].lower()})
    assert sorted(p.Identifiers.MarketplaceASIN.ASIN for p in products) == kettles[:10]
    assert all("Kettle" in p.AttributeSets.ItemAttributes[0].Title for p in products)

    sku = sorted(data)[8]
    listing = data[sku]
    node = catalog.leaf_node(listing)
    categories = conn.get_product_categories_for_sku(MarketplaceId=US, SellerSKU=sku)
    (first,) = categories.GetProductCategoriesForSKUResult.Self
    assert first.ProductCategoryId == node
    assert first.ProductCategoryName == catalog.BROWSE_NODES[node][0]
    assert first.Parent.ProductCategoryId == catalog.node_chain(node)[1]
    by_asin = conn.get_product_categories_for_asin(MarketplaceId=US, ASIN=listing["asin"])
    assert by_asin.GetProductCategoriesForASINResult.Self[0].ProductCategoryId == node

    skus = sorted(data)[10:13]
    response = conn.get_lowest_offer_listings_for_sku(
        MarketplaceId=US, SellerSKUList=skus, ItemCondition="New", ExcludeMe="true"
    )
    results = response._result
    assert [r["SellerSKU"] for r in results] == skus
    assert all(r.AllOfferListingsConsidered == "true" for r in results)
    for result, sku_value in zip(results, skus, strict=True):
        assert result.Product.Identifiers.SKUIdentifier.SellerSKU == sku_value
        for row in result.Product.LowestOfferListings.LowestOfferListing:
            assert row.Qualifiers.ItemCondition == "New"
            assert Decimal(str(row.Price.LandedPrice.Amount)) > 0
    assert state.calls["productPricing.getListingOffersBatch"] == 1

    asins = [data[s]["asin"] for s in skus]
    by_asin_offers = conn.get_lowest_offer_listings_for_asin(MarketplaceId=US, ASINList=asins)
    assert [r["ASIN"] for r in by_asin_offers._result] == asins
    assert state.calls["productPricing.getItemOffersBatch"] == 1
