"""Legacy feed documents written for these tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

HEAD = (
    '<?xml version="1.0" encoding="iso-8859-1"?>\n'
    '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
    "<Header><DocumentVersion>1.01</DocumentVersion>"
    "<MerchantIdentifier>M_TEST</MerchantIdentifier></Header>\n"
)


def envelope(message_type: str, *messages: str) -> bytes:
    return (
        HEAD
        + f"<MessageType>{message_type}</MessageType>\n"
        + "".join(messages)
        + "</AmazonEnvelope>\n"
    ).encode("iso-8859-1")


def inventory(message_id: int | str, sku: str, quantity: int | str, extra: str = "") -> str:
    return (
        f"<Message><MessageID>{message_id}</MessageID><OperationType>Update</OperationType>"
        f"<Inventory><SKU>{sku}</SKU><Quantity>{quantity}</Quantity>{extra}</Inventory></Message>\n"
    )


def price(
    message_id: int | str, sku: str, amount: str, currency: str = "USD", extra: str = ""
) -> str:
    return (
        f"<Message><MessageID>{message_id}</MessageID>"
        f'<Price><SKU>{sku}</SKU><StandardPrice currency="{currency}">{amount}</StandardPrice>'
        f"{extra}</Price></Message>\n"
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>
<MerchantIdentifier>&lol9;</MerchantIdentifier></Header>
<MessageType>Inventory</MessageType>
<Message><MessageID>1</MessageID><Inventory><SKU>A</SKU><Quantity>1</Quantity></Inventory></Message>
</AmazonEnvelope>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE AmazonEnvelope [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>
<MerchantIdentifier>M</MerchantIdentifier></Header>
<MessageType>Inventory</MessageType>
<Message><MessageID>1</MessageID><Inventory><SKU>&xxe;</SKU><Quantity>1</Quantity></Inventory></Message>
</AmazonEnvelope>
"""

PRICE_QUANTITY_TSV = (
    "TemplateType=PriceInventory\tVersion=2018.0924\n"
    "sku\tprice\tminimum-seller-allowed-price\tmaximum-seller-allowed-price\tquantity\thandling-time\n"
    "FLAT-1\t12.50\t\t\t7\t2\n"
    "FLAT-2\t\t\t\t0\t\n"
    "FLAT-3\tabc\t\t\t4\t\n"
    "FLAT-4\t9.99\t5.00\t20.00\t\t\n"
).encode("iso-8859-1")


# -- large generated feeds (memory tests, bench/feed_memory.py) --------------------------------

FLAT_HEADER = (
    "TemplateType=PriceInventory\tVersion=2018.0924\n"
    "sku\tprice\tminimum-seller-allowed-price\tmaximum-seller-allowed-price\tquantity\t"
    "handling-time\tfulfillment-channel\n"
)


def _fill(path: Path, size: int, head: bytes, record: Callable[[int], bytes], tail: bytes) -> int:
    """Write ``head``, records 1, 2, ... until ``size`` bytes are reached, then ``tail``."""
    count = 0
    with path.open("wb") as out:
        out.write(head)
        written = len(head) + len(tail)
        batch: list[bytes] = []
        while written < size:
            count += 1
            line = record(count)
            written += len(line)
            batch.append(line)
            if len(batch) == 4096:
                out.write(b"".join(batch))
                batch.clear()
        out.write(b"".join(batch) + tail)
    return count


def write_price_quantity_file(path: Path, size: int, extra_column: int = 0) -> int:
    """A price-and-quantity flat file of about ``size`` bytes; the number of records.

    ``extra_column``: that many characters of an ``item-name`` column (not part of the
    template: ignored with one warning) per record, for fewer, longer records.
    """
    head = FLAT_HEADER.replace("\n", "\titem-name\n") if extra_column else FLAT_HEADER
    name = (b"Travel mug, insulated, 16 oz. " * (extra_column // 30 + 1))[:extra_column]
    tail = (b"\t" + name if extra_column else b"") + b"\n"

    def record(i: int) -> bytes:
        fields = (i, 5 + i % 500, i % 100, 1 + i % 5, 600 + i % 100, i % 1000, 1 + i % 30)
        return b"SKU-%010d\t%d.%02d\t%d.00\t%d.00\t%d\t%d\tDEFAULT" % fields + tail

    return _fill(path, size, head.encode("ascii"), record, b"")


ENVELOPE_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
    "  <Header>\n    <DocumentVersion>1.01</DocumentVersion>\n"
    "    <MerchantIdentifier>M_TEST</MerchantIdentifier>\n  </Header>\n"
    "  <MessageType>{message_type}</MessageType>\n"
)


def write_envelope_file(
    path: Path, size: int, message_type: str = "Inventory", padding: int = 0
) -> int:
    """A pretty-printed envelope of about ``size`` bytes; the number of messages.

    Inventory messages are short (about 250 bytes), Price messages with a sale, MAP and
    price bounds long (about 700 bytes). ``padding``: a comment of that many bytes after
    each message (bytes the reader must not keep, at little CPU cost per byte).
    """
    note = b"  <!-- %s -->\n" % (b"exported by the ERP; " * (padding // 21 + 1))[:padding]
    note = note if padding else b""

    def inventory(i: int) -> bytes:
        return (
            b"  <Message>\n    <MessageID>%d</MessageID>\n"
            b"    <OperationType>Update</OperationType>\n    <Inventory>\n"
            b"      <SKU>SKU-%010d</SKU>\n      <Quantity>%d</Quantity>\n"
            b"      <FulfillmentLatency>%d</FulfillmentLatency>\n    </Inventory>\n"
            b"  </Message>\n" % (i, i, i % 1000, 1 + i % 30)
        ) + note

    def price(i: int) -> bytes:
        return (
            b"  <Message>\n    <MessageID>%d</MessageID>\n"
            b"    <OperationType>Update</OperationType>\n    <Price>\n"
            b"      <SKU>SKU-%010d</SKU>\n"
            b'      <StandardPrice currency="USD">%d.%02d</StandardPrice>\n'
            b'      <MAP currency="USD">%d.00</MAP>\n'
            b"      <Sale>\n        <StartDate>2030-01-01T00:00:00Z</StartDate>\n"
            b"        <EndDate>2030-02-01T00:00:00Z</EndDate>\n"
            b'        <SalePrice currency="USD">%d.50</SalePrice>\n      </Sale>\n'
            b'      <MinimumSellerAllowedPrice currency="USD">1.00</MinimumSellerAllowedPrice>\n'
            b'      <MaximumSellerAllowedPrice currency="USD">999.00</MaximumSellerAllowedPrice>\n'
            b"    </Price>\n  </Message>\n" % (i, i, 10 + i % 500, i % 100, 5 + i % 5, 5 + i % 400)
        ) + note

    head = ENVELOPE_HEAD.format(message_type=message_type).encode("ascii")
    record = inventory if message_type == "Inventory" else price
    return _fill(path, size, head, record, b"</AmazonEnvelope>\n")
