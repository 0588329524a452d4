"""GetMyFeesEstimate on Product Fees v0 getMyFeesEstimates: pure, through the app, emulated."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.emulator import catalog, fees
from gateway.mws.errors import MwsError
from gateway.mws.render import render_success
from gateway.translate.engine.records import attributed_maps
from gateway.translate.products.fees import complete, pair_results, read_requests, render
from tests.conftest import AuditCapture
from tests.emulator.modelcheck import validate_against_model, validate_request_body
from tests.products.conftest import Emulator
from tests.products.helpers import (
    CA,
    SELLER,
    US,
    call,
    child,
    emulator_post,
    fee_request,
    kids,
    listings,
    refused,
    tags,
    text,
)
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

pytestmark = pytest.mark.anyio

NS = "http://mws.amazonservices.com/schema/Products/2011-10-01"
MODEL = "productFeesV0.json"
SECTION = load_catalog(check_handlers=False).sections["Products"]
SPEC = SECTION.operations["GetMyFeesEstimate"].spec
MAPS = attributed_maps(SECTION.tables["records"])
CENT = Decimal("0.01")


def expected(listing: dict[str, Any], price: str, shipping: str, afn: bool) -> dict[str, Decimal]:
    """The emulator's documented fee table applied by hand (gateway/emulator/fees.py)."""
    item = catalog.catalog_item(listing, US)
    rate = fees.REFERRAL_RATES[catalog.root_node(catalog.leaf_node(listing))]
    sale = Decimal(price) + Decimal(shipping)
    referral = max(Decimal("0.30"), (sale * rate).quantize(CENT, rounding=ROUND_HALF_UP))
    out = {"ReferralFee": referral, "VariableClosingFee": Decimal("0.00")}
    out["PerItemFee"] = Decimal("0.00")
    if afn:
        tier = fees.size_tier(item)
        weight = float(item["dimensions"][0]["package"]["weight"]["value"])
        extra = max(0, math.ceil(weight - tier.included_weight))
        out["FBAFees"] = tier.pick_and_pack + tier.per_pound * extra
    return out


def fee_amounts(result: ET.Element) -> dict[str, Decimal]:
    details = kids(child(result, "FeesEstimate/FeeDetailList"), "FeeDetail")
    return {text(d, "FeeType"): Decimal(text(d, "FinalFee/Amount")) for d in details}


# ------------------------------------------------------------------ pure


def test_fee_requests_become_the_sp_api_batch_body() -> None:
    params = {
        **fee_request(1, "ASIN", "B0ASIN0001", "30.00", afn=True, shipping="3.99"),
        **fee_request(2, "SellerSKU", "SKU-2", "12.5", identifier="mine"),
    }
    params[
        "FeesEstimateRequestList.FeesEstimateRequest.2.PriceToEstimateFees.Points.PointsNumber"
    ] = "0"
    body = read_requests(SPEC, params, SECTION.tables)
    assert body == [
        {
            "FeesEstimateRequest": {
                "MarketplaceId": US,
                "IsAmazonFulfilled": True,
                "Identifier": "request-1",
                "PriceToEstimateFees": {
                    "ListingPrice": {"CurrencyCode": "USD", "Amount": 30.0},
                    "Shipping": {"CurrencyCode": "USD", "Amount": 3.99},
                },
            },
            "IdType": "ASIN",
            "IdValue": "B0ASIN0001",
        },
        {
            "FeesEstimateRequest": {
                "MarketplaceId": US,
                "IsAmazonFulfilled": False,
                "Identifier": "mine",
                "PriceToEstimateFees": {
                    "ListingPrice": {"CurrencyCode": "USD", "Amount": 12.5},
                    "Points": {"PointsNumber": 0},
                },
            },
            "IdType": "SellerSKU",
            "IdValue": "SKU-2",
        },
    ]
    validate_request_body(MODEL, "getMyFeesEstimates", body)


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"IdType": None}, "MissingParameter", "FeesEstimateRequest.1.IdType is required"),
        ({"IdValue": None}, "MissingParameter", "FeesEstimateRequest.1.IdValue is required"),
        ({"IdType": "UPC"}, "InvalidParameterValue", "expected one of ASIN, SellerSKU"),
        ({"IsAmazonFulfilled": "maybe"}, "InvalidParameterValue", "is not true or false"),
        (
            {"PriceToEstimateFees.ListingPrice.Amount": "12,50"},
            "InvalidParameterValue",
            "ListingPrice.Amount '12,50': not a decimal number",
        ),
        (
            {"PriceToEstimateFees.ListingPrice.Amount": "-1"},
            "InvalidParameterValue",
            "must not be negative",
        ),
        (
            {"PriceToEstimateFees.ListingPrice.CurrencyCode": "US"},
            "InvalidParameterValue",
            "ListingPrice.CurrencyCode 'US'",
        ),
        (
            {"PriceToEstimateFees.ListingPrice.CurrencyCode": None},
            "InvalidParameterValue",
            "ListingPrice needs both CurrencyCode and Amount",
        ),
        (
            {
                "PriceToEstimateFees.ListingPrice.CurrencyCode": None,
                "PriceToEstimateFees.ListingPrice.Amount": None,
            },
            "MissingParameter",
            "PriceToEstimateFees.ListingPrice is required",
        ),
        ({"Identifier": None}, "MissingParameter", "FeesEstimateRequest.1.Identifier"),
        (
            {"PriceToEstimateFees.ListingPrice.Amount": "1e999"},
            "InvalidParameterValue",
            "too large",
        ),
        (
            {"PriceToEstimateFees.Points.PointsNumber": "99999999999"},
            "InvalidParameterValue",
            "larger than 2147483647",
        ),
    ],
)
def test_malformed_requests_are_refused_whole(
    change: dict[str, str | None], code: str, message: str
) -> None:
    params: dict[str, str] = fee_request(1, "ASIN", "B0X", "10.00")
    lead = "FeesEstimateRequestList.FeesEstimateRequest.1."
    for key, value in change.items():
        if value is None:
            params.pop(lead + key)
        else:
            params[lead + key] = value
    with pytest.raises(MwsError) as error:
        read_requests(SPEC, params, SECTION.tables)
    assert error.value.code == code
    assert message in (error.value.message or "")


def test_list_limits() -> None:
    with pytest.raises(MwsError) as none:
        read_requests(SPEC, {}, SECTION.tables)
    assert none.value.code == "MissingParameter"
    assert "FeesEstimateRequestList.FeesEstimateRequest.N" in (none.value.message or "")
    many: dict[str, str] = {}
    for n in range(1, 22):
        many.update(fee_request(n, "ASIN", f"B0{n:08d}", "10.00"))
    with pytest.raises(MwsError) as too_many:
        read_requests(SPEC, many, SECTION.tables)
    assert too_many.value.code == "InvalidParameterValue"
    assert "accepts at most 20 values" in (too_many.value.message or "")


def _result(identifier: str, value: str, status: str = "Success") -> dict[str, Any]:
    return {
        "Status": status,
        "FeesEstimateIdentifier": {
            "MarketplaceId": US,
            "IdType": "ASIN",
            "IdValue": value,
            "SellerInputIdentifier": identifier,
        },
    }


def test_results_pair_with_requests_by_position_or_by_identifier() -> None:
    requests = read_requests(
        SPEC,
        {
            **fee_request(1, "ASIN", "B1", "10.00", identifier="a"),
            **fee_request(2, "ASIN", "B2", "10.00", identifier="b"),
            **fee_request(3, "ASIN", "B3", "10.00", identifier="c"),
        },
        SECTION.tables,
    )
    # out of order and one missing: matched by (identifier, IdType, IdValue)
    paired = pair_results(requests, [_result("c", "B3"), _result("a", "B1")], SELLER)
    assert [p["FeesEstimateIdentifier"]["SellerInputIdentifier"] for p in paired] == [
        "a",
        "b",
        "c",
    ]
    assert [p["Status"] for p in paired] == ["Success", "ServiceError", "Success"]
    assert paired[1]["Error"]["Code"] == "InternalError"
    # the identifier is completed from the request where SP-API left fields out
    assert paired[0]["FeesEstimateIdentifier"]["SellerId"] == SELLER
    assert paired[0]["FeesEstimateIdentifier"]["PriceToEstimateFees"]["ListingPrice"] == {
        "CurrencyCode": "USD",
        "Amount": 10.0,
    }


def test_sp_api_sandbox_answer_renders_as_mws() -> None:
    """Amazon's own example: empty Error beside a success, a Java-style date."""
    sandbox = {
        "Status": "Success",
        "FeesEstimateIdentifier": {
            "MarketplaceId": US,
            "IdType": "ASIN",
            "SellerId": "AXXXXXXXXXXXXX",
            "SellerInputIdentifier": "UmaS1",
            "IsAmazonFulfilled": False,
            "IdValue": "asin123",
            "PriceToEstimateFees": {
                "ListingPrice": {"CurrencyCode": "USD", "Amount": 10},
                "Shipping": {"CurrencyCode": "USD", "Amount": 10},
                "Points": {
                    "PointsNumber": 0,
                    "PointsMonetaryValue": {"CurrencyCode": "USD", "Amount": 0},
                },
            },
        },
        "FeesEstimate": {
            "TimeOfFeesEstimation": "Mon Oct 28 18:49:32 UTC 2019",
            "TotalFeesEstimate": {"CurrencyCode": "USD", "Amount": 3.0},
            "FeeDetailList": [],
        },
        "Error": {"Type": "", "Code": "", "Message": "", "Detail": []},
    }
    request = read_requests(SPEC, fee_request(1, "ASIN", "asin123", "10"), SECTION.tables)[0]
    failed = {
        "Status": "ClientError",
        "FeesEstimateIdentifier": {"IdType": "ASIN", "IdValue": "asin123"},
        "Error": {"Type": "Sender", "Code": "InvalidParameterValue", "Message": "no", "Detail": []},
    }
    results = [complete(sandbox, request, SELLER), complete(failed, request, SELLER)]
    body = render_success("GetMyFeesEstimate", NS, "rid", render(results, MAPS), None)
    root = assert_valid_mws_xml(body)
    first, second = kids(
        child(root, "GetMyFeesEstimateResult/FeesEstimateResultList"), "FeesEstimateResult"
    )
    assert tags(first) == ["Status", "FeesEstimateIdentifier", "FeesEstimate"]
    assert tags(child(first, "FeesEstimateIdentifier")) == [
        "MarketplaceId",
        "SellerId",
        "IdType",
        "IdValue",
        "IsAmazonFulfilled",
        "PriceToEstimateFees",
        "SellerInputIdentifier",
    ]
    assert text(first, "FeesEstimate/TimeOfFeesEstimation") == "2019-10-28T18:49:32Z"
    assert text(first, "FeesEstimate/TotalFeesEstimate/Amount") == "3.00"
    assert text(first, "FeesEstimateIdentifier/IsAmazonFulfilled") == "false"
    assert text(first, "FeesEstimateIdentifier/PriceToEstimateFees/Points/PointsNumber") == "0"
    assert list(child(first, "FeesEstimate/FeeDetailList")) == []
    assert tags(second) == ["Status", "FeesEstimateIdentifier", "Error"]
    assert text(second, "Error/Code") == "InvalidParameterValue"
    # the MWS request's own values fill what SP-API left out of the identifier
    assert text(second, "FeesEstimateIdentifier/MarketplaceId") == US
    assert text(second, "FeesEstimateIdentifier/SellerInputIdentifier") == "request-1"


# ------------------------------------------------------------------ through the gateway


def _upstream(audit_log: AuditCapture, action: str) -> list[dict[str, Any]]:
    (event,) = [e for e in audit_log.calls() if e.get("action") == action]
    upstream: list[dict[str, Any]] = event["upstream"]
    return upstream


async def test_twenty_fee_requests_cost_one_sp_api_call(
    mws: MwsClient, audit_log: AuditCapture
) -> None:
    data = listings(mws)
    chosen = sorted(data)[:20]
    params: dict[str, str] = {}
    asked: list[tuple[dict[str, Any], str, str, bool]] = []
    for n, sku in enumerate(chosen, 1):
        listing = data[sku]
        price, shipping, afn = f"{5 + 3 * n}.00", "2.50" if n % 2 else "0", n % 3 == 0
        by_asin = n % 4 == 0
        params.update(
            fee_request(
                n,
                "ASIN" if by_asin else "SellerSKU",
                listing["asin"] if by_asin else sku,
                price,
                shipping=shipping,
                afn=afn,
            )
        )
        asked.append((listing, price, shipping, afn))
    response = await mws.call(
        "/Products/2011-10-01", "GetMyFeesEstimate", "2011-10-01", params, method="POST"
    )
    assert response.status_code == 200, response.text
    # 20 requests restore per item: 20 of the hourly 36000 are gone
    assert response.headers["x-mws-quota-remaining"] == f"{36000 - 20:.1f}"
    root = assert_valid_mws_xml(response.content)
    found = kids(
        child(root, "GetMyFeesEstimateResult/FeesEstimateResultList"), "FeesEstimateResult"
    )
    assert len(found) == 20
    tiers = set()
    for n, (result, (listing, price, shipping, afn)) in enumerate(
        zip(found, asked, strict=True), 1
    ):
        assert text(result, "Status") == "Success"
        assert text(result, "FeesEstimateIdentifier/SellerInputIdentifier") == f"request-{n}"
        assert text(result, "FeesEstimateIdentifier/SellerId") == SELLER
        assert text(result, "FeesEstimateIdentifier/IsAmazonFulfilled") == str(afn).lower()
        want = expected(listing, price, shipping, afn)
        assert fee_amounts(result) == want
        assert Decimal(text(result, "FeesEstimate/TotalFeesEstimate/Amount")) == sum(want.values())
        if afn:
            tiers.add(fees.size_tier(catalog.catalog_item(listing, US)).name)
            fba = next(
                d
                for d in kids(child(result, "FeesEstimate/FeeDetailList"), "FeeDetail")
                if text(d, "FeeType") == "FBAFees"
            )
            included = kids(child(fba, "IncludedFeeDetailList"), "FeeDetail")
            assert [text(d, "FeeType") for d in included] == ["FBAPickAndPack", "FBAWeightHandling"]
            assert sum(Decimal(text(d, "FinalFee/Amount")) for d in included) == want["FBAFees"]
    assert len(tiers) >= 2  # the fees follow the items' size tiers
    # ONE SP-API call: in the audit event and at the emulator
    upstream = _upstream(audit_log, "GetMyFeesEstimate")
    assert [u["operation"] for u in upstream] == ["productFeesV0.getMyFeesEstimates"]
    assert upstream[0]["status"] == 200
    assert mws.emulator.calls["productFees.getMyFeesEstimates"] == 1
    # the item bucket (20, restoring 10 items/s) is empty now: the next batch waits
    again = await mws.call(
        "/Products/2011-10-01", "GetMyFeesEstimate", "2011-10-01", params, method="POST"
    )
    assert again.status_code == 503
    assert find_text(assert_valid_mws_xml(again.content), "Error/Code") == "RequestThrottled"
    assert mws.emulator.calls["productFees.getMyFeesEstimates"] == 1


async def test_per_request_failures_stay_per_request(
    mws_free: MwsClient, audit_log: AuditCapture
) -> None:
    data = listings(mws_free)
    sku = sorted(data)[4]
    params = {
        **fee_request(1, "SellerSKU", sku, "19.99"),
        **fee_request(2, "ASIN", "B0NOTSOLD1", "19.99"),
        **fee_request(3, "SellerSKU", sku, "19.99", marketplace="A1PA6795UKMFR9", currency="EUR"),
        **fee_request(4, "SellerSKU", sku, "19.99", currency="CAD"),
        **fee_request(5, "SellerSKU", sku, "19.99", marketplace=CA, currency="CAD"),
    }
    root = await call(mws_free, "GetMyFeesEstimate", params)
    found = kids(
        child(root, "GetMyFeesEstimateResult/FeesEstimateResultList"), "FeesEstimateResult"
    )
    assert [text(r, "Status") for r in found] == ["Success"] + ["ClientError"] * 4
    assert [text(r, "FeesEstimateIdentifier/SellerInputIdentifier") for r in found] == [
        f"request-{n}" for n in range(1, 6)
    ]
    assert fee_amounts(found[0]) == expected(data[sku], "19.99", "0", False)
    for result in found[1:]:
        assert tags(result) == ["Status", "FeesEstimateIdentifier", "Error"]
        assert text(result, "Error/Type") == "Sender"
        assert text(result, "Error/Code") == "InvalidParameterValue"
    assert "B0NOTSOLD1" in text(found[1], "Error/Message")
    # the seller sells nowhere in Germany: answered by the gateway, never sent upstream
    assert "not registered in this marketplace" in text(found[2], "Error/Message")
    assert text(found[2], "FeesEstimateIdentifier/MarketplaceId") == "A1PA6795UKMFR9"
    assert "currency" in text(found[3], "Error/Message")
    # US and CA are both North America: one call for both marketplaces
    upstream = _upstream(audit_log, "GetMyFeesEstimate")
    assert [u["operation"] for u in upstream] == ["productFeesV0.getMyFeesEstimates"]
    (event,) = [e for e in audit_log.calls() if e.get("action") == "GetMyFeesEstimate"]
    assert event["notes"]["products_item_errors"] == 4


async def test_bad_input_is_refused_before_sp_api(mws: MwsClient, mws_free: MwsClient) -> None:
    missing = fee_request(1, "ASIN", "B0X", "10.00")
    missing.pop("FeesEstimateRequestList.FeesEstimateRequest.1.IdValue")
    code, message = await refused(mws_free, "GetMyFeesEstimate", missing)
    assert code == "MissingParameter"
    assert "FeesEstimateRequestList.FeesEstimateRequest.1.IdValue" in message
    bad_price = fee_request(1, "ASIN", "B0X", "ten dollars")
    code, message = await refused(mws_free, "GetMyFeesEstimate", bad_price)
    assert (code, "not a decimal number" in message) == ("InvalidParameterValue", True)
    many: dict[str, str] = {}
    for n in range(1, 22):
        many.update(fee_request(n, "ASIN", f"B0{n:08d}", "10.00"))
    for client in (mws, mws_free):  # refused by the item quota, and with quotas off
        code, message = await refused(client, "GetMyFeesEstimate", many)
        assert code == "InvalidParameterValue"
        assert "at most 20" in message
    none = await refused(mws_free, "GetMyFeesEstimate", {})
    assert none[0] == "MissingParameter"
    for client in (mws, mws_free):
        assert client.emulator.calls["productFees.getMyFeesEstimates"] == 0


# ------------------------------------------------------------------ the emulator


def _sp_request(id_type: str, value: str, price: float, **extra: Any) -> dict[str, Any]:
    fees_request: dict[str, Any] = {
        "MarketplaceId": US,
        "IsAmazonFulfilled": True,
        "PriceToEstimateFees": {"ListingPrice": {"CurrencyCode": "USD", "Amount": price}},
        "Identifier": f"id-{value}",
    }
    fees_request.update(extra)
    return {"FeesEstimateRequest": fees_request, "IdType": id_type, "IdValue": value}


async def test_emulated_fee_estimates_fit_the_model(emulator: Emulator) -> None:
    data = emulator.state.data.listings
    sku = sorted(data)[0]
    body = [
        _sp_request("SellerSKU", sku, 25.0),
        _sp_request("ASIN", data[sku]["asin"], 25.0),
        _sp_request("ASIN", "B0UNKNOWN9", 25.0),
    ]
    validate_request_body(MODEL, "getMyFeesEstimates", body)
    response = await emulator_post(
        emulator.client, emulator.token, "/products/fees/v0/feesEstimate", body
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    validate_against_model(MODEL, "getMyFeesEstimates", 200, answer)
    assert [r["Status"] for r in answer] == ["Success", "Success", "ClientError"]
    assert answer[0]["FeesEstimate"] == {**answer[1]["FeesEstimate"]}
    assert answer[2]["Error"]["Code"] == "InvalidParameterValue"
    totals = answer[0]["FeesEstimate"]
    assert totals["TotalFeesEstimate"]["Amount"] == pytest.approx(
        sum(d["FinalFee"]["Amount"] for d in totals["FeeDetailList"])
    )

    unknown_market = [_sp_request("ASIN", "B0X", 1.0, MarketplaceId="INVALIDMARKETPLACEID")]
    bad = await emulator_post(
        emulator.client, emulator.token, "/products/fees/v0/feesEstimate", unknown_market
    )
    assert bad.status_code == 400
    validate_against_model(MODEL, "getMyFeesEstimates", 400, bad.json())
    assert bad.json()["errors"][0]["message"] == "Incorrect Marketplace identifier."
    for broken in ([], [{"IdType": "UPC", "IdValue": "1"}], {"not": "a list"}):
        refused_body = await emulator_post(
            emulator.client, emulator.token, "/products/fees/v0/feesEstimate", broken
        )
        assert refused_body.status_code == 400

    single = {"FeesEstimateRequest": body[0]["FeesEstimateRequest"]}
    by_sku = await emulator_post(
        emulator.client, emulator.token, f"/products/fees/v0/listings/{sku}/feesEstimate", single
    )
    validate_against_model(MODEL, "getMyFeesEstimateForSKU", 200, by_sku.json())
    assert by_sku.json()["payload"]["FeesEstimateResult"]["FeesEstimate"] == totals
    by_asin = await emulator_post(
        emulator.client,
        emulator.token,
        f"/products/fees/v0/items/{data[sku]['asin']}/feesEstimate",
        single,
    )
    validate_against_model(MODEL, "getMyFeesEstimateForASIN", 200, by_asin.json())


async def test_emulated_fees_follow_price_and_size_tier(emulator: Emulator) -> None:
    data = emulator.state.data.listings
    by_tier: dict[str, str] = {}
    for sku in sorted(data):
        tier = fees.size_tier(catalog.catalog_item(data[sku], US)).name
        by_tier.setdefault(tier, sku)
    assert {"small_standard", "large_standard", "large_bulky"} <= set(by_tier)
    body = [_sp_request("SellerSKU", sku, 40.0) for sku in by_tier.values()]
    body += [
        _sp_request("SellerSKU", sku, 1.0, IsAmazonFulfilled=False) for sku in by_tier.values()
    ]
    answer = (
        await emulator_post(emulator.client, emulator.token, "/products/fees/v0/feesEstimate", body)
    ).json()
    for result, request in zip(answer, body, strict=True):
        listing = data[request["IdValue"]]
        price = str(request["FeesEstimateRequest"]["PriceToEstimateFees"]["ListingPrice"]["Amount"])
        afn = request["FeesEstimateRequest"]["IsAmazonFulfilled"]
        got = {
            d["FeeType"]: Decimal(str(d["FinalFee"]["Amount"]))
            for d in result["FeesEstimate"]["FeeDetailList"]
        }
        assert got == expected(listing, price, "0", afn)
    # a 1.00 sale pays the minimum referral fee
    assert {
        Decimal(str(r["FeesEstimate"]["FeeDetailList"][0]["FinalFee"]["Amount"]))
        for r in answer[3:]
    } == {Decimal("0.30")}
