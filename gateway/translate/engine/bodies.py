"""MWS request structures -> SP-API JSON request bodies.

Pure functions over an operation's ``params`` / ``structs`` tables and the section's
``tables.request`` structure maps (``mappings/sections/fulfillment_outbound.yaml``,
``products.yaml``). Scalars go through :func:`gateway.translate.engine.params.parse_params`;
structures are read here because they nest (``Items.member.1.PerUnitPrice.Value``) and because
clients disagree on list encodings: the official ``Items.member.N.Field`` and boto's
``Items.N.Field`` (its flattener without a ``member`` key) are both accepted; a request mixing
them is refused. A list whose members have their own name (``FeesEstimateRequestList.
FeesEstimateRequest.N``) says so with ``member:``.

A structure row is ``{mws: Field[.Sub], to: key[.sub], as: KIND, required, max_length,
values, max}``: a dotted ``to`` nests the value (``FeesEstimateRequest.MarketplaceId``),
``values`` lists the accepted texts, ``max`` bounds an ``int``, and ``as: money`` reads
``Field.CurrencyCode`` + ``Field.Value`` into ``{currencyCode, value}`` unless the row's
``money:`` says otherwise: ``amount`` (the MWS amount field), ``keys`` (the two SP-API keys),
``number: true`` (the amount as a JSON number), ``non_negative: true``.
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

MAX_NUMBER = Decimal(10) ** 15  # amounts sent as JSON numbers must survive a float


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


def _money(
    fields: Mapping[str, str], key: str, shown: str, style: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    style = style or {}
    amount_field = str(style.get("amount", "Value"))
    currency_key, amount_key = (str(k) for k in style.get("keys", ("currencyCode", "value")))
    currency = (fields.get(f"{key}.CurrencyCode") or "").strip()
    value = (fields.get(f"{key}.{amount_field}") or "").strip()
    if not currency and not value:
        return None
    if not currency or not value:
        raise invalid(f"{shown} needs both CurrencyCode and {amount_field}.")
    if len(currency) != 3 or not currency.isalpha():
        raise invalid(f"Invalid {shown}.CurrencyCode {currency[:16]!r}.")
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise invalid(f"Invalid {shown}.{amount_field} {value[:32]!r}: not a decimal number.")
    if style.get("number") and abs(number) >= MAX_NUMBER:
        raise invalid(f"Invalid {shown}.{amount_field} {value[:32]!r}: too large.")
    if style.get("non_negative") and number < 0:
        raise invalid(f"Invalid {shown}.{amount_field} {value[:32]!r}: must not be negative.")
    return {currency_key: currency, amount_key: float(number) if style.get("number") else value}


def _put(out: dict[str, Any], dotted: str, value: Any) -> None:
    """``out[a][b][c] = value`` for ``a.b.c`` (intermediate objects created)."""
    *parents, last = dotted.split(".")
    node = out
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


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
            money = _money(fields, mws, shown, row.get("money"))
            if money is not None:
                _put(out, to, money)
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
        allowed = row.get("values")
        if allowed is not None and text not in allowed:
            raise invalid(
                f"Invalid {shown} value {text[:64]!r}: expected one of {', '.join(allowed)}."
            )
        value = _scalar(kind, text, shown)
        if kind == "int" and row.get("max") is not None and value > int(row["max"]):
            raise invalid(f"Invalid {shown}: {text[:32]} is larger than {row['max']}.")
        _put(out, to, value)
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
            if spec.get("member"):
                prefix = f"{name}.{spec['member']}"
                items = struct_list(params, prefix)
            else:
                prefix, items = member_structs(params, name)
            if not items:
                if spec.get("required"):
                    raise missing(f"{prefix if spec.get('member') else name + '.member'}.N")
                continue
            limit = spec.get("max")
            if limit is not None and len(items) > int(limit):
                raise invalid(f"{prefix}.N accepts at most {limit} values.")
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
