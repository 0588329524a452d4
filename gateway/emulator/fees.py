"""Product Fees API v0: getMyFeesEstimates (batch), getMyFeesEstimateForSKU / ForASIN.

Fees are computed from a small demo fee table, not Amazon's current schedule:

=========================  ===========================================================
fee                        rule
=========================  ===========================================================
ReferralFee                ``REFERRAL_RATES`` of the item's root browse node (see
                           :data:`gateway.emulator.catalog.BROWSE_NODES`) times
                           ListingPrice + Shipping - Points value, at least
                           ``MIN_REFERRAL_FEE``
VariableClosingFee         0.00 (the demo catalog holds no media)
PerItemFee                 0.00 (the demo seller is on the Professional plan)
FBAFees                    only when ``IsAmazonFulfilled``: the size tier's
                           pick-and-pack fee plus its per-pound weight-handling fee
                           (``SIZE_TIERS``), split in ``IncludedFeeDetailList`` as
                           FBAPickAndPack and FBAWeightHandling
=========================  ===========================================================

The size tier comes from the item's package dimensions and weight (``catalog_item``):
small standard (at most 15 x 12 x 0.75 in and 1 lb), large standard (18 x 14 x 8 in,
20 lb), large bulky otherwise. Weight handling is charged per started pound above the tier's
included weight. All amounts are in the marketplace's currency; a request in another currency,
for an unknown ASIN or SellerSKU, answers a per-item ``ClientError`` result (``Status``,
``Error``), as SP-API does. A malformed body or an unknown marketplace is a 400 InvalidInput.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.catalog import catalog_item, leaf_node, root_node
from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    emulator_now,
    invalid_input,
    iso,
    read_json_object,
    spapi_operation,
)
from gateway.emulator.data import MARKETPLACES
from gateway.emulator.pricing import own_listings

MAX_REQUESTS = 20
MIN_REFERRAL_FEE = Decimal("0.30")
# root browse node -> referral fee rate
REFERRAL_RATES: dict[str, Decimal] = {
    "1055398": Decimal("0.15"),  # Home & Kitchen
    "3375251": Decimal("0.15"),  # Sports & Outdoors
    "7141123011": Decimal("0.17"),  # Clothing, Shoes & Jewelry
    "1064954": Decimal("0.15"),  # Office Products
    "2335752011": Decimal("0.08"),  # Cell Phones & Accessories
    "172282": Decimal("0.08"),  # Electronics
}
DEFAULT_REFERRAL_RATE = Decimal("0.15")


@dataclass(frozen=True)
class SizeTier:
    name: str
    max_sides: tuple[float, float, float]  # longest, median, shortest (inches)
    max_weight: float  # pounds
    pick_and_pack: Decimal
    included_weight: float  # pounds covered by pick_and_pack
    per_pound: Decimal


SIZE_TIERS = (
    SizeTier("small_standard", (15, 12, 0.75), 1, Decimal("3.22"), 1, Decimal("0.00")),
    SizeTier("large_standard", (18, 14, 8), 20, Decimal("4.75"), 1, Decimal("0.38")),
    SizeTier(
        "large_bulky", (math.inf, math.inf, math.inf), math.inf, Decimal("9.61"), 0, Decimal("0.42")
    ),
)
ID_TYPES = ("ASIN", "SellerSKU")
CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "Amount": float(cents(amount))}


def package(item: dict[str, Any]) -> tuple[tuple[float, float, float], float]:
    """(sides sorted longest first, weight in pounds) of a catalog item's package."""
    dims = item["dimensions"][0]["package"]
    sides = sorted((float(dims[k]["value"]) for k in ("height", "length", "width")), reverse=True)
    return (sides[0], sides[1], sides[2]), float(dims["weight"]["value"])


def size_tier(item: dict[str, Any]) -> SizeTier:
    sides, weight = package(item)
    for tier in SIZE_TIERS:
        if weight <= tier.max_weight and all(
            s <= m for s, m in zip(sides, tier.max_sides, strict=True)
        ):
            return tier
    return SIZE_TIERS[-1]


def referral_rate(listing: dict[str, Any]) -> Decimal:
    return REFERRAL_RATES.get(root_node(leaf_node(listing)), DEFAULT_REFERRAL_RATE)


def _fee(fee_type: str, amount: Decimal, currency: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "FeeType": fee_type,
        "FeeAmount": money(amount, currency),
        "FeePromotion": money(Decimal(0), currency),
        "FinalFee": money(amount, currency),
    }
    out.update(extra)
    return out


def fee_details(
    listing: dict[str, Any], marketplace: str, price: Decimal, afn: bool, currency: str
) -> list[dict[str, Any]]:
    """The FeeDetailList for ``listing`` sold at ``price`` (listing + shipping - points)."""
    referral = max(MIN_REFERRAL_FEE, cents(price * referral_rate(listing)))
    details = [
        _fee("ReferralFee", referral, currency),
        _fee("VariableClosingFee", Decimal(0), currency),
        _fee("PerItemFee", Decimal(0), currency),
    ]
    if afn:
        item = catalog_item(listing, marketplace)
        tier = size_tier(item)
        _, weight = package(item)
        extra_pounds = max(0, math.ceil(weight - tier.included_weight))
        weight_fee = cents(tier.per_pound * extra_pounds)
        included = [
            {
                "FeeType": "FBAPickAndPack",
                "FeeAmount": money(tier.pick_and_pack, currency),
                "FinalFee": money(tier.pick_and_pack, currency),
            },
            {
                "FeeType": "FBAWeightHandling",
                "FeeAmount": money(weight_fee, currency),
                "FinalFee": money(weight_fee, currency),
            },
        ]
        details.append(
            _fee(
                "FBAFees", tier.pick_and_pack + weight_fee, currency, IncludedFeeDetailList=included
            )
        )
    return details


def _amount(value: Any, what: str) -> tuple[Decimal, str]:
    if not isinstance(value, dict):
        raise invalid_input(f"{what} must be an object with CurrencyCode and Amount.")
    amount, currency = value.get("Amount"), value.get("CurrencyCode")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise invalid_input(f"{what}.Amount must be a number.")
    if not isinstance(currency, str) or not currency:
        raise invalid_input(f"{what}.CurrencyCode is required.")
    return Decimal(str(amount)), currency


def _check(request: Any, n: int) -> None:
    """400 InvalidInput for what Amazon's schema refuses."""
    where = f"request {n}"
    if not isinstance(request, dict):
        raise invalid_input(f"{where} must be an object.")
    if request.get("IdType") not in ID_TYPES:
        raise invalid_input(f"{where}: IdType must be ASIN or SellerSKU.")
    if not isinstance(request.get("IdValue"), str) or not request["IdValue"]:
        raise invalid_input(f"{where}: IdValue is required.")
    fees = request.get("FeesEstimateRequest")
    if not isinstance(fees, dict):
        raise invalid_input(f"{where}: FeesEstimateRequest is required.")
    if fees.get("MarketplaceId") not in MARKETPLACES:
        raise invalid_input("Incorrect Marketplace identifier.")
    if not isinstance(fees.get("Identifier"), str) or not fees["Identifier"]:
        raise invalid_input(f"{where}: Identifier is required.")
    afn = fees.get("IsAmazonFulfilled", False)
    if not isinstance(afn, bool):
        raise invalid_input(f"{where}: IsAmazonFulfilled must be a boolean.")
    price = fees.get("PriceToEstimateFees")
    if not isinstance(price, dict):
        raise invalid_input(f"{where}: PriceToEstimateFees is required.")
    _amount(price.get("ListingPrice"), f"{where}: ListingPrice")
    if price.get("Shipping") is not None:
        _amount(price["Shipping"], f"{where}: Shipping")
    program = fees.get("OptionalFulfillmentProgram")
    if program is not None and program not in ("FBA_CORE", "FBA_SNL", "FBA_EFN"):
        raise invalid_input(f"{where}: invalid OptionalFulfillmentProgram.")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"Type": "Sender", "Code": code, "Message": message, "Detail": []}


def estimate(
    ctx: OperationContext, id_type: str, id_value: str, fees: dict[str, Any]
) -> dict[str, Any]:
    """One FeesEstimateResult for a checked request."""
    marketplace = str(fees["MarketplaceId"])
    afn = bool(fees.get("IsAmazonFulfilled", False))
    price_in = fees["PriceToEstimateFees"]
    identifier: dict[str, Any] = {
        "MarketplaceId": marketplace,
        "SellerId": ctx.seller_id,
        "IdType": id_type,
        "IdValue": id_value,
        "IsAmazonFulfilled": afn,
        "PriceToEstimateFees": price_in,
        "SellerInputIdentifier": fees["Identifier"],
    }
    if fees.get("OptionalFulfillmentProgram"):
        identifier["OptionalFulfillmentProgram"] = fees["OptionalFulfillmentProgram"]
    if id_type == "ASIN":
        found = own_listings(ctx, marketplace, asin=id_value)
    else:
        found = own_listings(ctx, marketplace, sku=id_value)
    if not found:
        kind = "ASIN" if id_type == "ASIN" else "SellerSKU"
        message = f"The {kind} {id_value} is not in the catalog of marketplace {marketplace}."
        return {
            "Status": "ClientError",
            "FeesEstimateIdentifier": identifier,
            "Error": _error("InvalidParameterValue", message),
        }
    currency = MARKETPLACES[marketplace]["defaultCurrencyCode"]
    listing_price, listing_currency = _amount(price_in["ListingPrice"], "ListingPrice")
    total_price = listing_price
    currencies = {listing_currency}
    if price_in.get("Shipping") is not None:
        shipping, shipping_currency = _amount(price_in["Shipping"], "Shipping")
        total_price += shipping
        currencies.add(shipping_currency)
    points = price_in.get("Points") or {}
    if isinstance(points.get("PointsMonetaryValue"), dict):
        value, points_currency = _amount(points["PointsMonetaryValue"], "PointsMonetaryValue")
        total_price -= value
        currencies.add(points_currency)
    if currencies != {currency}:
        return {
            "Status": "ClientError",
            "FeesEstimateIdentifier": identifier,
            "Error": _error(
                "InvalidParameterValue",
                f"The currency for marketplace {marketplace} is {currency}.",
            ),
        }
    details = fee_details(found[0], marketplace, max(Decimal(0), total_price), afn, currency)
    total = sum((Decimal(str(d["FinalFee"]["Amount"])) for d in details), Decimal(0))
    return {
        "Status": "Success",
        "FeesEstimateIdentifier": identifier,
        "FeesEstimate": {
            "TimeOfFeesEstimation": iso(emulator_now(ctx.state)),
            "TotalFeesEstimate": money(total, currency),
            "FeeDetailList": details,
        },
    }


@spapi_operation("productFees.getMyFeesEstimates")
async def get_my_fees_estimates(request: Request, ctx: OperationContext) -> JsonBody:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise invalid_input("The request body is not valid JSON.") from None
    if not isinstance(body, list) or not 1 <= len(body) <= MAX_REQUESTS:
        raise invalid_input(f"The body must be a list of 1 to {MAX_REQUESTS} fee requests.")
    for n, item in enumerate(body, 1):
        _check(item, n)
    return [
        estimate(ctx, item["IdType"], item["IdValue"], item["FeesEstimateRequest"]) for item in body
    ]


async def _single(request: Request, ctx: OperationContext, id_type: str, id_value: str) -> JsonBody:
    body = await read_json_object(request)
    _check({"IdType": id_type, "IdValue": id_value, **body}, 1)
    result = estimate(ctx, id_type, id_value, body["FeesEstimateRequest"])
    return {"payload": {"FeesEstimateResult": result}}


@spapi_operation("productFees.getMyFeesEstimateForSKU")
async def get_my_fees_estimate_for_sku(request: Request, ctx: OperationContext) -> JsonBody:
    return await _single(request, ctx, "SellerSKU", request.path_params["SellerSKU"])


@spapi_operation("productFees.getMyFeesEstimateForASIN")
async def get_my_fees_estimate_for_asin(request: Request, ctx: OperationContext) -> JsonBody:
    return await _single(request, ctx, "ASIN", request.path_params["Asin"])


routes: list[BaseRoute] = [
    Route("/products/fees/v0/feesEstimate", get_my_fees_estimates, methods=["POST"]),
    Route(
        "/products/fees/v0/listings/{SellerSKU}/feesEstimate",
        get_my_fees_estimate_for_sku,
        methods=["POST"],
    ),
    Route(
        "/products/fees/v0/items/{Asin}/feesEstimate",
        get_my_fees_estimate_for_asin,
        methods=["POST"],
    ),
]
