"""The price-and-quantity flat file (tab-separated) -> JSON_LISTINGS_FEED messages.

Columns (header row, any order, case-insensitive; optional ``TemplateType=`` rows before it):
``sku``, ``price``, ``minimum-seller-allowed-price``, ``maximum-seller-allowed-price``,
``quantity``, ``handling-time``, ``fulfillment-channel``. An empty cell leaves that value
unchanged. Each data row is one message; its record number (1-based) is the MessageID.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.feeds import listings
from gateway.feeds.model import ERROR, Conversion, ConversionOptions, Issue

KNOWN_COLUMNS = (
    "sku",
    "price",
    "minimum-seller-allowed-price",
    "maximum-seller-allowed-price",
    "quantity",
    "handling-time",
    "fulfillment-channel",
)
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def charset_of(content_type: str, default: str = "iso-8859-1") -> str:
    """The charset named in a Content-Type (MWS flat files default to ISO-8859-1)."""
    match = _CHARSET.search(content_type or "")
    name = match.group(1) if match else default
    try:
        "".encode(name)
    except LookupError:
        return default
    return name


def _decode(body: bytes, charset: str) -> str:
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    return body.decode(charset, errors="replace")


def convert_price_quantity(body: bytes, charset: str, options: ConversionOptions) -> Conversion:
    codes = options.codes
    lines = _decode(body, charset).splitlines()
    index = 0
    while index < len(lines) and (
        not lines[index].strip() or lines[index].lower().startswith("templatetype=")
    ):
        index += 1
    if index >= len(lines):
        return Conversion(issues=[Issue(0, ERROR, codes.schema, "The feed file is empty.")])
    header = [cell.strip().lower() for cell in lines[index].split("\t")]
    if "sku" not in header:
        text = "The header row must name a sku column (and price and/or quantity columns)."
        return Conversion(issues=[Issue(0, ERROR, codes.schema, text)])
    unknown = [c for c in header if c and c not in KNOWN_COLUMNS]
    result = Conversion()
    if unknown:
        text = f"Columns ignored (not part of the template): {', '.join(unknown)[:200]}."
        result.issues.append(Issue(0, "WARNING", codes.not_translated, text))
    record = 0
    for line in lines[index + 1 :]:
        if not line.strip():
            continue
        record += 1
        cells = line.split("\t")
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        message, issues = _row(record, row, options)
        result.issues.extend(issues)
        if message is not None:
            result.messages.append(message)
    result.processed = record
    return result


def _decimal(row: dict[str, str], column: str) -> Decimal | None:
    raw = row.get(column, "")
    if not raw:
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{column} {raw[:32]!r} is not a number.") from None
    if value < 0 or not value.is_finite():
        raise ValueError(f"{column} {raw[:32]!r} must not be negative.")
    return value


def _integer(row: dict[str, str], column: str, low: int, high: int) -> int | None:
    raw = row.get(column, "")
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(f"{column} {raw[:32]!r} must be a whole number from {low} to {high}.")
    return int(raw)


def _row(
    record: int, row: dict[str, str], options: ConversionOptions
) -> tuple[dict[str, Any] | None, list[Issue]]:
    codes = options.codes
    sku = row.get("sku", "")
    if not sku or len(sku) > 40:
        return None, [Issue(record, ERROR, codes.schema, "sku is missing or longer than 40.")]
    try:
        price = _decimal(row, "price")
        minimum = _decimal(row, "minimum-seller-allowed-price")
        maximum = _decimal(row, "maximum-seller-allowed-price")
        quantity = _integer(row, "quantity", 0, 99_999_999)
        handling = _integer(row, "handling-time", 1, 30)
    except ValueError as exc:
        return None, [Issue(record, ERROR, codes.schema, str(exc), sku)]
    channel = row.get("fulfillment-channel", "").upper()
    patches: list[dict[str, Any]] = []
    if price is not None:
        attributes: dict[str, Any] = {"our_price": listings.schedule(price)}
        if minimum is not None:
            attributes["minimum_seller_allowed_price"] = listings.schedule(minimum)
        if maximum is not None:
            attributes["maximum_seller_allowed_price"] = listings.schedule(maximum)
        patches.append(
            listings.offer_patch(listings.offers_for("DEFAULT", options, attributes), options)
        )
    if channel.startswith("AMAZON"):
        patches.append(listings.availability_patch({"fulfillment_channel_code": channel}, options))
    elif quantity is not None or handling is not None:
        entry: dict[str, Any] = {"fulfillment_channel_code": options.channel_code}
        if quantity is not None:
            entry["quantity"] = quantity
        if handling is not None:
            entry["lead_time_to_ship_max_days"] = handling
        patches.append(listings.availability_patch(entry, options))
    if not patches:
        text = "The record has neither a price nor a quantity to update."
        return None, [Issue(record, ERROR, codes.schema, text, sku)]
    return listings.patch_message(record, sku, patches, options), []
