"""FBA Inventory API v1: `getInventorySummaries` over the seeded FBA inventory.

Marketplace granularity only (the model allows nothing else); the seeded inventory lives in
the primary marketplace, other marketplaces answer an empty list. `sellerSkus` (<= 50),
`sellerSku` and `startDateTime` select as the model describes (startDateTime wins, then
sellerSkus, then sellerSku); `details=true` keeps `inventoryDetails`. Pages hold
`InventorySettings.page_size` summaries (50 by default; tests may lower it through
`state.section("fbaInventory", InventorySettings)`); `nextToken` is an opaque offset bound to
the other arguments.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    invalid_input,
    page_offset,
    page_token,
    parse_datetime,
    query_list,
    require_query,
    spapi_operation,
)
from gateway.emulator.data import PRIMARY_MARKETPLACE


@dataclass
class InventorySettings:
    page_size: int = 50


def settings(ctx: OperationContext) -> InventorySettings:
    return ctx.state.section("fbaInventory", InventorySettings)


def select(ctx: OperationContext, request: Request, marketplace_id: str) -> list[dict[str, Any]]:
    if marketplace_id != PRIMARY_MARKETPLACE:
        return []
    summaries = sorted(ctx.state.data.inventory.values(), key=lambda s: str(s["sellerSku"]))
    start = request.query_params.get("startDateTime")
    skus = query_list(request, "sellerSkus", 50)
    single = request.query_params.get("sellerSku")
    if start:
        since = parse_datetime(start, "startDateTime")
        return [
            s
            for s in summaries
            if s.get("lastUpdatedTime")
            and parse_datetime(str(s["lastUpdatedTime"]), "lastUpdatedTime") >= since
        ]
    if skus:
        wanted = set(skus)
        return [s for s in summaries if s["sellerSku"] in wanted]
    if single:
        return [s for s in summaries if s["sellerSku"] == single]
    return summaries


@spapi_operation("fbaInventory.getInventorySummaries")
async def get_inventory_summaries(request: Request, ctx: OperationContext) -> JsonBody:
    if require_query(request, "granularityType") != "Marketplace":
        raise invalid_input("granularityType must be Marketplace.")
    granularity_id = require_query(request, "granularityId")
    marketplaces = query_list(request, "marketplaceIds", 1)
    if not marketplaces:
        raise invalid_input("Missing required parameter: marketplaceIds.")
    if granularity_id != marketplaces[0]:
        raise invalid_input("granularityId must be the requested marketplace.")
    details = request.query_params.get("details", "false").lower() == "true"
    found = select(ctx, request, marketplaces[0])
    size = settings(ctx).page_size
    offset = page_offset(request, "nextToken")
    page = []
    for summary in found[offset : offset + size]:
        item = copy.deepcopy(summary)
        if not details:
            item.pop("inventoryDetails", None)
        page.append(item)
    body: dict[str, Any] = {
        "payload": {
            "granularity": {"granularityType": "Marketplace", "granularityId": granularity_id},
            "inventorySummaries": page,
        }
    }
    if offset + size < len(found):
        body["pagination"] = {"nextToken": page_token(offset + size, request, "nextToken")}
    return body


routes: list[BaseRoute] = [
    Route("/fba/inventory/v1/summaries", get_inventory_summaries, methods=["GET"]),
]
