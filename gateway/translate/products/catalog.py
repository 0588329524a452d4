"""MWS Products catalog operations on Catalog Items 2022-04-01.

GetMatchingProduct / GetMatchingProductForId become ``searchCatalogItems`` with
``identifiers`` (<= 20 per call) and ``identifiersType``. Catalog items are matched back to the
requested identifiers by ASIN, or by the EAN/UPC/ISBN/JAN values in ``identifiers``; SellerSKUs
cannot be matched back (SP-API does not echo them), so each SKU gets its own call. An
identifier without a match answers a ``ClientError`` result, as MWS did. The
``ns2:ItemAttributes`` children come from the ``item_attributes`` table
(``mappings/sections/products.yaml``).

ListMatchingProducts is one keyword ``searchCatalogItems`` (a page of 10, the most MWS
answered); its QueryContextId becomes ``classificationIds`` through ``tables.query_contexts``.
GetProductCategoriesForASIN / ForSKU read the item's ``classifications`` (``getCatalogItem``,
or ``searchCatalogItems`` by SKU with the caller's ``sellerId``): every classification SP-API
lists is one MWS ``Self`` with its ``Parent`` chain up to the root.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.spapi.errors import UpstreamNotFound
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.records import format_int
from gateway.translate.engine.upstream import base_query, dig, fetch_json
from gateway.translate.products.pricing import (
    PRODUCT_ATTRS,
    invalid_identifier,
    item_error,
    parse_request,
)

DIMENSIONS = (("Height", "height"), ("Length", "length"), ("Width", "width"), ("Weight", "weight"))
MAX_CATEGORY_DEPTH = 30  # a longer parent chain than Amazon's deepest is a loop


# ------------------------------------------------------------------ pure


def for_marketplace(item: Mapping[str, Any], key: str, marketplace: str) -> Any:
    """The entry of ``item[key]`` (a per-marketplace list) for ``marketplace``."""
    entries = item.get(key)
    if not isinstance(entries, list):
        return None
    return next(
        (e for e in entries if isinstance(e, Mapping) and e.get("marketplaceId") == marketplace),
        None,
    )


def _number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    return str(value)


def _dimensions(tag: str, dims: Any) -> Element | None:
    if not isinstance(dims, Mapping):
        return None
    out: list[Element] = []
    for mws_name, key in DIMENSIONS:
        dim = dims.get(key)
        if isinstance(dim, Mapping) and _number(dim.get("value")) is not None:
            attrs = {"Units": str(dim.get("unit") or "")} if dim.get("unit") else {}
            out.append((f"ns2:{mws_name}", str(_number(dim.get("value"))), attrs))
    return (f"ns2:{tag}", out) if out else None


def _image(tag: str, image: Any) -> Element | None:
    if not isinstance(image, Mapping) or not image.get("link"):
        return None
    out: list[Element] = [("ns2:URL", str(image["link"]))]
    for mws_name, key in (("Height", "height"), ("Width", "width")):
        size = format_int(image.get(key))
        if size is not None:
            out.append((f"ns2:{mws_name}", size, {"Units": "pixels"}))
    return (f"ns2:{tag}", out)


def item_view(item: Mapping[str, Any], marketplace: str) -> dict[str, Any]:
    """The parts of a Catalog item the ``item_attributes`` table reads."""
    images = for_marketplace(item, "images", marketplace) or {}
    main = next(
        (
            i
            for i in images.get("images") or []
            if isinstance(i, Mapping) and i.get("variant") == "MAIN"
        ),
        None,
    )
    return {
        "summary": for_marketplace(item, "summaries", marketplace) or {},
        "productType": (for_marketplace(item, "productTypes", marketplace) or {}).get(
            "productType"
        ),
        "dimensions": for_marketplace(item, "dimensions", marketplace) or {},
        "image": main,
    }


def item_attributes(
    item: Mapping[str, Any], marketplace: str, table: Sequence[Mapping[str, Any]]
) -> list[Element]:
    view = item_view(item, marketplace)
    out: list[Element] = []
    for entry in table:
        tag = str(entry["el"])
        element: Element | None
        if "dimensions" in entry:
            element = _dimensions(tag, dig(view, str(entry["dimensions"])))
        elif "image" in entry:
            element = _image(tag, dig(view, str(entry["image"])))
        else:
            value = _number(dig(view, str(entry["from"])))
            element = (f"ns2:{tag}", value) if value not in (None, "") else None
        if element is not None:
            out.append(element)
    return out


def _marketplace_asin(marketplace: str, asin: str) -> Element:
    return (
        "Identifiers",
        [("MarketplaceASIN", [("MarketplaceId", marketplace), ("ASIN", asin)])],
    )


def relationships(item: Mapping[str, Any], marketplace: str) -> list[Element]:
    entry = for_marketplace(item, "relationships", marketplace) or {}
    out: list[Element] = []
    for rel in entry.get("relationships") or []:
        if not isinstance(rel, Mapping) or rel.get("type") != "VARIATION":
            continue
        for parent in rel.get("parentAsins") or []:
            out.append(("VariationParent", [_marketplace_asin(marketplace, str(parent))]))
        for child in rel.get("childAsins") or []:
            out.append(("ns2:VariationChild", [_marketplace_asin(marketplace, str(child))]))
    return out


def sales_rankings(item: Mapping[str, Any], marketplace: str) -> list[Element]:
    """Display-group ranks first (``..._display_on_website``), then browse nodes, as MWS did."""
    entry = for_marketplace(item, "salesRanks", marketplace) or {}
    out: list[Element] = []
    for key, id_key in (
        ("displayGroupRanks", "websiteDisplayGroup"),
        ("classificationRanks", "classificationId"),
    ):
        for rank in entry.get(key) or []:
            if isinstance(rank, Mapping) and format_int(rank.get("rank")) is not None:
                out.append(
                    (
                        "SalesRank",
                        [
                            ("ProductCategoryId", str(rank.get(id_key))),
                            ("Rank", str(format_int(rank.get("rank")))),
                        ],
                    )
                )
    return out


def product(
    item: Mapping[str, Any], marketplace: str, tables: Mapping[str, Any], *, declare: bool
) -> Element:
    """One MWS ``Product`` (Identifiers, AttributeSets, Relationships, SalesRankings)."""
    language = str((tables.get("languages") or {}).get(marketplace, "en-US"))
    attrs = item_attributes(item, marketplace, tables.get("item_attributes") or [])
    children: list[Element] = [
        _marketplace_asin(marketplace, str(item.get("asin"))),
        ("AttributeSets", [("ns2:ItemAttributes", attrs, {"xml:lang": language})]),
        ("Relationships", relationships(item, marketplace)),
        ("SalesRankings", sales_rankings(item, marketplace)),
    ]
    return ("Product", children, PRODUCT_ATTRS) if declare else ("Product", children)


def identifier_values(item: Mapping[str, Any], marketplace: str, kind: str) -> set[str]:
    """The values of ``kind`` (SP-API identifiersType) that ``item`` carries."""
    if kind == "ASIN":
        return {str(item.get("asin"))}
    entry = for_marketplace(item, "identifiers", marketplace) or {}
    return {
        str(i.get("identifier"))
        for i in entry.get("identifiers") or []
        if isinstance(i, Mapping) and str(i.get("identifierType")) == kind
    }


def unmatched(kind: str, value: str, marketplace: str) -> list[Element]:
    return [item_error(invalid_identifier(kind, value, marketplace))]


def search_keywords(query: str) -> str:
    """The MWS Query as one ``keywords`` value: SP-API splits keywords at commas."""
    return " ".join(query.replace(",", " ").split())


def query_context(
    contexts: Mapping[str, Mapping[str, Any]], marketplace: str, context: str | None
) -> tuple[str | None, bool]:
    """(classificationIds or None, whether the context was mapped) for a QueryContextId."""
    if context is None:
        return None, True
    known = contexts.get(marketplace)
    if known is None:
        return None, False
    if context not in known:
        raise MwsError(
            "InvalidParameterValue",
            f"Invalid QueryContextId {context[:64]!r} for marketplace {marketplace}.",
        )
    node = known[context]
    return (str(node), True) if node is not None else (None, context == "All")


def category(node: Any, depth: int = 0) -> Element | None:
    """One classification as the MWS category tree: ProductCategoryId, Name, Parent."""
    if not isinstance(node, Mapping) or not node.get("classificationId"):
        return None
    children: list[Element] = [("ProductCategoryId", str(node["classificationId"]))]
    if node.get("displayName"):
        children.append(("ProductCategoryName", str(node["displayName"])))
    if depth < MAX_CATEGORY_DEPTH:
        parent = category(node.get("parent"), depth + 1)
        if parent is not None:
            children.append(("Parent", parent[1]))
    return ("Self", children)


def categories(item: Mapping[str, Any], marketplace: str) -> list[Element]:
    """One ``Self`` per classification of ``item`` in ``marketplace``."""
    entry = for_marketplace(item, "classifications", marketplace) or {}
    out: list[Element] = []
    for node in entry.get("classifications") or []:
        element = category(node)
        if element is not None:
            out.append(element)
    return out


# ------------------------------------------------------------------ I/O


async def _search(
    call: Call, marketplace: str, kind: str, values: Sequence[str], extra: Mapping[str, str]
) -> list[Mapping[str, Any]]:
    upstream = call.operation.spec["upstream"]
    query: dict[str, Any] = base_query(upstream)
    query.update(extra)
    query.update(
        {"marketplaceIds": marketplace, "identifiersType": kind, "identifiers": ",".join(values)}
    )
    body = await fetch_json(call, upstream, marketplace_id=marketplace, query=query)
    raw = dig(body, str(upstream.get("items", "items")))
    return [i for i in raw if isinstance(i, Mapping)] if isinstance(raw, list) else []


async def get_matching_product_for_id(call: Call) -> XmlResult:
    tables = call.section.tables
    enums: Mapping[str, Mapping[str, str]] = tables.get("enums") or {}
    marketplace, parsed = parse_request(
        call.operation.spec, call.params, call.identity.marketplaces, enums
    )
    id_type = str(parsed.values["IdType"])
    kind = enums["id_type"][id_type]
    ids: list[str] = list(parsed.values["IdList"])
    matches: dict[str, list[Mapping[str, Any]]] = {}
    if kind == "SKU":
        for value in ids:
            if "," in value:
                matches[value] = []
                continue
            found = await _search(
                call, marketplace, kind, [value], {"sellerId": call.identity.seller_id}
            )
            matches[value] = found
    else:
        asked = [v for v in ids if "," not in v]
        found = await _search(call, marketplace, kind, asked, {}) if asked else []
        for value in ids:
            matches[value] = [
                item for item in found if value in identifier_values(item, marketplace, kind)
            ]
    results: list[Element] = []
    for value in ids:
        items = matches.get(value) or []
        attrs = {"Id": value, "IdType": id_type}
        if items:
            products = [product(i, marketplace, tables, declare=False) for i in items]
            content: list[Element] = [("Products", products, PRODUCT_ATTRS)]
            attrs["status"] = "Success"
        else:
            content = unmatched(id_type, value, marketplace)
            attrs["status"] = "ClientError"
        results.append(("GetMatchingProductForIdResult", content, attrs))
    call.audit.notes.update({"products_items": len(ids)})
    return XmlResult(results=results)


async def get_matching_product(call: Call) -> XmlResult:
    tables = call.section.tables
    marketplace, parsed = parse_request(
        call.operation.spec, call.params, call.identity.marketplaces
    )
    asins: list[str] = list(parsed.values["ASINList"])
    asked = [a for a in asins if "," not in a]
    found = await _search(call, marketplace, "ASIN", asked, {}) if asked else []
    by_asin = {str(item.get("asin")): item for item in found}
    results: list[Element] = []
    for asin in asins:
        item = by_asin.get(asin)
        if item is not None:
            content = [product(item, marketplace, tables, declare=True)]
            status = "Success"
        else:
            content = unmatched("ASIN", asin, marketplace)
            status = "ClientError"
        results.append(("GetMatchingProductResult", content, {"ASIN": asin, "status": status}))
    call.audit.notes.update({"products_items": len(asins)})
    return XmlResult(results=results)


async def list_matching_products(call: Call) -> XmlResult:
    """ListMatchingProducts -> one keyword searchCatalogItems (10 products at most)."""
    tables = call.section.tables
    spec = call.operation.spec
    upstream = spec["upstream"]
    marketplace, parsed = parse_request(spec, call.params, call.identity.marketplaces)
    keywords = search_keywords(str(parsed.values["Query"]))
    if not keywords:
        raise MwsError("InvalidParameterValue", "Invalid Query: it holds no search words.")
    context = parsed.values.get("QueryContextId")
    node, mapped = query_context(
        tables.get("query_contexts") or {}, marketplace, str(context) if context else None
    )
    query: dict[str, Any] = base_query(upstream)
    query.update({"marketplaceIds": marketplace, "keywords": keywords})
    if node is not None:
        query["classificationIds"] = node
    body = await fetch_json(call, upstream, marketplace_id=marketplace, query=query)
    raw = dig(body, str(upstream.get("items", "items")))
    found = [i for i in raw if isinstance(i, Mapping)] if isinstance(raw, list) else []
    products = [product(i, marketplace, tables, declare=False) for i in found[:10]]
    call.audit.notes["products_items"] = len(products)
    if not mapped:
        call.audit.notes["products_context_unmapped"] = str(context)[:64]
    return XmlResult(children=[("Products", products, PRODUCT_ATTRS)])


async def get_product_categories(call: Call) -> XmlResult:
    """GetProductCategoriesForASIN (getCatalogItem) / ...ForSKU (searchCatalogItems by SKU)."""
    spec = call.operation.spec
    upstream: Mapping[str, Any] = spec["upstream"]
    single: Mapping[str, Any] = spec["single"]
    marketplace, parsed = parse_request(spec, call.params, call.identity.marketplaces)
    value = str(parsed.values[str(single["param"])])
    kind = str(single["kind"])
    missing = MwsError("InvalidParameterValue", invalid_identifier(kind, value, marketplace))
    query: dict[str, Any] = base_query(upstream)
    query["marketplaceIds"] = marketplace
    item: Mapping[str, Any] | None
    if upstream.get("path_param"):
        path_params = {str(k): value for k in upstream["path_param"]}
        try:
            item = await fetch_json(
                call, upstream, marketplace_id=marketplace, query=query, path_params=path_params
            )
        except UpstreamNotFound:
            raise missing from None
    else:
        if "," in value:  # SP-API takes identifiers comma-separated
            raise MwsError(
                "InvalidParameterValue",
                f"{kind} {value[:64]} contains a comma, which SP-API cannot look up.",
            )
        query.update({"identifiers": value, "sellerId": call.identity.seller_id})
        body = await fetch_json(call, upstream, marketplace_id=marketplace, query=query)
        raw = dig(body, str(upstream.get("items", "items")))
        items = [i for i in raw if isinstance(i, Mapping)] if isinstance(raw, list) else []
        item = items[0] if items else None
    if item is None:
        raise missing
    selves = categories(item, marketplace)
    call.audit.notes["products_categories"] = len(selves)
    return XmlResult(children=selves)
