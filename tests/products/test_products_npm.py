"""The amazon-mws npm client (0.0.27) against a live gateway: GetMyFeesEstimate and
ListMatchingProducts.

The ScaleLeap client the issue names is not in the npm registry reachable here; amazon-mws is,
and it sends any Action through its generic ``searchFor`` (form POST, SigV2 over the bare host).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator import catalog, fees
from tests.products.helpers import US, fee_request
from tests.support.live import LiveServer
from tests.support.npm import NodeMws

pytestmark = pytest.mark.live


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def client(server: LiveServer) -> NodeMws:
    return NodeMws("127.0.0.1", server.port, DEMO_ACCESS_KEY, DEMO_SECRET)


def emulator_of(server: LiveServer) -> Any:
    return server.app.state.emulator_app.state.emulator


def test_amazon_mws_npm_fees_estimate(live_gateway: LiveServer, npm_clients: None) -> None:
    state = emulator_of(live_gateway)
    data = state.data.listings
    skus = sorted(data)[:19]
    base = {"Version": "2011-10-01", "Action": "GetMyFeesEstimate", "SellerId": DEMO_SELLER}
    # a malformed price is refused whole, before SP-API (1 item of the 20-item MWS bucket)
    bad = {**base, **fee_request(1, "SellerSKU", skus[0], "lots")}
    refused = client(live_gateway).call("products", bad)
    assert refused["ok"] is False
    assert (refused["error"]["status"], refused["error"]["code"]) == (400, "InvalidParameterValue")
    assert "not a decimal number" in refused["error"]["message"]
    assert state.calls["productFees.getMyFeesEstimates"] == 0

    params = dict(base)
    for n, sku in enumerate(skus, 1):
        params.update(fee_request(n, "SellerSKU", sku, f"{n}.99", afn=n % 2 == 0))
    answer = client(live_gateway).call("products", params)
    assert answer["ok"], answer
    response = answer["response"]
    results = as_list(response["FeesEstimateResultList"]["FeesEstimateResult"])
    assert [r["FeesEstimateIdentifier"]["IdValue"] for r in results] == skus
    for n, (result, sku) in enumerate(zip(results, skus, strict=True), 1):
        assert result["Status"] == "Success"
        details = {
            d["FeeType"]: Decimal(d["FinalFee"]["Amount"])
            for d in as_list(result["FeesEstimate"]["FeeDetailList"]["FeeDetail"])
        }
        listing = data[sku]
        rate = fees.REFERRAL_RATES[catalog.root_node(catalog.leaf_node(listing))]
        sale = Decimal(f"{n}.99")
        referral = max(Decimal("0.30"), (sale * rate).quantize(Decimal("0.01"), ROUND_HALF_UP))
        assert details["ReferralFee"] == referral
        if n % 2 == 0:
            tier = fees.size_tier(catalog.catalog_item(listing, US))
            assert details["FBAFees"] >= tier.pick_and_pack
        else:
            assert "FBAFees" not in details
        assert Decimal(result["FeesEstimate"]["TotalFeesEstimate"]["Amount"]) == sum(
            details.values()
        )
    assert state.calls["productFees.getMyFeesEstimates"] == 1


def test_amazon_mws_npm_list_matching_products(live_gateway: LiveServer, npm_clients: None) -> None:
    state = emulator_of(live_gateway)
    data = state.data.listings
    params = {
        "Version": "2011-10-01",
        "Action": "ListMatchingProducts",
        "SellerId": DEMO_SELLER,
        "MarketplaceId": US,
        "Query": "notebook set",
        "QueryContextId": "OfficeProducts",
    }
    answer = client(live_gateway).call("products", params)
    assert answer["ok"], answer
    found = as_list(answer["response"]["Products"]["Product"])
    expected = sorted({x["asin"] for x in data.values() if "notebook set" in x["title"].lower()})[
        :10
    ]
    assert sorted(p["Identifiers"]["MarketplaceASIN"]["ASIN"] for p in found) == expected
    # the client strips the ns2: prefixes of the attribute sets
    titles = [p["AttributeSets"]["ItemAttributes"]["Title"] for p in found]
    assert all("Notebook Set" in t for t in titles)
    assert state.calls["catalogItems.searchCatalogItems"] == 1
