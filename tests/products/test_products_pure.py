"""Products translation without I/O: records with attributes, bulk results, the XSD."""

from __future__ import annotations

import pytest

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.mws.render import render_success
from gateway.translate.engine.records import AttributedRecordMaps, RecordMapError, attributed_maps
from gateway.translate.products.pricing import bulk_results, offers_result, parse_request
from tests.support.recordings import load_exchanges
from tests.support.xmlcheck import assert_valid_mws_xml

NS = "http://mws.amazonservices.com/schema/Products/2011-10-01"
SECTION = load_catalog(check_handlers=False).sections["Products"]
MAPS = attributed_maps(SECTION.tables["records"])


def money(amount: float, currency: str = "CAD") -> dict[str, object]:
    return {"CurrencyCode": currency, "Amount": amount}


COMPETITIVE_ITEM = {
    "status": "Success",
    "SellerSKU": "SPATULA-1",
    "Product": {
        "Identifiers": {
            "MarketplaceASIN": {"MarketplaceId": "A2EUQ1WTGCTBG2", "ASIN": "B00D6CMT12"},
            "SKUIdentifier": {
                "MarketplaceId": "A2EUQ1WTGCTBG2",
                "SellerId": "A1S",
                "SellerSKU": "SPATULA-1",
            },
        },
        "CompetitivePricing": {
            "CompetitivePrices": [
                {
                    "CompetitivePriceId": "1",
                    "Price": {
                        "LandedPrice": money(6.99),
                        "ListingPrice": money(6.99),
                        "Shipping": money(0),
                    },
                    "condition": "New",
                    "subcondition": "New",
                    "belongsToRequester": False,
                }
            ],
            "NumberOfOfferListings": [
                {"condition": "New", "Count": 1},
                {"condition": "Any", "Count": 1},
            ],
        },
        "SalesRankings": [{"ProductCategoryId": "kitchen_display_on_website", "Rank": 606}],
    },
}


def test_competitive_product_renders_like_the_recording() -> None:
    bulk = SECTION.operations["GetCompetitivePricingForSKU"].spec["bulk"]
    results = bulk_results(
        "GetCompetitivePricingForSKU",
        bulk,
        ["SPATULA-1", "PRESS001"],
        [COMPETITIVE_ITEM, {"status": "ClientError", "SellerSKU": "PRESS001"}],
        MAPS,
        marketplace="A2EUQ1WTGCTBG2",
        seller_id="A1S",
    )
    body = render_success("GetCompetitivePricingForSKU", NS, "rid", [], results).decode()
    assert_valid_mws_xml(body.encode())
    # element and attribute order as real MWS wrote them (recorded answer)
    assert (
        '<GetCompetitivePricingForSKUResult SellerSKU="SPATULA-1" status="Success">'
        '<Product xmlns:ns2="http://mws.amazonservices.com/schema/Products/2011-10-01/default.xsd">'
        "<Identifiers><MarketplaceASIN><MarketplaceId>A2EUQ1WTGCTBG2</MarketplaceId>"
        "<ASIN>B00D6CMT12</ASIN></MarketplaceASIN><SKUIdentifier><MarketplaceId>A2EUQ1WTGCTBG2"
        "</MarketplaceId><SellerId>A1S</SellerId><SellerSKU>SPATULA-1</SellerSKU></SKUIdentifier>"
        "</Identifiers><CompetitivePricing><CompetitivePrices><CompetitivePrice belongsToRequester="
        '"false" condition="New" subcondition="New"><CompetitivePriceId>1</CompetitivePriceId>'
        "<Price><LandedPrice><CurrencyCode>CAD</CurrencyCode><Amount>6.99</Amount></LandedPrice>"
        "<ListingPrice><CurrencyCode>CAD</CurrencyCode><Amount>6.99</Amount></ListingPrice>"
        "<Shipping><CurrencyCode>CAD</CurrencyCode><Amount>0.00</Amount></Shipping></Price>"
        "</CompetitivePrice></CompetitivePrices><NumberOfOfferListings>"
        '<OfferListingCount condition="New">1</OfferListingCount>'
        '<OfferListingCount condition="Any">1</OfferListingCount>'
        "</NumberOfOfferListings></CompetitivePricing><SalesRankings><SalesRank><ProductCategoryId>"
        "kitchen_display_on_website</ProductCategoryId><Rank>606</Rank></SalesRank></SalesRankings>"
        "</Product></GetCompetitivePricingForSKUResult>"
    ) in body
    assert (
        '<GetCompetitivePricingForSKUResult SellerSKU="PRESS001" status="ClientError"><Error>'
        "<Type>Sender</Type><Code>InvalidParameterValue</Code><Message>Invalid SellerSKU "
        "identifier PRESS001 for marketplace A2EUQ1WTGCTBG2</Message></Error>"
    ) in body


def test_missing_and_server_error_items_and_request_order() -> None:
    bulk = SECTION.operations["GetMyPriceForASIN"].spec["bulk"]
    results = bulk_results(
        "GetMyPriceForASIN",
        bulk,
        ["B3", "B1", "B2"],
        [
            {"status": "ServerError", "ASIN": "B2"},
            {
                "status": "Success",
                "ASIN": "B1",
                "Product": {
                    "Identifiers": {"MarketplaceASIN": {"MarketplaceId": "M", "ASIN": "B1"}},
                    "Offers": [],
                },
            },
        ],
        MAPS,
        marketplace="M",
        seller_id="S",
    )
    assert [(r[0], r[2]) for r in results if len(r) == 3] == [
        ("GetMyPriceForASINResult", {"ASIN": "B3", "status": "ClientError"}),
        ("GetMyPriceForASINResult", {"ASIN": "B1", "status": "Success"}),
        ("GetMyPriceForASINResult", {"ASIN": "B2", "status": "ServerError"}),
    ]
    body = render_success("GetMyPriceForASIN", NS, "rid", [], results)
    assert b"<Offers/>" in body
    assert b"<Type>Receiver</Type>" in body
    assert_valid_mws_xml(body)


def test_offers_result_attributes_and_empty_shipping_time() -> None:
    single = SECTION.operations["GetLowestPricedOffersForASIN"].spec["single"]
    payload = {
        "status": "Success",
        "Identifier": {"MarketplaceId": "M", "ASIN": "B1", "ItemCondition": "New"},
        "Summary": {
            "TotalOfferCount": 1,
            "NumberOfOffers": [
                {"condition": "new", "fulfillmentChannel": "Amazon", "OfferCount": 1}
            ],
        },
        "Offers": [
            {
                "SubCondition": "new",
                "ShippingTime": {"minimumHours": 0, "maximumHours": 0, "availabilityType": "NOW"},
                "ListingPrice": money(10.5, "USD"),
                "Shipping": money(0, "USD"),
                "IsFulfilledByAmazon": True,
            }
        ],
    }
    element = offers_result("GetLowestPricedOffersForASIN", single, "B1", "New", "M", payload, MAPS)
    body = render_success("GetLowestPricedOffersForASIN", NS, "rid", [], [element]).decode()
    assert_valid_mws_xml(body.encode())
    assert (
        '<GetLowestPricedOffersForASINResult MarketplaceID="M" ASIN="B1" ItemCondition="New" '
        'status="Success">'
    ) in body
    assert '<OfferCount condition="new" fulfillmentChannel="Amazon">1</OfferCount>' in body
    assert '<ShippingTime minimumHours="0" maximumHours="0" availabilityType="NOW"/>' in body
    assert "<Amount>10.50</Amount>" in body and "<IsFulfilledByAmazon>true<" in body


def test_parse_request_limits_and_marketplace() -> None:
    spec = SECTION.operations["GetMyPriceForSKU"].spec
    params = {
        "MarketplaceId": "M1",
        **{f"SellerSKUList.SellerSKU.{n}": f"S{n}" for n in range(1, 21)},
    }
    marketplace, parsed = parse_request(spec, params, ["M1"])
    assert marketplace == "M1" and len(parsed.values["SellerSKUList"]) == 20
    params["SellerSKUList.SellerSKU.21"] = "S21"
    with pytest.raises(MwsError) as too_many:
        parse_request(spec, params, ["M1"])
    assert too_many.value.code == "InvalidParameterValue"
    with pytest.raises(MwsError) as foreign:
        parse_request(spec, {"MarketplaceId": "M2", "SellerSKUList.SellerSKU.1": "A"}, ["M1"])
    assert foreign.value.code == "InvalidParameterValue"


def test_bad_attribute_tables_are_refused_at_compile_time() -> None:
    with pytest.raises(RecordMapError):
        AttributedRecordMaps({"X": {"text": {"from": "a", "type": "colour"}}})
    with pytest.raises(RecordMapError):
        AttributedRecordMaps({"X": {"attributes": ["a"]}})
    maps = AttributedRecordMaps({"X": {"attributes": {"a": "b"}}, "Y": [{"X": "X"}]})
    assert maps.children("Y", {"X": {"b": 1}}) == [("X", None, {"a": "1"})]


def test_recorded_products_answers_fit_the_products_xsd() -> None:
    recorded = [
        e
        for e in load_exchanges()
        if e.label == "products" and e.status == 200 and e.action != "GetServiceStatus"
    ]
    actions = set()
    for exchange in recorded:
        actions.add(exchange.action)
        body = exchange.body.lstrip("\ufeff")
        if not body.startswith('<?xml version="1.0"?>'):
            body = '<?xml version="1.0"?>' + body.split("?>", 1)[-1]
        assert_valid_mws_xml(body.encode())
    assert {
        "GetCompetitivePricingForSKU",
        "GetCompetitivePricingForASIN",
        "GetMatchingProductForId",
        "GetMatchingProduct",
        "GetProductCategoriesForSKU",
    } <= actions
