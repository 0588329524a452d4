"""Hand-written SP-API Orders 2026-01-01 documents for the pure translation tests."""

from __future__ import annotations

import copy
from typing import Any

from gateway.catalog import Catalog, Section, load_catalog
from gateway.translate.orders import OrdersTables, tables_for

NS_2013 = "https://mws.amazonservices.com/Orders/2013-09-01"
NS_2011 = "https://mws.amazonservices.com/Orders/2011-01-01"

_CATALOG: Catalog | None = None


def catalog() -> Catalog:
    global _CATALOG
    if _CATALOG is None:
        _CATALOG = load_catalog(check_handlers=False)
    return _CATALOG


def section() -> Section:
    return catalog().sections["Orders"]


def tables() -> OrdersTables:
    return tables_for(section().tables)


def op_spec(name: str) -> Any:
    return section().operations[name].spec


def money(amount: str, currency: str = "JPY") -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


_FULL_ORDER: dict[str, Any] = {
    "orderId": "249-7716023-0042117",
    "orderAliases": [{"aliasId": "SHOP-2026-0007", "aliasType": "SELLER_ORDER_ID"}],
    "createdTime": "2026-03-01T08:15:30Z",
    "lastUpdatedTime": "2026-03-02T10:00:00+09:00",
    "programs": ["PRIME", "AMAZON_BUSINESS", "PREORDER", "INVOICE_BY_AMAZON"],
    "associatedOrders": [
        {"orderId": "249-1111111-2222222", "associationType": "REPLACEMENT_ORIGINAL_ID"}
    ],
    "salesChannel": {
        "channelName": "AMAZON",
        "marketplaceId": "A1VC38T7YXB528",
        "marketplaceName": "Amazon.co.jp",
    },
    "buyer": {
        "buyerName": "Hanako Testperson",
        "buyerEmail": "q7w8e9r0t1@marketplace.amazon.co.jp",
        "buyerPurchaseOrderNumber": "PO-778",
    },
    "recipient": {
        "deliveryAddress": {
            "name": "Hanako Testperson",
            "addressLine1": "1-2-3 Example-cho",
            "addressLine2": "",
            "city": "Chiyoda-ku",
            "districtOrCounty": "Kanda",
            "stateOrRegion": "Tokyo",
            "postalCode": "100-0001",
            "countryCode": "JP",
            "phone": "03-0000-0000",
            "addressType": "PICKUP_POINT",
        }
    },
    "proceeds": {"grandTotal": money("5980")},
    "payment": {
        "paymentExecutions": [
            {"paymentMethod": "CashOnDelivery", "paymentAmount": money("5000")},
            {"paymentMethod": "PointsAccount", "paymentAmount": money("980")},
        ]
    },
    "tax": {
        "taxRegistrations": [
            {
                "entityType": "BUYER",
                "legalName": "Example KK",
                "taxRegistrationType": "VAT",
                "taxRegistrationNumber": "T1234567890123",
                "taxRegistrationAddress": {"stateOrRegion": "Tokyo"},
            }
        ]
    },
    "fulfillment": {
        "fulfillmentStatus": "PARTIALLY_SHIPPED",
        "fulfilledBy": "MERCHANT",
        "fulfillmentServiceLevel": "NEXT_DAY",
        "shipByWindow": {
            "earliestDateTime": "2026-03-01T09:00:00Z",
            "latestDateTime": "2026-03-02T09:00:00Z",
        },
        "deliverByWindow": {
            "earliestDateTime": "2026-03-03T00:00:00Z",
            "latestDateTime": "2026-03-04T00:00:00Z",
        },
    },
    "orderItems": [
        {
            "orderItemId": "31415926535897",
            "quantityOrdered": 3,
            "programs": ["TRANSPARENCY"],
            "product": {
                "asin": "B0EXAMPLE1",
                "title": "Ceramic tea cup, set of 3",
                "sellerSku": "CUP-SET-3",
                "condition": {
                    "conditionType": "USED",
                    "conditionSubtype": "VERY_GOOD",
                    "conditionNote": "Box slightly dented",
                },
                "price": {"unitPrice": money("1500"), "priceDesignation": "BUSINESS_PRICE"},
                "customization": {"customizedUrl": "https://example.invalid/c/1"},
            },
            "proceeds": {
                "proceedsTotal": money("4980"),
                "breakdowns": [
                    {"type": "ITEM", "subtotal": money("4500")},
                    {"type": "SHIPPING", "subtotal": money("500")},
                    {"type": "GIFT_WRAP", "subtotal": money("200")},
                    {"type": "COD_FEE", "subtotal": money("330")},
                    {
                        "type": "TAX",
                        "subtotal": money("450"),
                        "detailedBreakdowns": [
                            {"subtype": "ITEM", "value": money("410")},
                            {"subtype": "SHIPPING", "value": money("40")},
                        ],
                    },
                    {
                        "type": "DISCOUNT",
                        "subtotal": money("-300"),
                        "detailedBreakdowns": [
                            {"subtype": "ITEM", "value": money("-250")},
                            {"subtype": "SHIPPING", "value": money("-50")},
                        ],
                    },
                ],
            },
            "expense": {
                "pointsCost": {
                    "pointsGranted": {"pointsNumber": 45, "pointsMonetaryValue": money("45")}
                }
            },
            "promotion": {"breakdowns": [{"promotionId": "SPRING-1"}, {"promotionId": "VIP-2"}]},
            "cancellation": {
                "cancellationRequest": {"requester": "BUYER", "cancelReason": "Ordered twice"}
            },
            "fulfillment": {
                "quantityFulfilled": 1,
                "quantityUnfulfilled": 2,
                "packing": {
                    "giftOption": {"giftMessage": "Happy birthday", "giftWrapLevel": "Classic"},
                    "serialNumberRequirement": {"requirementType": "REQUIRED"},
                },
                "shipping": {
                    "scheduledDeliveryWindow": {
                        "earliestDateTime": "2026-03-03T09:00:00Z",
                        "latestDateTime": "2026-03-03T12:00:00Z",
                    },
                    "internationalShipping": {"iossNumber": "IM0000000001"},
                },
            },
            "tax": {
                "taxCollections": [
                    {"model": "MARKETPLACE_FACILITATOR", "responsibleParty": "Amazon Services"}
                ]
            },
        },
        {
            "orderItemId": "27182818284590",
            "quantityOrdered": 1,
            "product": {"asin": "B0EXAMPLE2", "sellerSku": "SAUCER-1"},
            "fulfillment": {"quantityFulfilled": 0, "quantityUnfulfilled": 1},
        },
    ],
    "packages": [{"packageReferenceId": "1", "packageStatus": {"status": "PENDING"}}],
}


def full_order() -> dict[str, Any]:
    return copy.deepcopy(_FULL_ORDER)


def minimal_order(order_id: str = "111-0000001-0000001", status: str = "PENDING") -> dict[str, Any]:
    """An order as searchOrders shows it without includedData (core fields only)."""
    return {
        "orderId": order_id,
        "createdTime": "2026-02-01T00:00:00Z",
        "lastUpdatedTime": "2026-02-01T00:05:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
        "fulfillment": {"fulfillmentStatus": status},
        "orderItems": [{"orderItemId": "1", "quantityOrdered": 1, "product": {"asin": "B0X"}}],
    }
