"""JSON_LISTINGS_FEED PATCH messages for availability and price, and the feed documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gateway.feeds.model import ConversionOptions

AVAILABILITY_PATH = "/attributes/fulfillment_availability"
OFFER_PATH = "/attributes/purchasable_offer"
FEED_VERSION = "2.0"


def number(amount: Decimal) -> int | float:
    """A JSON number for a decimal amount (integers stay integers)."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def schedule(amount: Decimal, start: str | None = None, end: str | None = None) -> list[Any]:
    entry: dict[str, Any] = {"value_with_tax": number(amount)}
    if start:
        entry["start_at"] = start
    if end:
        entry["end_at"] = end
    return [{"schedule": [entry]}]


def availability_patch(entry: dict[str, Any], options: ConversionOptions) -> dict[str, Any]:
    return {"op": options.availability_op, "path": AVAILABILITY_PATH, "value": [entry]}


def offer_patch(offers: list[dict[str, Any]], options: ConversionOptions) -> dict[str, Any]:
    return {"op": options.offer_op, "path": OFFER_PATH, "value": offers}


def offers_for(
    currency: str, options: ConversionOptions, attributes: dict[str, Any]
) -> list[dict[str, Any]]:
    """One purchasable_offer object per feed marketplace whose currency matches."""
    offers = []
    for marketplace in options.marketplaces:
        own = options.currencies.get(marketplace, "")
        if currency not in ("DEFAULT", own):
            continue
        offer: dict[str, Any] = {"marketplace_id": marketplace, "currency": own or currency}
        if options.audience:
            offer["audience"] = options.audience
        offer.update(attributes)
        offers.append(offer)
    return offers


def patch_message(
    message_id: int, sku: str, patches: list[dict[str, Any]], options: ConversionOptions
) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "sku": sku,
        "operationType": "PATCH",
        "productType": options.product_type,
        "patches": patches,
    }


def feed_header(seller_id: str, issue_locale: str = "en_US") -> dict[str, Any]:
    """The ``header`` of a JSON_LISTINGS_FEED document."""
    return {"sellerId": seller_id, "version": FEED_VERSION, "issueLocale": issue_locale}


def feed_documents(
    messages: list[dict[str, Any]], seller_id: str, max_messages: int, issue_locale: str = "en_US"
) -> list[dict[str, Any]]:
    """The JSON_LISTINGS_FEED documents for ``messages``, split at ``max_messages`` each.

    In memory, for small conversions; :mod:`.parts` writes the same documents to files.
    """
    size = max(1, max_messages)
    return [
        {
            "header": feed_header(seller_id, issue_locale),
            "messages": messages[start : start + size],
        }
        for start in range(0, len(messages), size)
    ]
