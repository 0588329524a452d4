"""MWS Sellers 2011-07-01 on SP-API Sellers v1 ``getMarketplaceParticipations``.

Everything but the paging arithmetic is read from ``mappings/sections/sellers.yaml``: the
upstream call, which participations to keep, the page size and the two field maps
(``Participation`` and ``Marketplace`` children, MWS element order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.fields import FieldMaps, compile_path
from gateway.translate.engine.upstream import (
    base_spec,
    default_marketplace,
    dig,
    fetch_json,
    field_maps,
    issue_token,
    read_token,
    token_kind,
)


def kept(spec: Mapping[str, Any], entries: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The SP-API participations MWS would list (``keep`` test of the table)."""
    rule = spec.get("keep")
    items = [e for e in entries if isinstance(e, Mapping)]
    if not rule:
        return items
    get, _ = compile_path(str(rule["from"]))
    wanted = rule.get("equals")
    return [e for e in items if get(e) == wanted]


def participations_children(
    entries: Sequence[Mapping[str, Any]],
    maps: FieldMaps,
    *,
    seller_id: str,
    offset: int,
    size: int,
) -> tuple[list[Element], int | None]:
    """Children of ``<ListMarketplaceParticipationsResult>`` for one page, and the next offset."""
    page = entries[offset : offset + size]
    nxt = offset + size if offset + size < len(entries) else None
    participation = maps.children("participation")
    marketplace = maps.children("marketplace")
    parts: list[Element] = []
    markets: list[Element] = []
    seen: set[str] = set()
    for entry in page:
        source = dict(entry)
        source["_gateway"] = {"sellerId": seller_id}
        parts.append(("Participation", participation(source)))
        market_id = str(dig(entry, "marketplace.id") or "")
        if market_id not in seen:
            seen.add(market_id)
            markets.append(("Marketplace", marketplace(source)))
    return [("ListParticipations", parts), ("ListMarketplaces", markets)], nxt


async def _page(call: Call, spec: Mapping[str, Any], offset: int) -> XmlResult:
    upstream = spec["upstream"]
    body = await fetch_json(call, upstream, marketplace_id=default_marketplace(call), query={})
    raw = dig(body, str(upstream.get("items", "payload")))
    entries = kept(spec, raw if isinstance(raw, list) else [])
    size = int(spec["page"].get("size", 100))
    children, nxt = participations_children(
        entries,
        field_maps(call.section.tables),
        seller_id=call.identity.seller_id,
        offset=offset,
        size=size,
    )
    if nxt is not None:
        children.insert(0, ("NextToken", issue_token(call, token_kind(call), {"i": nxt})))
    call.audit.notes.update(
        {
            "participations_received": len(raw) if isinstance(raw, list) else 0,
            "participations_returned": len(children[-2][1] or []),
        }
    )
    return XmlResult(children=children)


async def list_marketplace_participations(call: Call) -> XmlResult:
    return await _page(call, call.operation.spec, 0)


async def list_marketplace_participations_by_next_token(call: Call) -> XmlResult:
    state = read_token(call, token_kind(call))
    offset = state.get("i")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise MwsError("NextTokenCorrupted")
    return await _page(call, base_spec(call), offset)
