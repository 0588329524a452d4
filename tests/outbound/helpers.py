"""Shared pieces of the FulfillmentOutboundShipment tests."""

from __future__ import annotations

OUTBOUND = ("/FulfillmentOutboundShipment/2010-10-01", "2010-10-01")


def create_params(order_id: str, sku: str, *, boto_items: bool = False) -> dict[str, str]:
    """CreateFulfillmentOrder parameters as the official library sends them (or boto's Items.N)."""
    items = "Items" if boto_items else "Items.member"
    return {
        "SellerFulfillmentOrderId": order_id,
        "DisplayableOrderId": f"SHOP-{order_id}",
        "DisplayableOrderDateTime": "2026-11-20T10:00:00Z",
        "DisplayableOrderComment": "Thanks for shopping",
        "ShippingSpeedCategory": "Expedited",
        "FulfillmentPolicy": "FillAll",
        "DestinationAddress.Name": "Ada Lovelace",
        "DestinationAddress.Line1": "12 Analytical Row",
        "DestinationAddress.City": "Portland",
        "DestinationAddress.StateOrProvinceCode": "OR",
        "DestinationAddress.CountryCode": "US",
        "DestinationAddress.PostalCode": "97201",
        "NotificationEmailList.member.1": "ada@example.com",
        "NotificationEmailList.member.2": "ops@example.com",
        f"{items}.1.SellerSKU": sku,
        f"{items}.1.SellerFulfillmentOrderItemId": f"{order_id}-A",
        f"{items}.1.Quantity": "2",
        f"{items}.1.PerUnitDeclaredValue.CurrencyCode": "USD",
        f"{items}.1.PerUnitDeclaredValue.Value": "12.50",
        f"{items}.1.GiftMessage": "Enjoy",
    }
