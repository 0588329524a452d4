"""GetLowestOfferListingsFor{SKU,ASIN} on the Pricing v0 batch offers operations."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.emulator import pricing
from gateway.mws.render import render_success
from gateway.translate.products.lowest_offers import (
    Item,
    Rules,
    item_result,
    offer_listings,
    pair,
    plan,
    summary_listings,
)
from tests.conftest import AuditCapture
from tests.emulator.modelcheck import (
    find_operation,
    validate_against_model,
    validate_definition,
    validate_request_body,
)
from tests.products.conftest import Emulator
from tests.products.helpers import (
    SELLER,
    US,
    asin_list,
    call,
    child,
    emulator_post,
    kids,
    listings,
    refused,
    results,
    sku_list,
    tags,
    text,
)
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

pytestmark = pytest.mark.anyio

NS = "http://mws.amazonservices.com/schema/Products/2011-10-01"
MODEL = "productPricingV0.json"
SECTION = load_catalog(check_handlers=False).sections["Products"]
RULES = Rules.from_table(SECTION.tables["lowest_offer_listings"])
ASIN_BULK = SECTION.operations["GetLowestOfferListingsForASIN"].spec["bulk"]
SKU_BULK = SECTION.operations["GetLowestOfferListingsForSKU"].spec["bulk"]


def money(amount: float) -> dict[str, Any]:
    return {"CurrencyCode": "USD", "Amount": amount}


def offer(price: float, shipping: float = 0.0, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "SubCondition": "new",
        "SellerFeedbackRating": {"SellerPositiveFeedbackRating": 96.0, "FeedbackCount": 321},
        "ShippingTime": {"minimumHours": 24, "maximumHours": 48, "availabilityType": "NOW"},
        "ListingPrice": money(price),
        "Shipping": money(shipping),
        "ShipsFrom": {"Country": "US"},
        "IsFulfilledByAmazon": False,
    }
    out.update(extra)
    return out


# ------------------------------------------------------------------ pure


def test_one_batch_holds_every_item_and_as_many_conditions_as_fit() -> None:
    twenty = [f"B{n:09d}" for n in range(20)]
    assert plan(twenty, "Used", RULES) == [(a, "Used") for a in twenty]
    assert plan(twenty, "Any", RULES) == [(a, "New") for a in twenty]
    ten = twenty[:10]
    assert plan(ten, "Any", RULES) == [(a, c) for a in ten for c in ("New", "Used")]
    four = twenty[:4]
    assert len(plan(four, "Any", RULES)) == 20
    assert {c for _, c in plan(twenty[:1], "Any", RULES)} == set(RULES.conditions)
    assert all(len(plan(twenty[:n], "Any", RULES)) <= 20 for n in range(1, 21))


def test_rules_translate_sp_api_values_to_mws_qualifiers() -> None:
    assert [RULES.subcondition(s) for s in ("new", "very_good", "Very Good", "open box")] == [
        "New",
        "VeryGood",
        "VeryGood",
        "OpenBox",
    ]
    assert [RULES.max_time(h) for h in (0, 48, 49, 168, 312, 400, None)] == [
        "0-2 days",
        "0-2 days",
        "3-7 days",
        "3-7 days",
        "8-13 days",
        "14 or more days",
        None,
    ]
    ratings = [
        RULES.rating({"SellerPositiveFeedbackRating": p, "FeedbackCount": 5})
        for p in (100, 98, 97.9, 95, 91, 85, 70, 12)
    ]
    assert ratings == [
        "98-100%",
        "98-100%",
        "95-97%",
        "95-97%",
        "90-94%",
        "80-89%",
        "70-79%",
        "Less than 70%",
    ]
    assert RULES.rating({"SellerPositiveFeedbackRating": 99, "FeedbackCount": 0}) == "Just launched"
    assert RULES.rating(None) == "Just launched"


def test_offers_are_grouped_by_the_six_qualifiers() -> None:
    offers = [
        offer(10.0, 2.0),  # landed 12, the group's lowest
        offer(11.0, 1.0),  # landed 12 too: MultipleOffersAtLowestPrice
        offer(20.0, IsFulfilledByAmazon=True, ShippingTime={"maximumHours": 0}),
        offer(9.0, 4.0, ShipsFrom={"Country": "CN"}),
        offer(8.0, SubCondition="mint", SellerFeedbackRating={"FeedbackCount": 0}),
        offer(30.0, ShippingTime={}),
    ]
    built = offer_listings(offers, "New", "US", RULES, all_considered=True)
    assert [str(x.landed) for x in built] == ["12.0", "20.0", "13.0", "8.0", "30.0"]
    rows = {x.landed: x.element for x in built}
    first = rows[Decimal("12.0")]
    assert [c[0] for c in first[1]] == [
        "Qualifiers",
        "NumberOfOfferListingsConsidered",
        "SellerFeedbackCount",
        "Price",
        "MultipleOffersAtLowestPrice",
    ]
    assert first[1][0] == (
        "Qualifiers",
        [
            ("ItemCondition", "New"),
            ("ItemSubcondition", "New"),
            ("FulfillmentChannel", "Merchant"),
            ("ShipsDomestically", "True"),
            ("ShippingTime", [("Max", "0-2 days")]),
            ("SellerPositiveFeedbackRating", "95-97%"),
        ],
    )
    assert first[1][1:3] == [
        ("NumberOfOfferListingsConsidered", "2"),
        ("SellerFeedbackCount", "321"),
    ]
    assert first[1][3] == (
        "Price",
        [
            ("LandedPrice", [("CurrencyCode", "USD"), ("Amount", "12.00")]),
            ("ListingPrice", [("CurrencyCode", "USD"), ("Amount", "10.00")]),
            ("Shipping", [("CurrencyCode", "USD"), ("Amount", "2.00")]),
        ],
    )
    assert first[1][4] == ("MultipleOffersAtLowestPrice", "True")
    assert ("FulfillmentChannel", "Amazon") in rows[Decimal("20.0")][1][0][1]
    assert ("ShipsDomestically", "False") in rows[Decimal("13.0")][1][0][1]
    mint = rows[Decimal("8.0")][1][0][1]
    assert ("ItemSubcondition", "Mint") in mint
    assert ("SellerPositiveFeedbackRating", "Just launched") in mint
    # no maximumHours: no ShippingTime/Max rather than an invented one
    assert [c[0] for c in rows[Decimal("30.0")][1][0][1]] == [
        "ItemCondition",
        "ItemSubcondition",
        "FulfillmentChannel",
        "ShipsDomestically",
        "SellerPositiveFeedbackRating",
    ]
    # not every offer considered and the lowest is the highest seen: unknown
    partial = offer_listings([offer(5.0)], "New", "US", RULES, all_considered=False)
    assert partial[0].element[1][-1] == ("MultipleOffersAtLowestPrice", "Unknown")


def test_conditions_not_asked_come_from_the_summary() -> None:
    summary = {
        "TotalOfferCount": 5,
        "NumberOfOffers": [
            {"condition": "used", "fulfillmentChannel": "Merchant", "OfferCount": 3},
            {"condition": "new", "fulfillmentChannel": "Amazon", "OfferCount": 2},
        ],
        "LowestPrices": [
            {
                "condition": "used",
                "fulfillmentChannel": "Merchant",
                "LandedPrice": money(7.5),
                "ListingPrice": money(5.0),
                "Shipping": money(2.5),
            },
            {
                "condition": "new",
                "fulfillmentChannel": "Amazon",
                "LandedPrice": money(9.0),
                "ListingPrice": money(9.0),
                "Shipping": money(0),
            },
        ],
    }
    built = summary_listings(summary, ["Used", "Collectible"], RULES)
    assert len(built) == 1
    assert built[0].landed == Decimal("7.5")
    assert built[0].element == (
        "LowestOfferListing",
        [
            (
                "Qualifiers",
                [
                    ("ItemCondition", "Used"),
                    ("FulfillmentChannel", "Merchant"),
                    ("ShipsDomestically", "Unknown"),
                ],
            ),
            ("NumberOfOfferListingsConsidered", "3"),
            (
                "Price",
                [
                    ("LandedPrice", [("CurrencyCode", "USD"), ("Amount", "7.50")]),
                    ("ListingPrice", [("CurrencyCode", "USD"), ("Amount", "5.00")]),
                    ("Shipping", [("CurrencyCode", "USD"), ("Amount", "2.50")]),
                ],
            ),
            ("MultipleOffersAtLowestPrice", "Unknown"),
        ],
    )


def test_amazon_batch_example_renders_valid_mws() -> None:
    """The getListingOffersBatch sandbox answer in Amazon's model, as MWS results."""
    _, _, op = find_operation(MODEL, "getListingOffersBatch")
    example = op["responses"]["200"]["x-amzn-api-sandbox"]["static"][0]
    requested = example["request"]["parameters"]["body"]["value"]["requests"]
    skus = [r["uri"].split("/")[-2] for r in requested]
    asked = [(sku, "New") for sku in skus]
    paired = pair(asked, example["response"]["responses"], "SellerSKU")
    assert set(paired) == set(asked)
    elements = [
        item_result(
            "GetLowestOfferListingsForSKU",
            SKU_BULK,
            Item(sku, {"New": paired[(sku, "New")]}, ("New",), ()),
            marketplace=US,
            country="US",
            seller_id=SELLER,
            exclude_me=False,
            rules=RULES,
        )
        for sku in skus
    ]
    body = render_success("GetLowestOfferListingsForSKU", NS, "rid", [], elements)
    root = assert_valid_mws_xml(body)
    found = results(root, "GetLowestOfferListingsForSKU")
    assert [r.get("SellerSKU") for r in found] == skus
    first = found[0]
    assert tags(first) == ["AllOfferListingsConsidered", "Product"]
    # 14 new offers in the Summary, 15 listed (across two channels): every one considered
    assert text(first, "AllOfferListingsConsidered") == "true"
    assert text(first, "Product/Identifiers/SKUIdentifier/SellerSKU") == skus[0]
    groups = kids(child(first, "Product/LowestOfferListings"), "LowestOfferListing")
    landed = [Decimal(text(g, "Price/LandedPrice/Amount")) for g in groups]
    assert landed == sorted(landed)
    considered = sum(int(text(g, "NumberOfOfferListingsConsidered")) for g in groups)
    assert considered == len(example["response"]["responses"][0]["body"]["payload"]["Offers"])


def test_batch_answers_pair_by_their_echo() -> None:
    asked = [("A", "New"), ("B", "New"), ("A", "Used")]
    answers = [
        {"request": {"Asin": "A", "ItemCondition": "Used"}, "status": {"statusCode": 200}},
        {"request": {"Asin": "B", "ItemCondition": "New"}, "status": {"statusCode": 400}},
        {"request": {"Asin": "A", "ItemCondition": "New"}, "status": {"statusCode": 200}},
    ]
    paired = pair(asked, answers, "Asin")
    assert paired[("A", "Used")] is answers[0]
    assert paired[("A", "New")] is answers[2]
    assert paired[("B", "New")] is answers[1]


# ------------------------------------------------------------------ through the gateway


def market_of(data: dict[str, dict[str, Any]], asin: str) -> list[pricing.MarketOffer]:
    """The emulator's market on ``asin``: the seller's stocked offers and the competitors."""
    mine = [x for x in data.values() if x["asin"] == asin and x["marketplace_id"] == US]
    own = [pricing.own_offer(x, SELLER) for x in mine if int(x["quantity"]) > 0]
    reference = min(Decimal(x["price"]) for x in mine)
    return own + pricing.competitors(asin, reference, "USD")


def listing_rows(result: ET.Element) -> list[ET.Element]:
    return kids(child(result, "Product/LowestOfferListings"), "LowestOfferListing")


async def test_twenty_asins_cost_one_sp_api_call(mws: MwsClient, audit_log: AuditCapture) -> None:
    data = listings(mws)
    asins = sorted({x["asin"] for x in data.values()})[:20]
    root = await call(
        mws, "GetLowestOfferListingsForASIN", {"MarketplaceId": US, **asin_list(asins)}
    )
    found = results(root, "GetLowestOfferListingsForASIN")
    assert [(r.get("ASIN"), r.get("status")) for r in found] == [(a, "Success") for a in asins]
    used_from_summary = 0
    for result, asin in zip(found, asins, strict=True):
        market = market_of(data, asin)
        assert text(result, "Product/Identifiers/MarketplaceASIN/ASIN") == asin
        rows = listing_rows(result)
        new = [r for r in rows if text(r, "Qualifiers/ItemCondition") == "New"]
        new_offers = [o for o in market if o.condition == "New"]
        # 20 items: New is asked in detail, every offer considered, grouped by qualifiers
        assert sum(int(text(r, "NumberOfOfferListingsConsidered")) for r in new) == len(new_offers)
        if new_offers:
            lowest = min(Decimal(text(r, "Price/LandedPrice/Amount")) for r in new)
            assert lowest == min(o.landed for o in new_offers)
        for row in new:
            assert tags(child(row, "Qualifiers")) == [
                "ItemCondition",
                "ItemSubcondition",
                "FulfillmentChannel",
                "ShipsDomestically",
                "ShippingTime",
                "SellerPositiveFeedbackRating",
            ]
            assert text(row, "Qualifiers/ShipsDomestically") == "True"
        # Used is answered from SP-API's Summary: lowest per channel, qualifiers it cannot know
        used = [r for r in rows if text(r, "Qualifiers/ItemCondition") == "Used"]
        used_offers = [o for o in market if o.condition == "Used"]
        assert {text(r, "Qualifiers/FulfillmentChannel") for r in used} == {
            "Amazon" if o.fba else "Merchant" for o in used_offers
        }
        for row in used:
            used_from_summary += 1
            assert tags(child(row, "Qualifiers")) == [
                "ItemCondition",
                "FulfillmentChannel",
                "ShipsDomestically",
            ]
            assert text(row, "Qualifiers/ShipsDomestically") == "Unknown"
            assert text(row, "MultipleOffersAtLowestPrice") == "Unknown"
            channel = text(row, "Qualifiers/FulfillmentChannel")
            assert Decimal(text(row, "Price/LandedPrice/Amount")) == min(
                o.landed for o in used_offers if ("Amazon" if o.fba else "Merchant") == channel
            )
        assert text(result, "AllOfferListingsConsidered") == "true"
    assert used_from_summary > 0
    (event,) = [e for e in audit_log.calls() if e.get("action") == "GetLowestOfferListingsForASIN"]
    assert [u["operation"] for u in event["upstream"]] == ["productPricingV0.getItemOffersBatch"]
    assert event["notes"]["products_batch_requests"] == 20
    assert mws.emulator.calls["productPricing.getItemOffersBatch"] == 1
    assert mws.emulator.calls["productPricing.getItemOffers"] == 0


async def test_few_items_are_asked_in_every_condition(mws_free: MwsClient) -> None:
    data = listings(mws_free)
    asin = next(
        a
        for a in sorted({x["asin"] for x in data.values()})
        if {o.condition for o in market_of(data, a)} == {"New", "Used"}
    )
    root = await call(
        mws_free, "GetLowestOfferListingsForASIN", {"MarketplaceId": US, **asin_list([asin])}
    )
    (result,) = results(root, "GetLowestOfferListingsForASIN")
    rows = listing_rows(result)
    market = market_of(data, asin)
    for condition in ("New", "Used"):
        mine = [r for r in rows if text(r, "Qualifiers/ItemCondition") == condition]
        assert sum(int(text(r, "NumberOfOfferListingsConsidered")) for r in mine) == sum(
            1 for o in market if o.condition == condition
        )
        assert all(find_text(r, "Qualifiers/ItemSubcondition") for r in mine)
    # one item, one batch of five requests (one per condition)
    assert mws_free.emulator.calls["productPricing.getItemOffersBatch"] == 1


async def test_sku_variant_with_condition_exclude_me_and_unknown_items(
    mws_free: MwsClient, audit_log: AuditCapture
) -> None:
    data = listings(mws_free)
    skus = [
        s
        for s in sorted(data)
        if data[s]["quantity"] > 0
        and data[s]["condition"] == "new_new"
        and any(
            o.condition == "New"
            for o in pricing.competitors(data[s]["asin"], Decimal(data[s]["price"]), "USD")
        )
    ][:3]
    params = {
        "MarketplaceId": US,
        **sku_list([skus[0], "NO-SUCH-SKU", *skus[1:]]),
        "ItemCondition": "New",
        "ExcludeMe": "true",
    }
    root = await call(mws_free, "GetLowestOfferListingsForSKU", params)
    found = results(root, "GetLowestOfferListingsForSKU")
    assert [(r.get("SellerSKU"), r.get("status")) for r in found] == [
        (skus[0], "Success"),
        ("NO-SUCH-SKU", "ClientError"),
        (skus[1], "Success"),
        (skus[2], "Success"),
    ]
    assert text(found[1], "Error/Message") == (
        f"Invalid SellerSKU identifier NO-SUCH-SKU for marketplace {US}"
    )
    for result, sku in zip([found[0], *found[2:]], skus, strict=True):
        assert text(result, "Product/Identifiers/MarketplaceASIN/ASIN") == data[sku]["asin"]
        assert text(result, "Product/Identifiers/SKUIdentifier/SellerId") == SELLER
        assert text(result, "Product/Identifiers/SKUIdentifier/SellerSKU") == sku
        others = [
            o
            for o in market_of(data, data[sku]["asin"])
            if o.condition == "New" and o.seller_id != SELLER
        ]
        rows = listing_rows(result)
        # ItemCondition=New: only New; ExcludeMe: the seller's own offer is not counted
        assert {text(r, "Qualifiers/ItemCondition") for r in rows} == {"New"}
        assert sum(int(text(r, "NumberOfOfferListingsConsidered")) for r in rows) == len(others)
        assert min(Decimal(text(r, "Price/LandedPrice/Amount")) for r in rows) == min(
            o.landed for o in others
        )
    (event,) = [e for e in audit_log.calls() if e.get("action") == "GetLowestOfferListingsForSKU"]
    assert [u["operation"] for u in event["upstream"]] == ["productPricingV0.getListingOffersBatch"]
    assert event["notes"]["products_item_errors"] == 1

    # python-amazon-mws sends ExcludeMe=False and ItemCondition=Any
    again = await call(
        mws_free,
        "GetLowestOfferListingsForSKU",
        {"MarketplaceId": US, **sku_list(skus[:1]), "ItemCondition": "Any", "ExcludeMe": "False"},
    )
    (only,) = results(again, "GetLowestOfferListingsForSKU")
    mine = [o for o in market_of(data, data[skus[0]]["asin"]) if o.condition == "New"]
    rows = [r for r in listing_rows(only) if text(r, "Qualifiers/ItemCondition") == "New"]
    assert sum(int(text(r, "NumberOfOfferListingsConsidered")) for r in rows) == len(mine)


async def test_bad_input_is_refused_before_sp_api(mws: MwsClient, mws_free: MwsClient) -> None:
    many = asin_list([f"B0{n:08d}" for n in range(21)])
    for client in (mws, mws_free):
        code, message = await refused(
            client, "GetLowestOfferListingsForASIN", {"MarketplaceId": US, **many}
        )
        assert code == "InvalidParameterValue"
        assert "at most 20" in message
    one = asin_list(["B0X"])
    cases = [
        ({"MarketplaceId": US, **one, "ItemCondition": "Mint"}, "InvalidParameterValue"),
        ({"MarketplaceId": US, **one, "ExcludeMe": "maybe"}, "InvalidParameterValue"),
        ({"MarketplaceId": US}, "MissingParameter"),
        ({**one}, "MissingParameter"),
        ({"MarketplaceId": "A1PA6795UKMFR9", **one}, "InvalidParameterValue"),
    ]
    for params, expected_code in cases:
        code, _ = await refused(mws_free, "GetLowestOfferListingsForASIN", params)
        assert code == expected_code, params
    for client in (mws, mws_free):
        assert client.emulator.calls["productPricing.getItemOffersBatch"] == 0


# ------------------------------------------------------------------ the emulator


def batch(kind: str, ids: list[str], condition: str = "New") -> dict[str, Any]:
    segment = "items" if kind == "ASIN" else "listings"
    return {
        "requests": [
            {
                "uri": f"/products/pricing/v0/{segment}/{value}/offers",
                "method": "GET",
                "MarketplaceId": US,
                "ItemCondition": condition,
                "CustomerType": "Consumer",
            }
            for value in ids
        ]
    }


def check_batch_answer(operation: str, answer: dict[str, Any], echo_key: str) -> None:
    """The model's strict check cannot close objects built with allOf of $refs: the envelope
    is checked loosely plus by its key names, every inner body strictly."""
    validate_against_model(MODEL, operation, 200, answer, strict=False)
    for entry in answer["responses"]:
        assert set(entry) == {"headers", "status", "body", "request"}
        assert set(entry["request"]) <= {"MarketplaceId", "ItemCondition", "CustomerType", echo_key}
        validate_definition(MODEL, "GetOffersResponse", entry["body"])


async def test_emulated_batches_fit_the_model(emulator: Emulator) -> None:
    data = emulator.state.data.listings
    skus = sorted(data)[:19]
    asins = [data[s]["asin"] for s in skus]
    item_body = batch("ASIN", [*asins, "B0NOTHERE1"])
    # allOf of $refs: the strict (closed-object) check cannot apply
    validate_request_body(MODEL, "getItemOffersBatch", item_body, strict=False)
    response = await emulator_post(
        emulator.client, emulator.token, "/batches/products/pricing/v0/itemOffers", item_body
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    check_batch_answer("getItemOffersBatch", answer, "Asin")
    statuses = [r["status"]["statusCode"] for r in answer["responses"]]
    assert statuses == [200] * 19 + [400]
    assert [r["request"]["Asin"] for r in answer["responses"]] == [*asins, "B0NOTHERE1"]
    for entry in answer["responses"][:19]:
        payload = entry["body"]["payload"]
        summary = payload["Summary"]
        # the Summary covers every condition, the Offers only the one asked for
        assert summary["TotalOfferCount"] == sum(n["OfferCount"] for n in summary["NumberOfOffers"])
        assert len(payload["Offers"]) == sum(
            n["OfferCount"] for n in summary["NumberOfOffers"] if n["condition"] == "new"
        )

    listing_body = batch("SKU", skus[:5], "Used")
    validate_request_body(MODEL, "getListingOffersBatch", listing_body, strict=False)
    listed = await emulator_post(
        emulator.client, emulator.token, "/batches/products/pricing/v0/listingOffers", listing_body
    )
    check_batch_answer("getListingOffersBatch", listed.json(), "SellerSKU")
    assert [r["body"]["payload"]["SKU"] for r in listed.json()["responses"]] == skus[:5]
    assert {r["body"]["payload"]["ItemCondition"] for r in listed.json()["responses"]} == {"Used"}

    too_many = await emulator_post(
        emulator.client,
        emulator.token,
        "/batches/products/pricing/v0/itemOffers",
        batch("ASIN", [f"B{n}" for n in range(21)]),
    )
    assert too_many.status_code == 400
    validate_against_model(MODEL, "getItemOffersBatch", 400, too_many.json())
    no_condition = batch("ASIN", asins[:1])
    del no_condition["requests"][0]["ItemCondition"]
    bad = await emulator_post(
        emulator.client, emulator.token, "/batches/products/pricing/v0/itemOffers", no_condition
    )
    assert bad.status_code == 400


def test_every_mws_field_has_a_note_in_the_table() -> None:
    """No MWS field of the answer is filled silently: the table says where each comes from."""
    notes = SECTION.tables["lowest_offer_listings"]["field_notes"]
    fields = {
        "AllOfferListingsConsidered",
        "NumberOfOfferListingsConsidered",
        "SellerFeedbackCount",
        "Price/LandedPrice",
        "MultipleOffersAtLowestPrice",
        "ExcludeMe",
    }
    fields |= {
        f"Qualifiers/{q}"
        for q in (
            "ItemCondition",
            "ItemSubcondition",
            "FulfillmentChannel",
            "ShipsDomestically",
            "ShippingTime/Max",
            "SellerPositiveFeedbackRating",
        )
    }
    assert set(notes) == fields
    assert all(isinstance(n, str) and len(n) > 20 for n in notes.values())
