"""MWS FulfillmentOutboundShipment 2010-10-01 on SP-API Fulfillment Outbound 2020-07-01.

Parameters, SP-API calls, statuses and the element trees are tables in
``mappings/sections/fulfillment_outbound.yaml``; request structures are read by
:mod:`gateway.translate.engine.bodies`. This module adds the paging state, the duplicate
SellerFulfillmentOrderId answer, the choice of retrying an update (not when it releases the
hold) and the MWS result layouts the field maps do not say: lists present even when empty
(GetFulfillmentOrderResult's FulfillmentOrderItem, FulfillmentShipment, ReturnItemList and
ReturnAuthorizationList side by side; the three lists of CreateFulfillmentReturnResult).
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
from gateway.translate.engine.params import ParsedParams, parse_params
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
    return maps.children("order")(dict(order))


def _members(maps: FieldMaps, table: str, items: Any) -> list[Element]:
    build = maps.children(table)
    return [("member", build(i)) for i in _list(items)]


def tracking_children(payload: Mapping[str, Any], maps: FieldMaps) -> list[Element]:
    """Children of ``<GetPackageTrackingDetailsResult>`` (TrackingEvents always present)."""
    return maps.children("tracking")(dict(payload))


def reason_codes_children(payload: Mapping[str, Any], maps: FieldMaps) -> list[Element]:
    """Children of ``<ListReturnReasonCodesResult>``."""
    return [
        ("ReasonCodeDetailsList", _members(maps, "reason_code", payload.get("reasonCodeDetails")))
    ]


def return_children(payload: Mapping[str, Any], maps: FieldMaps) -> list[Element]:
    """Children of ``<CreateFulfillmentReturnResult>``: the three lists, empty ones too."""
    return [
        ("ReturnItemList", _members(maps, "return_item", payload.get("returnItems"))),
        (
            "InvalidReturnItemList",
            _members(maps, "invalid_return_item", payload.get("invalidReturnItems")),
        ),
        (
            "ReturnAuthorizationList",
            _members(maps, "return_authorization", payload.get("returnAuthorizations")),
        ),
    ]


def update_is_idempotent(spec: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    """False when the request carries a value the table marks as not safe to repeat."""
    unsafe: Mapping[str, Any] = (spec.get("upstream") or {}).get("not_idempotent_when") or {}
    return not any((params.get(name) or "").strip() == str(v) for name, v in unsafe.items())


def get_order_children(
    payload: Mapping[str, Any], maps: FieldMaps, tables: Mapping[str, Any]
) -> list[Element]:
    """Children of ``<GetFulfillmentOrderResult>`` from SP-API's GetFulfillmentOrderResult."""
    order = payload.get("fulfillmentOrder")
    if not isinstance(order, Mapping):
        raise MwsError("InternalError", "SP-API getFulfillmentOrder answered without an order.")
    return [
        ("FulfillmentOrder", order_children(order, maps, tables)),
        ("FulfillmentOrderItem", _members(maps, "item", payload.get("fulfillmentOrderItems"))),
        ("FulfillmentShipment", _members(maps, "shipment", payload.get("fulfillmentShipments"))),
        ("ReturnItemList", _members(maps, "return_item", payload.get("returnItems"))),
        (
            "ReturnAuthorizationList",
            _members(maps, "return_authorization", payload.get("returnAuthorizations")),
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


def _parse(call: Call) -> ParsedParams:
    spec, tables = call.operation.spec, call.section.tables
    return parse_params(
        spec.get("params") or {},
        spec.get("rules") or [],
        call.params,
        enums=tables.get("enums") or {},
        patterns=tables.get("patterns") or {},
        seller_marketplaces=call.identity.marketplaces,
        now=_now(),
    )


def _order_id(call: Call) -> str:
    return str(_parse(call).values["SellerFulfillmentOrderId"])


def _body(call: Call) -> dict[str, Any]:
    return build_body(
        call.operation.spec,
        call.params,
        call.section.tables,
        seller_marketplaces=call.identity.marketplaces,
        now=_now(),
    )


def _payload(data: Any, operation: str) -> Mapping[str, Any]:
    payload = json_object(data, operation).get("payload")
    if not isinstance(payload, Mapping):
        raise MwsError("InternalError", f"SP-API {operation} answered without a payload.")
    return payload


def _path(call: Call, order_id: str) -> str:
    return fill_path(
        str(call.operation.spec["upstream"]["path"]), {"sellerFulfillmentOrderId": order_id}
    )


async def get_fulfillment_order(call: Call) -> XmlResult:
    order_id = _order_id(call)
    data = await OutboundApi(call)._call(
        "getFulfillmentOrder", "GET", _path(call, order_id), not_found="InvalidParameterValue"
    )
    tables = call.section.tables
    payload = _payload(data, "getFulfillmentOrder")
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


async def update_fulfillment_order(call: Call) -> XmlResult:
    order_id = _order_id(call)
    body = _body(call)
    await OutboundApi(call)._call(
        "updateFulfillmentOrder",
        "PUT",
        _path(call, order_id),
        json=body,
        idempotent=update_is_idempotent(call.operation.spec, call.params),
        not_found="InvalidParameterValue",
    )
    return XmlResult(results=[])


async def get_package_tracking_details(call: Call) -> XmlResult:
    parsed = _parse(call)
    data = await OutboundApi(call)._call(
        "getPackageTrackingDetails",
        "GET",
        str(call.operation.spec["upstream"]["path"]),
        query=parsed.upstream,
        not_found="InvalidParameterValue",
    )
    payload = _payload(data, "getPackageTrackingDetails")
    return XmlResult(tracking_children(payload, field_maps(call.section.tables)))


async def list_return_reason_codes(call: Call) -> XmlResult:
    parsed = _parse(call)
    marketplace = parsed.values.get("MarketplaceId")
    data = await OutboundApi(call, str(marketplace) if marketplace else None)._call(
        "listReturnReasonCodes",
        "GET",
        str(call.operation.spec["upstream"]["path"]),
        query=parsed.upstream,
        not_found="InvalidParameterValue",
    )
    payload = _payload(data, "listReturnReasonCodes")
    return XmlResult(reason_codes_children(payload, field_maps(call.section.tables)))


async def create_fulfillment_return(call: Call) -> XmlResult:
    order_id = _order_id(call)
    body = _body(call)
    data = await OutboundApi(call)._call(
        "createFulfillmentReturn",
        "PUT",
        _path(call, order_id),
        json=body,
        idempotent=False,  # a repeat would find its items returned already (DuplicateRequest)
        not_found="InvalidParameterValue",
    )
    payload = _payload(data, "createFulfillmentReturn")
    return XmlResult(return_children(payload, field_maps(call.section.tables)))
