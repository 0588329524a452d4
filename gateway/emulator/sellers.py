"""Sellers API v1: `getMarketplaceParticipations` and `getAccount`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import JsonBody, OperationContext, spapi_operation
from gateway.emulator.data import STORE_NAME


def participations(ctx: OperationContext) -> list[dict[str, object]]:
    return [
        {
            "marketplace": dict(marketplace),
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
            "storeName": STORE_NAME,
        }
        for marketplace in ctx.state.data.marketplaces
    ]


@spapi_operation("sellers.getMarketplaceParticipations")
async def get_marketplace_participations(request: Request, ctx: OperationContext) -> JsonBody:
    return {"payload": participations(ctx)}


@spapi_operation("sellers.getAccount")
async def get_account(request: Request, ctx: OperationContext) -> JsonBody:
    return {
        "payload": {
            "marketplaceParticipationList": participations(ctx),
            "businessType": "PRIVATE_LIMITED",
            "sellingPlan": "PROFESSIONAL",
            "business": {
                "name": "Emulated Example Trading LLC",
                "registeredBusinessAddress": {
                    "addressLine1": "100 Example Plaza",
                    "city": "Seattle",
                    "stateOrProvinceCode": "WA",
                    "postalCode": "98109",
                    "countryCode": "US",
                },
            },
        }
    }


routes: list[BaseRoute] = [
    Route("/sellers/v1/marketplaceParticipations", get_marketplace_participations, methods=["GET"]),
    Route("/sellers/v1/account", get_account, methods=["GET"]),
]
