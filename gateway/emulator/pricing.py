"""Product Pricing API v0 over the seeded listings: getPricing, getCompetitivePricing,
getListingOffers, getItemOffers and their batch forms getListingOffersBatch / getItemOffersBatch.

The seller's own offers are its listings (price, currency, condition, channel), so a price feed
applied through the Feeds emulator shows in the next answer. The rest of the market is
invented but deterministic: every ASIN has 0-3 competing offers whose prices derive from a hash
of the ASIN and the seller's current price, and a sales rank. Identifiers the seller has no
listing for (or listings in another marketplace) answer ``status: ClientError`` items in
getPricing/getCompetitivePricing and 400 InvalidInput in the single-item offers operations.

Offers answers follow Amazon's examples in the model: the ``Summary`` (TotalOfferCount,
NumberOfOffers, LowestPrices, BuyBoxPrices, BuyBoxEligibleOffers) covers every condition, the
``Offers`` list only the requested ``ItemCondition`` (at most 20, lowest landed price first).
The batch operations take 1-20 ``requests`` (``uri`` of the single operation, ``method`` GET,
``MarketplaceId``, ``ItemCondition``) and answer one ``responses`` entry per request in order,
each with its own ``status``, ``headers``, ``body`` (the single operation's answer, or its
errors) and the ``request`` echoed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    error_body,
    invalid_input,
    new_request_id,
    query_list,
    read_json_object,
    require_query,
    spapi_operation,
)

MAX_ITEMS = 20
CONDITIONS = ("New", "Used", "Collectible", "Refurbished", "Club")
# listing condition -> (ItemCondition, ItemSubCondition) as Pricing v0 spells them
_CONDITION_NAMES = {
    "new_new": ("New", "New"),
    "used_like_new": ("Used", "Mint"),
    "used_very_good": ("Used", "Very Good"),
    "used_good": ("Used", "Good"),
    "used_acceptable": ("Used", "Acceptable"),
}
COMPETITOR_IDS = ("A2COMPETITOR001", "A2COMPETITOR002", "A2COMPETITOR003")


def digest(text: str) -> int:
    """A stable number from ``text`` (the invented market must not change between runs)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "Amount": float(amount.quantize(Decimal("0.01")))}


def condition_of(listing: dict[str, Any]) -> tuple[str, str]:
    return _CONDITION_NAMES.get(str(listing.get("condition")), ("New", "New"))


def is_afn(listing: dict[str, Any]) -> bool:
    return str(listing.get("fulfillment_channel", "")).startswith("AMAZON")


@dataclass(frozen=True)
class MarketOffer:
    seller_id: str
    condition: str
    subcondition: str
    price: Decimal
    shipping: Decimal
    currency: str
    fba: bool
    sku: str | None = None  # the seller's own offers only

    @property
    def landed(self) -> Decimal:
        return self.price + self.shipping


def sales_ranks(asin: str) -> list[dict[str, Any]]:
    n = digest("rank:" + asin)
    return [
        {"ProductCategoryId": "home_display_on_website", "Rank": 100 + n % 90000},
        {"ProductCategoryId": str(1055398 + n % 7), "Rank": 1 + (n >> 20) % 500},
    ]


def own_listings(
    ctx: OperationContext, marketplace_id: str, *, sku: str | None = None, asin: str | None = None
) -> list[dict[str, Any]]:
    found = []
    for listing in ctx.state.data.listings.values():
        if listing.get("marketplace_id") != marketplace_id:
            continue
        if sku is not None and listing["sku"] != sku:
            continue
        if asin is not None and listing.get("asin") != asin:
            continue
        found.append(listing)
    return sorted(found, key=lambda item: str(item["sku"]))


def own_offer(listing: dict[str, Any], seller_id: str) -> MarketOffer:
    condition, sub = condition_of(listing)
    return MarketOffer(
        seller_id=seller_id,
        condition=condition,
        subcondition=sub,
        price=Decimal(str(listing["price"])),
        shipping=Decimal("0.00") if is_afn(listing) else Decimal("4.99"),
        currency=str(listing.get("currency") or "USD"),
        fba=is_afn(listing),
        sku=str(listing["sku"]),
    )


def competitors(asin: str, reference: Decimal, currency: str) -> list[MarketOffer]:
    """0-3 invented competing offers around ``reference`` (the seller's lowest price)."""
    n = digest("market:" + asin)
    out = []
    for i in range(n % 4):
        step = Decimal((n >> (8 * (i + 1))) % 21 - 10) / 100  # -10% .. +10%
        price = max(Decimal("1.00"), (reference * (1 + step)).quantize(Decimal("0.01")))
        used = (n >> (4 + i)) % 5 == 0
        out.append(
            MarketOffer(
                seller_id=COMPETITOR_IDS[i],
                condition="Used" if used else "New",
                subcondition="Good" if used else "New",
                price=price,
                shipping=Decimal("0.00") if i % 2 == 0 else Decimal("3.99"),
                currency=currency,
                fba=i % 2 == 0,
            )
        )
    return out


def market(ctx: OperationContext, marketplace_id: str, asin: str) -> list[MarketOffer]:
    """Every live offer on ``asin``: the seller's (with stock) and the invented competitors."""
    mine = own_listings(ctx, marketplace_id, asin=asin)
    if not mine:
        return []
    offers = [own_offer(item, ctx.seller_id) for item in mine if int(item.get("quantity", 0)) > 0]
    reference = min(Decimal(str(item["price"])) for item in mine)
    currency = str(mine[0].get("currency") or "USD")
    return offers + competitors(asin, reference, currency)


def buy_box(offers: list[MarketOffer], condition: str) -> MarketOffer | None:
    eligible = [o for o in offers if o.condition == condition]
    return min(eligible, key=lambda o: (o.landed, not o.fba, o.seller_id), default=None)


# ------------------------------------------------------------------ shared arguments


def _items(request: Request) -> tuple[str, str, list[str]]:
    marketplace = require_query(request, "MarketplaceId")
    item_type = require_query(request, "ItemType")
    if item_type not in ("Asin", "Sku"):
        raise invalid_input("ItemType must be Asin or Sku.")
    name = "Asins" if item_type == "Asin" else "Skus"
    values = query_list(request, name, MAX_ITEMS)
    if not values:
        raise invalid_input(f"Missing required parameter: {name}.")
    return marketplace, item_type, values


def _identifiers(marketplace: str, seller_id: str, listing: dict[str, Any], by_sku: bool) -> Any:
    ids: dict[str, Any] = {
        "MarketplaceASIN": {"MarketplaceId": marketplace, "ASIN": str(listing["asin"])}
    }
    if by_sku:
        ids["SKUIdentifier"] = {
            "MarketplaceId": marketplace,
            "SellerId": seller_id,
            "SellerSKU": str(listing["sku"]),
        }
    return ids


def _price_item(item_type: str, value: str, product: dict[str, Any] | None) -> dict[str, Any]:
    key = "SellerSKU" if item_type == "Sku" else "ASIN"
    out: dict[str, Any] = {
        "status": "Success" if product is not None else "ClientError",
        key: value,
    }
    if product is not None:
        out["Product"] = product
    return out


def _lookup(
    ctx: OperationContext, marketplace: str, item_type: str, value: str
) -> list[dict[str, Any]]:
    if item_type == "Sku":
        return own_listings(ctx, marketplace, sku=value)
    return own_listings(ctx, marketplace, asin=value)


# ------------------------------------------------------------------ getPricing


def _offer(listing: dict[str, Any]) -> dict[str, Any]:
    own = own_offer(listing, "")
    return {
        "BuyingPrice": {
            "LandedPrice": money(own.landed, own.currency),
            "ListingPrice": money(own.price, own.currency),
            "Shipping": money(own.shipping, own.currency),
        },
        "RegularPrice": money(own.price, own.currency),
        "FulfillmentChannel": "Amazon" if own.fba else "Merchant",
        "ItemCondition": own.condition,
        "ItemSubCondition": own.subcondition,
        "SellerSKU": own.sku,
    }


@spapi_operation("productPricing.getPricing")
async def get_pricing(request: Request, ctx: OperationContext) -> JsonBody:
    marketplace, item_type, values = _items(request)
    condition = request.query_params.get("ItemCondition")
    if condition is not None and condition not in CONDITIONS:
        raise invalid_input("Invalid ItemCondition.")
    payload = []
    for value in values:
        found = _lookup(ctx, marketplace, item_type, value)
        product = None
        if found:
            offers = [
                _offer(item)
                for item in found
                if condition is None or condition_of(item)[0] == condition
            ]
            product = {
                "Identifiers": _identifiers(
                    marketplace, ctx.seller_id, found[0], item_type == "Sku"
                ),
                "Offers": offers,
            }
        payload.append(_price_item(item_type, value, product))
    return {"payload": payload}


# ------------------------------------------------------------------ getCompetitivePricing


def competitive_pricing(ctx: OperationContext, marketplace: str, asin: str) -> dict[str, Any]:
    offers = market(ctx, marketplace, asin)
    prices = []
    for price_id, condition in (("1", "New"), ("2", "Used")):
        winner = buy_box(offers, condition)
        if winner is None:
            continue
        prices.append(
            {
                "CompetitivePriceId": price_id,
                "Price": {
                    "LandedPrice": money(winner.landed, winner.currency),
                    "ListingPrice": money(winner.price, winner.currency),
                    "Shipping": money(winner.shipping, winner.currency),
                },
                "condition": condition,
                "subcondition": winner.subcondition,
                "belongsToRequester": winner.seller_id == ctx.seller_id,
            }
        )
    counts = [
        {"condition": c, "Count": sum(1 for o in offers if o.condition == c)}
        for c in ("New", "Used")
        if any(o.condition == c for o in offers)
    ]
    counts.append({"condition": "Any", "Count": len(offers)})
    return {"CompetitivePrices": prices, "NumberOfOfferListings": counts}


@spapi_operation("productPricing.getCompetitivePricing")
async def get_competitive_pricing(request: Request, ctx: OperationContext) -> JsonBody:
    marketplace, item_type, values = _items(request)
    payload = []
    for value in values:
        found = _lookup(ctx, marketplace, item_type, value)
        product = None
        if found:
            asin = str(found[0]["asin"])
            product = {
                "Identifiers": _identifiers(
                    marketplace, ctx.seller_id, found[0], item_type == "Sku"
                ),
                "CompetitivePricing": competitive_pricing(ctx, marketplace, asin),
                "SalesRankings": sales_ranks(asin),
            }
        payload.append(_price_item(item_type, value, product))
    return {"payload": payload}


# ------------------------------------------------------------------ offers


def _channel(offer: MarketOffer) -> str:
    return "Amazon" if offer.fba else "Merchant"


def _offer_detail(offer: MarketOffer, winner: MarketOffer | None, me: str) -> dict[str, Any]:
    hours = (0, 0) if offer.fba else (24, 48)
    detail: dict[str, Any] = {
        "MyOffer": offer.seller_id == me,
        "SubCondition": offer.subcondition.lower().replace(" ", "_"),
        "SellerFeedbackRating": {
            "SellerPositiveFeedbackRating": 90.0 + digest(offer.seller_id) % 10,
            "FeedbackCount": 100 + digest(offer.seller_id) % 5000,
        },
        "ShippingTime": {
            "minimumHours": hours[0],
            "maximumHours": hours[1],
            "availabilityType": "NOW",
        },
        "ListingPrice": money(offer.price, offer.currency),
        "Shipping": money(offer.shipping, offer.currency),
        "ShipsFrom": {"Country": "US"},
        "IsFulfilledByAmazon": offer.fba,
        "IsBuyBoxWinner": winner is not None and offer == winner,
        "IsFeaturedMerchant": True,
    }
    if offer.seller_id != me:
        detail["SellerId"] = offer.seller_id
    return detail


def _price_block(offer: MarketOffer) -> dict[str, Any]:
    return {
        "LandedPrice": money(offer.landed, offer.currency),
        "ListingPrice": money(offer.price, offer.currency),
        "Shipping": money(offer.shipping, offer.currency),
    }


def offers_result(
    ctx: OperationContext, marketplace: str, asin: str, condition: str, key: tuple[str, str]
) -> dict[str, Any]:
    """The GetOffersResult for ``asin`` (``key`` names the item as the request did)."""
    everything = sorted(market(ctx, marketplace, asin), key=lambda o: (o.landed, o.seller_id))
    offers = [o for o in everything if o.condition == condition]
    winner = buy_box(everything, condition)
    groups: dict[tuple[str, str], list[MarketOffer]] = {}
    for offer in everything:
        groups.setdefault((offer.condition.lower(), _channel(offer)), []).append(offer)
    summary: dict[str, Any] = {
        "TotalOfferCount": len(everything),
        "NumberOfOffers": [
            {"condition": c, "fulfillmentChannel": ch, "OfferCount": len(group)}
            for (c, ch), group in groups.items()
        ],
        "LowestPrices": [
            {"condition": c, "fulfillmentChannel": ch, **_price_block(group[0])}
            for (c, ch), group in groups.items()
        ],
        "BuyBoxEligibleOffers": [
            {"condition": c, "fulfillmentChannel": ch, "OfferCount": len(group)}
            for (c, ch), group in groups.items()
        ],
    }
    boxes = [
        {"condition": c.lower(), **_price_block(w)}
        for c in CONDITIONS
        if (w := buy_box(everything, c)) is not None
    ]
    if boxes:
        summary["BuyBoxPrices"] = boxes
    summary["SalesRankings"] = sales_ranks(asin)
    identifier: dict[str, Any] = {"MarketplaceId": marketplace, "ItemCondition": condition}
    identifier[key[0]] = key[1]
    result: dict[str, Any] = {
        "marketplaceId": marketplace,
        "ItemCondition": condition,
        "status": "Success" if everything else "NoBuyableOffers",
        "Identifier": identifier,
        "Summary": summary,
        "Offers": [_offer_detail(o, winner, ctx.seller_id) for o in offers[:20]],
    }
    if key[0] == "SellerSKU":
        result["SKU"] = key[1]
    result["ASIN"] = asin
    return result


def _offer_args(request: Request) -> tuple[str, str]:
    marketplace = require_query(request, "MarketplaceId")
    condition = require_query(request, "ItemCondition")
    if condition not in CONDITIONS:
        raise invalid_input("Invalid ItemCondition.")
    return marketplace, condition


@spapi_operation("productPricing.getListingOffers")
async def get_listing_offers(request: Request, ctx: OperationContext) -> JsonBody:
    marketplace, condition = _offer_args(request)
    sku = request.path_params["SellerSKU"]
    found = own_listings(ctx, marketplace, sku=sku)
    if not found:
        raise invalid_input(f"Invalid SellerSKU {sku} for marketplace {marketplace}.")
    asin = str(found[0]["asin"])
    return {"payload": offers_result(ctx, marketplace, asin, condition, ("SellerSKU", sku))}


@spapi_operation("productPricing.getItemOffers")
async def get_item_offers(request: Request, ctx: OperationContext) -> JsonBody:
    marketplace, condition = _offer_args(request)
    asin = request.path_params["Asin"]
    if not own_listings(ctx, marketplace, asin=asin):
        raise invalid_input(f"Invalid ASIN {asin} for marketplace {marketplace}.")
    return {"payload": offers_result(ctx, marketplace, asin, condition, ("ASIN", asin))}


# ------------------------------------------------------------------ batch offers

MAX_BATCH = 20
_ITEM_URI = re.compile(r"^/products/pricing/v0/items/([^/]+)/offers$")
_LISTING_URI = re.compile(r"^/products/pricing/v0/listings/([^/]+)/offers$")
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found"}


async def _batch_requests(request: Request) -> list[dict[str, Any]]:
    body = await read_json_object(request)
    requests = body.get("requests")
    if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_BATCH:
        raise invalid_input(f"requests must be a list of 1 to {MAX_BATCH} requests.")
    for item in requests:
        if not isinstance(item, dict):
            raise invalid_input("Every request must be an object.")
        for name in ("uri", "method", "MarketplaceId", "ItemCondition"):
            if not isinstance(item.get(name), str) or not item[name]:
                raise invalid_input(f"Missing required parameter in a request: {name}.")
        if item["ItemCondition"] not in CONDITIONS:
            raise invalid_input(f"Invalid ItemCondition: {item['ItemCondition'][:32]}.")
        if item["method"] not in ("GET", "PUT", "PATCH", "DELETE", "POST"):
            raise invalid_input(f"Invalid method: {item['method'][:16]}.")
        customer = item.get("CustomerType")
        if customer is not None and customer not in ("Consumer", "Business"):
            raise invalid_input("Invalid CustomerType.")
    return requests


def _batch_response(status: int, body: dict[str, Any], echo: dict[str, Any]) -> dict[str, Any]:
    return {
        "headers": {"x-amzn-RequestId": new_request_id(), "Date": formatdate(usegmt=True)},
        "status": {"statusCode": status, "reasonPhrase": _REASONS.get(status, "Error")},
        "body": body,
        "request": echo,
    }


def _one_offers(
    ctx: OperationContext, item: dict[str, Any], pattern: re.Pattern[str], key: str
) -> dict[str, Any]:
    echo = {"MarketplaceId": item["MarketplaceId"], "ItemCondition": item["ItemCondition"]}
    if item.get("CustomerType"):
        echo["CustomerType"] = item["CustomerType"]
    match = pattern.match(str(item["uri"]))
    value = unquote(match.group(1)) if match else ""
    echo["Asin" if key == "ASIN" else "SellerSKU"] = value
    marketplace, condition = item["MarketplaceId"], item["ItemCondition"]
    if match is None or item["method"] != "GET":
        body = error_body("InvalidInput", f"Invalid uri or method for this batch: {item['uri']}.")
        return _batch_response(400, body, echo)
    if key == "ASIN":
        found = own_listings(ctx, marketplace, asin=value)
    else:
        found = own_listings(ctx, marketplace, sku=value)
    if not found:
        kind = "ASIN" if key == "ASIN" else "SellerSKU"
        body = error_body("InvalidInput", f"Invalid {kind} {value} for marketplace {marketplace}.")
        return _batch_response(400, body, echo)
    name = "ASIN" if key == "ASIN" else "SellerSKU"
    result = offers_result(ctx, marketplace, str(found[0]["asin"]), condition, (name, value))
    return _batch_response(200, {"payload": result}, echo)


@spapi_operation("productPricing.getItemOffersBatch")
async def get_item_offers_batch(request: Request, ctx: OperationContext) -> JsonBody:
    requests = await _batch_requests(request)
    return {"responses": [_one_offers(ctx, item, _ITEM_URI, "ASIN") for item in requests]}


@spapi_operation("productPricing.getListingOffersBatch")
async def get_listing_offers_batch(request: Request, ctx: OperationContext) -> JsonBody:
    requests = await _batch_requests(request)
    return {"responses": [_one_offers(ctx, item, _LISTING_URI, "SKU") for item in requests]}


routes: list[BaseRoute] = [
    Route("/products/pricing/v0/price", get_pricing, methods=["GET"]),
    Route("/products/pricing/v0/competitivePrice", get_competitive_pricing, methods=["GET"]),
    Route("/products/pricing/v0/listings/{SellerSKU}/offers", get_listing_offers, methods=["GET"]),
    Route("/products/pricing/v0/items/{Asin}/offers", get_item_offers, methods=["GET"]),
    Route("/batches/products/pricing/v0/itemOffers", get_item_offers_batch, methods=["POST"]),
    Route("/batches/products/pricing/v0/listingOffers", get_listing_offers_batch, methods=["POST"]),
]


# ------------------------------------------------------------------ ANY_OFFER_CHANGED


def any_offer_changed(
    ctx: OperationContext, marketplace: str, asin: str, condition: str, changed_at: str
) -> dict[str, Any] | None:
    """The AnyOfferChangedNotification of ``asin`` now (None: the seller has no offer on it).

    Built from the same market as getItemOffers, in the notification's spelling (PascalCase,
    ``Condition`` / ``FulfillmentChannel`` as keys, prices as MoneyType ``Amount``)."""
    offers = [o for o in market(ctx, marketplace, asin) if o.condition == condition]
    if not own_listings(ctx, marketplace, asin=asin):
        return None
    offers.sort(key=lambda o: (o.landed, o.seller_id))
    winner = buy_box(offers, condition)
    groups: dict[tuple[str, str], list[MarketOffer]] = {}
    for offer in offers:
        groups.setdefault((offer.condition.lower(), _channel(offer)), []).append(offer)
    counts = [
        {"Condition": c, "FulfillmentChannel": ch, "OfferCount": len(group)}
        for (c, ch), group in groups.items()
    ]
    summary: dict[str, Any] = {
        "NumberOfOffers": counts,
        "LowestPrices": [
            {
                "Condition": c,
                "FulfillmentChannel": ch,
                "LandedPrice": _amount(group[0].landed, group[0].currency),
                "ListingPrice": _amount(group[0].price, group[0].currency),
                "Shipping": _amount(group[0].shipping, group[0].currency),
            }
            for (c, ch), group in groups.items()
        ],
        "SalesRankings": sales_ranks(asin),
        "NumberOfBuyBoxEligibleOffers": counts,
    }
    if winner is not None:
        summary["BuyBoxPrices"] = [
            {
                "Condition": condition.lower(),
                "LandedPrice": _amount(winner.landed, winner.currency),
                "ListingPrice": _amount(winner.price, winner.currency),
                "Shipping": _amount(winner.shipping, winner.currency),
            }
        ]
        summary["CompetitivePriceThreshold"] = _amount(winner.landed, winner.currency)
    return {
        "SellerId": ctx.seller_id,
        "OfferChangeTrigger": {
            "MarketplaceId": marketplace,
            "ASIN": asin,
            "ItemCondition": condition.lower(),
            "TimeOfOfferChange": changed_at,
            "OfferChangeType": "Internal",
        },
        "Summary": summary,
        "Offers": [_notified_offer(o, winner) for o in offers[:20]],
    }


def _amount(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"Amount": float(amount.quantize(Decimal("0.01"))), "CurrencyCode": currency}


def _notified_offer(offer: MarketOffer, winner: MarketOffer | None) -> dict[str, Any]:
    hours = (0, 0) if offer.fba else (24, 48)
    return {
        "SellerId": offer.seller_id,
        "SubCondition": offer.subcondition.lower(),
        "SellerFeedbackRating": {
            "SellerPositiveFeedbackRating": 90 + digest(offer.seller_id) % 10,
            "FeedbackCount": 100 + digest(offer.seller_id) % 5000,
        },
        "ShippingTime": {
            "MinimumHours": hours[0],
            "MaximumHours": hours[1],
            "AvailabilityType": "NOW",
        },
        "ListingPrice": _amount(offer.price, offer.currency),
        "Shipping": _amount(offer.shipping, offer.currency),
        "ShipsFrom": {"Country": "US"},
        "IsFulfilledByAmazon": offer.fba,
        "IsBuyBoxWinner": winner is not None and offer == winner,
        "PrimeInformation": {"IsOfferPrime": offer.fba, "IsOfferNationalPrime": offer.fba},
        "IsFeaturedMerchant": True,
        "ShipsDomestically": True,
    }
