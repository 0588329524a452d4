"""Catalog Items API 2022-04-01: searchCatalogItems (identifiers) and getCatalogItem.

The catalog holds one item per ASIN the seeded listings sell, in the listing's marketplace. The
title, product type and sales ranks come from the listing and :mod:`gateway.emulator.pricing`;
brand, EAN/UPC, dimensions, image and (for some items) a variation parent are invented from a
hash of the ASIN, so they are stable between runs. ``identifiersType=SKU`` looks SKUs up among
the calling seller's listings and needs ``sellerId``. Keyword search is not emulated.
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
    return {
        "asin": asin,
        "attributes": {
            "item_name": [
                {"value": listing["title"], "language_tag": language, "marketplace_id": marketplace}
            ],
            "brand": [{"value": brand, "language_tag": language, "marketplace_id": marketplace}],
        },
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
                    "width": {"unit": "inches", "value": 2.5},
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


@spapi_operation("catalogItems.searchCatalogItems")
async def search_catalog_items(request: Request, ctx: OperationContext) -> JsonBody:
    marketplaces = query_list(request, "marketplaceIds", 1)
    if not marketplaces:
        raise invalid_input("Missing required parameter: marketplaceIds.")
    marketplace = marketplaces[0]
    identifiers = query_list(request, "identifiers", 20)
    kind = request.query_params.get("identifiersType")
    if request.query_params.get("keywords"):
        raise invalid_input("Keyword search is not available in this emulator.")
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
