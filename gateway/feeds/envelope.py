"""AmazonEnvelope feeds of Inventory or Price messages -> JSON_LISTINGS_FEED messages.

The document is parsed safely (:mod:`.safexml`), validated against the project's own XSD
(``gateway/schemas/feeds/envelope.xsd``) and every validation error is charged to the
``Message`` it occurs in, as MWS did: the other messages are still converted. Problems outside
any message (envelope, header, wrong MessageType) fail the whole document (MessageID 0).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Any

from xmlschema import XMLSchemaValidationError

from gateway.feeds import listings
from gateway.feeds.model import ERROR, WARNING, Conversion, ConversionOptions, Issue
from gateway.feeds.safexml import UnreadableDocument, parse
from gateway.schemas import feed_schema

MAX_ERRORS_PER_MESSAGE = 5


def _text(parent: ET.Element, tag: str) -> str | None:
    child = parent.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _message_id(message: ET.Element) -> int:
    raw = _text(message, "MessageID") or ""
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 2**31 - 1 else 0


def _describe(error: XMLSchemaValidationError) -> str:
    where = error.path or ""
    reason = (error.reason or error.message or "invalid").strip().rstrip(".")
    return f"XML Parsing Error at {where}: {reason}." if where else f"XML Parsing Error: {reason}."


def convert_envelope(body: bytes, message_type: str, options: ConversionOptions) -> Conversion:
    """Convert an Inventory or Price envelope; never raises for bad input."""
    codes = options.codes
    try:
        root = parse(body)
    except UnreadableDocument as exc:
        return Conversion(issues=[Issue(0, ERROR, codes.document_unreadable, str(exc))])
    messages = [m for m in root if m.tag == "Message"]
    if root.tag != "AmazonEnvelope":
        text = f"The root element must be AmazonEnvelope, not {root.tag[:64]}."
        return Conversion(issues=[Issue(0, ERROR, codes.schema, text)])
    declared = _text(root, "MessageType")
    if declared is not None and declared != message_type:
        text = (
            f"MessageType {declared[:64]} does not match the FeedType, which expects "
            f"{message_type} messages."
        )
        return Conversion(issues=[Issue(0, ERROR, codes.schema, text)])

    owner: dict[int, ET.Element] = {}  # id(element) -> its Message
    for message in messages:
        for node in message.iter():
            owner[id(node)] = message
    per_message: dict[int, list[str]] = {}
    document_errors: list[str] = []
    for error in feed_schema("envelope").iter_errors(root):
        elem = error.elem if isinstance(error.elem, ET.Element) else None
        owning = owner.get(id(elem)) if elem is not None else None
        if owning is None:
            document_errors.append(_describe(error))
        else:
            per_message.setdefault(id(owning), []).append(_describe(error))
    if document_errors:
        return Conversion(
            issues=[Issue(0, ERROR, codes.schema, text) for text in document_errors[:10]]
        )

    result = Conversion(processed=len(messages))
    seen: set[int] = set()
    for message in messages:
        message_id = _message_id(message)
        body_el = message.find(message_type)
        sku = _text(body_el, "SKU") if body_el is not None else None
        errors = per_message.get(id(message), [])
        if message_id and message_id in seen:
            errors = [*errors, f"MessageID {message_id} is used by more than one message."]
        seen.add(message_id)
        if errors:
            for text in errors[:MAX_ERRORS_PER_MESSAGE]:
                result.issues.append(Issue(message_id, ERROR, codes.schema, text, sku))
            continue
        assert body_el is not None and sku is not None  # guaranteed by the schema
        operation = _text(message, "OperationType") or "Update"
        if operation == "Delete":
            result.issues.append(
                Issue(
                    message_id,
                    ERROR,
                    codes.not_translated,
                    f"OperationType Delete in a {message_type} feed was not applied: it has no "
                    "JSON_LISTINGS_FEED equivalent that leaves the listing in place. Delete "
                    "listings with a JSON_LISTINGS_FEED DELETE message.",
                    sku,
                )
            )
            continue
        convert = _inventory if message_type == "Inventory" else _price
        converted, issues = convert(message_id, sku, body_el, options)
        result.issues.extend(issues)
        if converted is not None:
            result.messages.append(converted)
    return result


def _inventory(
    message_id: int, sku: str, inv: ET.Element, options: ConversionOptions
) -> tuple[dict[str, Any] | None, list[Issue]]:
    codes = options.codes
    issues: list[Issue] = []
    quantity = _text(inv, "Quantity")
    available = _text(inv, "Available")
    afn = _text(inv, "Lookup") == "FulfillmentNetwork" or _text(inv, "SwitchFulfillmentTo") == "AFN"
    entry: dict[str, Any]
    if afn:
        entry = {"fulfillment_channel_code": options.afn_channel_code}
        if quantity is not None or available is not None:
            issues.append(
                Issue(
                    message_id,
                    WARNING,
                    codes.not_translated,
                    "Quantity/Available were ignored: Amazon counts the inventory of "
                    "Amazon-fulfilled offers.",
                    sku,
                )
            )
    else:
        entry = {"fulfillment_channel_code": options.channel_code}
        if quantity is not None:
            entry["quantity"] = int(quantity)
        elif available in ("false", "0"):
            entry["quantity"] = 0
        else:
            text = (
                "Available=true was not applied: JSON_LISTINGS_FEED needs a quantity. "
                "Send Quantity instead."
            )
            return None, [Issue(message_id, ERROR, codes.not_translated, text, sku)]
        latency = _text(inv, "FulfillmentLatency")
        if latency is not None:
            entry["lead_time_to_ship_max_days"] = int(latency)
        restock = _text(inv, "RestockDate")
        if restock is not None:
            entry["restock_date"] = restock
    patch = listings.availability_patch(entry, options)
    return listings.patch_message(message_id, sku, [patch], options), issues


def _amount(el: ET.Element | None) -> tuple[Decimal, str] | None:
    if el is None or el.text is None:
        return None
    try:
        return Decimal(el.text.strip()), el.get("currency", "DEFAULT")
    except InvalidOperation:
        return None


def _price(
    message_id: int, sku: str, price: ET.Element, options: ConversionOptions
) -> tuple[dict[str, Any] | None, list[Issue]]:
    codes = options.codes
    issues: list[Issue] = []
    standard = _amount(price.find("StandardPrice"))
    assert standard is not None  # required by the schema
    amount, currency = standard
    attributes: dict[str, Any] = {"our_price": listings.schedule(amount)}
    extra = {
        "MAP": "map_price",
        "MinimumSellerAllowedPrice": "minimum_seller_allowed_price",
        "MaximumSellerAllowedPrice": "maximum_seller_allowed_price",
    }
    for tag, name in extra.items():
        value = _amount(price.find(tag))
        if value is not None:
            attributes[name] = listings.schedule(value[0])
    sale = price.find("Sale")
    if sale is not None:
        sale_price = _amount(sale.find("SalePrice"))
        if sale_price is not None:
            attributes["discounted_price"] = listings.schedule(
                sale_price[0], _text(sale, "StartDate"), _text(sale, "EndDate")
            )
    if price.find("DepositAmount") is not None:
        issues.append(
            Issue(
                message_id,
                WARNING,
                codes.not_translated,
                "DepositAmount was ignored: it has no JSON_LISTINGS_FEED equivalent.",
                sku,
            )
        )
    offers = listings.offers_for(currency, options, attributes)
    if not offers:
        text = (
            f"The currency {currency} does not match any marketplace of the feed "
            f"({', '.join(options.marketplaces)}); the price was not applied."
        )
        return None, [*issues, Issue(message_id, ERROR, codes.schema, text, sku)]
    patch = listings.offer_patch(offers, options)
    return listings.patch_message(message_id, sku, [patch], options), issues
