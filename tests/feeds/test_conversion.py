"""Legacy XML / flat-file feeds -> JSON_LISTINGS_FEED messages (pure functions)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import jsonschema
import pytest

from gateway.feeds.envelope import convert_envelope
from gateway.feeds.flatfile import charset_of, convert_price_quantity
from gateway.feeds.listings import feed_documents
from gateway.feeds.model import ConversionOptions
from gateway.feeds.safexml import UnreadableDocument, parse
from tests.feeds import samples

US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
OPTIONS = ConversionOptions(marketplaces=(US,), currencies={US: "USD"}, product_type="PRODUCT")


def _models_dir() -> Path | None:
    env = os.environ.get("SPAPI_MODELS_DIR")
    if env:
        return Path(env)
    sibling = Path(__file__).resolve().parents[2].parent / "shared" / "spapi-models"
    return sibling if sibling.is_dir() else None


def _assert_valid_listings_feed(document: dict[str, object]) -> None:
    models = _models_dir()
    assert models is not None, "set SPAPI_MODELS_DIR to the SP-API models"
    schema = json.loads((models / "listings-feed-schema-v2.json").read_text())
    jsonschema.validate(document, schema)


def test_inventory_quantities_become_availability_patches_keeping_message_ids() -> None:
    doc = samples.envelope(
        "Inventory",
        samples.inventory(7, "SKU-A", 12, "<FulfillmentLatency>3</FulfillmentLatency>"),
        samples.inventory(9, "SKU-B", 0, "<RestockDate>2030-01-15</RestockDate>"),
    )
    result = convert_envelope(doc, "Inventory", OPTIONS)
    assert result.issues == []
    assert result.processed == 2
    assert [m["messageId"] for m in result.messages] == [7, 9]
    first = result.messages[0]
    assert first["operationType"] == "PATCH" and first["productType"] == "PRODUCT"
    assert first["patches"] == [
        {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [
                {
                    "fulfillment_channel_code": "DEFAULT",
                    "quantity": 12,
                    "lead_time_to_ship_max_days": 3,
                }
            ],
        }
    ]
    assert result.messages[1]["patches"][0]["value"][0]["restock_date"] == "2030-01-15"
    _assert_valid_listings_feed(feed_documents(result.messages, "A1SELLER", 25000)[0])


def test_price_becomes_purchasable_offer_per_matching_marketplace() -> None:
    options = ConversionOptions(
        marketplaces=(US, CA), currencies={US: "USD", CA: "CAD"}, product_type="LUGGAGE"
    )
    sale = (
        "<Sale><StartDate>2030-01-01T00:00:00Z</StartDate><EndDate>2030-02-01T00:00:00Z</EndDate>"
        '<SalePrice currency="USD">15.00</SalePrice></Sale>'
    )
    doc = samples.envelope(
        "Price",
        samples.price(1, "P-1", "19.99", extra='<MAP currency="USD">17.50</MAP>' + sale),
        samples.price(2, "P-2", "30", currency="DEFAULT"),
    )
    result = convert_envelope(doc, "Price", options)
    assert result.issues == []
    patch = result.messages[0]["patches"][0]
    assert patch["path"] == "/attributes/purchasable_offer" and patch["op"] == "replace"
    assert patch["value"] == [
        {
            "marketplace_id": US,
            "currency": "USD",
            "audience": "ALL",
            "our_price": [{"schedule": [{"value_with_tax": 19.99}]}],
            "map_price": [{"schedule": [{"value_with_tax": 17.5}]}],
            "discounted_price": [
                {
                    "schedule": [
                        {
                            "value_with_tax": 15,
                            "start_at": "2030-01-01T00:00:00Z",
                            "end_at": "2030-02-01T00:00:00Z",
                        }
                    ]
                }
            ],
        }
    ]
    # DEFAULT currency: one offer per marketplace in its own currency
    offers = result.messages[1]["patches"][0]["value"]
    assert [(o["marketplace_id"], o["currency"]) for o in offers] == [(US, "USD"), (CA, "CAD")]
    assert result.messages[1]["productType"] == "LUGGAGE"
    _assert_valid_listings_feed(feed_documents(result.messages, "A1SELLER", 25000)[0])


def test_bad_messages_are_reported_by_message_id_and_the_others_converted() -> None:
    doc = samples.envelope(
        "Inventory",
        samples.inventory(1, "GOOD-1", 5),
        samples.inventory(2, "BAD-QTY", -4),
        samples.inventory(3, "GOOD-3", 6),
        "<Message><MessageID>4</MessageID><Inventory><Quantity>1</Quantity></Inventory></Message>",
        samples.inventory(5, "BAD-LATENCY", 1, "<FulfillmentLatency>99</FulfillmentLatency>"),
    )
    result = convert_envelope(doc, "Inventory", OPTIONS)
    assert [m["sku"] for m in result.messages] == ["GOOD-1", "GOOD-3"]
    assert result.processed == 5
    by_id = {i.message_id: i for i in result.issues}
    assert sorted(by_id) == [2, 4, 5]
    assert by_id[2].sku == "BAD-QTY" and "Quantity" in by_id[2].message
    assert by_id[2].code == "5000" and by_id[2].severity == "ERROR"
    assert "SKU" in by_id[4].message
    assert "FulfillmentLatency" in by_id[5].message


def test_duplicate_message_ids_and_delete_operations_are_refused_per_message() -> None:
    delete = (
        "<Message><MessageID>3</MessageID><OperationType>Delete</OperationType>"
        "<Inventory><SKU>DEL</SKU><Quantity>1</Quantity></Inventory></Message>"
    )
    doc = samples.envelope(
        "Inventory", samples.inventory(1, "A", 1), samples.inventory(1, "B", 2), delete
    )
    result = convert_envelope(doc, "Inventory", OPTIONS)
    assert [m["sku"] for m in result.messages] == ["A"]
    assert {(i.message_id, i.sku) for i in result.issues} == {(1, "B"), (3, "DEL")}


def test_envelope_level_errors_fail_the_whole_document() -> None:
    wrong_type = samples.envelope("Price", samples.inventory(1, "A", 1))
    result = convert_envelope(wrong_type, "Inventory", OPTIONS)
    assert result.messages == [] and result.document_failed
    assert "MessageType" in result.issues[0].message
    no_header = b"<AmazonEnvelope><MessageType>Inventory</MessageType></AmazonEnvelope>"
    result = convert_envelope(no_header, "Inventory", OPTIONS)
    assert result.document_failed and result.issues[0].message_id == 0
    broken = convert_envelope(b"<AmazonEnvelope><Header>", "Inventory", OPTIONS)
    assert broken.document_failed and broken.issues[0].code == "5001"


@pytest.mark.parametrize("hostile", [samples.BILLION_LAUGHS, samples.EXTERNAL_ENTITY])
def test_hostile_documents_are_rejected_without_expansion(hostile: bytes) -> None:
    started = time.process_time()
    with pytest.raises(UnreadableDocument) as info:
        parse(hostile)
    assert "document type declaration" in str(info.value)
    result = convert_envelope(hostile, "Inventory", OPTIONS)
    assert result.messages == [] and result.document_failed
    assert "lol" not in result.issues[0].message and "passwd" not in result.issues[0].message
    # nothing was expanded: far below what expanding 10**9 "lol"s would take
    assert time.process_time() - started < 5


def test_currency_not_matching_any_marketplace_is_a_message_error() -> None:
    doc = samples.envelope("Price", samples.price(1, "EUR-1", "9.00", currency="EUR"))
    result = convert_envelope(doc, "Price", OPTIONS)
    assert result.messages == []
    assert result.issues[0].message_id == 1 and "EUR" in result.issues[0].message


def test_price_and_quantity_flat_file() -> None:
    result = convert_price_quantity(samples.PRICE_QUANTITY_TSV, "iso-8859-1", OPTIONS)
    assert result.processed == 4
    assert [m["messageId"] for m in result.messages] == [1, 2, 4]
    first = result.messages[0]
    assert [p["path"] for p in first["patches"]] == [
        "/attributes/purchasable_offer",
        "/attributes/fulfillment_availability",
    ]
    assert first["patches"][1]["value"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 7, "lead_time_to_ship_max_days": 2}
    ]
    assert result.messages[1]["patches"][0]["value"][0]["quantity"] == 0
    offer = result.messages[2]["patches"][0]["value"][0]
    assert offer["minimum_seller_allowed_price"] == [{"schedule": [{"value_with_tax": 5}]}]
    assert [(i.message_id, i.sku) for i in result.issues] == [(3, "FLAT-3")]
    _assert_valid_listings_feed(feed_documents(result.messages, "A1SELLER", 25000)[0])
    assert charset_of("text/tab-separated-values; charset=Shift_JIS") == "Shift_JIS"
    assert charset_of("application/octet-stream") == "iso-8859-1"


def test_feeds_above_the_message_limit_are_split() -> None:
    doc = samples.envelope("Inventory", *(samples.inventory(i, f"S{i}", i) for i in range(1, 8)))
    result = convert_envelope(doc, "Inventory", OPTIONS)
    documents = feed_documents(result.messages, "A1SELLER", 3)
    assert [len(d["messages"]) for d in documents] == [3, 3, 1]
    assert [m["messageId"] for d in documents for m in d["messages"]] == list(range(1, 8))
    assert all(
        d["header"] == {"sellerId": "A1SELLER", "version": "2.0", "issueLocale": "en_US"}
        for d in documents
    )
