"""MWS FulfillmentOutboundShipment 2010-10-01 on SP-API Fulfillment Outbound 2020-07-01.

Parameters, SP-API calls, statuses and the element trees are tables in
``mappings/sections/fulfillment_outbound.yaml``; request structures are read by
:mod:`gateway.translate.engine.bodies`. This module adds the paging state, the duplicate
SellerFulfillmentOrderId answer and the MWS result layout (GetFulfillmentOrderResult holds
FulfillmentOrder, FulfillmentOrderItem, FulfillmentShipment, ReturnItemList and
ReturnAuthorizationList side by side).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.timestamps import format_millis
from gateway.mws.xml import Element
from gateway.spapi.errors import UpstreamError
from gateway.translate.engine.bodies import build_body
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.params import parse_params
from gateway.translate.engine.upstream import (
    SectionApi,
    base_spec,
    dig,
    field_maps,
    fill_path,
    issue_token,
    json_object,
    read_token,
    token_kind,
)


class OutboundApi(SectionApi):
    section = "FulfillmentOutboundShipment"
    api = "fbaOutbound"


# ------------------------------------------------------------------ pure


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def order_children(
    order: Mapping[str, Any], maps: FieldMaps, tables: Mapping[str, Any]
) -> list[Element]:
    """Children of one MWS ``FulfillmentOrder`` (a GetFulfillmentOrder child or a list member)."""
    source = dict(order)
    status = source.get("fulfillmentOrderStatus")
    aliases: Mapping[str, str] = tables.get("status_aliases") or {}
    if isinstance(status, str) and status in aliases:
        source["fulfillmentOrderStatus"] = aliases[status]
    return maps.children("order")(source)


def get_order_children(
    payload: Mapping[str, Any], maps: FieldMaps, tables: Mapping[str, Any]
) -> list[Element]:
    """Children of ``<GetFulfillmentOrderResult>`` from SP-API's GetFulfillmentOrderResult."""
    order = payload.get("fulfillmentOrder")
    if not isinstance(order, Mapping):
        raise MwsError("InternalError", "SP-API getFulfillmentOrder answered without an order.")
    item = maps.children("item")
    shipment = maps.children("shipment")
    returns = maps.children("return_item")
    authorization = maps.children("return_authorization")
    return [
        ("FulfillmentOrder", order_children(order, maps, tables)),
        (
            "FulfillmentOrderItem",
            [("member", item(i)) for i in _list(payload.get("fulfillmentOrderItems"))],
        ),
        (
            "FulfillmentShipment",
            [("member", shipment(s)) for s in _list(payload.get("fulfillmentShipments"))],
        ),
        ("ReturnItemList", [("member", returns(r)) for r in _list(payload.get("returnItems"))]),
        (
            "ReturnAuthorizationList",
            [("member", authorization(a)) for a in _list(payload.get("returnAuthorizations"))],
        ),
    ]


def list_children(
    orders: Sequence[Mapping[str, Any]],
    maps: FieldMaps,
    tables: Mapping[str, Any],
    next_token: str | None,
) -> list[Element]:
    """Children of ``<ListAllFulfillmentOrders[ByNextToken]Result>`` (NextToken first)."""
    out: list[Element] = []
    if next_token:
        out.append(("NextToken", next_token))
    out.append(("FulfillmentOrders", [("member", order_children(o, maps, tables)) for o in orders]))
    return out


def preview_children(previews: Sequence[Mapping[str, Any]], maps: FieldMaps) -> list[Element]:
    """Children of ``<GetFulfillmentPreviewResult>``."""
    preview = maps.children("preview")
    return [("FulfillmentPreviews", [("member", preview(p)) for p in previews])]


def list_query(
    spec: Mapping[str, Any],
    params: Mapping[str, str],
    tables: Mapping[str, Any],
    *,
    seller_marketplaces: Sequence[str],
    now: datetime,
) -> dict[str, str]:
    """The SP-API query of ListAllFulfillmentOrders (QueryStartDateTime defaults to -36 h)."""
    parsed = parse_params(
        spec["params"],
        spec.get("rules") or [],
        params,
        enums=tables.get("enums") or {},
        patterns=tables.get("patterns") or {},
        seller_marketplaces=seller_marketplaces,
        now=now,
    )
    if "Removal" in (parsed.values.get("FulfillmentMethod") or []):
        raise MwsError(
            "InvalidParameterValue",
            "FulfillmentMethod Removal: removal orders are not listed by Amazon Selling Partner "
            "API; only Consumer fulfillment orders can be listed.",
        )
    query = dict(parsed.upstream)
    if "queryStartDate" not in query:
        hours = int(spec["upstream"].get("default_start_hours", 36))
        query["queryStartDate"] = format_millis(now - timedelta(hours=hours))
    return query


def duplicate_error(err: UpstreamError, spec: Mapping[str, Any], order_id: str) -> MwsError | None:
    """The MWS answer to SP-API refusing an id already used, or None for other errors."""
    rule = spec.get("duplicate")
    if not rule or err.http_status != 400:
        return None
    text = (err.message or "").lower()
    if not any(str(word).lower() in text for word in rule.get("match") or ()):
        return None
    return MwsError("InvalidParameterValue", str(rule["message"]).replace("{id}", order_id))


# ------------------------------------------------------------------ I/O


def _now() -> datetime:
    return datetime.now(UTC)


def _order_id(call: Call) -> str:
    parsed = parse_params(
        call.operation.spec["params"],
        [],
        call.params,
        enums={},
        patterns={},
        seller_marketplaces=call.identity.marketplaces,
        now=_now(),
    )
    return str(parsed.values["SellerFulfillmentOrderId"])


def _path(call: Call, order_id: str) -> str:
    return fill_path(
        str(call.operation.spec["upstream"]["path"]), {"sellerFulfillmentOrderId": order_id}
    )


async def get_fulfillment_order(call: Call) -> XmlResult:
    order_id = _order_id(call)
    data = await OutboundApi(call)._call(
        "getFulfillmentOrder", "GET", _path(call, order_id), not_found="InvalidParameterValue"
    )
    payload = json_object(data, "getFulfillmentOrder").get("payload")
    if not isinstance(payload, Mapping):
        raise MwsError("InternalError", "SP-API getFulfillmentOrder answered without a payload.")
    tables = call.section.tables
    return XmlResult(get_order_children(payload, field_maps(tables), tables))


async def _list_page(call: Call, spec: Mapping[str, Any], query: dict[str, str]) -> XmlResult:
    upstream = spec["upstream"]
    data = await OutboundApi(call)._call(
        "listAllFulfillmentOrders", "GET", str(upstream["path"]), query=query
    )
    body = json_object(data, "listAllFulfillmentOrders")
    orders = _list(dig(body, str(upstream["items"])))
    sp_next = dig(body, str(upstream["next_token"]))
    token = None
    if isinstance(sp_next, str) and sp_next:
        state: dict[str, Any] = {
            "q": {k: v for k, v in query.items() if k != upstream["token_param"]},
            "p": sp_next,
        }
        token = issue_token(call, token_kind(call), state)
    tables = call.section.tables
    return XmlResult(list_children(orders, field_maps(tables), tables, token))


async def list_all_fulfillment_orders(call: Call) -> XmlResult:
    spec = call.operation.spec
    query = list_query(
        spec,
        call.params,
        call.section.tables,
        seller_marketplaces=call.identity.marketplaces,
        now=_now(),
    )
    return await _list_page(call, spec, query)


async def list_all_fulfillment_orders_by_next_token(call: Call) -> XmlResult:
    state = read_token(call, token_kind(call))
    query, page = state.get("q"), state.get("p")
    if not isinstance(query, dict) or not isinstance(page, str) or not page:
        raise MwsError("NextTokenCorrupted")
    spec = base_spec(call)
    full = {str(k): str(v) for k, v in query.items()}
    full[str(spec["upstream"]["token_param"])] = page
    try:
        return await _list_page(call, spec, full)
    except UpstreamError as err:
        if err.http_status == 400:  # SP-API refused its own (expired) token
            raise MwsError("NextTokenCorrupted") from None
        raise


async def create_fulfillment_order(call: Call) -> XmlResult:
    spec = call.operation.spec
    body = build_body(
        spec,
        call.params,
        call.section.tables,
        seller_marketplaces=call.identity.marketplaces,
        now=_now(),
    )
    try:
        await OutboundApi(call)._call(
            "createFulfillmentOrder",
            "POST",
            str(spec["upstream"]["path"]),
            json=body,
            idempotent=False,
        )
    except UpstreamError as err:
        mapped = duplicate_error(err, spec, str(body["sellerFulfillmentOrderId"]))
        if mapped is not None:
            call.audit.notes["duplicate_order_id"] = True
            raise mapped from None
        raise
    return XmlResult(results=[])


async def cancel_fulfillment_order(call: Call) -> XmlResult:
    order_id = _order_id(call)
    await OutboundApi(call)._call(
        "cancelFulfillmentOrder", "PUT", _path(call, order_id), not_found="InvalidParameterValue"
    )
    return XmlResult(results=[])


async def get_fulfillment_preview(call: Call) -> XmlResult:
    spec = call.operation.spec
    upstream = spec["upstream"]
    body = build_body(
        spec,
        call.params,
        call.section.tables,
        seller_marketplaces=call.identity.marketplaces,
        now=_now(),
    )
    data = await OutboundApi(call)._call(
        "getFulfillmentPreview",
        "POST",
        str(upstream["path"]),
        json=body,
        idempotent=bool(upstream.get("idempotent", False)),
    )
    previews = _list(dig(json_object(data, "getFulfillmentPreview"), str(upstream["items"])))
    return XmlResult(preview_children(previews, field_maps(call.section.tables)))
