"""GetPrepInstructionsForSKU/ASIN and ListInboundShipments/Items (+ByNextToken) on v0.

The v0 answers keep MWS's element names; the tables map them. What this module adds:

* MWS ShipmentIds of planned shipments are 2024-03-20 shipment ids: they are sent to v0 as
  their FBA confirmation ids and v0's answers are shown with the ids the client knows
  (:mod:`.records`);
* ListInboundShipments picks v0's QueryType (SHIPMENT when statuses or ids are given,
  DATE_RANGE for dates alone) and asks for v0's READY_TO_SHIP too when WORKING is asked
  (``tables.status_aliases``: MWS had no READY_TO_SHIP);
* ListInboundShipmentItems uses getShipmentItemsByShipmentId for a ShipmentId (MWS then
  ignored the dates) and getShipmentItems (DATE_RANGE) otherwise;
* NextTokens are the gateway's own, wrapping v0's with the marketplace to continue in; the
  ByNextToken twins call v0 with QueryType NEXT_TOKEN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.spapi.errors import UpstreamClientError
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.params import ParsedParams, parse_params
from gateway.translate.engine.upstream import (
    base_spec,
    default_marketplace,
    dig,
    field_maps,
    fill_path,
    issue_token,
    read_token,
    token_kind,
)
from gateway.translate.inbound.api import InboundV0
from gateway.translate.inbound.records import mws_ids, v0_ids


def parse(call: Call, spec: Mapping[str, Any] | None = None) -> ParsedParams:
    spec = spec or call.operation.spec
    tables = call.section.tables
    return parse_params(
        spec.get("params") or {},
        spec.get("rules") or [],
        call.params,
        enums=tables.get("enums") or {},
        patterns=tables.get("patterns") or {},
        seller_marketplaces=call.identity.marketplaces,
        now=datetime.now(UTC),
    )


def _rows(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# ------------------------------------------------------------------ prep instructions


def prep_children(
    payload: Mapping[str, Any], result: Mapping[str, Any], tables: Mapping[str, Any]
) -> list[Element]:
    """Children of ``<GetPrepInstructionsFor{SKU,ASIN}Result>`` (both lists, maybe empty)."""
    maps = field_maps(tables)
    good = maps.children(str(result["fields"]))
    bad = maps.children(str(result["invalid_fields"]))
    return [
        (
            str(result["list"]),
            [(str(result["item"]), good(r)) for r in _rows(payload.get(result["list"]))],
        ),
        (
            str(result["invalid"]),
            [(str(result["invalid_item"]), bad(r)) for r in _rows(payload.get(result["invalid"]))],
        ),
    ]


async def get_prep_instructions(call: Call) -> XmlResult:
    spec = call.operation.spec
    parsed = parse(call)
    upstream = spec["upstream"]
    body = await InboundV0(call).get(
        str(upstream["operation"]), str(upstream["path"]), parsed.upstream
    )
    payload = body.get("payload")
    if not isinstance(payload, Mapping):
        raise MwsError("InternalError", "SP-API getPrepInstructions answered without a payload.")
    return XmlResult(prep_children(payload, spec["result"], call.section.tables))


# ------------------------------------------------------------------ shipments


def status_query(statuses: Sequence[str], tables: Mapping[str, Any]) -> list[str]:
    """The v0 statuses to ask for: the MWS ones and the v0 ones shown as them."""
    aliases: Mapping[str, str] = tables.get("status_aliases") or {}
    out = list(statuses)
    out += [v0 for v0, mws in aliases.items() if mws in statuses and v0 not in out]
    return out


async def _show_mws_ids(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """v0 rows with the ShipmentIds the client knows and MWS's statuses."""
    known = await mws_ids(call, [str(r.get("ShipmentId", "")) for r in rows])
    aliases: Mapping[str, str] = call.section.tables.get("status_aliases") or {}
    out = []
    for row in rows:
        row = dict(row)
        if row.get("ShipmentId"):
            row["ShipmentId"] = known.get(str(row["ShipmentId"]), row["ShipmentId"])
        status = row.get("ShipmentStatus")
        if isinstance(status, str) and status in aliases:
            row["ShipmentStatus"] = aliases[status]
        out.append(row)
    return out


def _token(
    call: Call, body: Mapping[str, Any], upstream: Mapping[str, Any], marketplace: str
) -> str | None:
    sp_next = dig(body, str(upstream["next_token"]))
    if not isinstance(sp_next, str) or not sp_next:
        return None
    return issue_token(call, token_kind(call), {"m": marketplace, "p": sp_next})


def _list_result(
    call: Call, container: str, table: str, rows: list[dict[str, Any]], token: str | None
) -> XmlResult:
    build = field_maps(call.section.tables).children(table)
    out: list[Element] = [(container, [("member", build(r)) for r in rows])]
    if token:
        out.append(("NextToken", token))
    return XmlResult(out)


async def _shipments_page(
    call: Call, upstream: Mapping[str, Any], query: dict[str, Any], marketplace: str
) -> XmlResult:
    body = await InboundV0(call, marketplace).get(
        str(upstream["operation"]), str(upstream["path"]), query
    )
    rows = await _show_mws_ids(call, _rows(dig(body, str(upstream["items"]))))
    token = _token(call, body, upstream, marketplace)
    return _list_result(call, "ShipmentData", "shipment", rows, token)


async def list_inbound_shipments(call: Call) -> XmlResult:
    parsed = parse(call)
    values = parsed.values
    tables = call.section.tables
    marketplace = str(values.get("MarketplaceId") or default_marketplace(call))
    query: dict[str, Any] = dict(parsed.upstream)
    query["MarketplaceId"] = marketplace
    statuses = values.get("ShipmentStatusList") or []
    ids = values.get("ShipmentIdList") or []
    if statuses or ids:
        query["QueryType"] = "SHIPMENT"
    else:
        query["QueryType"] = "DATE_RANGE"
    if statuses:
        query["ShipmentStatusList"] = status_query(statuses, tables)
    if ids:
        query["ShipmentIdList"] = list((await v0_ids(call, ids)).values())
    return await _shipments_page(call, call.operation.spec["upstream"], query, marketplace)


async def _resume(call: Call) -> tuple[str, str]:
    state = read_token(call, token_kind(call))
    marketplace, page = state.get("m"), state.get("p")
    if not isinstance(marketplace, str) or not isinstance(page, str) or not page:
        raise MwsError("NextTokenCorrupted")
    return marketplace, page


async def list_inbound_shipments_by_next_token(call: Call) -> XmlResult:
    marketplace, page = await _resume(call)
    query = {"QueryType": "NEXT_TOKEN", "NextToken": page, "MarketplaceId": marketplace}
    try:
        return await _shipments_page(call, base_spec(call)["upstream"], query, marketplace)
    except UpstreamClientError:  # SP-API refused its own (expired) token
        raise MwsError("NextTokenCorrupted") from None


# ------------------------------------------------------------------ items


async def _items_page(
    call: Call,
    upstream: Mapping[str, Any],
    step: Mapping[str, Any],
    query: dict[str, Any],
    marketplace: str,
    path_ids: Mapping[str, str] | None = None,
) -> XmlResult:
    path = fill_path(str(step["path"]), path_ids or {})
    body = await InboundV0(call, marketplace).get(str(step["operation"]), path, query)
    rows = await _show_mws_ids(call, _rows(dig(body, str(upstream["items"]))))
    token = _token(call, body, upstream, marketplace)
    return _list_result(call, "ItemData", "item", rows, token)


async def list_inbound_shipment_items(call: Call) -> XmlResult:
    parsed = parse(call)
    values = parsed.values
    upstream = call.operation.spec["upstream"]
    marketplace = str(values.get("MarketplaceId") or default_marketplace(call))
    shipment_id = values.get("ShipmentId")
    if shipment_id:
        v0_id = (await v0_ids(call, [str(shipment_id)]))[str(shipment_id)]
        return await _items_page(
            call, upstream, upstream["by_shipment"], {}, marketplace, {"shipmentId": v0_id}
        )
    step = upstream["by_date"]
    query: dict[str, Any] = {**dict(step.get("query") or {}), **parsed.upstream}
    query["MarketplaceId"] = marketplace
    return await _items_page(call, upstream, step, query, marketplace)


async def list_inbound_shipment_items_by_next_token(call: Call) -> XmlResult:
    marketplace, page = await _resume(call)
    upstream = base_spec(call)["upstream"]
    query = {"QueryType": "NEXT_TOKEN", "NextToken": page, "MarketplaceId": marketplace}
    try:
        return await _items_page(call, upstream, upstream["by_date"], query, marketplace)
    except UpstreamClientError:
        raise MwsError("NextTokenCorrupted") from None
