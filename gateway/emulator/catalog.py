"""Catalog Items API 2022-04-01: searchCatalogItems (identifiers or keywords) and getCatalogItem.

The catalog holds one item per ASIN the seeded listings sell, in the listing's marketplace. The
title, product type and sales ranks come from the listing and :mod:`gateway.emulator.pricing`;
brand, EAN/UPC, dimensions, image and (for some items) a variation parent are invented from a
hash of the ASIN, so they are stable between runs. ``identifiersType=SKU`` looks SKUs up among
the calling seller's listings and needs ``sellerId``.

Classifications (browse nodes): every item sits in one leaf of :data:`BROWSE_NODES`, picked by
the product noun in its title (a hash of the ASIN when the title names none). The roots are
Amazon.com's root browse nodes of the matching MWS QueryContextIds (Kitchen, SportingGoods,
OfficeProducts, ...); every node below a root is invented (ids ``9xxxxx``).

Keyword search (``keywords``, up to 20): an item matches when every word of every keyword occurs
(case-insensitively) in its title, brand, classification names, EAN or UPC; ``brandNames`` and
``classificationIds`` (any node of the item's chain) narrow it. Results are ordered by ASIN,
``pageSize`` (default 10, at most 20) per page, with ``pagination`` tokens bound to the query
and ``refinements`` (brands and leaf classifications of all matches).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    SpApiError,
    invalid_input,
    page_offset,
    page_token,
    query_list,
    spapi_operation,
)
from gateway.emulator.data import MARKETPLACES
from gateway.emulator.pricing import digest, own_listings, sales_ranks

INCLUDED_DATA = (
    "attributes",
    "classifications",
    "dimensions",
    "identifiers",
    "images",
    "productTypes",
    "relationships",
    "salesRanks",
    "summaries",
    "vendorDetails",
)
IDENTIFIER_TYPES = ("ASIN", "EAN", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")
BRANDS = ("Northwind", "Emulated Goods", "Contoso Home", "Fabrikam")
COLORS = ("Black", "Red", "Blue", "Green", "Silver")
MAX_PAGE_SIZE = 20
MAX_KEYWORDS = 20
MAX_CHAIN = 20

# classificationId -> (displayName, parent classificationId or None)
BROWSE_NODES: dict[str, tuple[str, str | None]] = {
    "1055398": ("Home & Kitchen", None),
    "284507": ("Kitchen & Dining", "1055398"),
    "900101": ("Water Bottles", "284507"),
    "900102": ("Kitchen Utensils & Gadgets", "284507"),
    "900103": ("Cutting Boards", "900102"),
    "900104": ("Dining & Entertaining", "284507"),
    "900105": ("Mugs", "900104"),
    "900106": ("Storage & Organization", "284507"),
    "900107": ("Lunch Boxes", "900106"),
    "900108": ("Coffee, Tea & Espresso", "284507"),
    "900109": ("Kettles", "900108"),
    "900110": ("Home Décor", "1055398"),
    "900111": ("Lamps & Shades", "900110"),
    "900112": ("Planters", "900110"),
    "3375251": ("Sports & Outdoors", None),
    "900201": ("Exercise & Fitness", "3375251"),
    "900202": ("Yoga", "900201"),
    "900203": ("Yoga Mats", "900202"),
    "7141123011": ("Clothing, Shoes & Jewelry", None),
    "900301": ("Luggage & Travel Gear", "7141123011"),
    "900302": ("Backpacks", "900301"),
    "1064954": ("Office Products", None),
    "900401": ("Office & School Supplies", "1064954"),
    "900402": ("Paper", "900401"),
    "900403": ("Notebooks & Writing Pads", "900402"),
    "2335752011": ("Cell Phones & Accessories", None),
    "900501": ("Accessories", "2335752011"),
    "900502": ("Stands", "900501"),
    "172282": ("Electronics", None),
    "900601": ("Headphones, Earbuds & Accessories", "172282"),
    "900602": ("Headphone Accessories", "900601"),
}
# product noun (as the seeded titles spell it) -> leaf browse node
NOUN_NODES: dict[str, str] = {
    "Water Bottle": "900101",
    "Cutting Board": "900103",
    "Coffee Mug": "900105",
    "Lunch Box": "900107",
    "Kettle": "900109",
    "Desk Lamp": "900111",
    "Plant Pot": "900112",
    "Yoga Mat": "900203",
    "Backpack": "900302",
    "Notebook Set": "900403",
    "Phone Stand": "900502",
    "Headphone Hook": "900602",
}


def leaf_node(listing: dict[str, Any]) -> str:
    """The browse node of a listing's item: the noun in its title, else a hash of the ASIN."""
    title = str(listing.get("title") or "")
    for noun, node in NOUN_NODES.items():
        if noun.casefold() in title.casefold():
            return node
    nodes = sorted(NOUN_NODES.values())
    return nodes[digest("node:" + str(listing["asin"])) % len(nodes)]


def node_chain(node: str) -> list[str]:
    """``node`` and its ancestors up to the root."""
    chain: list[str] = []
    current: str | None = node
    while current is not None and current not in chain and len(chain) < MAX_CHAIN:
        chain.append(current)
        current = BROWSE_NODES[current][1]
    return chain


def root_node(node: str) -> str:
    return node_chain(node)[-1]


def classification(node: str) -> dict[str, Any]:
    """The ItemBrowseClassification of ``node`` with its ``parent`` chain."""
    out: dict[str, Any] | None = None
    for current in reversed(node_chain(node)):
        name = BROWSE_NODES[current][0]
        entry: dict[str, Any] = {"displayName": name, "classificationId": current}
        if out is not None:
            entry["parent"] = out
        out = entry
    assert out is not None
    return out


def ean(asin: str) -> str:
    return str(4000000000000 + digest("ean:" + asin) % 999999999999)


def upc(asin: str) -> str:
    return str(100000000000 + digest("upc:" + asin) % 899999999999)


def parent_asin(asin: str) -> str | None:
    """Every fourth ASIN (by hash) is a variation child of an invented parent."""
    return "B0PARENT" + asin[-2:] if digest("parent:" + asin) % 4 == 0 else None


def catalog_item(listing: dict[str, Any], marketplace: str) -> dict[str, Any]:
    """Every section of the item; the handler keeps the requested ones."""
    asin = str(listing["asin"])
    n = digest("item:" + asin)
    brand = BRANDS[n % len(BRANDS)]
    language = MARKETPLACES.get(marketplace, {}).get("defaultLanguageCode", "en_US")
    ranks = sales_ranks(asin)
    parent = parent_asin(asin)
    inches = round(2 + (n % 100) / 10, 2)
    leaf = leaf_node(listing)
    return {
        "asin": asin,
        "attributes": {
            "item_name": [
                {"value": listing["title"], "language_tag": language, "marketplace_id": marketplace}
            ],
            "brand": [{"value": brand, "language_tag": language, "marketplace_id": marketplace}],
        },
        "classifications": [
            {"marketplaceId": marketplace, "classifications": [classification(leaf)]}
        ],
        "dimensions": [
            {
                "marketplaceId": marketplace,
                "item": {
                    "height": {"unit": "inches", "value": inches},
                    "length": {"unit": "inches", "value": inches * 2},
                    "width": {"unit": "inches", "value": 1.5},
                },
                "package": {
                    "height": {"unit": "inches", "value": inches + 1},
                    "length": {"unit": "inches", "value": inches * 2 + 1},
                    "width": {"unit": "inches", "value": 0.5 if n % 3 == 0 else 2.5},
                    "weight": {"unit": "pounds", "value": round(0.2 + (n % 50) / 10, 2)},
                },
            }
        ],
        "identifiers": [
            {
                "marketplaceId": marketplace,
                "identifiers": [
                    {"identifierType": "EAN", "identifier": ean(asin)},
                    {"identifierType": "UPC", "identifier": upc(asin)},
                ],
            }
        ],
        "images": [
            {
                "marketplaceId": marketplace,
                "images": [
                    {
                        "variant": "MAIN",
                        "link": f"https://images.emulator.invalid/{asin}.jpg",
                        "height": 500,
                        "width": 500,
                    }
                ],
            }
        ],
        "productTypes": [
            {"marketplaceId": marketplace, "productType": str(listing.get("product_type"))}
        ],
        "relationships": [
            {
                "marketplaceId": marketplace,
                "relationships": (
                    [{"type": "VARIATION", "parentAsins": [parent]}] if parent else []
                ),
            }
        ],
        "salesRanks": [
            {
                "marketplaceId": marketplace,
                "classificationRanks": [
                    {
                        "classificationId": ranks[1]["ProductCategoryId"],
                        "title": "Home Storage",
                        "rank": ranks[1]["Rank"],
                    }
                ],
                "displayGroupRanks": [
                    {
                        "websiteDisplayGroup": ranks[0]["ProductCategoryId"],
                        "title": "Home & Kitchen",
                        "rank": ranks[0]["Rank"],
                    }
                ],
            }
        ],
        "summaries": [
            {
                "marketplaceId": marketplace,
                "brand": brand,
                "browseClassification": {
                    "displayName": BROWSE_NODES[leaf][0],
                    "classificationId": leaf,
                },
                "color": COLORS[n % len(COLORS)],
                "itemClassification": "BASE_PRODUCT",
                "itemName": listing["title"],
                "manufacturer": brand + " Manufacturing",
                "modelNumber": f"M-{n % 100000:05d}",
                "packageQuantity": 1,
                "partNumber": f"P-{n % 100000:05d}",
                "size": ("Small", "Medium", "Large")[n % 3],
                "websiteDisplayGroup": ranks[0]["ProductCategoryId"],
                "websiteDisplayGroupName": "Home & Kitchen",
            }
        ],
    }


def _included(request: Request) -> list[str]:
    included = query_list(request, "includedData") or ["summaries"]
    for name in included:
        if name not in INCLUDED_DATA:
            raise invalid_input(f"Invalid includedData value: {name}.")
    return included


def _shape(item: dict[str, Any], included: list[str]) -> dict[str, Any]:
    out = {"asin": item["asin"]}
    out.update({k: item[k] for k in included if k in item})
    return out


def _items_by(ctx: OperationContext, marketplace: str) -> dict[str, dict[str, Any]]:
    """The catalog of ``marketplace``: ASIN -> a listing selling it."""
    items: dict[str, dict[str, Any]] = {}
    for listing in own_listings(ctx, marketplace):
        if listing.get("asin"):
            items.setdefault(str(listing["asin"]), listing)
    return items


def _matches(
    ctx: OperationContext, marketplace: str, kind: str, value: str, seller_id: str | None
) -> list[dict[str, Any]]:
    if kind == "SKU":
        if seller_id != ctx.seller_id:
            return []
        return own_listings(ctx, marketplace, sku=value)[:1]
    catalog = _items_by(ctx, marketplace)
    if kind == "ASIN":
        return [catalog[value]] if value in catalog else []
    found = []
    for asin, listing in catalog.items():
        if (kind in ("EAN", "GTIN") and ean(asin) == value) or (
            kind in ("UPC", "GTIN") and upc(asin) == value
        ):
            found.append(listing)
    return found


def search_text(item: dict[str, Any], marketplace: str) -> str:
    """What keyword search looks at: title, brand, classification names, EAN and UPC."""
    summary: dict[str, Any] = next(
        (s for s in item["summaries"] if s["marketplaceId"] == marketplace), {}
    )
    words = [str(summary.get("itemName") or ""), str(summary.get("brand") or "")]
    for entry in item["classifications"]:
        for top in entry["classifications"]:
            node: dict[str, Any] | None = top
            while node is not None:
                words.append(str(node["displayName"]))
                node = node.get("parent")
    for entry in item["identifiers"]:
        words.extend(str(i["identifier"]) for i in entry["identifiers"])
    return " ".join(words).casefold()


def _keyword_matches(
    ctx: OperationContext,
    marketplace: str,
    keywords: list[str],
    brands: list[str],
    classifications: list[str],
) -> list[dict[str, Any]]:
    words = [w for k in keywords for w in k.casefold().split()]
    found = []
    catalog = _items_by(ctx, marketplace)
    for asin in sorted(catalog):
        listing = catalog[asin]
        item = catalog_item(listing, marketplace)
        text = search_text(item, marketplace)
        if not all(w in text for w in words):
            continue
        if brands and item["summaries"][0]["brand"] not in brands:
            continue
        if classifications and not set(classifications) & set(node_chain(leaf_node(listing))):
            continue
        found.append(item)
    return found


def _refinements(items: list[dict[str, Any]]) -> dict[str, Any]:
    brands: dict[str, int] = {}
    leaves: dict[str, int] = {}
    for item in items:
        summary = item["summaries"][0]
        brands[summary["brand"]] = brands.get(summary["brand"], 0) + 1
        leaf = summary["browseClassification"]["classificationId"]
        leaves[leaf] = leaves.get(leaf, 0) + 1
    return {
        "brands": [{"numberOfResults": n, "brandName": b} for b, n in sorted(brands.items())],
        "classifications": [
            {"numberOfResults": n, "displayName": BROWSE_NODES[c][0], "classificationId": c}
            for c, n in sorted(leaves.items())
        ],
    }


def _page_size(request: Request) -> int:
    raw = request.query_params.get("pageSize")
    if raw is None:
        return 10
    try:
        size = int(raw)
    except ValueError:
        raise invalid_input("pageSize must be an integer.") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise invalid_input(f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")
    return size


def _keyword_search(
    request: Request, ctx: OperationContext, marketplace: str, keywords: list[str]
) -> JsonBody:
    included = _included(request)
    size = _page_size(request)
    offset = page_offset(request, "pageToken")
    found = _keyword_matches(
        ctx,
        marketplace,
        keywords,
        query_list(request, "brandNames"),
        query_list(request, "classificationIds"),
    )
    page = found[offset : offset + size]
    body: dict[str, Any] = {
        "numberOfResults": len(found),
        "items": [_shape(item, included) for item in page],
        "refinements": _refinements(found),
    }
    pagination: dict[str, str] = {}
    if offset + size < len(found):
        pagination["nextToken"] = page_token(offset + size, request, "pageToken")
    if offset > 0:
        pagination["previousToken"] = page_token(max(0, offset - size), request, "pageToken")
    if pagination:
        body["pagination"] = pagination
    return body


@spapi_operation("catalogItems.searchCatalogItems")
async def search_catalog_items(request: Request, ctx: OperationContext) -> JsonBody:
    marketplaces = query_list(request, "marketplaceIds", 1)
    if not marketplaces:
        raise invalid_input("Missing required parameter: marketplaceIds.")
    marketplace = marketplaces[0]
    identifiers = query_list(request, "identifiers", 20)
    keywords = query_list(request, "keywords", MAX_KEYWORDS)
    kind = request.query_params.get("identifiersType")
    if keywords and identifiers:
        raise invalid_input("keywords and identifiers cannot be used together.")
    if keywords:
        if kind:
            raise invalid_input("identifiersType can only be used with identifiers.")
        return _keyword_search(request, ctx, marketplace, keywords)
    for name in ("brandNames", "classificationIds", "keywordsLocale"):
        if request.query_params.get(name):
            raise invalid_input(f"{name} can only be used with keywords.")
    if not identifiers or not kind:
        raise invalid_input("identifiers and identifiersType must be given together.")
    if kind not in IDENTIFIER_TYPES:
        raise invalid_input(f"Invalid identifiersType: {kind}.")
    seller_id = request.query_params.get("sellerId")
    if kind == "SKU" and not seller_id:
        raise invalid_input("sellerId is required when identifiersType is SKU.")
    included = _included(request)
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for value in identifiers:
        for listing in _matches(ctx, marketplace, kind, value, seller_id):
            if listing["asin"] in seen:
                continue
            seen.add(str(listing["asin"]))
            items.append(_shape(catalog_item(listing, marketplace), included))
    return {"numberOfResults": len(items), "items": items}


@spapi_operation("catalogItems.getCatalogItem")
async def get_catalog_item(request: Request, ctx: OperationContext) -> JsonBody:
    marketplaces = query_list(request, "marketplaceIds")
    if not marketplaces:
        raise invalid_input("Missing required parameter: marketplaceIds.")
    asin = request.path_params["asin"]
    included = _included(request)
    for marketplace in marketplaces:
        listing = _items_by(ctx, marketplace).get(asin)
        if listing is not None:
            return _shape(catalog_item(listing, marketplace), included)
    raise SpApiError(404, "NotFound", f"Requested item '{asin}' not found in the marketplace.")


routes: list[BaseRoute] = [
    Route("/catalog/2022-04-01/items", search_catalog_items, methods=["GET"]),
    Route("/catalog/2022-04-01/items/{asin}", get_catalog_item, methods=["GET"]),
]
