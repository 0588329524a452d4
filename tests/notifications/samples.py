"""SP-API notification documents for the tests, in the shapes the Notifications use case guide
gives (version 1.0 envelopes in PascalCase, 2020-09-04 ones in camelCase)."""

from __future__ import annotations

import json
import uuid
from typing import Any

SELLER = "A1EXAMPLESELLER"
US = "ATVPDKIKX0DER"


def money(amount: float, currency: str = "USD") -> dict[str, Any]:
    return {"Amount": amount, "CurrencyCode": currency}


def pascal(ntype: str, key: str, obj: dict[str, Any], nid: str | None = None) -> dict[str, Any]:
    return {
        "NotificationVersion": "1.0",
        "NotificationType": ntype,
        "PayloadVersion": "1.0",
        "EventTime": "2026-11-30T10:00:00.120Z",
        "Payload": {key: obj},
        "NotificationMetadata": {
            "ApplicationId": "amzn1.sp.solution.test",
            "SubscriptionId": "sub-1",
            "PublishTime": "2026-11-30T10:00:01.500Z",
            "NotificationId": nid or str(uuid.uuid4()),
        },
    }


def camel(ntype: str, key: str, obj: dict[str, Any], nid: str | None = None) -> dict[str, Any]:
    return {
        "notificationVersion": "2020-09-04",
        "notificationType": ntype,
        "payloadVersion": "2020-09-04",
        "eventTime": "2026-11-30T10:00:00.120Z",
        "payload": {key: obj},
        "notificationMetadata": {
            "applicationId": "amzn1.sp.solution.test",
            "subscriptionId": "sub-2",
            "publishTime": "2026-11-30T10:00:02.250Z",
            "notificationId": nid or str(uuid.uuid4()),
        },
    }


def any_offer_changed(asin: str = "B00TESTASIN", nid: str | None = None) -> dict[str, Any]:
    return pascal(
        "ANY_OFFER_CHANGED",
        "AnyOfferChangedNotification",
        {
            "SellerId": SELLER,
            "OfferChangeTrigger": {
                "MarketplaceId": US,
                "ASIN": asin,
                "ItemCondition": "new",
                "TimeOfOfferChange": "2026-11-30T09:59:58.000Z",
                "OfferChangeType": "External",
            },
            "Summary": {
                "NumberOfOffers": [
                    {"Condition": "new", "FulfillmentChannel": "Amazon", "OfferCount": 3},
                    {"Condition": "new", "FulfillmentChannel": "Merchant", "OfferCount": 2},
                ],
                "LowestPrices": [
                    {
                        "Condition": "new",
                        "FulfillmentChannel": "Amazon",
                        "LandedPrice": money(21.5),
                        "ListingPrice": money(21.5),
                        "Shipping": money(0),
                        "Points": {"PointsNumber": 7},
                    }
                ],
                "BuyBoxPrices": [
                    {
                        "Condition": "new",
                        "LandedPrice": money(22),
                        "ListingPrice": money(19.01),
                        "Shipping": money(2.99),
                    }
                ],
                "ListPrice": money(29.99),
                "SuggestedLowerPricePlusShipping": money(20.75),
                "SalesRankings": [{"ProductCategoryId": "toy_display_on_website", "Rank": 812}],
                "NumberOfBuyBoxEligibleOffers": [
                    {"Condition": "new", "FulfillmentChannel": "Amazon", "OfferCount": 2}
                ],
                "CompetitivePriceThreshold": money(23.1),
            },
            "Offers": [
                {
                    "SellerId": "A2OTHERSELLER",
                    "SubCondition": "new",
                    "SellerFeedbackRating": {
                        "SellerPositiveFeedbackRating": 97.5,
                        "FeedbackCount": 1204,
                    },
                    "ShippingTime": {
                        "MinimumHours": 24,
                        "MaximumHours": 48,
                        "AvailabilityType": "NOW",
                        "AvailableDate": "",
                    },
                    "ListingPrice": money(21.5),
                    "Points": {"PointsNumber": 7},
                    "Shipping": money(0),
                    "ShipsFrom": {"Country": "US", "State": "WA"},
                    "IsFulfilledByAmazon": True,
                    "IsBuyBoxWinner": True,
                    "ConditionNotes": "Sealed",
                    "PrimeInformation": {"IsOfferPrime": True, "IsOfferNationalPrime": False},
                    "IsExpeditedShippingAvailable": True,
                    "IsFeaturedMerchant": True,
                    "ShipsDomestically": True,
                }
            ],
        },
        nid,
    )


def feed_finished(
    feed_id: str,
    feed_type: str = "POST_ORDER_FULFILLMENT_DATA",
    *,
    status: str = "DONE",
    nid: str | None = None,
) -> dict[str, Any]:
    return camel(
        "FEED_PROCESSING_FINISHED",
        "feedProcessingFinishedNotification",
        {
            "sellerId": SELLER,
            "feedId": feed_id,
            "feedType": feed_type,
            "processingStatus": status,
            "resultFeedDocumentId": f"amzn1.tortuga.4.na.{feed_id}",
        },
        nid,
    )


def report_finished(
    report_id: str,
    *,
    status: str = "DONE",
    document: bool = True,
    report_type: str = "GET_MERCHANT_LISTINGS_ALL_DATA",
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "sellerId": SELLER,
        "reportId": report_id,
        "reportType": report_type,
        "processingStatus": status,
    }
    if document:
        obj["reportDocumentId"] = f"amzn1.spdoc.1.4.na.{report_id}"
    return camel("REPORT_PROCESSING_FINISHED", "reportProcessingFinishedNotification", obj)


def fulfillment_order_status(order_id: str = "MCF-1") -> dict[str, Any]:
    return pascal(
        "FULFILLMENT_ORDER_STATUS",
        "FulfillmentOrderStatusNotification",
        {
            "SellerId": SELLER,
            "EventType": "Shipment",
            "StatusUpdatedDateTime": "2026-11-30T09:00:00Z",
            "SellerFulfillmentOrderId": order_id,
            "FulfillmentOrderStatus": "Complete",
            "FulfillmentShipment": {
                "FulfillmentShipmentStatus": "Shipped",
                "AmazonShipmentId": "TEST12345",
                "EstimatedArrivalDateTime": "2026-12-03T22:59:59Z",
                "FulfillmentShipmentPackages": [
                    {"PackageNumber": 1, "CarrierCode": "UPS", "TrackingNumber": "1Z999AA10"}
                ],
            },
        },
    )


def fba_outbound_shipment_status() -> dict[str, Any]:
    return pascal(
        "FBA_OUTBOUND_SHIPMENT_STATUS",
        "FBAOutboundShipmentStatusNotification",
        {
            "SellerId": SELLER,
            "AmazonOrderId": "701-1234567-7654321",
            "AmazonShipmentId": "BRSHIP01",
            "ShipmentStatus": "Created",
        },
    )


def fee_promotion() -> dict[str, Any]:
    return pascal(
        "FEE_PROMOTION",
        "FeePromotionNotification",
        {
            "MerchantId": SELLER,
            "MarketplaceId": US,
            "FeePromotionType": "Pricing",
            "FeePromotionTypeDescription": "Lower your price, pay a lower referral fee.",
            "PromotionActiveTimeRange": {
                "EffectiveFromDate": "2026-12-01T00:00:00.000Z",
                "EffectiveThroughDate": "2026-12-31T00:00:00.000Z",
            },
            "Identifiers": [
                {
                    "IdentifierType": "ASIN",
                    "IdentifierValues": [
                        {"IdentifierValueId": "B00TESTASIN", "IdentifierValueFriendlyName": "Kite"}
                    ],
                }
            ],
            "PromotionInformations": [
                {
                    "FeeType": "ReferralFee",
                    "FeeDiscountType": "Percentage points off",
                    "FeeDiscountValue": 4,
                    "PriceThreshold": money(50),
                    "FeesEstimate": {
                        "TimeOfFeesEstimated": "2026-11-29T12:00:00.000Z",
                        "TotalFeesEstimate": money(5.5),
                        "FeeDetails": [
                            {
                                "FeeType": "ReferralFee",
                                "FeeAmount": money(7.5),
                                "FeePromotion": money(2),
                                "FinalFee": money(5.5),
                            }
                        ],
                    },
                }
            ],
        },
    )


def body(doc: dict[str, Any]) -> str:
    return json.dumps(doc)
