"""MWS Finances 2015-05-01 on SP-API Finances v0.

ListFinancialEventGroups -> ``listFinancialEventGroups``; ListFinancialEvents ->
``listFinancialEventsByOrderId`` (AmazonOrderId), ``listFinancialEventsByGroupId``
(FinancialEventGroupId) or ``listFinancialEvents`` (PostedAfter), picked by the table's
``upstream.by``. Finances v0 kept the MWS element names, so the answer is rebuilt through the
``records`` table (:mod:`gateway.translate.engine.records`): MWS element order, MWS-only spellings,
every ``...EventList`` present even when empty, SP-API-only event lists dropped (and counted
in the audit event). The NextToken wraps SP-API's with the call it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.params import ParsedParams, parse_params
from gateway.translate.engine.records import RecordMaps, record_maps
from gateway.translate.engine.upstream import (
    base_query,
    base_spec,
    default_marketplace,
    dig,
    fetch_json,
    issue_token,
    next_upstream_token,
    read_token,
    token_kind,
)

# ------------------------------------------------------------------ pure


def parse(
    spec: Mapping[str, Any], params: Mapping[str, str], tables: Mapping[str, Any], *, now: datetime
) -> ParsedParams:
    return parse_params(
        spec["params"],
        spec.get("rules") or [],
        params,
        enums=tables.get("enums") or {},
        patterns=tables.get("patterns") or {},
        seller_marketplaces=(),
        now=now,
    )


def choose_upstream(
    upstream: Mapping[str, Any], parsed: ParsedParams
) -> tuple[str, dict[str, str]]:
    """The ``by`` entry serving the filter given, and its path parameters."""
    for name, target in (upstream.get("by") or {}).items():
        if name in parsed.values:
            path_param = target.get("path_param")
            return str(name), ({str(path_param): str(parsed.values[name])} if path_param else {})
    raise MwsError("InternalError", "mapping table: no upstream for the given filter")


def call_spec(upstream: Mapping[str, Any], by: str | None) -> Mapping[str, Any]:
    """``upstream`` itself, or its ``by`` entry merged over it."""
    if not by:
        return upstream
    target = (upstream.get("by") or {}).get(by)
    if not isinstance(target, Mapping):
        raise MwsError("NextTokenCorrupted")
    merged = {k: v for k, v in upstream.items() if k != "by"}
    merged.update(target)
    return merged


def result_children(
    result: Mapping[str, Any], body: Mapping[str, Any], maps: RecordMaps
) -> tuple[Element, int, int]:
    """The result element (groups list or FinancialEvents), items returned, events dropped."""
    data = dig(body, str(result["from"]))
    tag = str(result["el"])
    if "each" in result:
        item = str(result["each"])
        rows = [r for r in data if isinstance(r, Mapping)] if isinstance(data, list) else []
        return (tag, [(item, maps.children(item, r)) for r in rows]), len(rows), 0
    record = str(result["record"])
    source: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    known = set(maps.json_keys(record))
    kept = sum(len(v) for k, v in source.items() if k in known and isinstance(v, list))
    dropped = sum(len(v) for k, v in source.items() if k not in known and isinstance(v, list))
    return (tag, maps.children(record, source)), kept, dropped


# ------------------------------------------------------------------ I/O


async def _page(call: Call, spec: Mapping[str, Any], state: dict[str, Any]) -> XmlResult:
    upstream = call_spec(spec["upstream"], state.get("b"))
    query = dict(state["q"])
    if state.get("p"):
        query[str(upstream["token_param"])] = state["p"]
    body = await fetch_json(
        call, upstream, marketplace_id=str(state["m"]), query=query, path_params=state.get("pp")
    )
    maps = record_maps(call.section.tables["records"])
    element, returned, dropped = result_children(upstream["result"], body, maps)
    children: list[Element] = []
    sp_next = next_upstream_token(upstream, body)
    if sp_next:
        children.append(("NextToken", issue_token(call, token_kind(call), {**state, "p": sp_next})))
    children.append(element)
    call.audit.notes.update({"finances_returned": returned, "finances_dropped": dropped})
    return XmlResult(children=children)


async def list_financial_event_groups(call: Call) -> XmlResult:
    spec = call.operation.spec
    parsed = parse(spec, call.params, call.section.tables, now=datetime.now(UTC))
    query = base_query(spec["upstream"])
    query.update(parsed.upstream)
    state = {"q": query, "m": default_marketplace(call)}
    return await _page(call, spec, state)


async def list_financial_events(call: Call) -> XmlResult:
    spec = call.operation.spec
    parsed = parse(spec, call.params, call.section.tables, now=datetime.now(UTC))
    by, path_params = choose_upstream(spec["upstream"], parsed)
    query = base_query(spec["upstream"])
    query.update(parsed.upstream)
    state = {"q": query, "m": default_marketplace(call), "b": by, "pp": path_params}
    return await _page(call, spec, state)


def _check_state(state: Mapping[str, Any], events: bool) -> None:
    ok = (
        isinstance(state.get("q"), dict)
        and isinstance(state.get("m"), str)
        and isinstance(state.get("p"), str)
    )
    if events:
        ok = ok and isinstance(state.get("b"), str) and isinstance(state.get("pp"), dict)
    if not ok:
        raise MwsError("NextTokenCorrupted")


async def list_financial_event_groups_by_next_token(call: Call) -> XmlResult:
    state = read_token(call, token_kind(call))
    _check_state(state, events=False)
    return await _page(call, base_spec(call), state)


async def list_financial_events_by_next_token(call: Call) -> XmlResult:
    state = read_token(call, token_kind(call))
    _check_state(state, events=True)
    return await _page(call, base_spec(call), state)
