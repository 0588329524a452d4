"""MWS Orders 2013-09-01 (and the 2011-01-01 alias) on SP-API Orders 2026-01-01.

The handlers are thin I/O shells around pure functions; everything an operation does is read
from its entry in ``mappings/sections/orders.yaml``:

* ``params``/``rules`` -> :func:`gateway.translate.engine.params.parse_params`
* ``upstream``         -> the SP-API operation, method, path and ``includedData``
* ``tables.fields``    -> :class:`gateway.translate.engine.fields.FieldMaps` (Order, OrderItem)
* ``page``             -> NextToken kind, local page size (ListOrderItems), echoed dates

What the tables cannot say lives here: which SP-API response key holds the list, how the
NextToken state is shaped, GetOrder's fan-out (searchOrders cannot filter by order id, so
``N`` uncached AmazonOrderIds cost ``N`` getOrder calls, run concurrently), and the order
cache: every order searchOrders or getOrder returned (each carries its items) is kept for
``order_cache_seconds``, so GetOrder and ListOrderItems of orders just listed cost no SP-API
call (DESIGN.md §8). A newer listing replaces an entry; an entry past its age is fetched again.

Buyer PII (names, e-mails, addresses) only flows into the returned element tree; the audit
trail gets counts.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.timestamps import format_millis
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.fields import FieldMaps, format_datetime
from gateway.translate.engine.nexttoken import TokenCodec
from gateway.translate.engine.params import Filter, ParsedParams, parse_params

ORDER_TABLE = "order"
ITEM_TABLE = "order_item"


# ------------------------------------------------------------------ section translator


@dataclass(frozen=True)
class OrdersTables:
    """The compiled Orders section tables."""

    fields: FieldMaps
    enums: Mapping[str, Mapping[str, str]]  # MWS -> SP-API spelling
    patterns: Mapping[str, str]

    @classmethod
    def from_tables(cls, tables: Mapping[str, Any]) -> OrdersTables:
        return cls(
            fields=FieldMaps(tables),
            enums={k: dict(v) for k, v in (tables.get("enums") or {}).items()},
            patterns=dict(tables.get("patterns") or {}),
        )

    def order(self, sp_order: Mapping[str, Any]) -> Element:
        return ("Order", self.fields.children(ORDER_TABLE)(sp_order))

    def order_item(self, sp_item: Mapping[str, Any]) -> Element:
        return ("OrderItem", self.fields.children(ITEM_TABLE)(sp_item))

    def keep(self, sp_order: Mapping[str, Any], filters: Sequence[Filter]) -> bool:
        return all(f.matches(self.fields.text(ORDER_TABLE, f.element, sp_order)) for f in filters)


_TABLES: dict[int, tuple[Mapping[str, Any], OrdersTables]] = {}


def tables_for(tables: Mapping[str, Any]) -> OrdersTables:
    """Compiled tables, cached per loaded catalog."""
    hit = _TABLES.get(id(tables))
    if hit is not None and hit[0] is tables:
        return hit[1]
    compiled = OrdersTables.from_tables(tables)
    _TABLES[id(tables)] = (tables, compiled)
    return compiled


# ------------------------------------------------------------------ pure: requests


@dataclass
class ListOrdersRequest:
    parsed: ParsedParams
    query: dict[str, str]
    marketplace_id: str
    echo: dict[str, str]  # CreatedBefore / LastUpdatedBefore to answer with


def included_data(upstream: Mapping[str, Any]) -> str | None:
    items = upstream.get("included_data") or []
    return ",".join(items) if items else None


def build_list_orders(
    spec: Mapping[str, Any],
    params: Mapping[str, str],
    tables: OrdersTables,
    *,
    seller_marketplaces: Sequence[str],
    marketplace_regions: Mapping[str, str],
    now: datetime,
) -> ListOrdersRequest:
    """Validate ListOrders parameters and build the searchOrders query."""
    parsed = parse_params(
        spec["params"],
        spec.get("rules") or [],
        params,
        enums=tables.enums,
        patterns=tables.patterns,
        seller_marketplaces=seller_marketplaces,
        now=now,
    )
    marketplaces: list[str] = parsed.values["MarketplaceId"]
    regions = {marketplace_regions.get(m) for m in marketplaces}
    if len(regions) > 1:
        raise MwsError(
            "InvalidParameterValue",
            "MarketplaceId.Id.N: all marketplaces of one request must belong to the same "
            "region (one MWS endpoint).",
        )
    query = dict(parsed.upstream)
    included = included_data(spec["upstream"])
    if included:
        query["includedData"] = included
    echo = _echo_values(spec, parsed, now)
    return ListOrdersRequest(parsed, query, marketplaces[0], echo)


def _echo_values(spec: Mapping[str, Any], parsed: ParsedParams, now: datetime) -> dict[str, str]:
    """The ``...Before`` bounds MWS echoes: the given (clamped) one, else now minus the margin."""
    out: dict[str, str] = {}
    partners: dict[str, str] = {}
    for rule in spec.get("rules") or []:
        partners.update(rule.get("requires") or {})
    for name in (spec.get("page") or {}).get("echo") or []:
        value = parsed.values.get(name)
        if isinstance(value, datetime):
            out[name] = format_millis(value)
        elif partners.get(name) in parsed.values:
            margin = int(spec["params"][name].get("clamp") or 0)
            out[name] = format_millis(now - timedelta(seconds=margin))
    return out


def order_ids(
    spec: Mapping[str, Any], params: Mapping[str, str], tables: OrdersTables
) -> list[str]:
    parsed = parse_params(
        spec["params"],
        spec.get("rules") or [],
        params,
        enums=tables.enums,
        patterns=tables.patterns,
        seller_marketplaces=(),
        now=datetime.now(UTC),
    )
    value = parsed.values["AmazonOrderId"]
    return list(value) if isinstance(value, list) else [str(value)]


# ------------------------------------------------------------------ pure: responses


def list_orders_children(
    body: Mapping[str, Any],
    tables: OrdersTables,
    *,
    filters: Sequence[Filter],
    echo: Mapping[str, str],
    echo_upstream: Mapping[str, str],
    next_token: str | None,
) -> tuple[list[Element], int]:
    """Children of ``<ListOrdersResult>`` (MWS order) and the number of orders kept."""
    orders = [
        tables.order(o)
        for o in body.get("orders") or []
        if isinstance(o, dict) and (not filters or tables.keep(o, filters))
    ]
    out: list[Element] = []
    if next_token:
        out.append(("NextToken", next_token))
    for name in ("CreatedBefore", "LastUpdatedBefore"):
        upstream_value = body.get(echo_upstream.get(name, ""))
        if isinstance(upstream_value, str) and upstream_value:
            out.append((name, format_millis_text(upstream_value)))
        elif name in echo:
            out.append((name, echo[name]))
    out.append(("Orders", orders))
    return out, len(orders)


def format_millis_text(text: str) -> str:
    return format_datetime(text) or text


def get_order_children(orders: Sequence[Mapping[str, Any]], tables: OrdersTables) -> list[Element]:
    return [("Orders", [tables.order(o) for o in orders])]


def order_items_children(
    order: Mapping[str, Any],
    tables: OrdersTables,
    *,
    offset: int,
    size: int,
) -> tuple[list[Element], int | None]:
    """Children of ``<ListOrderItemsResult>`` for one page, and the next offset (or None)."""
    items = [i for i in order.get("orderItems") or [] if isinstance(i, dict)]
    page = items[offset : offset + size]
    nxt = offset + size if offset + size < len(items) else None
    out: list[Element] = [
        ("AmazonOrderId", str(order.get("orderId", ""))),
        ("OrderItems", [tables.order_item(i) for i in page]),
    ]
    return out, nxt


# ------------------------------------------------------------------ the order cache


class OrderCache:
    """Orders SP-API already returned, per seller, with the includedData they carry."""

    def __init__(self, call: Call) -> None:
        self.backend = call.services.cache
        self.ttl = call.services.settings.order_cache_seconds
        self.seller = call.identity.seller_id
        self.audit = call.audit

    def _key(self, order_id: str) -> str:
        return f"orders:{self.seller}:{order_id}"

    async def get(
        self, order_ids: Sequence[str], needed: Sequence[str]
    ) -> dict[str, tuple[dict[str, Any], str]]:
        """``order id -> (order, marketplace)`` for the fresh entries carrying ``needed``."""
        if self.backend is None or not order_ids:
            return {}
        raw = await self.backend.get_many([self._key(i) for i in order_ids])
        found: dict[str, tuple[dict[str, Any], str]] = {}
        for order_id in order_ids:
            value = raw.get(self._key(order_id))
            if value is None:
                continue
            try:
                entry = json.loads(value)
            except ValueError:
                continue
            if isinstance(entry, dict) and set(needed) <= set(entry.get("d") or ()):
                found[order_id] = (entry["o"], str(entry["m"]))
        hits = self.audit.notes.setdefault("order_cache", {"hits": 0, "misses": 0})
        hits["hits"] += len(found)
        hits["misses"] += len(order_ids) - len(found)
        return found

    async def put(self, orders: Sequence[Any], included: Sequence[str], marketplace: str) -> None:
        if self.backend is None:
            return
        items = {
            self._key(str(o["orderId"])): json.dumps(
                {"o": o, "d": sorted(included), "m": marketplace}, separators=(",", ":")
            ).encode("utf-8")
            for o in orders
            if isinstance(o, dict) and o.get("orderId")
        }
        await self.backend.put_many(items, self.ttl)


# ------------------------------------------------------------------ I/O


def _codec(call: Call) -> TokenCodec:
    return TokenCodec(call.services.settings.token_key)


def _now() -> datetime:
    return datetime.now(UTC)


def _regions(call: Call) -> dict[str, str]:
    return {m: str(row.get("region", "")) for m, row in call.services.catalog.marketplaces.items()}


async def _upstream(
    call: Call,
    upstream: Mapping[str, Any],
    *,
    marketplace_id: str,
    query: Mapping[str, str],
    path_params: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    path = str(upstream["path"])
    for key, value in (path_params or {}).items():
        path = path.replace("{" + key + "}", value)
    result = await call.services.spapi.call(
        seller_id=call.identity.seller_id,
        marketplace_id=marketplace_id,
        section=call.section.name,
        operation=str(upstream["operation"]),
        method=str(upstream.get("method", "GET")),
        path=path,
        query=dict(query),
        audit=call.audit,
    )
    return _json_body(result)


def _json_body(result: Any) -> dict[str, Any]:
    body = getattr(result, "data", None)  # gateway.spapi.client.SpApiResponse
    if not isinstance(body, dict):
        raise MwsError("InternalError", "SP-API answered with an unexpected document.")
    return body


def _rejected_page_token(exc: Exception) -> bool:
    from gateway.spapi.errors import UpstreamClientError

    return isinstance(exc, UpstreamClientError) and exc.http_status == 400


def _not_found(exc: Exception) -> bool:
    from gateway.spapi.errors import UpstreamNotFound

    return isinstance(exc, UpstreamNotFound)


def _default_marketplace(call: Call, state: Mapping[str, Any] | None = None) -> str:
    if state and state.get("m"):
        return str(state["m"])
    if call.identity.marketplaces:
        return call.identity.marketplaces[0]
    raise MwsError("InvalidParameterValue", "The seller has no marketplace configured.")


def _echo_upstream(spec: Mapping[str, Any]) -> dict[str, str]:
    params = spec.get("params") or {}
    return {
        name: str(params[name]["upstream"])
        for name in ("CreatedBefore", "LastUpdatedBefore")
        if name in params and params[name].get("upstream")
    }


async def list_orders(call: Call) -> XmlResult:
    spec = call.operation.spec
    tables = tables_for(call.section.tables)
    now = _now()
    request = build_list_orders(
        spec,
        call.params,
        tables,
        seller_marketplaces=call.identity.marketplaces,
        marketplace_regions=_regions(call),
        now=now,
    )
    state = {
        "q": request.query,
        "f": [f.to_state() for f in request.parsed.filters],
        "e": request.echo,
        "m": request.marketplace_id,
        "u": call.identity.seller_id,
        "x": _echo_upstream(spec),
    }
    return await _search(call, spec, state, None)


async def list_orders_by_next_token(call: Call) -> XmlResult:
    spec = call.operation.spec
    kind = str(spec["page"]["token_kind"])
    token = call.params.get("NextToken", "").strip()
    if not token:
        raise MwsError("MissingParameter", "The parameter NextToken is required.")
    state = _codec(call).decode(token, kind)
    if state.get("u") != call.identity.seller_id or not state.get("p"):
        raise MwsError("NextTokenCorrupted")
    try:
        return await _search(call, spec, state, str(state["p"]))
    except MwsError as exc:
        if _rejected_page_token(exc):
            # SP-API refused its own pagination token (expired after 24 h, or stale)
            raise MwsError("NextTokenCorrupted") from None
        raise


async def _search(
    call: Call, spec: Mapping[str, Any], state: dict[str, Any], pagination: str | None
) -> XmlResult:
    """One MWS page: one searchOrders call, or -- while gateway-side filters keep nothing --
    up to ``upstream.filter_pages`` calls, so a filtered list does not crawl through empty
    pages (each extra call is recorded in the audit trail)."""
    tables = tables_for(call.section.tables)
    filters = [Filter.from_state(f) for f in state.get("f") or []]
    upstream = spec["upstream"]
    budget = max(1, int(upstream.get("filter_pages", 1))) if filters else 1
    marketplace = _default_marketplace(call, state)
    collected: list[Any] = []
    body: dict[str, Any] = {}
    for _ in range(budget):
        query = dict(state.get("q") or {})
        if pagination:
            query["paginationToken"] = pagination
        body = await _upstream(call, upstream, marketplace_id=marketplace, query=query)
        page = body.get("orders") or []
        included = str(query.get("includedData") or "").split(",")
        await OrderCache(call).put(page, [i for i in included if i], marketplace)
        collected.extend(page)
        pagination = (body.get("pagination") or {}).get("nextToken")
        if not pagination or not filters:
            break
        if any(isinstance(o, dict) and tables.keep(o, filters) for o in page):
            break
    merged = dict(body)
    merged["orders"] = collected
    merged["pagination"] = {"nextToken": pagination} if pagination else {}
    return _orders_page(call, merged, spec, state)


def _orders_page(
    call: Call, body: Mapping[str, Any], spec: Mapping[str, Any], state: dict[str, Any]
) -> XmlResult:
    tables = tables_for(call.section.tables)
    filters = [Filter.from_state(f) for f in state.get("f") or []]
    sp_next = (body.get("pagination") or {}).get("nextToken")
    next_token = None
    if sp_next:
        next_state = dict(state)
        next_state["p"] = sp_next
        next_token = _codec(call).encode(str(spec["page"]["token_kind"]), next_state)
    children, kept = list_orders_children(
        body,
        tables,
        filters=filters,
        echo=state.get("e") or {},
        echo_upstream=state.get("x") or {},
        next_token=next_token,
    )
    received = len(body.get("orders") or [])
    call.audit.notes.update(
        {"orders_received": received, "orders_returned": kept, "gateway_filters": len(filters)}
    )
    return XmlResult(children=children)


def _region_marketplaces(call: Call) -> list[str]:
    """One marketplace per SP-API region the seller sells in, the default one's first.

    GetOrder and ListOrderItems name no marketplace, and SP-API is regional: an id unknown
    in the first region is looked up in the seller's other regions before it counts as absent.
    """
    regions = _regions(call)
    out: dict[str, str] = {}
    for marketplace in call.identity.marketplaces:
        out.setdefault(regions.get(marketplace, marketplace), marketplace)
    return list(out.values()) or [_default_marketplace(call)]


async def _fetch_order(
    call: Call,
    upstream: Mapping[str, Any],
    order_id: str,
    marketplaces: Sequence[str],
) -> tuple[dict[str, Any] | None, str | None]:
    """getOrder in each region until found: (order, marketplace used) or (None, None)."""
    cache = OrderCache(call)
    needed = list(upstream.get("included_data") or [])
    cached = (await cache.get([order_id], needed)).get(order_id)
    if cached is not None:
        return cached
    return await _get_order(call, upstream, order_id, marketplaces, cache)


async def _get_order(
    call: Call,
    upstream: Mapping[str, Any],
    order_id: str,
    marketplaces: Sequence[str],
    cache: OrderCache,
) -> tuple[dict[str, Any] | None, str | None]:
    included = included_data(upstream)
    query = {"includedData": included} if included else {}
    for marketplace in marketplaces:
        try:
            body = await _upstream(
                call,
                upstream,
                marketplace_id=marketplace,
                query=query,
                path_params={"orderId": order_id},
            )
        except MwsError as exc:
            if _not_found(exc):
                continue
            raise
        order = body.get("order")
        if not isinstance(order, dict):
            raise MwsError("InternalError", "SP-API answered getOrder without an order.")
        await cache.put([order], list(upstream.get("included_data") or []), marketplace)
        return order, marketplace
    return None, None


async def get_order(call: Call) -> XmlResult:
    spec = call.operation.spec
    tables = tables_for(call.section.tables)
    ids = order_ids(spec, call.params, tables)
    upstream = spec["upstream"]
    marketplaces = _region_marketplaces(call)
    gate = asyncio.Semaphore(int(upstream.get("concurrency", 10)))
    cache = OrderCache(call)
    cached = await cache.get(ids, list(upstream.get("included_data") or []))

    async def fetch(order_id: str) -> dict[str, Any] | None:
        if order_id in cached:
            return cached[order_id][0]
        async with gate:
            order, _ = await _get_order(call, upstream, order_id, marketplaces, cache)
        return order

    found = await asyncio.gather(*(fetch(i) for i in ids))
    orders = [o for o in found if o is not None]
    call.audit.notes.update({"orders_requested": len(ids), "orders_returned": len(orders)})
    return XmlResult(children=get_order_children(orders, tables))


async def list_order_items(call: Call) -> XmlResult:
    spec = call.operation.spec
    tables = tables_for(call.section.tables)
    order_id = order_ids(spec, call.params, tables)[0]
    state: dict[str, Any] = {"o": order_id, "i": 0, "u": call.identity.seller_id}
    return await _items_page(call, spec, tables, state)


async def list_order_items_by_next_token(call: Call) -> XmlResult:
    spec = call.operation.spec
    tables = tables_for(call.section.tables)
    token = call.params.get("NextToken", "").strip()
    if not token:
        raise MwsError("MissingParameter", "The parameter NextToken is required.")
    state = _codec(call).decode(token, str(spec["page"]["token_kind"]))
    if (
        state.get("u") != call.identity.seller_id
        or not isinstance(state.get("o"), str)
        or not isinstance(state.get("i"), int)
        or state["i"] < 0
    ):
        raise MwsError("NextTokenCorrupted")
    return await _items_page(call, spec, tables, state)


async def _items_page(
    call: Call, spec: Mapping[str, Any], tables: OrdersTables, state: dict[str, Any]
) -> XmlResult:
    order_id = str(state["o"])
    known = state.get("m")
    marketplaces = [str(known)] if known else _region_marketplaces(call)
    order, marketplace = await _fetch_order(call, spec["upstream"], order_id, marketplaces)
    if order is None:
        raise MwsError(
            "InvalidParameterValue", f"Invalid AmazonOrderId {order_id!r}: order not found."
        )
    state = {**state, "m": marketplace}
    size = int(spec["page"].get("size", 100))
    children, nxt = order_items_children(order, tables, offset=int(state["i"]), size=size)
    if nxt is not None:
        next_state = dict(state)
        next_state["i"] = nxt
        token = _codec(call).encode(str(spec["page"]["token_kind"]), next_state)
        children.insert(0, ("NextToken", token))
    items = children[-1][1]
    call.audit.notes.update({"order_items_returned": len(items) if isinstance(items, list) else 0})
    return XmlResult(children=children)
