"""MWS GetLowestOfferListingsForSKU / ForASIN on Product Pricing v0 batch offers.

MWS grouped the active offers of a product by six qualifiers (condition, subcondition,
fulfilment channel, ships domestically, shipping time, seller feedback band) and answered the
lowest offer of each group. SP-API has no such groups; its offers operations list up to 20
offers of one condition (``Offers``) plus a ``Summary`` of the lowest price per condition and
channel over every condition. This module rebuilds the MWS groups from those answers, by the
rules of ``tables.lowest_offer_listings`` (``mappings/sections/products.yaml``), whose
``field_notes`` say for every MWS field where its value comes from.

Cost: ONE ``getItemOffersBatch`` / ``getListingOffersBatch`` call per MWS call. With an
``ItemCondition`` every item is one batch request; with ``Any`` (or none) each item asks for as
many conditions as fit one batch (``plan``), and the conditions left out are answered from the
Summary. ``ExcludeMe`` drops the caller's own offers. Per-item failures (an ASIN or SKU SP-API
does not know, an item it could not serve) stay per item: a ``ClientError``/``ServerError``
result with its ``Error``, in request order, as MWS answered them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.records import format_decimal
from gateway.translate.engine.upstream import fetch_json, fill_path
from gateway.translate.products.pricing import (
    PRODUCT_ATTRS,
    invalid_identifier,
    item_error,
    parse_request,
)

ANY = "Any"


@dataclass(frozen=True)
class Rules:
    """``tables.lowest_offer_listings``, compiled."""

    batch_size: int
    conditions: tuple[str, ...]
    sub_conditions: Mapping[str, str]
    shipping_time_max: tuple[tuple[float, str], ...]  # (at most hours, MWS Max)
    feedback_ratings: tuple[tuple[float, str], ...]  # (at least percent, MWS band)
    no_feedback: str

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> Rules:
        return cls(
            batch_size=int(table["batch_size"]),
            conditions=tuple(str(c) for c in table["conditions"]),
            sub_conditions={str(k): str(v) for k, v in table["sub_conditions"].items()},
            shipping_time_max=tuple(
                (float(row.get("hours", math.inf)), str(row["max"]))
                for row in table["shipping_time_max"]
            ),
            feedback_ratings=tuple(
                (float(row["min"]), str(row["rating"])) for row in table["feedback_ratings"]
            ),
            no_feedback=str(table["no_feedback"]),
        )

    def proper_condition(self, text: str) -> str:
        return next((c for c in self.conditions if c.lower() == text.lower()), text.title())

    def subcondition(self, text: Any) -> str | None:
        if not isinstance(text, str) or not text.strip():
            return None
        key = text.strip().lower().replace(" ", "_")
        return self.sub_conditions.get(key, text.strip().title().replace(" ", ""))

    def max_time(self, hours: Any) -> str | None:
        if isinstance(hours, bool) or not isinstance(hours, int | float):
            return None
        return next((text for limit, text in self.shipping_time_max if hours <= limit), None)

    def rating(self, feedback: Any) -> str:
        if not isinstance(feedback, Mapping):
            return self.no_feedback
        percent = feedback.get("SellerPositiveFeedbackRating")
        count = feedback.get("FeedbackCount")
        if isinstance(percent, bool) or not isinstance(percent, int | float) or not count:
            return self.no_feedback
        whole = math.floor(percent)
        return next((band for low, band in self.feedback_ratings if whole >= low), self.no_feedback)


# ------------------------------------------------------------------ pure: the batch


def plan(ids: Sequence[str], condition: str, rules: Rules) -> list[tuple[str, str]]:
    """The batch requests as (identifier, condition) pairs, at most ``rules.batch_size``."""
    if condition != ANY:
        return [(value, condition) for value in ids]
    per_item = max(1, min(len(rules.conditions), rules.batch_size // max(1, len(ids))))
    return [(value, c) for value in ids for c in rules.conditions[:per_item]]


def batch_body(
    requests: Sequence[tuple[str, str]], uri_template: str, marketplace: str
) -> dict[str, Any]:
    return {
        "requests": [
            {
                "uri": fill_path(uri_template, {"id": value}),
                "method": "GET",
                "MarketplaceId": marketplace,
                "ItemCondition": condition,
                "CustomerType": "Consumer",
            }
            for value, condition in requests
        ]
    }


def pair(
    requests: Sequence[tuple[str, str]], responses: Sequence[Any], echo_key: str
) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Batch responses by (identifier, condition): in order, checked against the echo."""
    answers = [r for r in responses if isinstance(r, Mapping)]

    def echo(answer: Mapping[str, Any]) -> tuple[str, str] | None:
        request = answer.get("request")
        if not isinstance(request, Mapping) or echo_key not in request:
            return None
        return (str(request.get(echo_key)), str(request.get("ItemCondition")))

    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    if len(answers) == len(requests) and all(
        echo(a) in (None, q) for q, a in zip(requests, answers, strict=True)
    ):
        for q, a in zip(requests, answers, strict=True):
            out.setdefault(q, a)
        return out
    for answer in answers:
        key = echo(answer)
        if key is not None:
            out.setdefault(key, answer)
    return out


def status_code(response: Mapping[str, Any]) -> int:
    status = response.get("status")
    code = status.get("statusCode") if isinstance(status, Mapping) else None
    return int(code) if isinstance(code, int) and not isinstance(code, bool) else 200


def payload_of(response: Mapping[str, Any]) -> Mapping[str, Any] | None:
    body = response.get("body")
    payload = body.get("payload") if isinstance(body, Mapping) else None
    if status_code(response) // 100 == 2 and isinstance(payload, Mapping):
        return payload
    return None


# ------------------------------------------------------------------ pure: the groups


def _amount(money: Any) -> Decimal | None:
    if not isinstance(money, Mapping):
        return None
    try:
        value = Decimal(str(money.get("Amount")))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _money(tag: str, money: Any) -> Element | None:
    amount = _amount(money)
    if amount is None or not isinstance(money, Mapping) or not money.get("CurrencyCode"):
        return None
    return (
        tag,
        [("CurrencyCode", str(money["CurrencyCode"])), ("Amount", str(format_decimal(amount)))],
    )


def _points(points: Any) -> Element | None:
    if not isinstance(points, Mapping):
        return None
    children: list[Element] = []
    number = points.get("PointsNumber")
    if isinstance(number, int) and not isinstance(number, bool):
        children.append(("PointsNumber", str(number)))
    value = _money("PointsMonetaryValue", points.get("PointsMonetaryValue"))
    if value is not None:
        children.append(value)
    return ("Points", children) if children else None


def landed(offer: Mapping[str, Any]) -> Decimal | None:
    """ListingPrice + Shipping - Points value (what MWS called the landed price)."""
    price = _amount(offer.get("ListingPrice"))
    if price is None:
        return None
    shipping = _amount(offer.get("Shipping")) or Decimal(0)
    points = offer.get("Points")
    value = _amount(points.get("PointsMonetaryValue")) if isinstance(points, Mapping) else None
    return price + shipping - (value or Decimal(0))


def price_element(offer: Mapping[str, Any], landed_price: Decimal) -> Element:
    listing = offer.get("ListingPrice")
    currency = str(listing.get("CurrencyCode")) if isinstance(listing, Mapping) else ""
    children: list[Element] = [
        ("LandedPrice", [("CurrencyCode", currency), ("Amount", str(format_decimal(landed_price)))])
    ]
    for tag in ("ListingPrice", "Shipping"):
        element = _money(tag, offer.get(tag))
        if element is not None:
            children.append(element)
    points = _points(offer.get("Points"))
    if points is not None:
        children.append(points)
    return ("Price", children)


@dataclass(frozen=True)
class Listing:
    """One MWS LowestOfferListing, with the landed price it is ordered by."""

    landed: Decimal
    element: Element


def is_mine(offer: Mapping[str, Any], seller_id: str) -> bool:
    return offer.get("MyOffer") is True or offer.get("SellerId") == seller_id


def qualifiers(
    offer: Mapping[str, Any], condition: str, country: str, rules: Rules
) -> tuple[str, str | None, str, str, str | None, str]:
    ships = offer.get("ShipsFrom")
    origin = ships.get("Country") if isinstance(ships, Mapping) else None
    if isinstance(origin, str) and origin:
        domestic = "True" if origin.upper() == country.upper() else "False"
    else:
        domestic = "Unknown"
    time = offer.get("ShippingTime")
    hours = time.get("maximumHours") if isinstance(time, Mapping) else None
    return (
        condition,
        rules.subcondition(offer.get("SubCondition")),
        "Amazon" if offer.get("IsFulfilledByAmazon") is True else "Merchant",
        domestic,
        rules.max_time(hours),
        rules.rating(offer.get("SellerFeedbackRating")),
    )


def _qualifier_elements(key: tuple[str, str | None, str, str, str | None, str | None]) -> Element:
    condition, sub, channel, domestic, max_time, rating = key
    children: list[Element] = [("ItemCondition", condition)]
    if sub is not None:
        children.append(("ItemSubcondition", sub))
    children.append(("FulfillmentChannel", channel))
    children.append(("ShipsDomestically", domestic))
    if max_time is not None:
        children.append(("ShippingTime", [("Max", max_time)]))
    if rating is not None:
        children.append(("SellerPositiveFeedbackRating", rating))
    return ("Qualifiers", children)


def offer_listings(
    offers: Sequence[Any],
    condition: str,
    country: str,
    rules: Rules,
    *,
    all_considered: bool,
) -> list[Listing]:
    """The MWS groups of one condition's offers, each answered by its lowest offer."""
    groups: dict[tuple[Any, ...], list[tuple[Decimal, Mapping[str, Any]]]] = {}
    for offer in offers:
        if not isinstance(offer, Mapping):
            continue
        price = landed(offer)
        if price is None:
            continue
        key = qualifiers(offer, condition, country, rules)
        groups.setdefault(key, []).append((price, offer))
    highest = max((p for g in groups.values() for p, _ in g), default=None)
    out: list[Listing] = []
    for key, members in groups.items():
        members.sort(key=lambda m: m[0])
        lowest, offer = members[0]
        ties = sum(1 for p, _ in members if p == lowest)
        if ties > 1:
            multiple = "True"
        elif not all_considered and lowest == highest:
            multiple = "Unknown"
        else:
            multiple = "False"
        feedback = offer.get("SellerFeedbackRating")
        count = feedback.get("FeedbackCount") if isinstance(feedback, Mapping) else None
        element: Element = (
            "LowestOfferListing",
            [
                _qualifier_elements(key),
                ("NumberOfOfferListingsConsidered", str(len(members))),
                ("SellerFeedbackCount", str(int(count) if isinstance(count, int) else 0)),
                price_element(offer, lowest),
                ("MultipleOffersAtLowestPrice", multiple),
            ],
        )
        out.append(Listing(lowest, element))
    return out


def summary_listings(summary: Any, conditions: Sequence[str], rules: Rules) -> list[Listing]:
    """Groups rebuilt from ``Summary.LowestPrices`` for the conditions not asked in detail."""
    if not isinstance(summary, Mapping):
        return []
    wanted = {c.lower() for c in conditions}
    counts: dict[tuple[str, str], int] = {}
    for entry in summary.get("NumberOfOffers") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("OfferCount"), int):
            key = (str(entry.get("condition")).lower(), str(entry.get("fulfillmentChannel")))
            counts[key] = counts.get(key, 0) + int(entry["OfferCount"])
    out: list[Listing] = []
    for entry in summary.get("LowestPrices") or []:
        if not isinstance(entry, Mapping) or str(entry.get("condition")).lower() not in wanted:
            continue
        channel = str(entry.get("fulfillmentChannel") or "")
        condition = rules.proper_condition(str(entry["condition"]))
        price = _amount(entry.get("LandedPrice"))
        if price is None:
            price = landed(entry)
        if price is None or channel not in ("Amazon", "Merchant"):
            continue
        children: list[Element] = [
            _qualifier_elements((condition, None, channel, "Unknown", None, None))
        ]
        count = counts.get((condition.lower(), channel))
        if count is not None:
            children.append(("NumberOfOfferListingsConsidered", str(count)))
        children.append(price_element(entry, price))
        children.append(("MultipleOffersAtLowestPrice", "Unknown"))
        out.append(Listing(price, ("LowestOfferListing", children)))
    return out


def considered_all(payload: Mapping[str, Any], condition: str) -> bool:
    """Whether SP-API listed every offer of ``condition`` (it lists at most 20)."""
    offers = payload.get("Offers")
    listed = len(offers) if isinstance(offers, list) else 0
    summary = payload.get("Summary")
    counts = summary.get("NumberOfOffers") if isinstance(summary, Mapping) else None
    if not isinstance(counts, list):
        return listed < 20
    total = sum(
        int(c["OfferCount"])
        for c in counts
        if isinstance(c, Mapping)
        and str(c.get("condition")).lower() == condition.lower()
        and isinstance(c.get("OfferCount"), int)
    )
    return listed >= total


@dataclass(frozen=True)
class Item:
    """What the batch answered for one requested identifier."""

    value: str
    answers: Mapping[str, Mapping[str, Any]]  # condition -> batch response
    asked: tuple[str, ...]  # conditions asked in detail
    from_summary: tuple[str, ...] = ()  # conditions answered from the Summary (ItemCondition Any)


def identifiers(
    kind: str, value: str, marketplace: str, seller_id: str, payloads: Sequence[Mapping[str, Any]]
) -> Element:
    asin = value if kind == "ASIN" else None
    for payload in payloads:
        ident = payload.get("Identifier")
        found = payload.get("ASIN") or (ident.get("ASIN") if isinstance(ident, Mapping) else None)
        if asin is None and isinstance(found, str) and found:
            asin = found
    children: list[Element] = []
    if asin is not None:
        children.append(("MarketplaceASIN", [("MarketplaceId", marketplace), ("ASIN", asin)]))
    if kind != "ASIN":
        children.append(
            (
                "SKUIdentifier",
                [("MarketplaceId", marketplace), ("SellerId", seller_id), ("SellerSKU", value)],
            )
        )
    return ("Identifiers", children)


def item_result(
    action: str,
    bulk: Mapping[str, Any],
    item: Item,
    *,
    marketplace: str,
    country: str,
    seller_id: str,
    exclude_me: bool,
    rules: Rules,
) -> Element:
    """One ``<{action}Result SellerSKU|ASIN=... status=...>``."""
    attribute, kind = str(bulk["attribute"]), str(bulk["kind"])
    attrs = {attribute: item.value}
    payloads = {c: p for c, a in item.answers.items() if (p := payload_of(a)) is not None}
    if not payloads:
        codes = [status_code(a) for a in item.answers.values()]
        if codes and all(400 <= c < 500 and c != 429 for c in codes):
            content = [item_error(invalid_identifier(kind, item.value, marketplace))]
            return (f"{action}Result", content, {**attrs, "status": "ClientError"})
        error: Element = (
            "Error",
            [
                ("Type", "Receiver"),
                ("Code", "InternalError"),
                ("Message", f"{kind} {item.value} could not be processed; retry later."),
            ],
        )
        return (f"{action}Result", [error], {**attrs, "status": "ServerError"})
    listings: list[Listing] = []
    all_considered = len(payloads) == len(item.asked)
    for condition in item.asked:
        payload = payloads.get(condition)
        if payload is None:
            continue
        complete = considered_all(payload, condition)
        all_considered = all_considered and complete
        offers = [
            o
            for o in payload.get("Offers") or []
            if not (exclude_me and isinstance(o, Mapping) and is_mine(o, seller_id))
        ]
        listings.extend(offer_listings(offers, condition, country, rules, all_considered=complete))
    if item.from_summary and not exclude_me:
        summary = next(iter(payloads.values())).get("Summary")
        listings.extend(summary_listings(summary, item.from_summary, rules))
    product: Element = (
        "Product",
        [
            identifiers(kind, item.value, marketplace, seller_id, list(payloads.values())),
            ("LowestOfferListings", [x.element for x in sorted(listings, key=lambda x: x.landed)]),
        ],
        PRODUCT_ATTRS,
    )
    return (
        f"{action}Result",
        [("AllOfferListingsConsidered", "true" if all_considered else "false"), product],
        {**attrs, "status": "Success"},
    )


# ------------------------------------------------------------------ I/O


async def get_lowest_offer_listings(call: Call) -> XmlResult:
    """GetLowestOfferListingsForSKU / ...ForASIN -> getListingOffersBatch / getItemOffersBatch."""
    spec = call.operation.spec
    bulk: Mapping[str, Any] = spec["bulk"]
    upstream: Mapping[str, Any] = spec["upstream"]
    tables = call.section.tables
    enums: Mapping[str, Mapping[str, str]] = tables.get("enums") or {}
    marketplace, parsed = parse_request(spec, call.params, call.identity.marketplaces, enums)
    rules = Rules.from_table(tables["lowest_offer_listings"])
    ids: list[str] = list(parsed.values[str(bulk["list"])])
    condition = str(parsed.values.get("ItemCondition") or ANY)
    exclude_me = enums["booleans"].get(str(parsed.values.get("ExcludeMe", "false"))) == "true"
    requests = plan(ids, condition, rules)
    body = batch_body(requests, str(upstream["item_uri"]), marketplace)
    data = await fetch_json(call, upstream, marketplace_id=marketplace, query={}, json=body)
    responses = data.get("responses")
    if not isinstance(responses, list):
        raise MwsError("InternalError", "SP-API answered with an unexpected document.")
    paired = pair(requests, responses, str(upstream["echo_key"]))
    country = str((call.services.catalog.marketplaces.get(marketplace) or {}).get("country", ""))
    results: list[Element] = []
    for value in ids:
        asked = tuple(c for v, c in requests if v == value)
        answers = {c: paired[(value, c)] for c in asked if (value, c) in paired}
        rest = tuple(c for c in rules.conditions if c not in asked) if condition == ANY else ()
        item = Item(value, answers, asked, rest)
        results.append(
            item_result(
                call.action,
                bulk,
                item,
                marketplace=marketplace,
                country=country,
                seller_id=call.identity.seller_id,
                exclude_me=exclude_me,
                rules=rules,
            )
        )
    errors = sum(1 for r in results if len(r) == 3 and r[2].get("status") != "Success")
    call.audit.notes.update(
        {
            "products_items": len(ids),
            "products_item_errors": errors,
            "products_batch_requests": len(requests),
        }
    )
    return XmlResult(results=results)
