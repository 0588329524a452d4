"""ListMatchingProducts and GetProductCategoriesFor{SKU,ASIN} on Catalog Items 2022-04-01."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.emulator import catalog
from gateway.mws.errors import MwsError
from gateway.translate.products.catalog import category, query_context, search_keywords
from tests.conftest import AuditCapture
from tests.emulator.modelcheck import validate_against_model
from tests.products.conftest import Emulator
from tests.products.helpers import (
    US,
    call,
    child,
    emulator_get,
    kids,
    listings,
    refused,
    tags,
    text,
)
from tests.support.gateway import MwsClient
from tests.support.recordings import load_exchanges

pytestmark = pytest.mark.anyio

MODEL = "catalogItems_2022-04-01.json"
NS2 = "{http://mws.amazonservices.com/schema/Products/2011-10-01/default.xsd}"
SECTION = load_catalog(check_handlers=False).sections["Products"]
CONTEXTS = SECTION.tables["query_contexts"]


def catalog_asins(data: dict[str, dict[str, Any]], predicate: Any) -> list[str]:
    """The ASINs of the US demo catalog whose (first) listing satisfies ``predicate``."""
    first: dict[str, dict[str, Any]] = {}
    for sku in sorted(data):
        listing = data[sku]
        if listing["marketplace_id"] == US:
            first.setdefault(listing["asin"], listing)
    return sorted(a for a, listing in first.items() if predicate(listing))


def products(root: ET.Element) -> list[ET.Element]:
    return kids(child(root, "ListMatchingProductsResult/Products"), "Product")


def asins_of(found: list[ET.Element]) -> list[str]:
    return [text(p, "Identifiers/MarketplaceASIN/ASIN") for p in found]


def chain(node: str) -> list[tuple[str, str]]:
    return [(n, catalog.BROWSE_NODES[n][0]) for n in catalog.node_chain(node)]


def self_chain(element: ET.Element) -> list[tuple[str, str]]:
    out = []
    node: ET.Element | None = element
    while node is not None:
        out.append((text(node, "ProductCategoryId"), text(node, "ProductCategoryName")))
        node = next((c for c in node if c.tag.endswith("}Parent")), None)
    return out


# ------------------------------------------------------------------ pure


def test_query_and_context_translation() -> None:
    assert search_keywords("  harry,potter   dvd ") == "harry potter dvd"
    assert query_context(CONTEXTS, US, None) == (None, True)
    assert query_context(CONTEXTS, US, "All") == (None, True)
    assert query_context(CONTEXTS, US, "Kitchen") == ("284507", True)
    assert query_context(CONTEXTS, US, "Jewelry") == (None, False)  # searched everywhere
    assert query_context(CONTEXTS, "A1PA6795UKMFR9", "Kitchen") == (None, False)
    with pytest.raises(MwsError) as error:
        query_context(CONTEXTS, US, "Groceries")
    assert error.value.code == "InvalidParameterValue"


def test_every_documented_us_context_is_in_the_table() -> None:
    documented = [
        "All",
        "Apparel",
        "Appliances",
        "ArtsAndCrafts",
        "Automotive",
        "Baby",
        "Beauty",
        "Books",
        "Classical",
        "DigitalMusic",
        "DVD",
        "Electronics",
        "Grocery",
        "HealthPersonalCare",
        "HomeGarden",
        "Industrial",
        "Jewelry",
        "KindleStore",
        "Kitchen",
        "Magazines",
        "Miscellaneous",
        "MobileApps",
        "MP3Downloads",
        "Music",
        "MusicalInstruments",
        "OfficeProducts",
        "PCHardware",
        "PetSupplies",
        "Photo",
        "Shoes",
        "Software",
        "SportingGoods",
        "Tools",
        "Toys",
        "UnboxVideo",
        "VHS",
        "Video",
        "VideoGames",
        "Watches",
        "Wireless",
        "WirelessAccessories",
    ]
    assert sorted(CONTEXTS[US]) == sorted(documented)


def test_classification_becomes_the_mws_category_chain() -> None:
    node = catalog.classification("900203")
    element = category(node)
    assert element == (
        "Self",
        [
            ("ProductCategoryId", "900203"),
            ("ProductCategoryName", "Yoga Mats"),
            (
                "Parent",
                [
                    ("ProductCategoryId", "900202"),
                    ("ProductCategoryName", "Yoga"),
                    (
                        "Parent",
                        [
                            ("ProductCategoryId", "900201"),
                            ("ProductCategoryName", "Exercise & Fitness"),
                            (
                                "Parent",
                                [
                                    ("ProductCategoryId", "3375251"),
                                    ("ProductCategoryName", "Sports & Outdoors"),
                                ],
                            ),
                        ],
                    ),
                ],
            ),
        ],
    )
    loop: dict[str, Any] = {"classificationId": "1", "displayName": "Loop"}
    loop["parent"] = loop
    looped = category(loop)
    assert looped is not None  # a parent loop ends instead of recursing forever


# ------------------------------------------------------------------ ListMatchingProducts


async def test_keyword_search_is_one_call(mws: MwsClient, audit_log: AuditCapture) -> None:
    data = listings(mws)
    wanted = catalog_asins(data, lambda x: "yoga mat" in x["title"].lower())
    assert 0 < len(wanted) <= 10
    root = await call(mws, "ListMatchingProducts", {"MarketplaceId": US, "Query": "Yoga Mat"})
    found = products(root)
    assert asins_of(found) == wanted
    by_asin = {x["asin"]: x for x in data.values()}
    for product in found:
        listing = by_asin[text(product, "Identifiers/MarketplaceASIN/ASIN")]
        attrs = product.find(f"{{*}}AttributeSets/{NS2}ItemAttributes")
        assert attrs is not None
        assert attrs.findtext(f"{NS2}Title") == listing["title"]
        item = catalog.catalog_item(listing, US)
        assert attrs.findtext(f"{NS2}Brand") == item["summaries"][0]["brand"]
        assert tags(product) == ["Identifiers", "AttributeSets", "Relationships", "SalesRankings"]
    (event,) = [e for e in audit_log.calls() if e.get("action") == "ListMatchingProducts"]
    assert [u["operation"] for u in event["upstream"]] == [
        "catalogItems_2022-04-01.searchCatalogItems"
    ]
    assert mws.emulator.calls["catalogItems.searchCatalogItems"] == 1


async def test_query_context_narrows_the_search(
    mws_free: MwsClient, audit_log: AuditCapture
) -> None:
    data = listings(mws_free)

    def under(root: str) -> Any:
        return lambda x: root in catalog.node_chain(catalog.leaf_node(x))

    everything = catalog_asins(data, lambda x: True)
    assert len(everything) > 10
    # "Model" is in every title: MWS answered at most 10 products
    root = await call(mws_free, "ListMatchingProducts", {"MarketplaceId": US, "Query": "model"})
    assert asins_of(products(root)) == everything[:10]
    for context, node in (("SportingGoods", "3375251"), ("Kitchen", "284507")):
        root = await call(
            mws_free,
            "ListMatchingProducts",
            {"MarketplaceId": US, "Query": "model", "QueryContextId": context},
        )
        expected = catalog_asins(data, under(node))
        assert asins_of(products(root)) == expected[:10]
        assert set(expected) < set(everything)
    # a documented context without a classification searches everything (and says so)
    root = await call(
        mws_free,
        "ListMatchingProducts",
        {"MarketplaceId": US, "Query": "model", "QueryContextId": "Jewelry"},
    )
    assert asins_of(products(root)) == everything[:10]
    unmapped = [
        e["notes"].get("products_context_unmapped")
        for e in audit_log.calls()
        if e.get("action") == "ListMatchingProducts"
    ]
    assert unmapped[-1] == "Jewelry"
    # an identifier as the query (MWS allowed UPC/EAN/ISBN/JAN)
    listing = data[sorted(data)[3]]
    ean = catalog.ean(listing["asin"])
    root = await call(mws_free, "ListMatchingProducts", {"MarketplaceId": US, "Query": ean})
    assert asins_of(products(root)) == [listing["asin"]]
    # nothing found: an empty Products element
    root = await call(mws_free, "ListMatchingProducts", {"MarketplaceId": US, "Query": "zeppelin"})
    assert products(root) == []


async def test_list_matching_products_bad_input(mws_free: MwsClient) -> None:
    cases = [
        ({"MarketplaceId": US}, "MissingParameter"),
        ({"MarketplaceId": US, "Query": " , ,"}, "InvalidParameterValue"),
        (
            {"MarketplaceId": US, "Query": "x", "QueryContextId": "Groceries"},
            "InvalidParameterValue",
        ),
        ({"MarketplaceId": "A1PA6795UKMFR9", "Query": "x"}, "InvalidParameterValue"),
        ({"MarketplaceId": US, "Query": "x" * 501}, "InvalidParameterValue"),
    ]
    for params, expected in cases:
        code, _ = await refused(mws_free, "ListMatchingProducts", params)
        assert code == expected, params
    assert mws_free.emulator.calls["catalogItems.searchCatalogItems"] == 0


# ------------------------------------------------------------------ GetProductCategories


async def test_categories_for_sku_and_asin(mws_free: MwsClient, audit_log: AuditCapture) -> None:
    data = listings(mws_free)
    sku = sorted(data)[5]
    listing = data[sku]
    expected = chain(catalog.leaf_node(listing))
    assert len(expected) >= 3
    root = await call(
        mws_free, "GetProductCategoriesForSKU", {"MarketplaceId": US, "SellerSKU": sku}
    )
    (mine,) = kids(child(root, "GetProductCategoriesForSKUResult"), "Self")
    assert self_chain(mine) == expected
    root = await call(
        mws_free, "GetProductCategoriesForASIN", {"MarketplaceId": US, "ASIN": listing["asin"]}
    )
    (theirs,) = kids(child(root, "GetProductCategoriesForASINResult"), "Self")
    assert self_chain(theirs) == expected
    operations = [
        [u["operation"] for u in e["upstream"]]
        for e in audit_log.calls()
        if str(e.get("action")).startswith("GetProductCategories")
    ]
    assert operations == [
        ["catalogItems_2022-04-01.searchCatalogItems"],
        ["catalogItems_2022-04-01.getCatalogItem"],
    ]


async def test_categories_of_unknown_items_are_mws_errors(mws_free: MwsClient) -> None:
    code, message = await refused(
        mws_free, "GetProductCategoriesForSKU", {"MarketplaceId": US, "SellerSKU": "NO-SUCH"}
    )
    assert (code, message) == (
        "InvalidParameterValue",
        f"Invalid SellerSKU identifier NO-SUCH for marketplace {US}",
    )
    code, message = await refused(
        mws_free, "GetProductCategoriesForASIN", {"MarketplaceId": US, "ASIN": "B0NOTHERE1"}
    )
    assert code == "InvalidParameterValue" and "B0NOTHERE1" in message
    code, message = await refused(
        mws_free, "GetProductCategoriesForSKU", {"MarketplaceId": US, "SellerSKU": "A,B"}
    )
    assert code == "InvalidParameterValue" and "comma" in message
    code, _ = await refused(mws_free, "GetProductCategoriesForASIN", {"MarketplaceId": US})
    assert code == "MissingParameter"
    assert mws_free.emulator.calls["catalogItems.searchCatalogItems"] == 1
    assert mws_free.emulator.calls["catalogItems.getCatalogItem"] == 1


def test_recorded_categories_answer_has_the_rendered_shape() -> None:
    (recorded,) = [
        e for e in load_exchanges() if e.action == "GetProductCategoriesForSKU" and e.status == 200
    ]
    root = ET.fromstring(recorded.body.split("?>", 1)[1])
    (first,) = kids(child(root, "GetProductCategoriesForSKUResult"), "Self")
    names = self_chain(first)
    assert names[0] == ("6647554011", "Spatulas")
    assert names[-1] == ("2206275011", "Home & Kitchen")
    # the same element names and nesting the gateway renders from a classification
    rendered = category(
        {
            "classificationId": names[0][0],
            "displayName": names[0][1],
            "parent": {"classificationId": names[1][0], "displayName": names[1][1]},
        }
    )
    assert rendered is not None
    assert [c[0] for c in rendered[1]] == tags(first)


# ------------------------------------------------------------------ the emulator


async def test_emulated_keyword_search_pages_and_fits_the_model(emulator: Emulator) -> None:
    data = emulator.state.data.listings
    everything = catalog_asins(data, lambda x: True)
    seen: list[str] = []
    params = {
        "marketplaceIds": US,
        "keywords": "model",
        "includedData": "summaries,classifications",
        "pageSize": "7",
    }
    previous = None
    while True:
        response = await emulator_get(
            emulator.client, emulator.token, "/catalog/2022-04-01/items", params
        )
        assert response.status_code == 200, response.text
        body = response.json()
        validate_against_model(MODEL, "searchCatalogItems", 200, body)
        assert body["numberOfResults"] == len(everything)
        assert len(body["items"]) <= 7
        seen += [i["asin"] for i in body["items"]]
        if previous is not None:
            assert "previousToken" in body["pagination"]
        token = (body.get("pagination") or {}).get("nextToken")
        if not token:
            break
        previous = token
        params = {**params, "pageToken": token}
    assert seen == everything
    refinements = body["refinements"]
    assert sum(b["numberOfResults"] for b in refinements["brands"]) == len(everything)
    assert sum(c["numberOfResults"] for c in refinements["classifications"]) == len(everything)

    narrowed = await emulator_get(
        emulator.client,
        emulator.token,
        "/catalog/2022-04-01/items",
        {
            "marketplaceIds": US,
            "keywords": "model",
            "classificationIds": "3375251",
            "pageSize": "20",
        },
    )
    sport = catalog_asins(data, lambda x: "3375251" in catalog.node_chain(catalog.leaf_node(x)))
    assert [i["asin"] for i in narrowed.json()["items"]] == sport[:20]
    brand = catalog.catalog_item(data[sorted(data)[0]], US)["summaries"][0]["brand"]
    branded = await emulator_get(
        emulator.client,
        emulator.token,
        "/catalog/2022-04-01/items",
        {
            "marketplaceIds": US,
            "keywords": "model",
            "brandNames": brand,
            "includedData": "summaries",
        },
    )
    assert {i["summaries"][0]["brand"] for i in branded.json()["items"]} == {brand}
    for bad in (
        {"marketplaceIds": US, "keywords": "x", "identifiers": "B0X", "identifiersType": "ASIN"},
        {"marketplaceIds": US, "keywords": "x", "pageSize": "21"},
        {"marketplaceIds": US, "identifiers": "B0X", "identifiersType": "ASIN", "brandNames": "Y"},
        {"marketplaceIds": US, "keywords": ",".join(f"k{n}" for n in range(21))},
    ):
        refused_search = await emulator_get(
            emulator.client, emulator.token, "/catalog/2022-04-01/items", bad
        )
        assert refused_search.status_code == 400, bad
        validate_against_model(MODEL, "searchCatalogItems", 400, refused_search.json())
