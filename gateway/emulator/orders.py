"""Emulated SP-API Orders 2026-01-01: ``searchOrders`` and ``getOrder``.

Behaviour follows ``orders_2026-01-01.json``: camelCase query parameters, arrays as
comma-separated values, exactly one of ``createdAfter``/``lastUpdatedAfter``, ``...Before``
bounds at least two minutes in the past, ``maxResultsPerPage`` 1-100 (default 100), opaque
``pagination.nextToken`` passed back as ``paginationToken``, and ``includedData`` choosing
which datasets appear (without it an order carries only its core fields and item products).
Validation failures answer 400 ``InvalidInput``; an unknown order id answers 404 ``NotFound``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    invalid_input,
    iso,
    not_found,
    parse_datetime,
    query_list,
    spapi_operation,
)

FULFILLMENT_STATUSES = (
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
)
FULFILLED_BY = ("MERCHANT", "AMAZON")
INCLUDED_DATA = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
)
# Order-level fields every response carries, whatever includedData says.
ORDER_CORE = (
    "orderId",
    "orderAliases",
    "createdTime",
    "lastUpdatedTime",
    "programs",
    "associatedOrders",
    "salesChannel",
)
ITEM_CORE = (
    "orderItemId",
    "quantityOrdered",
    "measurement",
    "associatedOrderItems",
    "programs",
    "product",
)
# dataset -> (order-level field, item-level field)
DATASETS: dict[str, tuple[str | None, str | None]] = {
    "BUYER": ("buyer", None),
    "RECIPIENT": ("recipient", None),
    "PROCEEDS": ("proceeds", "proceeds"),
    "EXPENSE": (None, "expense"),
    "PROMOTION": (None, "promotion"),
    "CANCELLATION": (None, "cancellation"),
    "FULFILLMENT": ("fulfillment", "fulfillment"),
    "PACKAGES": ("packages", None),
    "TAX": ("tax", "tax"),
    "PAYMENT": ("payment", None),
    "FULFILLMENT_ORDERS": ("fulfillmentOrders", None),
}
MAX_MARKETPLACES = 50
DEFAULT_PAGE = 100
BEFORE_MARGIN = timedelta(minutes=2)
SEARCH_KEYS = (
    "createdAfter",
    "createdBefore",
    "lastUpdatedAfter",
    "lastUpdatedBefore",
    "fulfillmentStatuses",
    "marketplaceIds",
    "fulfilledBy",
    "maxResultsPerPage",
    "includedData",
)


def project(order: Mapping[str, Any], included: set[str]) -> dict[str, Any]:
    """The order as a response shows it for the requested ``includedData``."""
    out = {k: copy.deepcopy(order[k]) for k in ORDER_CORE if k in order}
    item_fields = [f for f in ITEM_CORE]
    for name in included:
        order_field, item_field = DATASETS[name]
        if order_field and order_field in order:
            out[order_field] = copy.deepcopy(order[order_field])
        if item_field:
            item_fields.append(item_field)
    out["orderItems"] = [
        {k: copy.deepcopy(item[k]) for k in item_fields if k in item}
        for item in order.get("orderItems") or []
    ]
    return out


def _included(request: Request) -> set[str]:
    values = query_list(request, "includedData")
    bad = [v for v in values if v not in INCLUDED_DATA]
    if bad:
        raise invalid_input(f"Invalid includedData value: {bad[0]}.")
    return set(values)


def _enum_list(
    request: Request, name: str, allowed: tuple[str, ...], limit: int | None = None
) -> list[str]:
    values = query_list(request, name, limit)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise invalid_input(f"Invalid {name} value: {bad[0]}.")
    return values


def _encode_page(query: Mapping[str, str], offset: int) -> str:
    raw = json.dumps({"q": dict(query), "o": offset}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_page(token: str) -> tuple[dict[str, str], int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = json.loads(raw)
        query, offset = doc["q"], doc["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise invalid_input("Invalid paginationToken.") from None
    if not isinstance(query, dict) or not isinstance(offset, int) or offset < 0:
        raise invalid_input("Invalid paginationToken.")
    return {str(k): str(v) for k, v in query.items()}, offset


class _Query:
    """searchOrders parameters as a plain mapping (the request's, or a page token's)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value else None

    def items(self, name: str) -> list[str]:
        return [v for v in (self.values.get(name) or "").split(",") if v]


def _validate(query: _Query, now: datetime) -> dict[str, Any]:
    created_after = query.get("createdAfter")
    updated_after = query.get("lastUpdatedAfter")
    created_before = query.get("createdBefore")
    updated_before = query.get("lastUpdatedBefore")
    if bool(created_after) == bool(updated_after):
        raise invalid_input("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    if created_after and updated_before:
        raise invalid_input("lastUpdatedBefore cannot be combined with createdAfter.")
    if updated_after and created_before:
        raise invalid_input("createdBefore cannot be combined with lastUpdatedAfter.")
    mode = "created" if created_after else "updated"
    after = parse_datetime(created_after or updated_after or "", f"{mode}After")
    before_text = created_before or updated_before
    latest = now - BEFORE_MARGIN
    if before_text:
        before = parse_datetime(before_text, f"{mode}Before")
        if before < after:
            raise invalid_input(f"{mode}Before must be equal to or after {mode}After.")
        if before > latest:
            raise invalid_input(f"{mode}Before must be at least two minutes before the request.")
    else:
        before = latest
    if after > latest:
        raise invalid_input(f"{mode}After must be at least two minutes before the request.")
    statuses = [s for s in query.items("fulfillmentStatuses")]
    for s in statuses:
        if s not in FULFILLMENT_STATUSES:
            raise invalid_input(f"Invalid fulfillmentStatuses value: {s}.")
    fulfilled = query.items("fulfilledBy")
    for f in fulfilled:
        if f not in FULFILLED_BY:
            raise invalid_input(f"Invalid fulfilledBy value: {f}.")
    marketplaces = query.items("marketplaceIds")
    if len(marketplaces) > MAX_MARKETPLACES:
        raise invalid_input(f"marketplaceIds accepts at most {MAX_MARKETPLACES} values.")
    size_text = query.get("maxResultsPerPage")
    size = DEFAULT_PAGE
    if size_text is not None:
        try:
            size = int(size_text)
        except ValueError:
            raise invalid_input("maxResultsPerPage must be an integer.") from None
        if not 1 <= size <= 100:
            raise invalid_input("maxResultsPerPage must be between 1 and 100.")
    included = query.items("includedData")
    for name in included:
        if name not in INCLUDED_DATA:
            raise invalid_input(f"Invalid includedData value: {name}.")
    return {
        "mode": mode,
        "after": after,
        "before": before,
        "statuses": set(statuses),
        "fulfilled": set(fulfilled),
        "marketplaces": set(marketplaces),
        "size": size,
        "included": set(included),
    }


def _matches(order: Mapping[str, Any], rules: Mapping[str, Any]) -> bool:
    stamp = parse_datetime(
        order["createdTime" if rules["mode"] == "created" else "lastUpdatedTime"], "time"
    )
    if not rules["after"] <= stamp <= rules["before"]:
        return False
    fulfillment = order.get("fulfillment") or {}
    if rules["statuses"] and fulfillment.get("fulfillmentStatus") not in rules["statuses"]:
        return False
    if rules["fulfilled"] and fulfillment.get("fulfilledBy") not in rules["fulfilled"]:
        return False
    marketplace = (order.get("salesChannel") or {}).get("marketplaceId")
    return not (rules["marketplaces"] and marketplace not in rules["marketplaces"])


def search(orders: list[dict[str, Any]], params: Mapping[str, str], now: datetime) -> JsonBody:
    """searchOrders over ``orders`` (pure; ``params`` as the query string gave them)."""
    token = params.get("paginationToken")
    offset = 0
    if token:
        values, offset = _decode_page(token)
    else:
        values = {k: v for k, v in params.items() if k in SEARCH_KEYS}
    rules = _validate(_Query(values), now)
    key = "createdTime" if rules["mode"] == "created" else "lastUpdatedTime"
    hits = sorted((o for o in orders if _matches(o, rules)), key=lambda o: (o[key], o["orderId"]))
    size = rules["size"]
    page = hits[offset : offset + size]
    body: dict[str, Any] = {"orders": [project(o, rules["included"]) for o in page]}
    if offset + size < len(hits):
        body["pagination"] = {"nextToken": _encode_page(values, offset + size)}
    body["createdBefore" if rules["mode"] == "created" else "lastUpdatedBefore"] = iso(
        rules["before"]
    )
    return body


@spapi_operation("orders.searchOrders")
async def search_orders(request: Request, ctx: OperationContext) -> JsonBody:
    params: dict[str, str] = {}
    for name in request.query_params:
        params[name] = ",".join(request.query_params.getlist(name))
    return search(ctx.state.data.orders, params, datetime.now(UTC))


@spapi_operation("orders.getOrder")
async def get_order(request: Request, ctx: OperationContext) -> JsonBody:
    included = _included(request)
    order = ctx.state.data.order(request.path_params["orderId"])
    if order is None:
        raise not_found("Order not found.", f"No order {request.path_params['orderId'][:40]}.")
    return {"order": project(order, included)}


routes: list[BaseRoute] = [
    Route("/orders/2026-01-01/orders", search_orders, methods=["GET"]),
    Route("/orders/2026-01-01/orders/{orderId}", get_order, methods=["GET"]),
]
