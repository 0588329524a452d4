"""Nested MWS request structures -> JSON objects, driven by a section's ``tables.request``.

MWS flattens structures into dotted parameters (``ShipFromAddress.Name``,
``InboundShipmentPlanRequestItems.member.1.PrepDetailsList.PrepDetails.1.PrepOwner``). A request
table is a list of rows, one per MWS field, in any order::

    {mws: Name, to: jsonKey, required: true, max_length: 50}           a scalar
    {mws: Quantity, as: int | decimal | bool | datetime, min: 1}       a typed scalar
    {mws: PrepOwner, enum: prep_owner}                                 MWS value -> JSON value
    {mws: ShipFromAddress, struct: address}                            a nested structure
    {mws: Items, list: item, member: [member, ""], max: 200}           a list of structures
    {mws: Ids, values: true, member: [member]}                         a list of values

``member`` names the list spellings accepted, the first being the official one: clients
disagree (the documentation's ``PrepDetails.N``, the libraries' ``member.N``, boto's bare
``Name.N`` written as ``""``); a request mixing two spellings of one list is refused.
``drop: true`` reads and checks a field MWS accepted but SP-API has no place for, and leaves it
out of the body. Missing required fields give ``MissingParameter``, bad values
``InvalidParameterValue``, each naming the field as the client spelled it. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.mws.params import list_values, struct_list
from gateway.mws.timestamps import format_millis
from gateway.translate.engine.bodies import missing, struct_fields
from gateway.translate.engine.params import invalid, parse_datetime

Tables = Mapping[str, Any]


def _decimal(text: str, shown: str) -> int | float:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise invalid(f"Invalid {shown}: {text[:32]!r} is not a decimal number.") from None
    if not number.is_finite() or number < 0:
        raise invalid(f"Invalid {shown}: {text[:32]!r} is not a decimal number.")
    return int(number) if number == number.to_integral_value() else float(number)


def scalar(row: Mapping[str, Any], text: str, shown: str, enums: Tables) -> Any:
    """One MWS value as the row types it (``as``, ``enum``, ``min``, ``max``)."""
    kind = str(row.get("as", "string"))
    if "enum" in row:
        table: Mapping[str, str] = enums[str(row["enum"])]
        if text not in table:
            raise invalid(f"Invalid {shown} {text[:64]!r}: expected one of {', '.join(table)}.")
        return table[text]
    if kind == "int":
        try:
            number = int(text)
        except ValueError:
            raise invalid(f"Invalid {shown}: {text[:32]!r} is not an integer.") from None
        lo = int(row.get("min", 1))
        hi = row.get("max")
        if number < lo or (hi is not None and number > int(hi)):
            bound = f"at least {lo}" if hi is None else f"between {lo} and {hi}"
            raise invalid(f"Invalid {shown}: {number} must be {bound}.")
        return number
    if kind == "decimal":
        return _decimal(text, shown)
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise invalid(f"Invalid {shown}: {text[:16]!r} is not true or false.")
        return text.lower() == "true"
    if kind == "datetime":
        return format_millis(parse_datetime(shown, text))
    return text


def _prefix(name: str, spelling: str) -> str:
    return f"{name}.{spelling}" if spelling else name


def list_wire(fields: Mapping[str, str], name: str, spellings: Sequence[str]) -> str:
    """The list prefix the client used (``Name.PrepDetails``, ``Name.member`` or ``Name``)."""
    used = [
        _prefix(name, s)
        for s in spellings
        if struct_list(fields, _prefix(name, s)) or list_values(fields, _prefix(name, s))
    ]
    if len(used) > 1:
        raise invalid(f"{name}: use one of {', '.join(n + '.N' for n in used)}, not several.")
    return used[0] if used else _prefix(name, spellings[0])


def build(
    fields: Mapping[str, str], table_name: str, prefix: str, request: Tables, enums: Tables
) -> dict[str, Any]:
    """One JSON object from the flat ``{"Field[.Sub]": value}`` of an MWS structure."""
    out: dict[str, Any] = {}
    for row in request[table_name]:
        mws, to = str(row["mws"]), str(row.get("to", row["mws"]))
        shown = f"{prefix}.{mws}" if prefix else mws
        if "struct" in row:
            sub = struct_fields(fields, mws)
            if any(v.strip() for v in sub.values()):
                built = build(sub, str(row["struct"]), shown, request, enums)
                if not row.get("drop"):
                    out[to] = built
            elif row.get("required"):
                raise missing(f"{shown}.*")
            continue
        if "list" in row or "values" in row:
            spellings = [str(s) for s in row.get("member") or ["member"]]
            wire = list_wire(fields, mws, spellings)
            lead = f"{prefix}." if prefix else ""
            if "list" in row:
                items = struct_list(fields, wire)
                limit = row.get("max")
                if limit is not None and len(items) > int(limit):
                    raise invalid(f"{lead}{wire}.N accepts at most {limit} members.")
                value: list[Any] = [
                    build(item, str(row["list"]), f"{lead}{wire}.{n}", request, enums)
                    for n, item in enumerate(items, 1)
                ]
            else:
                value = [v.strip() for v in list_values(fields, wire) if v.strip()]
                limit = row.get("max")
                if limit is not None and len(value) > int(limit):
                    raise invalid(f"{lead}{wire}.N accepts at most {limit} values.")
            if value:
                if not row.get("drop"):
                    out[to] = value
            elif row.get("required"):
                raise missing(f"{lead}{wire}.N")
            continue
        text = (fields.get(mws) or "").strip()
        if not text:
            if row.get("required"):
                raise missing(shown)
            continue
        limit = row.get("max_length")
        if limit is not None and len(text) > int(limit):
            raise invalid(f"Invalid {shown}: longer than {limit} characters.")
        value_of = scalar(row, text, shown, enums)
        if not row.get("drop"):
            out[to] = value_of
    return out


def build_body(
    spec: Mapping[str, Any], params: Mapping[str, str], tables: Tables
) -> dict[str, Any]:
    """The SP-API JSON body of an operation whose ``body`` names its request table."""
    return build(
        params,
        str(spec["body"]),
        "",
        tables.get("request") or {},
        tables.get("enums") or {},
    )
