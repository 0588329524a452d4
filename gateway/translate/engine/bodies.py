"""MWS FulfillmentOutboundShipment request parameters -> SP-API Fulfillment Outbound JSON.

Pure functions over the operation's ``params`` / ``structs`` tables and the section's
``tables.request`` structure maps (``mappings/sections/fulfillment_outbound.yaml``).
Scalars go through :func:`gateway.translate.engine.params.parse_params`; structures are read
here because they nest (``Items.member.1.PerUnitPrice.Value``) and because clients disagree
on list encodings: the official ``Items.member.N.Field`` and boto's ``Items.N.Field`` (its
flattener without a ``member`` key) are both accepted; a request mixing them is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.params import list_values, struct_list
from gateway.mws.timestamps import format_millis
from gateway.translate.engine.params import invalid, parse_datetime, parse_params


def missing(name: str) -> MwsError:
    return MwsError("MissingParameter", f"The parameter {name} is required.")


def member_structs(params: Mapping[str, str], name: str) -> tuple[str, list[dict[str, str]]]:
    """``(wire prefix, structures)`` of a list of structures, official or boto spelling."""
    official = struct_list(params, f"{name}.member")
    plain = struct_list(params, name)
    if official and plain:
        raise invalid(f"{name}: use either {name}.member.N or {name}.N, not both.")
    if official:
        return f"{name}.member", official
    return name, plain


def member_values(params: Mapping[str, str], name: str) -> list[str]:
    """Values of ``Name.member.N`` (official) or ``Name.N`` (tolerated), in index order."""
    values = list_values(params, f"{name}.member") or list_values(params, name)
    return [v.strip() for v in values if v.strip()]


def _money(fields: Mapping[str, str], key: str, shown: str) -> dict[str, str] | None:
    currency = (fields.get(f"{key}.CurrencyCode") or "").strip()
    value = (fields.get(f"{key}.Value") or "").strip()
    if not currency and not value:
        return None
    if not currency or not value:
        raise invalid(f"{shown} needs both CurrencyCode and Value.")
    if len(currency) != 3:
        raise invalid(f"Invalid {shown}.CurrencyCode {currency[:16]!r}.")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise invalid(f"Invalid {shown}.Value {value[:32]!r}: not a decimal number.") from None
    if not number.is_finite():
        raise invalid(f"Invalid {shown}.Value {value[:32]!r}: not a decimal number.")
    return {"currencyCode": currency, "value": value}


def _scalar(kind: str, text: str, shown: str) -> Any:
    if kind == "int":
        try:
            number = int(text)
        except ValueError:
            raise invalid(f"Invalid {shown}: {text[:32]!r} is not an integer.") from None
        if number < 0:
            raise invalid(f"Invalid {shown}: {number} must not be negative.")
        return number
    if kind == "bool":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise invalid(f"Invalid {shown}: {text[:16]!r} is not true or false.")
        return lowered == "true"
    if kind == "datetime":
        return format_millis(parse_datetime(shown, text))
    return text


def build_struct(
    fields: Mapping[str, str], table: Sequence[Mapping[str, Any]], prefix: str
) -> dict[str, Any]:
    """One SP-API object from the flat ``{"Field[.Sub]": value}`` of an MWS structure."""
    out: dict[str, Any] = {}
    for row in table:
        mws, to, kind = str(row["mws"]), str(row["to"]), str(row.get("as", "string"))
        shown = f"{prefix}.{mws}"
        if kind == "money":
            money = _money(fields, mws, shown)
            if money is not None:
                out[to] = money
            elif row.get("required"):
                raise missing(shown)
            continue
        text = (fields.get(mws) or "").strip()
        if not text:
            if row.get("required"):
                raise missing(shown)
            continue
        limit = row.get("max_length")
        if limit is not None and len(text) > int(limit):
            raise invalid(f"Invalid {shown}: longer than {limit} characters.")
        out[to] = _scalar(kind, text, shown)
    return out


def struct_fields(params: Mapping[str, str], name: str) -> dict[str, str]:
    """``{"Field[.Sub]": value}`` of the structure parameter ``name`` (``Name.Field``)."""
    lead = name + "."
    return {k[len(lead) :]: v for k, v in params.items() if k.startswith(lead)}


def read_structs(
    specs: Mapping[str, Mapping[str, Any]],
    params: Mapping[str, str],
    request_tables: Mapping[str, Any],
    enums: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """The SP-API body parts of an operation's ``structs`` table."""
    body: dict[str, Any] = {}
    for name, spec in specs.items():
        to = str(spec["upstream"])
        if "struct" in spec:
            fields = struct_fields(params, name)
            if not any(v.strip() for v in fields.values()):
                if spec.get("required"):
                    raise missing(f"{name}.*")
                continue
            body[to] = build_struct(fields, request_tables[str(spec["struct"])], name)
        elif "list" in spec:
            prefix, items = member_structs(params, name)
            if not items:
                if spec.get("required"):
                    raise missing(f"{name}.member.N")
                continue
            limit = spec.get("max")
            if limit is not None and len(items) > int(limit):
                raise invalid(f"{name} accepts at most {limit} members.")
            table = request_tables[str(spec["list"])]
            body[to] = [
                build_struct(item, table, f"{prefix}.{n}") for n, item in enumerate(items, 1)
            ]
        else:
            values = member_values(params, name)
            if not values:
                continue
            limit = spec.get("max")
            table = (enums or {}).get(str(spec["enum"])) if spec.get("enum") else None
            for value in values:
                if limit is not None and len(value) > int(limit):
                    raise invalid(f"Invalid {name} member: longer than {limit} characters.")
                if table is not None and value not in table:
                    raise invalid(
                        f"Invalid {name} value {value[:64]!r}: expected one of {', '.join(table)}."
                    )
            body[to] = [table[v] for v in values] if table is not None else values
    return body


def build_body(
    spec: Mapping[str, Any],
    params: Mapping[str, str],
    tables: Mapping[str, Any],
    *,
    seller_marketplaces: Sequence[str],
    now: datetime,
) -> dict[str, Any]:
    """The SP-API JSON body of a POST/PUT operation (scalars, then structures)."""
    specs: Mapping[str, Any] = spec.get("params") or {}
    parsed = parse_params(
        specs,
        spec.get("rules") or [],
        params,
        enums=tables.get("enums") or {},
        patterns=tables.get("patterns") or {},
        seller_marketplaces=seller_marketplaces,
        now=now,
    )
    body: dict[str, Any] = {}
    for name, value in parsed.values.items():
        pspec = specs[name]
        target = pspec.get("upstream")
        if not target:
            continue
        if pspec.get("as") == "datetime":
            body[str(target)] = format_millis(parse_datetime(name, str(value)))
        elif pspec.get("as") == "bool":
            body[str(target)] = str(value).lower() == "true"
        else:
            body[str(target)] = value
    marketplace = body.get("marketplaceId")
    if marketplace is not None and marketplace not in seller_marketplaces:
        raise invalid(
            f"Invalid MarketplaceId {str(marketplace)[:32]!r}: the seller is not registered in "
            "this marketplace."
        )
    body.update(
        read_structs(
            spec.get("structs") or {},
            params,
            tables.get("request") or {},
            tables.get("enums") or {},
        )
    )
    return body
