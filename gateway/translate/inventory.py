"""MWS FulfillmentInventory 2010-10-01 on SP-API FBA Inventory v1 ``getInventorySummaries``.

Parameters, the static query, the supply-type arithmetic, the condition enum and the member
field maps are all in ``mappings/sections/fulfillment_inventory.yaml``. This module adds what
tables cannot say: the marketplace default, the ``_gateway`` supply values each member is
built from, and the zero-supply members MWS answered for SKUs it did not know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.params import parse_params
from gateway.translate.engine.upstream import (
    base_query,
    base_spec,
    dig,
    fetch_json,
    field_maps,
    issue_token,
    next_upstream_token,
    read_token,
    token_kind,
)

# ------------------------------------------------------------------ pure


def _quantity(details: Mapping[str, Any], path: str) -> int:
    value = dig(details, path)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def supply(summary: Mapping[str, Any], tables: Mapping[str, Any], detailed: bool) -> dict[str, Any]:
    """The ``_gateway`` values of one member (totals, availability, SupplyDetail)."""
    details = summary.get("inventoryDetails")
    types: Mapping[str, Any] = tables["supply_types"]
    amounts: dict[str, int] = {}
    if isinstance(details, Mapping):
        for name, rule in types.items():
            amounts[name] = sum(_quantity(details, str(p)) for p in rule["quantities"])
        total = sum(amounts.values())
    else:
        raw_total = summary.get("totalQuantity")
        total = raw_total if isinstance(raw_total, int) and raw_total > 0 else 0
    in_stock = amounts.get("InStock", 0)
    out: dict[str, Any] = {"total": total, "inStock": in_stock}
    if total > 0:
        first = next(
            (n for n in tables.get("availability_order") or list(types) if amounts.get(n)), None
        )
        timepoint = str(types[first]["earliest"]) if first else "Unknown"
        out["earliest"] = {"type": timepoint}
    if detailed:
        out["details"] = [
            {
                "quantity": amounts[name],
                "type": name,
                "earliest": {"type": str(rule["earliest"])},
                "latest": {"type": str(rule["latest"])},
            }
            for name, rule in types.items()
            if amounts.get(name)
        ]
    return out


def member(
    summary: Mapping[str, Any], maps: FieldMaps, tables: Mapping[str, Any], detailed: bool
) -> Element:
    source = dict(summary)
    source["_gateway"] = supply(summary, tables, detailed)
    return ("member", maps.children("member")(source))


def unknown_member(sku: str, maps: FieldMaps, tables: Mapping[str, Any]) -> Element:
    return member({"sellerSku": sku}, maps, tables, False)


def supply_children(
    summaries: Sequence[Mapping[str, Any]],
    maps: FieldMaps,
    tables: Mapping[str, Any],
    *,
    marketplace_id: str,
    detailed: bool,
    unknown_skus: Sequence[str],
    next_token: str | None,
) -> list[Element]:
    """Children of ``<ListInventorySupplyResult>`` (MarketplaceId, list, NextToken)."""
    members = [member(s, maps, tables, detailed) for s in summaries]
    members.extend(unknown_member(sku, maps, tables) for sku in unknown_skus)
    out: list[Element] = [("MarketplaceId", marketplace_id), ("InventorySupplyList", members)]
    if next_token:
        out.append(("NextToken", next_token))
    return out


def build_request(
    spec: Mapping[str, Any],
    params: Mapping[str, str],
    tables: Mapping[str, Any],
    *,
    seller_marketplaces: Sequence[str],
    now: datetime,
) -> dict[str, Any]:
    """Validate ListInventorySupply and return the paging state (query, marketplace, SKUs)."""
    specs: Mapping[str, Any] = spec["params"]
    given = dict(params)
    for name, pspec in specs.items():
        if pspec.get("type") != "list" and not given.get(name):
            for alias in pspec.get("aliases") or ():
                if given.get(str(alias)):
                    given[name] = given[str(alias)]
                    break
    parsed = parse_params(
        specs,
        spec.get("rules") or [],
        given,
        enums=tables.get("enums") or {},
        patterns=tables.get("patterns") or {},
        seller_marketplaces=seller_marketplaces,
        now=now,
    )
    marketplace = parsed.values.get("MarketplaceId")
    if marketplace is None:
        if not seller_marketplaces:
            raise MwsError("InvalidParameterValue", "The seller has no marketplace configured.")
        marketplace = seller_marketplaces[0]
    elif marketplace not in seller_marketplaces:
        raise MwsError(
            "InvalidParameterValue",
            f"Invalid MarketplaceId {marketplace[:32]!r}: the seller is not registered in this "
            "marketplace.",
        )
    upstream = spec["upstream"]
    query: dict[str, Any] = base_query(upstream)
    query.update(parsed.upstream)
    for name in upstream.get("marketplace_params") or ():
        query[str(name)] = marketplace
    skus = parsed.values.get("SellerSkus") or []
    return {
        "q": query,
        "m": marketplace,
        "d": parsed.values.get("ResponseGroup") == "Detailed",
        "s": list(skus),
    }


# ------------------------------------------------------------------ I/O


async def _page(call: Call, spec: Mapping[str, Any], state: dict[str, Any]) -> XmlResult:
    upstream = spec["upstream"]
    tables = call.section.tables
    query = dict(state["q"])
    if state.get("p"):
        query[str(upstream["token_param"])] = state["p"]
    body = await fetch_json(call, upstream, marketplace_id=str(state["m"]), query=query)
    raw = dig(body, str(upstream["items"]))
    summaries = [s for s in raw if isinstance(s, Mapping)] if isinstance(raw, list) else []
    seen = {str(s.get("sellerSku")) for s in summaries}
    missing = [sku for sku in state.get("s") or [] if sku not in seen]
    sp_next = next_upstream_token(upstream, body)
    token = None
    if sp_next:
        token = issue_token(call, token_kind(call), {**state, "p": sp_next, "s": missing})
        missing = []
    children = supply_children(
        summaries,
        field_maps(tables),
        tables,
        marketplace_id=str(state["m"]),
        detailed=bool(state.get("d")),
        unknown_skus=missing,
        next_token=token,
    )
    call.audit.notes.update(
        {"inventory_received": len(summaries), "inventory_unknown_skus": len(missing)}
    )
    return XmlResult(children=children)


async def list_inventory_supply(call: Call) -> XmlResult:
    spec = call.operation.spec
    state = build_request(
        spec,
        call.params,
        call.section.tables,
        seller_marketplaces=call.identity.marketplaces,
        now=datetime.now(UTC),
    )
    return await _page(call, spec, state)


async def list_inventory_supply_by_next_token(call: Call) -> XmlResult:
    state = read_token(call, token_kind(call))
    if (
        not isinstance(state.get("q"), dict)
        or not isinstance(state.get("m"), str)
        or not isinstance(state.get("p"), str)
        or not isinstance(state.get("s"), list)
    ):
        raise MwsError("NextTokenCorrupted")
    return await _page(call, base_spec(call), state)
