"""Legacy feed documents written for these tests."""

from __future__ import annotations

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
