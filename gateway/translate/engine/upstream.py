"""Plumbing shared by the table-driven Sellers, FulfillmentInventory and Finances handlers.

An operation's ``upstream`` table entry names the SP-API call (``operation``, ``method``,
``path`` with ``{name}`` placeholders), static query defaults (``query``), the query parameter
that carries SP-API's pagination token (``token_param``) and where the next one is found in
the answer (``next_token``, a dotted path). NextTokens handed to MWS clients are the
gateway's own (:mod:`gateway.translate.engine.nexttoken`): they wrap the SP-API token with
everything needed to resume, bound to the seller that asked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gateway.mws.errors import MwsError
from gateway.translate.engine.call import Call
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.nexttoken import TokenCodec

SELLER_KEY = "u"


def dig(body: Any, path: str) -> Any:
    """``a.b.c`` inside nested dicts; None when any step is missing."""
    value = body
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def default_marketplace(call: Call) -> str:
    if call.identity.marketplaces:
        return call.identity.marketplaces[0]
    raise MwsError("InvalidParameterValue", "The seller has no marketplace configured.")


def fill_path(path: str, values: Mapping[str, str]) -> str:
    from urllib.parse import quote

    for key, value in values.items():
        path = path.replace("{" + key + "}", quote(value, safe=""))
    return path


async def fetch_data(
    call: Call,
    upstream: Mapping[str, Any],
    *,
    marketplace_id: str,
    query: Mapping[str, Any] | None = None,
    path_params: Mapping[str, str] | None = None,
    json: Any = None,
) -> Any:
    """One SP-API call described by ``upstream``; its decoded JSON, whatever its shape.

    ``upstream.idempotent: true`` marks a POST that only reads (batch look-ups, fee
    estimates), so the client may retry it after a timeout or a 5xx like a GET."""
    idempotent = upstream.get("idempotent")
    result = await call.services.spapi.call(
        seller_id=call.identity.seller_id,
        marketplace_id=marketplace_id,
        section=call.section.name,
        operation=str(upstream["operation"]),
        method=str(upstream.get("method", "GET")),
        path=fill_path(str(upstream["path"]), path_params or {}),
        query=dict(query or {}),
        json=json,
        idempotent=bool(idempotent) if idempotent is not None else None,
        audit=call.audit,
    )
    return getattr(result, "data", None)


async def fetch_json(
    call: Call,
    upstream: Mapping[str, Any],
    *,
    marketplace_id: str,
    query: Mapping[str, Any],
    path_params: Mapping[str, str] | None = None,
    json: Any = None,
) -> dict[str, Any]:
    """One SP-API call described by ``upstream``; its JSON object (MwsError otherwise)."""
    body = await fetch_data(
        call,
        upstream,
        marketplace_id=marketplace_id,
        query=query,
        path_params=path_params,
        json=json,
    )
    if not isinstance(body, dict):
        raise MwsError("InternalError", "SP-API answered with an unexpected document.")
    return body


def base_query(upstream: Mapping[str, Any]) -> dict[str, Any]:
    return dict(upstream.get("query") or {})


def next_upstream_token(upstream: Mapping[str, Any], body: Mapping[str, Any]) -> str | None:
    path = upstream.get("next_token")
    if not path:
        return None
    value = dig(body, str(path))
    return value if isinstance(value, str) and value else None


def issue_token(call: Call, kind: str, state: Mapping[str, Any]) -> str:
    full = dict(state)
    full[SELLER_KEY] = call.identity.seller_id
    return TokenCodec(call.services.settings.token_key).encode(kind, full)


def read_token(call: Call, kind: str) -> dict[str, Any]:
    """The state of the request's NextToken (MissingParameter / NextTokenCorrupted)."""
    token = call.params.get("NextToken", "").strip()
    if not token:
        raise MwsError("MissingParameter", "The parameter NextToken is required.")
    state = TokenCodec(call.services.settings.token_key).decode(token, kind)
    if state.get(SELLER_KEY) != call.identity.seller_id:
        raise MwsError("NextTokenCorrupted")
    return state


def base_spec(call: Call) -> Mapping[str, Any]:
    """The table entry of the operation a ``...ByNextToken`` twin continues (``page.base``)."""
    spec = call.operation.spec
    base = (spec.get("page") or {}).get("base")
    if not base:
        return spec
    op = call.section.operations.get(str(base))
    if op is None:
        raise MwsError("InternalError", f"mapping table: unknown base operation {base!r}")
    return op.spec


def token_kind(call: Call) -> str:
    return str(call.operation.spec["page"]["token_kind"])


def json_object(data: Any, operation: str) -> dict[str, Any]:
    """An SP-API body that must be a JSON object; anything else is an upstream fault."""
    if not isinstance(data, dict):
        raise MwsError("InternalError", f"SP-API {operation} answered with an unexpected body.")
    return data


class SectionApi:
    """One MWS call's view of an SP-API API: seller, marketplace (region) and audit trail bound.

    Subclasses name the MWS ``section`` (health board, audit) and the ``api`` prefix of the
    rate-limit table's operation names (``feeds`` -> ``feeds.createFeed``)."""

    section: str = ""
    api: str = ""

    def __init__(self, call: Call, marketplace: str | None = None) -> None:
        """``marketplace`` picks the SP-API region (default: the seller's first marketplace)."""
        self.call = call
        self.client = call.services.spapi
        self.seller_id = call.identity.seller_id
        own = call.identity.marketplaces[0] if call.identity.marketplaces else None
        self.marketplace = marketplace or own

    async def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        restricted: list[str] | None = None,
        rdt_path: str | None = None,
        idempotent: bool | None = None,
        not_found: str | None = None,
        grantless: str | None = None,
    ) -> Any:
        response = await self.client.call(
            seller_id=self.seller_id,
            marketplace_id=self.marketplace,
            section=self.section,
            operation=f"{self.api}.{operation}",
            method=method,
            path=path,
            query=query,
            json=json,
            restricted=restricted,
            rdt_path=rdt_path,
            idempotent=idempotent,
            audit=self.call.audit,
            not_found=not_found,
            grantless=grantless,
        )
        return response.data

    # -- answers worth keeping: SP-API calls are the scarce resource (DESIGN.md §8) --------

    def _answer_key(self, kind: str, ident: str) -> str:
        return f"answers:{self.api}.{kind}:{self.seller_id}:{ident}"

    async def remembered(self, kind: str, ident: str) -> dict[str, Any] | None:
        """An answer kept by :meth:`remember` (None: none, or caching is off)."""
        cache = self.call.services.cache
        if cache is None:
            return None
        found = (await cache.get_many([self._answer_key(kind, ident)])).get(
            self._answer_key(kind, ident)
        )
        if found is None:
            return None
        try:
            value = json.loads(found)
        except ValueError:
            return None
        if isinstance(value, dict):
            self.call.audit.notes.setdefault("answers_reused", 0)
            self.call.audit.notes["answers_reused"] += 1
            return value
        return None

    async def remember(self, kind: str, ident: str, value: Any, ttl_seconds: float) -> None:
        cache = self.call.services.cache
        if cache is None or ttl_seconds <= 0:
            return
        encoded = json.dumps(value, separators=(",", ":")).encode("utf-8")
        await cache.put_many({self._answer_key(kind, ident): encoded}, ttl_seconds)

    async def forget(self, kind: str, ident: str) -> None:
        cache = self.call.services.cache
        if cache is not None:
            await cache.delete([self._answer_key(kind, ident)])

    def page_budget(self, operation: str, cap: int) -> int:
        """How many pages of ``operation`` one MWS call may read now: what the bucket holds
        (at least one, which the client's call may wait for), at most ``cap``."""
        pacer = getattr(self.client, "pacer", None)
        if pacer is None:
            return cap
        available = pacer.available(self.seller_id, f"{self.api}.{operation}")
        return max(1, min(cap, int(available)))


_FIELD_MAPS: dict[int, tuple[Mapping[str, Any], FieldMaps]] = {}


def field_maps(tables: Mapping[str, Any]) -> FieldMaps:
    """The compiled field maps of a section's tables, built once per table object."""
    hit = _FIELD_MAPS.get(id(tables))
    if hit is not None and hit[0] is tables:
        return hit[1]
    maps = FieldMaps(tables)
    _FIELD_MAPS[id(tables)] = (tables, maps)
    return maps
