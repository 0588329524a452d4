"""Legacy feed documents whose conversion results are recorded in ``expected_conversions.json``.

The expectations were computed by the whole-in-memory implementation (before the streaming
core replaced it) with ``python -m tests.feeds.record_expected``; the streaming conversion must
reproduce them exactly (messages, issues, processed). Each case is
``name -> (kind, document, argument)``: kind ``envelope`` (argument: the MessageType the
FeedType expects) or ``flat`` (argument: the charset).
"""

from __future__ import annotations

from tests.feeds import samples

Case = tuple[str, bytes, str]

_S = samples


def _inv(message_id: int | str, sku: str, body: str, operation: str = "Update") -> str:
    op = f"<OperationType>{operation}</OperationType>" if operation else ""
    return (
        f"<Message><MessageID>{message_id}</MessageID>{op}"
        f"<Inventory><SKU>{sku}</SKU>{body}</Inventory></Message>\n"
    )


def _head(root: str = "AmazonEnvelope", message_type: str = "Inventory") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>'
        "<Header><DocumentVersion>1.01</DocumentVersion>"
        f"<MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>{message_type}</MessageType>"
    )


SALE = (
    "<Sale><StartDate>2030-01-01T00:00:00Z</StartDate><EndDate>2030-02-01T00:00:00Z</EndDate>"
    '<SalePrice currency="USD">15.00</SalePrice></Sale>'
)

ENVELOPES: dict[str, tuple[bytes, str]] = {
    "inventory_basic": (
        _S.envelope(
            "Inventory",
            _S.inventory(7, "SKU-A", 12, "<FulfillmentLatency>3</FulfillmentLatency>"),
            _S.inventory(9, "SKU-B", 0, "<RestockDate>2030-01-15</RestockDate>"),
        ),
        "Inventory",
    ),
    "inventory_single_bad": (_S.envelope("Inventory", _S.inventory(1, "ONE", -3)), "Inventory"),
    "inventory_mixed_errors": (
        _S.envelope(
            "Inventory",
            _S.inventory(1, "GOOD-1", 5),
            _S.inventory(2, "BAD-QTY", -4),
            _S.inventory(3, "GOOD-3", 6),
            "<Message><MessageID>4</MessageID><Inventory><Quantity>1</Quantity></Inventory>"
            "</Message>",
            _S.inventory(5, "BAD-LATENCY", 1, "<FulfillmentLatency>99</FulfillmentLatency>"),
            _S.inventory(6, "X" * 50, "abc", "<Foo/>"),
            "<Message><MessageID>x</MessageID><Inventory a='1'><SKU>S</SKU><Quantity>1</Quantity>"
            "</Inventory>text</Message>",
            "<Message><MessageID>9</MessageID><Price><SKU>S</SKU><StandardPrice>1</StandardPrice>"
            "</Price></Message>",
            "<Message><MessageID>10</MessageID><Inventory><SKU>MANY</SKU><Quantity>q</Quantity>"
            "<RestockDate>d</RestockDate><FulfillmentLatency>0</FulfillmentLatency>"
            "<SwitchFulfillmentTo>X</SwitchFulfillmentTo><A/><B/></Inventory></Message>",
            "<Message><MessageID>11</MessageID><MessageID>12</MessageID></Message>",
            _S.inventory(99999999999, "HUGE-ID", 1),
            _S.inventory(13, "  SPACED  ", 2),
        ),
        "Inventory",
    ),
    "inventory_availability_and_afn": (
        _S.envelope(
            "Inventory",
            _inv(1, "AFN-1", "<Lookup>FulfillmentNetwork</Lookup>"),
            _inv(
                2, "AFN-2", "<Quantity>4</Quantity><SwitchFulfillmentTo>AFN</SwitchFulfillmentTo>"
            ),
            _inv(3, "AV-F", "<Available>false</Available>"),
            _inv(4, "AV-0", "<Available>0</Available>"),
            _inv(5, "AV-T", "<Available>true</Available>"),
            _inv(6, "PARTIAL", "<Quantity>8</Quantity>", "PartialUpdate"),
            _inv(7, "NO-OP", "<Quantity>9</Quantity>", ""),
            _inv(8, "FC", "<FulfillmentCenterID>FC1</FulfillmentCenterID><Quantity>1</Quantity>"),
        ),
        "Inventory",
    ),
    "inventory_duplicates_and_delete": (
        _S.envelope(
            "Inventory",
            _S.inventory(1, "A", 1),
            _S.inventory(1, "B", 2),
            _inv(3, "DEL", "<Quantity>1</Quantity>", "Delete"),
            _S.inventory(3, "C", -1),
            _S.inventory(4, "D", 4),
        ),
        "Inventory",
    ),
    "price_full": (
        _S.envelope(
            "Price",
            _S.price(1, "P-1", "19.99", extra='<MAP currency="USD">17.50</MAP>' + SALE),
            _S.price(2, "P-2", "30", currency="DEFAULT"),
            _S.price(3, "P-3", "9.00", currency="EUR"),
            _S.price(
                4,
                "P-4",
                "10.00",
                extra='<DepositAmount currency="USD">1.00</DepositAmount>'
                '<MinimumSellerAllowedPrice currency="USD">5</MinimumSellerAllowedPrice>'
                '<MaximumSellerAllowedPrice currency="USD">50.5</MaximumSellerAllowedPrice>',
            ),
            _S.price(5, "P-5", "1.234"),
            _S.price(6, "P-6", "-1"),
            _S.price(7, "P-7", "5", currency="usd"),
            "<Message><MessageID>8</MessageID><OperationType>Delete</OperationType>"
            '<Price><SKU>P-8</SKU><StandardPrice currency="USD">1</StandardPrice></Price>'
            "</Message>",
        ),
        "Price",
    ),
    "wrong_message_type": (_S.envelope("Price", _S.inventory(1, "A", 1)), "Inventory"),
    "message_type_after_messages_mismatch": (
        (
            _S.HEAD
            + "<Message><MessageID>1</MessageID><Inventory><SKU>A</SKU><Quantity>1</Quantity>"
            "</Inventory></Message><MessageType>Price</MessageType></AmazonEnvelope>"
        ).encode(),
        "Inventory",
    ),
    "message_type_after_messages": (
        (
            _S.HEAD
            + "<MessageType>Inventory</MessageType><Message><MessageID>1</MessageID><Inventory>"
            "<SKU>A</SKU><Quantity>1</Quantity></Inventory></Message>"
            "<MessageType>Inventory</MessageType></AmazonEnvelope>"
        ).encode(),
        "Inventory",
    ),
    "no_header": (
        b"<AmazonEnvelope><MessageType>Inventory</MessageType></AmazonEnvelope>",
        "Inventory",
    ),
    "no_messages": (_S.envelope("Inventory"), "Inventory"),
    "empty_message_type": (
        (_head(message_type="") + _S.inventory(1, "A", 1) + "</AmazonEnvelope>").encode(),
        "Inventory",
    ),
    "unknown_children_between_messages": (
        _S.envelope(
            "Inventory", _S.inventory(1, "A", 1), "<Foo/>", _S.inventory(2, "B", 1), "<Bar/>"
        ),
        "Inventory",
    ),
    "message_before_header": (
        (
            "<AmazonEnvelope>"
            + _S.inventory(1, "A", 1)
            + _S.inventory(2, "B", 1)
            + "<Header><DocumentVersion>1</DocumentVersion><MerchantIdentifier>M"
            "</MerchantIdentifier></Header><MessageType>Inventory</MessageType>"
            + _S.inventory(3, "C", 1)
            + "</AmazonEnvelope>"
        ).encode(),
        "Inventory",
    ),
    "text_in_envelope": (_S.envelope("Inventory", _S.inventory(1, "A", 1), "junk"), "Inventory"),
    "bad_header_and_attribute": (
        b'<AmazonEnvelope foo="1"><Header><DocumentVersion>1</DocumentVersion></Header>'
        b"<MessageType>Inventory</MessageType></AmazonEnvelope>",
        "Inventory",
    ),
    "optional_envelope_elements": (
        (
            _head() + "<MarketplaceName>US</MarketplaceName><EffectiveDate>2030-01-01T00:00:00Z"
            "</EffectiveDate><PurgeAndReplace>false</PurgeAndReplace>"
            + _S.inventory(1, "A", 1)
            + "<!-- a comment --><?pi data?>"
            + _S.inventory(2, "B", 2)
            + "</AmazonEnvelope>"
        ).encode(),
        "Inventory",
    ),
    "twelve_document_errors": (
        (
            '<AmazonEnvelope a="1" b="2"><Header><DocumentVersion>1</DocumentVersion></Header>'
            "<MessageType>Inventory</MessageType>"
            + "".join(f"<X{i}/>" for i in range(12))
            + "</AmazonEnvelope>"
        ).encode(),
        "Inventory",
    ),
    "wrong_root": (b"<Envelope><Message/></Envelope>", "Inventory"),
    "wrong_root_malformed": (b"<Envelope><Message></Envelope>", "Inventory"),
    "namespaced_root": (
        b'<AmazonEnvelope xmlns="urn:x"><Header/><MessageType>Inventory</MessageType>'
        b"</AmazonEnvelope>",
        "Inventory",
    ),
    "truncated": (b"<AmazonEnvelope><Header>", "Inventory"),
    "malformed_midway": (
        _S.envelope("Inventory", *(_S.inventory(i, f"S{i}", i) for i in range(1, 6)))[:-40]
        + b"<Broken></Message></AmazonEnvelope>",
        "Inventory",
    ),
    "junk_after_root": (_S.envelope("Inventory", _S.inventory(1, "A", 1)) + b"<x/>", "Inventory"),
    "empty": (b"", "Inventory"),
    "not_xml": (b"sku\tquantity\nA\t1\n", "Inventory"),
    "billion_laughs": (_S.BILLION_LAUGHS, "Inventory"),
    "external_entity": (_S.EXTERNAL_ENTITY, "Inventory"),
    "utf16": (
        _S.envelope("Inventory", _S.inventory(1, "Ü-1", 1))
        .decode("iso-8859-1")
        .replace('encoding="iso-8859-1"', 'encoding="UTF-16"')
        .encode("utf-16"),
        "Inventory",
    ),
    "non_ascii_sku": (
        _S.envelope("Inventory", _S.inventory(1, "SKU-é-ß", 1), _S.inventory(2, "ÿ" * 41, 1)),
        "Inventory",
    ),
}

FLAT_FILES: dict[str, tuple[bytes, str]] = {
    "sample": (_S.PRICE_QUANTITY_TSV, "iso-8859-1"),
    "empty": (b"", "iso-8859-1"),
    "only_template": (b"TemplateType=PriceInventory\tVersion=1\n\n  \n", "iso-8859-1"),
    "no_sku_column": (b"price\tquantity\n1\t2\n", "iso-8859-1"),
    "unknown_columns_crlf": (
        b"\r\n\r\nSKU\tPrice\tColour\tQuantity\tsize\r\nA\t1,5\tred\t3\tL\r\n\r\nB\t\t\t\t\r\n"
        b"C\t2\r\nD\t-1\t\t1\r\nF\tinf\t\t1\r\nG\t-inf\t\t1\r\n",
        "iso-8859-1",
    ),
    "channels_and_handling": (
        b"sku\tquantity\thandling-time\tfulfillment-channel\n"
        b"A1\t5\t3\t\nA2\t\t31\t\nA3\t\t0\t\nA4\t1.5\t\t\nA5\t\t\tAMAZON_NA\n"
        b"A6\t7\t2\tamazon_eu\nA7\t\t\tDEFAULT\nA8\t100000000\t\t\nA9\t99999999\t30\tMFN\n",
        "iso-8859-1",
    ),
    "sku_limits": (
        b"sku\tprice\n" + b"X" * 40 + b"\t1\n" + b"Y" * 41 + b"\t1\n\t1\n   \t1\n",
        "iso-8859-1",
    ),
    "bom_utf8": (
        "\ufeffsku\tprice\nÜBER\t1.00\nÄ\t2\n".encode(),
        "iso-8859-1",
    ),
    "latin1_non_ascii": ("sku\tprice\nÜBER\t1.00\n".encode("iso-8859-1"), "iso-8859-1"),
    "shift_jis": ("sku\tprice\n商品-1\t100\n".encode("shift_jis"), "Shift_JIS"),
    "utf8_invalid_bytes": (b"sku\tprice\nA\xff\xfe\t1\n", "utf-8"),
    "odd_line_breaks": (
        b"sku\tprice\x85A\t1\x0cB\t2\x1cC\t3\rD\t4\x0bE\t5",
        "iso-8859-1",
    ),
    "duplicate_columns": (b"sku\tprice\tprice\nA\t1\t2\nB\t\t3\nC\t4\n", "iso-8859-1"),
    "short_and_long_rows": (b"sku\tprice\tquantity\nA\nB\t1\t2\t3\t4\n", "iso-8859-1"),
    "header_after_blank_and_template": (
        b"   \nTemplateType=x\ntemplatetype=y\n\t\nsku\tprice\nA\t1\n",
        "iso-8859-1",
    ),
    "price_bounds": (
        b"sku\tprice\tminimum-seller-allowed-price\tmaximum-seller-allowed-price\n"
        b"A\t10\t5\t20\nB\t\t5\t20\nC\t10\tx\t\nD\t10.10\t\t12,25\n",
        "iso-8859-1",
    ),
}


def all_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for name, (doc, message_type) in ENVELOPES.items():
        cases[f"envelope/{name}"] = ("envelope", doc, message_type)
    for name, (doc, charset) in FLAT_FILES.items():
        cases[f"flat/{name}"] = ("flat", doc, charset)
    return cases
