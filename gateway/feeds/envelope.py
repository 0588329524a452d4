"""AmazonEnvelope feeds of Inventory or Price messages -> JSON_LISTINGS_FEED messages, streamed.

The document is read one ``Message`` at a time (:class:`.safexml.TopLevelReader`: defused,
bounded), each message validated against the ``Message`` declaration of the project's own XSD
(``gateway/schemas/feeds/envelope.xsd``) and converted at once; every validation error is
charged to the message it occurs in, as MWS did: the other messages are still converted.
Problems outside any message (envelope, header, wrong MessageType, malformed XML anywhere)
fail the whole document (MessageID 0); they are known for sure only at its end, so everything
already put to the sink is then void (:class:`.model.Outcome`).

The envelope outside the messages is validated at the end as a *shell*: the root with its
other children and one valid stand-in per run of consecutive messages, which the content model
cannot tell from the run; positions in the errors are mapped back to the document's.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from xmlschema import XMLSchemaValidationError
from xmlschema.validators.exceptions import XMLSchemaChildrenValidationError

from gateway.feeds import listings
from gateway.feeds.idset import IdSet
from gateway.feeds.model import (
    ERROR,
    WARNING,
    Conversion,
    ConversionOptions,
    Issue,
    Outcome,
    Sink,
)
from gateway.feeds.safexml import TopLevelReader, UnreadableDocument
from gateway.schemas import feed_schema

MAX_ERRORS_PER_MESSAGE = 5
BATCH_ELEMENTS = 256  # messages are validated in batches of about this many elements
MAX_DOCUMENT_ERRORS = 10
MAX_SHELL_CHILDREN = 8  # other children of the root kept whole (a valid envelope has 2 to 5)
MAX_SHELL_TAGS = 64  # other children past those kept as bare tags, for "Unexpected child"
ROOT = "AmazonEnvelope"
MAX_MESSAGE_ID = 2**31 - 1


def _stand_in() -> ET.Element:
    """A valid Message, standing in for a run of messages in the envelope's shell."""
    message = ET.Element("Message")
    ET.SubElement(message, "MessageID").text = "1"
    inventory = ET.SubElement(message, "Inventory")
    ET.SubElement(inventory, "SKU").text = "S"
    ET.SubElement(inventory, "Quantity").text = "0"
    return message


def _text(parent: ET.Element, tag: str) -> str | None:
    child = parent.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _message_id(message: ET.Element) -> int:
    """The MessageID, or 0 when it is not one (the schema reports why)."""
    raw = _text(message, "MessageID") or ""
    if not raw.isdecimal() or len(raw.lstrip("0")) > 10:
        return 0
    value = int(raw)
    return value if 0 < value <= MAX_MESSAGE_ID else 0


def _describe(error: XMLSchemaValidationError, where: str, reason: str | None = None) -> str:
    reason = (reason or error.reason or error.message or "invalid").strip().rstrip(".")
    return f"XML Parsing Error at {where}: {reason}." if where else f"XML Parsing Error: {reason}."


def _batch_root() -> ET.Element:
    """An envelope whose Header and MessageType are valid, to validate messages in."""
    root = ET.Element(ROOT)
    header = ET.SubElement(root, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.01"
    ET.SubElement(header, "MerchantIdentifier").text = "M"
    ET.SubElement(root, "MessageType").text = "Inventory"
    return root


_IN_BATCH = re.compile(rf"^/{ROOT}/Message(\[\d+\])?")


def message_errors(messages: Sequence[ET.Element], wheres: Sequence[str]) -> list[list[str]]:
    """The first schema errors of each of ``messages``, located at its ``wheres`` path.

    The messages are validated together in a stand-in envelope (one validation per batch
    costs much less than one per message), and each error is charged to the message it
    occurs in; paths are computed only for the errors kept.
    """
    root = _batch_root()
    root.extend(messages)
    owner = {id(node): index for index, message in enumerate(messages) for node in message.iter()}
    found: list[list[XMLSchemaValidationError]] = [[] for _ in messages]
    for error in feed_schema("envelope").iter_errors(root):
        index = owner.get(id(error.elem)) if isinstance(error.elem, ET.Element) else None
        if index is not None and len(found[index]) < MAX_ERRORS_PER_MESSAGE:
            found[index].append(error)
    return [
        [_describe(e, _locate(e.path or "", where)) for e in errors]
        for errors, where in zip(found, wheres, strict=True)
    ]


def _locate(path: str, where: str) -> str:
    """A path in the batch envelope as the path ``where`` of its message in the document."""
    match = _IN_BATCH.match(path)
    return where + path[match.end() :] if match else path


@dataclass
class _Shell:
    """The envelope without its messages: other children, one stand-in per run of messages."""

    children: list[ET.Element] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # each child's index in the document
    others: int = 0  # children other than messages kept
    has_declared: bool = False  # a MessageType child was seen
    declared: str | None = None  # the first one's text, stripped (None: it has no text)
    last_was_message: bool = False

    def add(self, child: ET.Element | None, position: int) -> None:
        """A child of the root (``None``: a message) at ``position`` among all children."""
        if child is None:
            if not self.last_was_message:
                self.children.append(_stand_in())
                self.positions.append(position)
            self.last_was_message = True
            return
        if self.others >= MAX_SHELL_CHILDREN + MAX_SHELL_TAGS:
            return  # invalid anyway, errors enough: dropped, as if absent (runs stay merged)
        if child.tag == "MessageType" and not self.has_declared:
            self.has_declared = True
            self.declared = None if child.text is None else child.text.strip()
        self.last_was_message = False
        if self.others >= MAX_SHELL_CHILDREN:
            child = ET.Element(child.tag)
        self.others += 1
        self.children.append(child)
        self.positions.append(position)

    def declared_type(self) -> str | None:
        """The first MessageType child's text, as the FeedType check reads it."""
        return self.declared

    def errors(self, tag: str, attrib: dict[str, str], has_text: bool) -> list[str]:
        """The schema errors of the envelope itself, as the whole document's validation."""
        root = ET.Element(tag, attrib)
        if has_text:
            root.text = "text"
        root.extend(self.children)
        texts: list[str] = []
        for error in feed_schema("envelope").iter_errors(root):
            reason = None
            if (
                isinstance(error, XMLSchemaChildrenValidationError)
                and error.elem is root
                and error.invalid_tag is not None
            ):
                real = self.positions[error.index] + 1
                reason = (error.reason or "").replace(
                    f"at position {error.index + 1}.", f"at position {real}.", 1
                )
            texts.append(_describe(error, error.path or "", reason))
            if len(texts) == MAX_DOCUMENT_ERRORS:
                break
        return texts


class _Messages:
    """Converts the messages of one envelope as they are read, in document order.

    Messages wait in a small batch (:data:`BATCH_ELEMENTS`) to be validated together.
    """

    def __init__(self, message_type: str, options: ConversionOptions, sink: Sink) -> None:
        self.message_type = message_type
        self.options = options
        self.sink = sink
        self.count = 0
        self.seen = IdSet()
        self.batch: list[ET.Element] = []
        self.batch_elements = 0
        self.first: list[Issue] | None = None  # held until we know whether it is the only one

    def add(self, message: ET.Element) -> None:
        self.count += 1
        if self.count == 2 and self.first is not None:
            self.sink.put_issues(self.first)
            self.first = None
        self.batch.append(message)
        self.batch_elements += sum(1 for _ in message.iter())
        if self.batch_elements >= BATCH_ELEMENTS:
            self.flush()

    def flush(self) -> None:
        """Validate and convert the messages waiting."""
        batch, self.batch, self.batch_elements = self.batch, [], 0
        start = self.count - len(batch) + 1
        wheres = [f"/{ROOT}/Message[{n}]" for n in range(start, start + len(batch))]
        for number, message, errors in zip(
            range(start, self.count + 1), batch, message_errors(batch, wheres), strict=True
        ):
            issues = self._convert(message, errors)
            if number == 1 and self.count == 1:
                self.first = issues
            elif issues:
                self.sink.put_issues(issues)

    def finish(self) -> None:
        """Convert what waits; a lone message's paths carry no position (``Message``)."""
        self.flush()
        if self.first:
            lone, path = f"/{ROOT}/Message[1]", f"/{ROOT}/Message"
            self.sink.put_issues(
                [replace(i, message=i.message.replace(lone, path)) for i in self.first]
            )
        self.first = None

    def _convert(self, message: ET.Element, errors: list[str]) -> list[Issue]:
        codes = self.options.codes
        message_type = self.message_type
        message_id = _message_id(message)
        body_el = message.find(message_type)
        sku = _text(body_el, "SKU") if body_el is not None else None
        if message_id and message_id in self.seen:
            errors.append(f"MessageID {message_id} is used by more than one message.")
        self.seen.add(message_id)
        if not errors and body_el is None:
            errors.append(
                f"The message has no {message_type} element, which this FeedType expects; "
                "it was not applied."
            )
        if errors:
            return [
                Issue(message_id, ERROR, codes.schema, text, sku)
                for text in errors[:MAX_ERRORS_PER_MESSAGE]
            ]
        assert body_el is not None and sku is not None  # guaranteed by the schema
        operation = _text(message, "OperationType") or "Update"
        if operation == "Delete":
            text = (
                f"OperationType Delete in a {message_type} feed was not applied: it has no "
                "JSON_LISTINGS_FEED equivalent that leaves the listing in place. Delete "
                "listings with a JSON_LISTINGS_FEED DELETE message."
            )
            return [Issue(message_id, ERROR, codes.not_translated, text, sku)]
        convert = _inventory if message_type == "Inventory" else _price
        converted, issues = convert(message_id, sku, body_el, self.options)
        if converted is not None:
            self.sink.put_message(converted)
        return issues


def _document_issue(options: ConversionOptions, text: str, unreadable: bool = False) -> Outcome:
    code = options.codes.document_unreadable if unreadable else options.codes.schema
    return Outcome(document_issues=(Issue(0, ERROR, code, text),))


def stream_envelope(
    source: IO[bytes], message_type: str, options: ConversionOptions, sink: Sink
) -> Outcome:
    """Convert an Inventory or Price envelope read from ``source`` into ``sink``.

    Never raises for bad input. Messages are converted as they are read unless the document
    is already known to fail (wrong root, MessageType); the document is read to its end
    either way, so a malformed one is always reported as such first, as a whole-document
    parse did.
    """
    reader = TopLevelReader(source)
    messages = _Messages(message_type, options, sink)
    shell = _Shell()
    position = 0
    try:
        for child in reader:
            is_message = child.tag == "Message"
            shell.add(None if is_message else child, position)
            position += 1
            if is_message:
                if reader.root_tag == ROOT and shell.declared_type() in (None, message_type):
                    messages.add(child)
                else:
                    messages.count += 1
    except UnreadableDocument as exc:
        return _document_issue(options, str(exc), unreadable=True)
    tag = reader.root_tag or ""
    if tag != ROOT:
        return _document_issue(options, f"The root element must be {ROOT}, not {tag[:64]}.")
    declared = shell.declared_type()
    if declared is not None and declared != message_type:
        text = (
            f"MessageType {declared[:64]} does not match the FeedType, which expects "
            f"{message_type} messages."
        )
        return _document_issue(options, text)
    document_errors = shell.errors(tag, reader.root_attrib, reader.root_text)
    if document_errors:
        code = options.codes.schema
        return Outcome(document_issues=tuple(Issue(0, ERROR, code, t) for t in document_errors))
    messages.finish()
    return Outcome(processed=messages.count)


def convert_envelope(body: bytes, message_type: str, options: ConversionOptions) -> Conversion:
    """Convert an Inventory or Price envelope in memory (:func:`stream_envelope`, collected)."""
    result = Conversion()
    return result.finish(stream_envelope(io.BytesIO(body), message_type, options, result))


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
