"""Nested MWS request structures -> SP-API JSON objects, driven by ``tables.request`` rows.

MWS flattens nested structures into dotted parameters
(``ShipmentRequestDetails.ShipFromAddress.Name``,
``PackageRequestDetails.PackageItemList.Item.1.OrderItemSerialNumberList.member.2``). A request
table is a list of rows, one per MWS field (``mws``) and the SP-API key it becomes (``to``,
default: the same name). A row is one of

* a nested structure (``struct``: the name of another table);
* a list of structures (``list``: the table of one member) or of values (``values``), with the
  member spellings to accept (``member``, e.g. the documented ``Item`` and the libraries'
  ``member``; a request mixing two is refused) and an optional ``max``;
* a scalar: ``as`` string | int | decimal | bool | datetime, or ``enum`` (an MWS -> SP-API
  table), with ``required`` and ``max_length``.

``drop: true`` reads and checks a field MWS accepted but SP-API has no place for, and leaves it
out of the body. Numbers become JSON numbers. Pure functions: no I/O.
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


def _scalar(row: Mapping[str, Any], text: str, shown: str, enums: Tables) -> Any:
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
        if number < 1:
            raise invalid(f"Invalid {shown}: {number} must be positive.")
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


def _wire(fields: Mapping[str, str], name: str, spellings: Sequence[str]) -> str:
    """The list prefix the client used (``Name.Item`` or ``Name.member``); mixing is refused."""
    used = [
        f"{name}.{s}"
        for s in spellings
        if struct_list(fields, f"{name}.{s}") or list_values(fields, f"{name}.{s}")
    ]
    if len(used) > 1:
        raise invalid(f"{name}: use one of {', '.join(n + '.N' for n in used)}, not several.")
    return used[0] if used else f"{name}.{spellings[0]}"


def build(
    fields: Mapping[str, str], table_name: str, prefix: str, request: Tables, enums: Tables
) -> dict[str, Any]:
    """One SP-API object from the flat ``{"Field[.Sub]": value}`` of an MWS structure."""
    out: dict[str, Any] = {}
    for row in request[table_name]:
        mws, to = str(row["mws"]), str(row.get("to", row["mws"]))
        shown = f"{prefix}.{mws}" if prefix else mws
        value: Any = None
        if "struct" in row:
            sub = struct_fields(fields, mws)
            if any(v.strip() for v in sub.values()):
                value = build(sub, str(row["struct"]), shown, request, enums)
            elif row.get("required"):
                raise missing(f"{shown}.*")
        elif "list" in row or "values" in row:
            spellings = [str(s) for s in row.get("member") or ["member"]]
            wire = _wire(fields, mws, spellings)
            if "list" in row:
                items = struct_list(fields, wire)
                value = [
                    build(
                        item,
                        str(row["list"]),
                        f"{prefix + '.' if prefix else ''}{wire}.{n}",
                        request,
                        enums,
                    )
                    for n, item in enumerate(items, 1)
                ]
            else:
                value = [v.strip() for v in list_values(fields, wire) if v.strip()]
            limit = row.get("max")
            if limit is not None and len(value) > int(limit):
                raise invalid(f"{shown} accepts at most {limit} members.")
            if not value:
                if row.get("required"):
                    raise missing(f"{prefix + '.' if prefix else ''}{wire}.N")
                value = None
        else:
            text = (fields.get(mws) or "").strip()
            if not text:
                if row.get("required"):
                    raise missing(shown)
                continue
            limit = row.get("max_length")
            if limit is not None and len(text) > int(limit):
                raise invalid(f"Invalid {shown}: longer than {limit} characters.")
            value = _scalar(row, text, shown, enums)
        if value is not None and not row.get("drop"):
            out[to] = value
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
