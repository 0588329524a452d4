"""Emulated SP-API Feeds 2021-06-30: documents, feeds, processing and processing reports.

Feeds move IN_QUEUE -> IN_PROGRESS -> DONE on the emulator clock (``queue_seconds`` then
``processing_seconds``, checked whenever a feed is read). Processing a JSON_LISTINGS_FEED
validates every message (against Amazon's message schema from ``SPAPI_MODELS_DIR`` when set,
else a built-in check of the same rules) and applies the valid ones to the emulator's listings,
so a later listings read or report shows the change; the JSON processing report (GZIP) names
each rejected message. Other live feed types get a simple report; the XML/flat-file listing
feeds Amazon retired on 2025-07-31 end FATAL without one, as they do upstream.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway.emulator import pricing
from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    advance_job,
    emulator_now,
    invalid_input,
    iso,
    json_response,
    new_request_id,
    not_found,
    parse_datetime,
    query_list,
    read_json_object,
    spapi_operation,
)
from gateway.emulator.events import emit, subscription
from gateway.emulator.state import EmulatorState

BASE = "/feeds/2021-06-30"
STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
FEED_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{2,99}$")
RETIRED = frozenset(
    {
        "POST_PRODUCT_DATA", "POST_INVENTORY_AVAILABILITY_DATA", "POST_PRODUCT_OVERRIDES_DATA",
        "POST_PRODUCT_PRICING_DATA", "POST_PRODUCT_IMAGE_DATA", "POST_PRODUCT_RELATIONSHIP_DATA",
        "POST_FLAT_FILE_INVLOADER_DATA", "POST_FLAT_FILE_LISTINGS_DATA",
        "POST_FLAT_FILE_BOOKLOADER_DATA", "POST_FLAT_FILE_CONVERGENCE_LISTINGS_DATA",
        "POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA", "POST_UIEE_BOOKLOADER_DATA",
    }
)  # fmt: skip
OPERATION_TYPES = ("UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE")
PATCH_OPS = ("add", "replace", "merge", "delete")
MAX_MESSAGES = 25000
AVAILABILITY = "fulfillment_availability"
OFFER = "purchasable_offer"


@dataclass
class FeedsState:
    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # feedId -> seller
    created: dict[str, datetime] = field(default_factory=dict)
    next_id: int = 60510018000
    queue_seconds: float = 0.2
    processing_seconds: float = 0.3
    processed: list[str] = field(default_factory=list)  # feedIds in processing order


now = emulator_now


def feeds_state(state: EmulatorState) -> FeedsState:
    return state.section("feeds", FeedsState)


# -- validation -----------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _message_validator(models_dir: str) -> Any:
    path = Path(models_dir) / "listings-feed-message-schema-v2.json"
    if not path.is_file():
        return None
    import jsonschema

    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _builtin_message_errors(message: Any) -> list[str]:
    """The listings feed message rules, for when Amazon's schema is not available."""
    if not isinstance(message, dict):
        return ["A message must be a JSON object."]
    errors: list[str] = []
    mid = message.get("messageId")
    if not isinstance(mid, int) or isinstance(mid, bool) or not 1 <= mid <= 2**31 - 1:
        errors.append("'messageId' must be an integer from 1 to 2147483647.")
    sku = message.get("sku")
    if not isinstance(sku, str) or not sku:
        errors.append("'sku' is required and must be a non-empty string.")
    op = message.get("operationType")
    if op not in OPERATION_TYPES:
        return [*errors, f"'operationType' must be one of {', '.join(OPERATION_TYPES)}."]
    product_type = message.get("productType")
    has = {k: k in message for k in ("productType", "attributes", "patches", "requirements")}
    if op == "DELETE":
        errors += [f"'{k}' is not allowed for DELETE." for k, present in has.items() if present]
        return errors
    if not isinstance(product_type, str) or not product_type:
        errors.append(f"'productType' is required for {op}.")
    if op == "PATCH":
        if has["attributes"] or has["requirements"]:
            errors.append("'attributes' and 'requirements' are not allowed for PATCH.")
        patches = message.get("patches")
        if not isinstance(patches, list) or not patches:
            errors.append("'patches' is required for PATCH and must not be empty.")
        else:
            for patch in patches:
                if not isinstance(patch, dict) or patch.get("op") not in PATCH_OPS:
                    errors.append(f"Each patch needs 'op' ({', '.join(PATCH_OPS)}).")
                elif not isinstance(patch.get("path"), str):
                    errors.append("Each patch needs a 'path' (JSON Pointer).")
                elif "value" in patch and not (
                    isinstance(patch["value"], list)
                    and all(isinstance(v, dict) for v in patch["value"])
                ):
                    errors.append("A patch 'value' must be an array of objects.")
        return errors
    attributes = message.get("attributes")
    if has["patches"]:
        errors.append(f"'patches' is not allowed for {op}.")
    if op == "PARTIAL_UPDATE" and has["requirements"]:
        errors.append("'requirements' is not allowed for PARTIAL_UPDATE.")
    if not isinstance(attributes, dict) or not attributes:
        errors.append(f"'attributes' is required for {op} and must not be empty.")
    return errors


def message_errors(message: Any) -> list[str]:
    models = os.environ.get("SPAPI_MODELS_DIR")
    validator = _message_validator(models) if models else None
    if validator is None:
        return _builtin_message_errors(message)
    found = sorted(validator.iter_errors(message), key=lambda e: list(e.path))
    if not found:
        return []
    # oneOf failures explain themselves badly; the built-in rules name the actual problem
    return _builtin_message_errors(message) or [found[0].message[:300]]


# -- applying messages to the listings -------------------------------------------------------------


def _price_of(offers: Any, marketplace: str) -> tuple[str, str | None] | None:
    if not isinstance(offers, list):
        return None
    chosen = next(
        (o for o in offers if isinstance(o, dict) and o.get("marketplace_id") == marketplace),
        None,
    ) or next((o for o in offers if isinstance(o, dict)), None)
    if chosen is None:
        return None
    try:
        value = chosen["our_price"][0]["schedule"][0]["value_with_tax"]
        amount = Decimal(str(value))
    except (KeyError, IndexError, TypeError, InvalidOperation):
        return None
    if amount < 0:
        return None
    currency = chosen.get("currency")
    return f"{amount:.2f}", str(currency) if isinstance(currency, str) else None


def _changes(attribute: str, value: Any, listing: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if attribute == AVAILABILITY and isinstance(value, list) and value:
        entry = value[0] if isinstance(value[0], dict) else {}
        if "fulfillment_channel_code" in entry:
            changes["fulfillment_channel"] = str(entry["fulfillment_channel_code"])
        quantity = entry.get("quantity")
        if isinstance(quantity, int) and not isinstance(quantity, bool) and quantity >= 0:
            changes["quantity"] = quantity
    elif attribute == OFFER:
        price = _price_of(value, str(listing.get("marketplace_id")))
        if price is not None:
            changes["price"] = price[0]
            if price[1]:
                changes["currency"] = price[1]
    return changes


def apply_message(state: EmulatorState, message: dict[str, Any]) -> str | None:
    """Apply one valid message to the listings; an error text when it cannot be applied."""
    data = state.data
    sku = str(message["sku"])
    op = message["operationType"]
    if op == "DELETE":
        return None if data.delete_listing(sku) else f"The SKU '{sku}' does not exist."
    listing = data.listing(sku)
    if op == "PATCH":
        if listing is None:
            return f"The SKU '{sku}' does not exist; PATCH needs an existing listing."
        changes: dict[str, Any] = {}
        for patch in message["patches"]:
            attribute = str(patch["path"]).removeprefix("/attributes/").split("/")[0]
            if patch["op"] == "delete":
                if attribute == AVAILABILITY:
                    changes["quantity"] = 0
                continue
            changes.update(_changes(attribute, patch.get("value"), listing))
        if changes:
            data.update_listing(sku, **changes)
        return None
    attributes = message["attributes"]
    record = listing or {"marketplace_id": None}
    changes = {}
    for attribute, value in attributes.items():
        changes.update(_changes(attribute, value, record))
    if listing is None:
        if op == "PARTIAL_UPDATE":
            return f"The SKU '{sku}' does not exist; PARTIAL_UPDATE needs an existing listing."
        data.upsert_listing(sku, product_type=str(message["productType"]), **changes)
    elif changes:
        data.update_listing(sku, **changes)
    return None


def process_json_feed(
    state: EmulatorState, feed_id: str, seller_id: str, raw: bytes
) -> dict[str, Any]:
    """Validate and apply a JSON_LISTINGS_FEED document; the JSON processing report."""
    issues: list[dict[str, Any]] = []
    header_report: dict[str, Any] = {"sellerId": seller_id, "version": "2.0", "feedId": feed_id}

    def report(processed: int, invalid: int) -> dict[str, Any]:
        errors = sum(1 for i in issues if i["severity"] == "ERROR")
        return {
            "header": header_report,
            "issues": issues,
            "summary": {
                "errors": errors,
                "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
                "messagesProcessed": processed,
                "messagesAccepted": processed - invalid,
                "messagesInvalid": invalid,
            },
        }

    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        issues.append({"code": "100001", "severity": "ERROR", "message": "The feed is not JSON."})
        return report(0, 0)
    header = document.get("header") if isinstance(document, dict) else None
    messages = document.get("messages") if isinstance(document, dict) else None
    problems = []
    if not isinstance(header, dict) or not isinstance(header.get("sellerId"), str):
        problems.append("'header.sellerId' is required.")
    elif header.get("version") != "2.0":
        problems.append("'header.version' must be \"2.0\".")
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        problems.append(f"'messages' must hold 1 to {MAX_MESSAGES} messages.")
    if problems:
        for text in problems:
            issues.append({"code": "100001", "severity": "ERROR", "message": text})
        return report(0, 0)
    assert isinstance(messages, list)
    invalid = 0
    seen: set[int] = set()
    for message in messages:
        errors = message_errors(message)
        mid = message.get("messageId") if isinstance(message, dict) else None
        if isinstance(mid, int) and mid in seen:
            errors.append(f"messageId {mid} is not unique within the feed.")
        base: dict[str, Any] = {}
        if isinstance(mid, int) and not isinstance(mid, bool) and mid >= 1:
            base["messageId"] = mid
            seen.add(mid)
        if isinstance(message, dict) and isinstance(message.get("sku"), str) and message["sku"]:
            base["sku"] = message["sku"]
        if not errors:
            failure = apply_message(state, message)
            if failure is not None:
                errors = [failure]
                code = "18000"
            else:
                continue
        else:
            code = "100002"
        invalid += 1
        for text in errors[:5]:
            issues.append({**base, "code": code, "severity": "ERROR", "message": text})
    return report(len(messages), invalid)


def _simple_report(feed: dict[str, Any], raw: bytes, content_type: str) -> tuple[bytes, str]:
    """The processing report of a pass-through feed: every message counted as successful."""
    if "xml" in content_type.lower() or raw.lstrip().startswith(b"<"):
        count = len(re.findall(rb"<Message>", raw))
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n\t<Header>\n'
            "\t\t<DocumentVersion>1.02</DocumentVersion>\n"
            f"\t\t<MerchantIdentifier>{feed['_seller']}</MerchantIdentifier>\n\t</Header>\n"
            "\t<MessageType>ProcessingReport</MessageType>\n\t<Message>\n"
            "\t\t<MessageID>1</MessageID>\n\t\t<ProcessingReport>\n"
            f"\t\t\t<DocumentTransactionID>{feed['feedId']}</DocumentTransactionID>\n"
            "\t\t\t<StatusCode>Complete</StatusCode>\n\t\t\t<ProcessingSummary>\n"
            f"\t\t\t\t<MessagesProcessed>{count}</MessagesProcessed>\n"
            f"\t\t\t\t<MessagesSuccessful>{count}</MessagesSuccessful>\n"
            "\t\t\t\t<MessagesWithError>0</MessagesWithError>\n"
            "\t\t\t\t<MessagesWithWarning>0</MessagesWithWarning>\n"
            "\t\t\t</ProcessingSummary>\n\t\t</ProcessingReport>\n\t</Message>\n</AmazonEnvelope>"
        )
        return body.encode("utf-8"), "text/xml;charset=UTF-8"
    records = max(0, len([line for line in raw.splitlines() if line.strip()]) - 1)
    text = (
        "Feed Processing Summary:\n"
        f"\tNumber of records processed\t\t{records}\n"
        f"\tNumber of records successful\t\t{records}\n"
    )
    return text.encode("utf-8"), "text/plain;charset=UTF-8"


def _process(state: EmulatorState, feed: dict[str, Any]) -> None:
    feed_id = feed["feedId"]
    feed_type = feed["feedType"]
    documents = state.documents
    if feed_type in RETIRED:
        feed["processingStatus"] = "FATAL"
        return
    raw = documents.get_document_bytes(feed["_input"])
    if feed_type == "JSON_LISTINGS_FEED":
        report = process_json_feed(state, feed_id, feed["_seller"], raw)
        body = json.dumps(report).encode("utf-8")
        doc_id = documents.put_document(
            body, "application/json", compression="GZIP", prefix="amzn1.tortuga.4.na."
        )
    else:
        stored = documents.get(feed["_input"])
        content_type = (stored.uploaded_content_type if stored else None) or ""
        body, report_type = _simple_report(feed, raw, content_type)
        doc_id = documents.put_document(body, report_type, prefix="amzn1.tortuga.4.na.")
    feed["resultFeedDocumentId"] = doc_id
    feed["processingStatus"] = "DONE"


def _advance(state: EmulatorState, fs: FeedsState, feed: dict[str, Any]) -> None:
    created = fs.created.get(feed["feedId"])
    if created is None:
        return
    done = advance_job(state, feed, created, fs.queue_seconds, fs.processing_seconds)
    if done is not None:
        feed["processingEndTime"] = iso(done)
        fs.processed.append(feed["feedId"])
        seller = fs.owners.get(feed["feedId"], state.config.seller_id)
        watched = subscription(state, seller, "ANY_OFFER_CHANGED") is not None
        before = _prices(state) if watched else {}
        _process(state, feed)
        _finished(state, fs, feed)
        if watched:
            _offers_changed(state, seller, before)


def _prices(state: EmulatorState) -> dict[str, Any]:
    return {sku: item.get("price") for sku, item in state.data.listings.items()}


def _offers_changed(state: EmulatorState, seller: str, before: dict[str, Any]) -> None:
    """ANY_OFFER_CHANGED for every ASIN whose price the feed changed (when subscribed)."""
    ctx = OperationContext("feeds.offerChange", new_request_id(), state, None)
    seen: set[tuple[str, str]] = set()
    for sku, item in state.data.listings.items():
        if before.get(sku, object()) == item.get("price") or not item.get("asin"):
            continue
        key = (str(item.get("marketplace_id")), str(item["asin"]))
        if key in seen:
            continue
        seen.add(key)
        condition = pricing.condition_of(item)[0]
        payload = pricing.any_offer_changed(ctx, key[0], key[1], condition, iso(now(state)))
        if payload is not None:
            payload["SellerId"] = seller
            emit(state, seller, "ANY_OFFER_CHANGED", payload)


def _finished(state: EmulatorState, fs: FeedsState, feed: dict[str, Any]) -> None:
    """FEED_PROCESSING_FINISHED for the feed's seller (when subscribed): DONE, CANCELLED, FATAL."""
    body: dict[str, Any] = {
        "sellerId": fs.owners.get(feed["feedId"], state.config.seller_id),
        "feedId": feed["feedId"],
        "feedType": feed["feedType"],
        "processingStatus": feed["processingStatus"],
    }
    if feed.get("resultFeedDocumentId"):
        body["resultFeedDocumentId"] = feed["resultFeedDocumentId"]
    emit(state, body["sellerId"], "FEED_PROCESSING_FINISHED", body)


def advance_all(state: EmulatorState) -> None:
    """Move every unfinished feed on (the notifications ticker, when nobody polls)."""
    fs = feeds_state(state)
    for feed in list(fs.feeds.values()):
        if feed["processingStatus"] in ("IN_QUEUE", "IN_PROGRESS"):
            _advance(state, fs, feed)


def _public(feed: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in feed.items() if not k.startswith("_")}


def _own(ctx: OperationContext, fs: FeedsState, feed_id: str) -> dict[str, Any]:
    feed = fs.feeds.get(feed_id)
    if feed is None or fs.owners.get(feed_id) != ctx.seller_id:
        raise not_found(f"Feed {feed_id} not found.")
    _advance(ctx.state, fs, feed)
    return feed


# -- operations ---------------------------------------------------------------------------------


@spapi_operation("feeds.createFeedDocument")
async def create_feed_document(request: Request, ctx: OperationContext) -> Response:
    body = await read_json_object(request)
    content_type = body.get("contentType")
    if not isinstance(content_type, str) or not content_type.strip():
        raise invalid_input("contentType is required.")
    document_id, url = ctx.state.documents.create_upload(content_type)
    return json_response({"feedDocumentId": document_id, "url": url}, status=201)


@spapi_operation("feeds.createFeed")
async def create_feed(request: Request, ctx: OperationContext) -> Response:
    body = await read_json_object(request)
    feed_type = body.get("feedType")
    if (
        not isinstance(feed_type, str)
        or not FEED_TYPE.match(feed_type)
        or feed_type.startswith("_")
    ):
        raise invalid_input("Invalid feedType.", str(feed_type)[:100])
    marketplaces = body.get("marketplaceIds")
    if (
        not isinstance(marketplaces, list)
        or not marketplaces
        or not all(isinstance(m, str) and m for m in marketplaces)
    ):
        raise invalid_input("marketplaceIds is required and must be a list of ids.")
    document_id = body.get("inputFeedDocumentId")
    stored = ctx.state.documents.get(document_id) if isinstance(document_id, str) else None
    if stored is None or not stored.uploaded:
        raise invalid_input("inputFeedDocumentId does not name an uploaded feed document.")
    options = body.get("feedOptions")
    if options is not None and not (
        isinstance(options, dict) and all(isinstance(v, str) for v in options.values())
    ):
        raise invalid_input("feedOptions must map names to strings.")
    fs = feeds_state(ctx.state)
    fs.next_id += 1000
    feed_id = str(fs.next_id)
    created = now(ctx.state)
    fs.feeds[feed_id] = {
        "feedId": feed_id,
        "feedType": feed_type,
        "marketplaceIds": list(marketplaces),
        "createdTime": iso(created),
        "processingStatus": "IN_QUEUE",
        "_input": document_id,
        "_seller": ctx.seller_id,
        "_options": options or {},
    }
    fs.owners[feed_id] = ctx.seller_id
    fs.created[feed_id] = created
    return json_response({"feedId": feed_id}, status=202)


@spapi_operation("feeds.getFeeds")
async def get_feeds(request: Request, ctx: OperationContext) -> JsonBody:
    fs = feeds_state(ctx.state)
    q = request.query_params
    token = q.get("nextToken")
    if token:
        if len(q) > 1:
            raise invalid_input("nextToken must be the only parameter when it is given.")
        try:
            filters = json.loads(bytes.fromhex(token))
        except ValueError:
            raise invalid_input("Invalid nextToken.") from None
    else:
        types = query_list(request, "feedTypes", 10)
        if not types:
            raise invalid_input("Either feedTypes or nextToken is required.")
        statuses = query_list(request, "processingStatuses")
        for status in statuses:
            if status not in STATUSES:
                raise invalid_input(f"Invalid processingStatuses value: {status}.")
        size_raw = q.get("pageSize", "10")
        if not size_raw.isdigit() or not 1 <= int(size_raw) <= 100:
            raise invalid_input("pageSize must be between 1 and 100.")
        since = q.get("createdSince")
        until = q.get("createdUntil")
        filters = {
            "types": types,
            "statuses": statuses,
            "markets": query_list(request, "marketplaceIds", 10),
            "size": int(size_raw),
            "since": iso(parse_datetime(since, "createdSince"))
            if since
            else iso(now(ctx.state) - timedelta(days=90)),
            "until": iso(parse_datetime(until, "createdUntil")) if until else None,
            "offset": 0,
        }
    matching = []
    for feed_id, feed in fs.feeds.items():
        if fs.owners.get(feed_id) != ctx.seller_id:
            continue
        _advance(ctx.state, fs, feed)
        if feed["feedType"] not in filters["types"]:
            continue
        if filters["statuses"] and feed["processingStatus"] not in filters["statuses"]:
            continue
        if filters["markets"] and not set(filters["markets"]) & set(feed["marketplaceIds"]):
            continue
        if feed["createdTime"] < filters["since"]:
            continue
        if filters["until"] and feed["createdTime"] > filters["until"]:
            continue
        matching.append(feed)
    matching.sort(key=lambda f: (f["createdTime"], f["feedId"]), reverse=True)
    offset, size = int(filters["offset"]), int(filters["size"])
    page = matching[offset : offset + size]
    out: dict[str, Any] = {"feeds": [_public(f) for f in page]}
    if offset + size < len(matching):
        out["nextToken"] = json.dumps({**filters, "offset": offset + size}).encode().hex()
    return out


@spapi_operation("feeds.getFeed")
async def get_feed(request: Request, ctx: OperationContext) -> JsonBody:
    fs = feeds_state(ctx.state)
    return _public(_own(ctx, fs, request.path_params["feedId"]))


@spapi_operation("feeds.cancelFeed")
async def cancel_feed(request: Request, ctx: OperationContext) -> Response:
    fs = feeds_state(ctx.state)
    feed = _own(ctx, fs, request.path_params["feedId"])
    if feed["processingStatus"] != "IN_QUEUE":
        raise invalid_input(
            f"The feed is {feed['processingStatus']}; only IN_QUEUE feeds can be cancelled."
        )
    feed["processingStatus"] = "CANCELLED"
    _finished(ctx.state, fs, feed)
    return Response(status_code=200)


@spapi_operation("feeds.getFeedDocument")
async def get_feed_document(request: Request, ctx: OperationContext) -> JsonBody:
    document_id = request.path_params["feedDocumentId"]
    fs = feeds_state(ctx.state)
    owned = {
        f.get("resultFeedDocumentId") or "": fid
        for fid, f in fs.feeds.items()
        if fs.owners.get(fid) == ctx.seller_id
    } | {f["_input"]: fid for fid, f in fs.feeds.items() if fs.owners.get(fid) == ctx.seller_id}
    stored = ctx.state.documents.get(document_id)
    if stored is None or document_id not in owned or not stored.uploaded:
        raise not_found(f"Feed document {document_id} not found.")
    out: dict[str, Any] = {
        "feedDocumentId": document_id,
        "url": ctx.state.documents.download_url(document_id),
    }
    if stored.compression:
        out["compressionAlgorithm"] = stored.compression
    return out


routes: list[BaseRoute] = [
    Route(f"{BASE}/documents", create_feed_document, methods=["POST"]),
    Route(f"{BASE}/documents/{{feedDocumentId}}", get_feed_document, methods=["GET"]),
    Route(f"{BASE}/feeds", get_feeds, methods=["GET"]),
    Route(f"{BASE}/feeds", create_feed, methods=["POST"]),
    Route(f"{BASE}/feeds/{{feedId}}", get_feed, methods=["GET"]),
    Route(f"{BASE}/feeds/{{feedId}}", cancel_feed, methods=["DELETE"]),
]
