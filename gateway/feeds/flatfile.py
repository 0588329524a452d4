"""The price-and-quantity flat file (tab-separated) -> JSON_LISTINGS_FEED messages.

Columns (header row, any order, case-insensitive; optional ``TemplateType=`` rows before it):
``sku``, ``price``, ``minimum-seller-allowed-price``, ``maximum-seller-allowed-price``,
``quantity``, ``handling-time``, ``fulfillment-channel``. An empty cell leaves that value
unchanged. Each data row is one message; its record number (1-based) is the MessageID.

The file is read line by line (:mod:`.lines`), so its size costs no memory: each record is
converted and put to the sink as soon as it is read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from gateway.feeds import listings
from gateway.feeds.lines import MAX_LINE_CHARS, Overlong, text_lines
from gateway.feeds.model import ERROR, WARNING, Conversion, ConversionOptions, Issue, Outcome, Sink

KNOWN_COLUMNS = (
    "sku",
    "price",
    "minimum-seller-allowed-price",
    "maximum-seller-allowed-price",
    "quantity",
    "handling-time",
    "fulfillment-channel",
)
MAX_AMOUNT_DIGITS = 20  # as the XML feeds' AmountType: no amount has more integer digits
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


def _header(lines: Iterator[str | Overlong]) -> str | Overlong | None:
    """The header row: the first line that is neither blank nor a ``TemplateType=`` line."""
    for line in lines:
        text = line.start if isinstance(line, Overlong) else line
        if isinstance(line, str) and not line.strip():
            continue
        if not text.lower().startswith("templatetype="):
            return line
    return None


def _document_failure(options: ConversionOptions, text: str) -> Outcome:
    return Outcome(document_issues=(Issue(0, ERROR, options.codes.schema, text),))


def stream_price_quantity(
    source: IO[bytes], charset: str, options: ConversionOptions, sink: Sink
) -> Outcome:
    """Convert a price-and-quantity flat file read from ``source`` into ``sink``.

    ``charset`` decodes the file unless it starts with a UTF-8 byte order mark; undecodable
    bytes are replaced. Never raises for bad input.
    """
    codes = options.codes
    lines = text_lines(source, charset)
    first = _header(lines)
    if first is None:
        return _document_failure(options, "The feed file is empty.")
    if isinstance(first, Overlong):
        return _document_failure(
            options, f"The header row is longer than {MAX_LINE_CHARS} characters."
        )
    header = [cell.strip().lower() for cell in first.split("\t")]
    if "sku" not in header:
        text = "The header row must name a sku column (and price and/or quantity columns)."
        return _document_failure(options, text)
    unknown = [c for c in header if c and c not in KNOWN_COLUMNS]
    if unknown:
        text = f"Columns ignored (not part of the template): {', '.join(unknown)[:200]}."
        sink.put_issues([Issue(0, WARNING, codes.not_translated, text)])
    columns = [(i, name) for i, name in enumerate(header) if name in KNOWN_COLUMNS]
    record = 0
    for line in lines:
        if isinstance(line, Overlong):
            record += 1
            text = f"The record is longer than {MAX_LINE_CHARS} characters; it was not read."
            sink.put_issues([Issue(record, ERROR, codes.schema, text)])
            continue
        if not line.strip():
            continue
        record += 1
        cells = line.split("\t")
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in columns}
        message, issues = _row(record, row, options)
        if issues:
            sink.put_issues(issues)
        if message is not None:
            sink.put_message(message)
    return Outcome(processed=record)


def convert_price_quantity(body: bytes, charset: str, options: ConversionOptions) -> Conversion:
    """Convert a flat file in memory (:func:`stream_price_quantity`, collected)."""
    result = Conversion()
    return result.finish(stream_price_quantity(io.BytesIO(body), charset, options, result))


def _decimal(row: dict[str, str], column: str) -> Decimal | None:
    raw = row.get(column, "")
    if not raw:
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{column} {raw[:32]!r} is not a number.") from None
    if value.is_nan():
        raise ValueError(f"{column} {raw[:32]!r} is not a number.")
    if value.is_finite() and value.adjusted() >= MAX_AMOUNT_DIGITS:
        raise ValueError(f"{column} {raw[:32]!r} is too large.")
    if value < 0 or not value.is_finite():
        raise ValueError(f"{column} {raw[:32]!r} must not be negative.")
    return value


def _integer(row: dict[str, str], column: str, low: int, high: int) -> int | None:
    raw = row.get(column, "")
    if not raw:
        return None
    if not raw.isdecimal() or len(raw.lstrip("0")) > 12 or not low <= int(raw) <= high:
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
