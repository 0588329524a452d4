"""GetMatchingProduct / GetMatchingProductForId on Catalog Items 2022-04-01 (emulated)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.emulator import catalog, pricing
from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from tests.emulator.helpers import auth, get_lwa_token
from tests.emulator.modelcheck import validate_against_model
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

pytestmark = pytest.mark.anyio

P = "/Products/2011-10-01"
V = "2011-10-01"
US = "ATVPDKIKX0DER"
NS2 = "{http://mws.amazonservices.com/schema/Products/2011-10-01/default.xsd}"
MODEL = "catalogItems_2022-04-01.json"


def listings(mws: MwsClient) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = mws.emulator.data.listings
    return data


def results(root: ET.Element) -> list[ET.Element]:
    return [c for c in root if strip_ns(c.tag).endswith("Result")]


async def call(mws: MwsClient, action: str, params: dict[str, str]) -> ET.Element:
    response = await mws.call(P, action, V, {"MarketplaceId": US, **params}, method="POST")
    assert response.status_code == 200, response.text
    return assert_valid_mws_xml(response.content)


def check_product(product: ET.Element, listing: dict[str, Any]) -> None:
    asin = listing["asin"]
    assert find_text(product, "Identifiers/MarketplaceASIN/ASIN") == asin
    attrs = product.find(f"{{*}}AttributeSets/{NS2}ItemAttributes")
    assert attrs is not None
    assert attrs.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    assert attrs.findtext(f"{NS2}Title") == listing["title"]
    item = catalog.catalog_item(listing, US)
    assert attrs.findtext(f"{NS2}Brand") == item["summaries"][0]["brand"]
    tags = [c.tag.removeprefix(NS2) for c in attrs]
    assert tags == sorted(tags)  # MWS wrote ItemAttributes alphabetically
    height = attrs.find(f"{NS2}PackageDimensions/{NS2}Weight")
    assert height is not None and height.get("Units") == "pounds"
    ranks = [
        (find_text(r, "ProductCategoryId"), find_text(r, "Rank"))
        for r in product.findall("{*}SalesRankings/{*}SalesRank")
    ]
    assert ranks == [(r["ProductCategoryId"], str(r["Rank"])) for r in pricing.sales_ranks(asin)]
    parents = product.findall("{*}Relationships/{*}VariationParent")
    expected = catalog.parent_asin(asin)
    assert [find_text(p, "Identifiers/MarketplaceASIN/ASIN") for p in parents] == (
        [expected] if expected else []
    )


async def test_matching_product_for_id_by_sku_asin_ean_and_upc(mws: MwsClient) -> None:
    data = listings(mws)
    skus = sorted(data)[:2]
    root = await call(
        mws,
        "GetMatchingProductForId",
        {
            "IdType": "SellerSKU",
            "IdList.Id.1": skus[0],
            "IdList.Id.2": "NOPE",
            "IdList.Id.3": skus[1],
        },
    )
    items = results(root)
    assert [(r.get("Id"), r.get("IdType"), r.get("status")) for r in items] == [
        (skus[0], "SellerSKU", "Success"),
        ("NOPE", "SellerSKU", "ClientError"),
        (skus[1], "SellerSKU", "Success"),
    ]
    check_product(items[0].findall("{*}Products/{*}Product")[0], data[skus[0]])
    assert find_text(items[1], "Error/Message") == (
        f"Invalid SellerSKU identifier NOPE for marketplace {US}"
    )
    assert mws.emulator.calls["catalogItems.searchCatalogItems"] == 3  # one call per SKU

    asin = data[skus[0]]["asin"]
    for id_type, value in (("ASIN", asin), ("EAN", catalog.ean(asin)), ("UPC", catalog.upc(asin))):
        root = await call(
            mws,
            "GetMatchingProductForId",
            {"IdType": id_type, "IdList.Id.1": "0000", "IdList.Id.2": value},
        )
        first, second = results(root)
        assert (first.get("status"), second.get("status")) == ("ClientError", "Success")
        (product,) = second.findall("{*}Products/{*}Product")
        check_product(product, data[skus[0]])


async def test_matching_product_by_asins_in_one_call(mws: MwsClient) -> None:
    data = listings(mws)
    chosen = [data[s] for s in sorted(data)[:8]]
    asins = [x["asin"] for x in chosen]
    params = {f"ASINList.ASIN.{i}": a for i, a in enumerate([*asins, "B0MISSING1"], 1)}
    response = await mws.call(P, "GetMatchingProduct", V, {"MarketplaceId": US, **params})
    assert response.status_code == 200
    root = assert_valid_mws_xml(response.content)
    items = results(root)
    assert [r.get("ASIN") for r in items] == [*asins, "B0MISSING1"]
    assert [r.get("status") for r in items] == ["Success"] * 8 + ["ClientError"]
    for node, listing in zip(items, chosen, strict=False):
        product = node.find("{*}Product")
        assert product is not None
        check_product(product, listing)
    assert mws.emulator.calls["catalogItems.searchCatalogItems"] == 1


async def test_id_type_and_list_limits(mws_free: MwsClient) -> None:
    gcid = await mws_free.call(
        P, "GetMatchingProductForId", V, {"MarketplaceId": US, "IdType": "GCID", "IdList.Id.1": "x"}
    )
    assert gcid.status_code == 400
    assert find_text(assert_valid_mws_xml(gcid.content), "Error/Code") == "InvalidParameterValue"
    six = {f"IdList.Id.{n}": f"B0X{n}" for n in range(1, 7)}
    too_many = await mws_free.call(
        P, "GetMatchingProductForId", V, {"MarketplaceId": US, "IdType": "ASIN", **six}
    )
    assert too_many.status_code == 400
    assert "IdList.Id.N accepts at most 5 values" in too_many.text
    assert mws_free.emulator.calls["catalogItems.searchCatalogItems"] == 0


@pytest.fixture
async def emu() -> AsyncIterator[tuple[httpx.AsyncClient, Any, str]]:
    app = create_emulator_app(EmulatorConfig(rate_mode="off"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        yield client, app.state.emulator, await get_lwa_token(client)


async def test_emulated_catalog_fits_the_model(emu: tuple[httpx.AsyncClient, Any, str]) -> None:
    client, state, token = emu
    listing = state.data.listings[sorted(state.data.listings)[0]]
    everything = ",".join(catalog.INCLUDED_DATA)
    found = await client.get(
        "/catalog/2022-04-01/items",
        params={
            "marketplaceIds": US,
            "identifiersType": "SKU",
            "identifiers": listing["sku"],
            "sellerId": state.config.seller_id,
            "includedData": everything,
        },
        headers=auth(token),
    )
    assert found.status_code == 200, found.text
    validate_against_model(MODEL, "searchCatalogItems", 200, found.json())
    assert [i["asin"] for i in found.json()["items"]] == [listing["asin"]]
    one = await client.get(
        f"/catalog/2022-04-01/items/{listing['asin']}",
        params={"marketplaceIds": US, "includedData": everything},
        headers=auth(token),
    )
    validate_against_model(MODEL, "getCatalogItem", 200, one.json())
    assert set(one.json()) >= {"asin", "summaries", "salesRanks", "identifiers"}
    missing = await client.get(
        "/catalog/2022-04-01/items/B0NOTHERE", params={"marketplaceIds": US}, headers=auth(token)
    )
    assert missing.status_code == 404
    validate_against_model(MODEL, "getCatalogItem", 404, missing.json())
    no_seller = await client.get(
        "/catalog/2022-04-01/items",
        params={"marketplaceIds": US, "identifiersType": "SKU", "identifiers": listing["sku"]},
        headers=auth(token),
    )
    assert no_seller.status_code == 400
