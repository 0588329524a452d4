"""Shared pieces of the MerchantFulfillment tests."""

from __future__ import annotations

from typing import Any

from gateway.emulator.data import SeedData

MFN = ("/MerchantFulfillment/2015-06-01", "2015-06-01")


def merchant_order(data: SeedData) -> dict[str, Any]:
    """The first seeded order the seller ships itself and has not shipped yet."""
    return next(
        o
        for o in data.orders_sorted()
        if o["fulfillment"]["fulfilledBy"] == "MERCHANT"
        and o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    )


def details_json(order: dict[str, Any], weight: float = 10.0) -> dict[str, Any]:
    """An SP-API ShipmentRequestDetails for every item of ``order``."""
    return {
        "AmazonOrderId": order["orderId"],
        "ItemList": [
            {"OrderItemId": i["orderItemId"], "Quantity": i["quantityOrdered"]}
            for i in order["orderItems"]
        ],
        "ShipFromAddress": {
            "Name": "Warehouse",
            "AddressLine1": "1 Dock Rd",
            "City": "Seattle",
            "StateOrProvinceCode": "WA",
            "PostalCode": "98109",
            "CountryCode": "US",
            "Email": "ship@example.com",
            "Phone": "2065550100",
        },
        "PackageDimensions": {"Length": 10, "Width": 8, "Height": 4, "Unit": "inches"},
        "Weight": {"Value": weight, "Unit": "oz"},
        "ShippingServiceOptions": {
            "DeliveryExperience": "DeliveryConfirmationWithoutSignature",
            "CarrierWillPickUp": False,
        },
    }


def details_params(
    order: dict[str, Any], *, weight: str = "10", unit: str = "ounces"
) -> dict[str, str]:
    """MWS ShipmentRequestDetails.* parameters (the official library's encoding)."""
    p = "ShipmentRequestDetails"
    params = {
        f"{p}.AmazonOrderId": order["orderId"],
        f"{p}.SellerOrderId": "SO-1",
        f"{p}.ShipFromAddress.Name": "Warehouse",
        f"{p}.ShipFromAddress.AddressLine1": "1 Dock Rd",
        f"{p}.ShipFromAddress.City": "Seattle",
        f"{p}.ShipFromAddress.StateOrProvinceCode": "WA",
        f"{p}.ShipFromAddress.PostalCode": "98109",
        f"{p}.ShipFromAddress.CountryCode": "US",
        f"{p}.ShipFromAddress.Email": "ship@example.com",
        f"{p}.ShipFromAddress.Phone": "2065550100",
        f"{p}.PackageDimensions.Length": "10",
        f"{p}.PackageDimensions.Width": "8",
        f"{p}.PackageDimensions.Height": "4",
        f"{p}.PackageDimensions.Unit": "inches",
        f"{p}.Weight.Value": weight,
        f"{p}.Weight.Unit": unit,
        f"{p}.ShippingServiceOptions.DeliveryExperience": "DeliveryConfirmationWithoutSignature",
        f"{p}.ShippingServiceOptions.CarrierWillPickUp": "false",
    }
    for n, item in enumerate(order["orderItems"], 1):
        params[f"{p}.ItemList.Item.{n}.OrderItemId"] = item["orderItemId"]
        params[f"{p}.ItemList.Item.{n}.Quantity"] = str(item["quantityOrdered"])
    return params
