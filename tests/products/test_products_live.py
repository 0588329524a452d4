"""Real legacy clients (python-amazon-mws 0.8.15, boto 2.49.0) against a live gateway: Products."""

from __future__ import annotations

from typing import Any

import mws
import pytest
from boto.mws.connection import MWSConnection

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
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
