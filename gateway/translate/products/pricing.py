"""MWS Products 2011-10-01 on SP-API Product Pricing v0 (and Catalog Items 2022-04-01).

The tables in ``mappings/sections/products.yaml`` say which SP-API call serves an operation,
which MWS list parameter holds the items (``bulk``) or the single item (``single``), and how
the Pricing JSON becomes MWS elements (``tables.records``). This module adds what MWS did
around the items: one ``<{Action}Result>`` per requested identifier, in request order, with
the identifier and ``status`` as attributes, and a per-item ``Error`` (``ClientError``) inside
a 200 answer for identifiers SP-API could not price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.spapi.errors import UpstreamClientError, UpstreamNotFound
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.params import ParsedParams, parse_params
from gateway.translate.engine.records import AttributedRecordMaps, attributed_maps
from gateway.translate.engine.upstream import base_query, dig, fetch_json

# Product elements in real answers declare the AttributeSets prefix even when unused.
NS2 = "http://mws.amazonservices.com/schema/Products/2011-10-01/default.xsd"
PRODUCT_ATTRS = {"xmlns:ns2": NS2}

# ------------------------------------------------------------------ pure


def parse_request(
    spec: Mapping[str, Any],
    params: Mapping[str, str],
    seller_marketplaces: Sequence[str],
    enums: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[str, ParsedParams]:
    """Validate the MWS parameters; the marketplace and the parsed values."""
    parsed = parse_params(
        spec["params"],
        spec.get("rules") or [],
        params,
        enums=enums or {},
        patterns={},
        seller_marketplaces=seller_marketplaces,
        now=datetime.now(UTC),
    )
    marketplace = str(parsed.values["MarketplaceId"])
    if marketplace not in seller_marketplaces:
        raise MwsError(
            "InvalidParameterValue",
            f"Invalid MarketplaceId {marketplace[:32]!r}: the seller is not registered in this "
            "marketplace.",
        )
    return marketplace, parsed


def item_error(message: str, code: str = "InvalidParameterValue") -> Element:
    return ("Error", [("Type", "Sender"), ("Code", code), ("Message", message)])


def invalid_identifier(kind: str, value: str, marketplace: str) -> str:
    """The message MWS gave for an identifier it did not know (recorded for ASINs)."""
    return f"Invalid {kind} identifier {value} for marketplace {marketplace}"


def bulk_results(
    action: str,
    bulk: Mapping[str, Any],
    requested: Sequence[str],
    payload: Sequence[Any],
    maps: AttributedRecordMaps,
    *,
    marketplace: str,
    seller_id: str,
    refused: Mapping[str, str] | None = None,
) -> list[Element]:
    """One ``<{action}Result attr=id status=...>`` per requested identifier, in order."""
    key = str(bulk["key"])
    attribute = str(bulk["attribute"])
    record = str(bulk["record"])
    by_id: dict[str, Mapping[str, Any]] = {}
    for item in payload:
        if isinstance(item, Mapping) and isinstance(item.get(key), str):
            by_id.setdefault(item[key], item)
    refused = refused or {}
    out: list[Element] = []
    for value in requested:
        item = by_id.get(value)
        product = item.get("Product") if item is not None else None
        if value in refused:
            content = [item_error(refused[value])]
            status = "ClientError"
        elif item is not None and item.get("status") == "Success" and isinstance(product, Mapping):
            offers = product.get("Offers")
            if isinstance(offers, list):  # GetMyPrice: the offers are the caller's own
                product = dict(product)
                product["Offers"] = [
                    {**o, "SellerId": o.get("SellerId") or seller_id}
                    for o in offers
                    if isinstance(o, Mapping)
                ]
            content = [("Product", maps.children(record, product), PRODUCT_ATTRS)]
            status = "Success"
        else:
            status = (
                "ServerError" if item and item.get("status") == "ServerError" else "ClientError"
            )
            kind = str(bulk.get("kind", attribute))
            if status == "ServerError":
                content = [
                    (
                        "Error",
                        [
                            ("Type", "Receiver"),
                            ("Code", "InternalError"),
                            ("Message", f"{kind} {value} could not be processed; retry later."),
                        ],
                    )
                ]
            else:
                content = [item_error(invalid_identifier(kind, value, marketplace))]
        out.append((f"{action}Result", content, {attribute: value, "status": status}))
    return out


def offers_result(
    action: str,
    single: Mapping[str, Any],
    value: str,
    condition: str,
    marketplace: str,
    payload: Mapping[str, Any] | None,
    maps: AttributedRecordMaps,
    error: str | None = None,
) -> Element:
    """The one ``<GetLowestPricedOffersFor...Result>`` (attributes in MWS order)."""
    status = "ClientError"
    content: list[Element]
    if payload is not None:
        status = str(payload.get("status") or "Success")
        content = maps.children(str(single["record"]), payload)
    else:
        content = [item_error(error or invalid_identifier(str(single["kind"]), value, marketplace))]
    attrs = {
        "MarketplaceID": marketplace,
        str(single["attribute"]): value,
        "ItemCondition": condition,
        "status": status,
    }
    return (f"{action}Result", content, attrs)


# ------------------------------------------------------------------ I/O


async def _bulk(call: Call) -> XmlResult:
    spec = call.operation.spec
    bulk: Mapping[str, Any] = spec["bulk"]
    upstream: Mapping[str, Any] = spec["upstream"]
    marketplace, parsed = parse_request(spec, call.params, call.identity.marketplaces)
    requested: list[str] = list(parsed.values[str(bulk["list"])])
    # SP-API takes the identifiers comma-separated: one holding a comma cannot be asked for.
    refused = {
        v: f"{bulk['kind']} {v} contains a comma, which SP-API cannot look up."
        for v in requested
        if "," in v
    }
    asked = [v for v in requested if v not in refused]
    payload: list[Any] = []
    if asked:
        query: dict[str, Any] = base_query(upstream)
        query.update(parsed.upstream)
        query["MarketplaceId"] = marketplace
        query[str(upstream["items_param"])] = ",".join(asked)
        body = await fetch_json(call, upstream, marketplace_id=marketplace, query=query)
        raw = dig(body, str(upstream.get("items", "payload")))
        payload = raw if isinstance(raw, list) else []
    results = bulk_results(
        call.action,
        bulk,
        requested,
        payload,
        attributed_maps(call.section.tables["records"]),
        marketplace=marketplace,
        seller_id=call.identity.seller_id,
        refused=refused,
    )
    errors = sum(1 for r in results if len(r) == 3 and r[2].get("status") != "Success")
    call.audit.notes.update({"products_items": len(requested), "products_item_errors": errors})
    return XmlResult(results=results)


async def get_my_price(call: Call) -> XmlResult:
    """GetMyPriceForSKU / GetMyPriceForASIN -> Pricing v0 getPricing."""
    return await _bulk(call)


async def get_competitive_pricing(call: Call) -> XmlResult:
    """GetCompetitivePricingForSKU / ...ForASIN -> Pricing v0 getCompetitivePricing."""
    return await _bulk(call)


async def get_lowest_priced_offers(call: Call) -> XmlResult:
    """GetLowestPricedOffersForSKU / ...ForASIN -> Pricing v0 getListingOffers / getItemOffers."""
    spec = call.operation.spec
    single: Mapping[str, Any] = spec["single"]
    upstream: Mapping[str, Any] = spec["upstream"]
    marketplace, parsed = parse_request(spec, call.params, call.identity.marketplaces)
    value = str(parsed.values[str(single["param"])])
    condition = str(parsed.values["ItemCondition"])
    query: dict[str, Any] = base_query(upstream)
    query.update(parsed.upstream)
    query["MarketplaceId"] = marketplace
    path_params = {str(k): value for k in (upstream.get("path_param") or {})}
    maps = attributed_maps(call.section.tables["records"])
    payload: Mapping[str, Any] | None = None
    error: str | None = None
    try:
        body = await fetch_json(
            call, upstream, marketplace_id=marketplace, query=query, path_params=path_params
        )
    except (UpstreamClientError, UpstreamNotFound) as exc:
        # SP-API refuses an unknown identifier with 400/404; MWS answered a per-item error.
        error = invalid_identifier(str(single["kind"]), value, marketplace)
        call.audit.notes["products_item_error"] = exc.code
    else:
        raw = dig(body, str(upstream.get("items", "payload")))
        if not isinstance(raw, Mapping):
            raise MwsError("InternalError", "SP-API answered with an unexpected document.")
        payload = raw
    result = offers_result(call.action, single, value, condition, marketplace, payload, maps, error)
    return XmlResult(results=[result])
