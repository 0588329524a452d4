"""SP-API notification JSON -> MWS XML notifications (pure), validated against the XSDs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.notifications.envelope import PoisonMessage, parse
from gateway.notifications.render import NotificationTables, classify, render, render_test
from gateway.schemas import notification_schema
from tests.notifications import samples


@pytest.fixture(scope="module")
def tables() -> NotificationTables:
    return NotificationTables.from_catalog(load_catalog())


def rendered(
    doc: dict[str, Any], tables: NotificationTables, extra: dict[str, Any] | None = None
) -> ET.Element:
    note = parse(json.dumps(doc))
    xml = render(note, classify(note, tables), tables, extra).decode("utf-8")
    notification_schema().validate(xml)
    assert "xmlns" not in xml  # MWS notifications carry no namespace
    return ET.fromstring(xml)


def text(root: ET.Element, path: str) -> str | None:
    node = root.find(path)
    return None if node is None else node.text


def test_any_offer_changed_keeps_every_field(tables: NotificationTables) -> None:
    doc = samples.any_offer_changed("B0KITE0001", nid="nid-aoc-1")
    root = rendered(doc, tables)
    meta = "NotificationMetaData"
    assert text(root, f"{meta}/NotificationType") == "AnyOfferChanged"
    assert text(root, f"{meta}/PayloadVersion") == "1.0"
    assert text(root, f"{meta}/UniqueId") == "nid-aoc-1"
    assert text(root, f"{meta}/PublishTime") == "2026-11-30T10:00:01.500Z"
    assert text(root, f"{meta}/SellerId") == samples.SELLER
    assert text(root, f"{meta}/MarketplaceId") == samples.US
    aoc = root.find("NotificationPayload/AnyOfferChangedNotification")
    assert aoc is not None
    trigger = aoc.find("OfferChangeTrigger")
    assert trigger is not None
    assert [c.tag for c in trigger] == [
        "MarketplaceId", "ASIN", "ItemCondition", "TimeOfOfferChange", "OfferChangeType",
    ]  # fmt: skip
    assert text(trigger, "ASIN") == "B0KITE0001"
    summary = aoc.find("Summary")
    assert summary is not None
    assert [c.tag for c in summary] == [
        "NumberOfOffers", "LowestPrices", "BuyBoxPrices", "ListPrice",
        "SuggestedLowerPricePlusShipping", "SalesRankings", "BuyBoxEligibleOffers",
        "CompetitivePriceThreshold",
    ]  # fmt: skip
    counts = summary.findall("NumberOfOffers/OfferCount")
    assert [(c.get("condition"), c.get("fulfillmentChannel"), c.text) for c in counts] == [
        ("new", "Amazon", "3"),
        ("new", "Merchant", "2"),
    ]
    lowest = summary.find("LowestPrices/LowestPrice")
    assert lowest is not None and lowest.get("fulfillmentChannel") == "Amazon"
    assert text(lowest, "LandedPrice/Amount") == "21.50"
    assert text(lowest, "Shipping/Amount") == "0.00"
    assert text(lowest, "Points/PointsNumber") == "7"
    buy_box = summary.find("BuyBoxPrices/BuyBoxPrice")
    assert buy_box is not None and buy_box.get("condition") == "new"
    assert text(buy_box, "ListingPrice/Amount") == "19.01"
    assert text(summary, "SalesRankings/SalesRank/Rank") == "812"
    eligible = summary.find("BuyBoxEligibleOffers/OfferCount")
    assert eligible is not None and eligible.text == "2"
    assert text(summary, "CompetitivePriceThreshold/Amount") == "23.10"
    offer = aoc.find("Offers/Offer")
    assert offer is not None
    assert [c.tag for c in offer] == [
        "SellerId", "SubCondition", "SellerFeedbackRating", "ShippingTime", "ListingPrice",
        "Points", "Shipping", "ShipsFrom", "IsFulfilledByAmazon", "IsBuyBoxWinner",
        "ConditionNotes", "PrimeInformation", "IsExpeditedShippingAvailable",
        "IsFeaturedMerchant", "ShipsDomestically",
    ]  # fmt: skip
    shipping = offer.find("ShippingTime")
    assert shipping is not None
    assert shipping.attrib == {
        "minimumHours": "24",
        "maximumHours": "48",
        "availabilityType": "NOW",
    }
    assert text(offer, "SellerFeedbackRating/SellerPositiveFeedbackRating") == "97.5"
    assert text(offer, "PrimeInformation/IsPrime") == "true"
    assert text(offer, "PrimeInformation/IsNationalPrime") == "false"
    assert text(offer, "ShipsFrom/State") == "WA"


def test_offer_change_types_mws_did_not_have_are_left_out(tables: NotificationTables) -> None:
    doc = samples.any_offer_changed()
    trigger = doc["Payload"]["AnyOfferChangedNotification"]["OfferChangeTrigger"]
    trigger["OfferChangeType"] = "Featured Offer"
    root = rendered(doc, tables)
    assert root.find(".//OfferChangeTrigger/OfferChangeType") is None
    assert text(root, ".//OfferChangeTrigger/ASIN") == "B00TESTASIN"


def test_feed_processing_finished_takes_the_mws_values(tables: NotificationTables) -> None:
    extra = {
        "mwsFeedSubmissionId": "50001",
        "mwsFeedType": "_POST_PRODUCT_PRICING_DATA_",
        "mwsFeedProcessingStatus": "_DONE_",
    }
    root = rendered(samples.feed_finished("50001", "JSON_LISTINGS_FEED"), tables, extra)
    payload = root.find("NotificationPayload/FeedProcessingFinishedNotification")
    assert payload is not None
    assert [(c.tag, c.text) for c in payload] == [
        ("SellerId", samples.SELLER),
        ("FeedSubmissionId", "50001"),
        ("FeedType", "_POST_PRODUCT_PRICING_DATA_"),
        ("FeedProcessingStatus", "_DONE_"),
    ]
    assert root.find("NotificationMetaData/MarketplaceId") is None
    assert text(root, "NotificationMetaData/PublishTime") == "2026-11-30T10:00:02.250Z"


def test_report_processing_finished(tables: NotificationTables) -> None:
    extra = {
        "mwsReportType": "_GET_MERCHANT_LISTINGS_ALL_DATA_",
        "mwsReportProcessingStatus": "_DONE_",
    }
    root = rendered(samples.report_finished("7001"), tables, extra)
    payload = root.find("NotificationPayload/ReportProcessingFinishedNotification")
    assert payload is not None
    assert [(c.tag, c.text) for c in payload] == [
        ("SellerId", samples.SELLER),
        ("ReportRequestId", "7001"),
        ("ReportId", "7001"),
        ("ReportType", "_GET_MERCHANT_LISTINGS_ALL_DATA_"),
        ("ReportProcessingStatus", "_DONE_"),
    ]


def test_fulfillment_order_status(tables: NotificationTables) -> None:
    root = rendered(samples.fulfillment_order_status("MCF-77"), tables)
    payload = root.find("NotificationPayload/FulfillmentOrderStatusNotification")
    assert payload is not None
    assert text(payload, "SellerFulfillmentOrderId") == "MCF-77"
    assert text(payload, "FulfillmentOrderStatus") == "Complete"
    assert text(payload, "FulfillmentShipment/FulfillmentShipmentStatus") == "Shipped"
    package = "FulfillmentShipment/FulfillmentShipmentPackageList/FulfillmentShipmentPackage"
    assert text(payload, f"{package}/TrackingNumber") == "1Z999AA10"


def test_fba_outbound_shipment_status_and_fee_promotion(tables: NotificationTables) -> None:
    root = rendered(samples.fba_outbound_shipment_status(), tables)
    payload = root.find("NotificationPayload/FBAOutboundShipmentStatusNotification")
    assert payload is not None
    assert [c.text for c in payload] == ["701-1234567-7654321", "BRSHIP01", "Created"]
    root = rendered(samples.fee_promotion(), tables)
    promo = root.find("NotificationPayload/FeePromotionNotification")
    assert promo is not None
    assert text(root, "NotificationMetaData/MarketplaceId") == samples.US
    assert text(promo, "IdentifierList/Identifier/IdentifierValueList/IdentifierValue/"
                       "IdentifierValueFriendlyName") == "Kite"  # fmt: skip
    detail = "PromotionInformationList/PromotionInformation/FeesEstimate/FeeDetailList/FeeDetail"
    assert text(promo, f"{detail}/FinalFee/Amount") == "5.50"


def test_the_test_notification(tables: NotificationTables) -> None:
    xml = render_test(tables, seller="A1", marketplace=samples.US, unique_id="u-1").decode()
    notification_schema().validate(xml)
    root = ET.fromstring(xml)
    assert text(root, "NotificationMetaData/NotificationType") == "Test"
    assert root.find("NotificationPayload/TestNotification") is not None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"notificationType": "X"}), "no payload"),
        (json.dumps({"NotificationType": "ANY_OFFER_CHANGED", "Payload": {}}), "notificationId"),
        (samples.body(samples.pascal("ORDER_CHANGE", "orderChangeNotification", {})), "no MWS"),
        (samples.body(samples.pascal("ANY_OFFER_CHANGED", "Other", {})), "no AnyOfferChanged"),
        (
            samples.body(samples.pascal("ANY_OFFER_CHANGED", "AnyOfferChangedNotification", {})),
            "no seller",
        ),
    ],
)
def test_what_cannot_be_rendered_says_why(
    body: str, reason: str, tables: NotificationTables
) -> None:
    with pytest.raises(PoisonMessage, match=reason):
        classify(parse(body), tables)
