"""MWS request parameters: decoding, merging and the list/structure encodings.

Parameters arrive in the query string, in an ``application/x-www-form-urlencoded`` body, or
both (boto moves everything into the query string of a POST). They are decoded once into a
flat ``{name: value}`` mapping; list parameters keep their wire names (``X.Id.1``) and are
read back with :func:`list_values` and :func:`struct_list`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote_to_bytes

from gateway.mws.errors import MwsError

_INDEXED = re.compile(r"^(?P<index>[1-9][0-9]{0,3})(?:\.(?P<rest>.+))?$")


def _decode_component(raw: str, what: str) -> str:
    if "%" not in raw and "+" not in raw:
        return raw
    try:
        return unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        shown = raw[:40]
        raise MwsError(
            "InvalidParameterValue", f"{what} {shown!r} is not valid percent-encoded UTF-8."
        ) from None


def parse_pairs(raw: str, *, max_parameters: int) -> list[tuple[str, str]]:
    """Decode ``a=b&c=d`` into pairs; empty segments (a leading ``&``) are ignored."""
    pairs: list[tuple[str, str]] = []
    for segment in raw.split("&"):
        if not segment:
            continue
        name_raw, _, value_raw = segment.partition("=")
        name = _decode_component(name_raw, "Parameter name")
        if not name:
            continue
        pairs.append((name, _decode_component(value_raw, f"The value of {name[:60]}")))
        if len(pairs) > max_parameters:
            raise MwsError(
                "InvalidParameterValue",
                f"The request has more than {max_parameters} parameters.",
            )
    return pairs


def merge_parameters(*sources: list[tuple[str, str]]) -> dict[str, str]:
    """Merge parameter pairs from every source; a name given twice must agree."""
    merged: dict[str, str] = {}
    for pairs in sources:
        for name, value in pairs:
            previous = merged.get(name)
            if previous is not None and previous != value:
                raise MwsError(
                    "InvalidParameterValue",
                    f"Parameter {name[:60]} was given more than once with different values.",
                )
            merged[name] = value
    return merged


def list_values(params: Mapping[str, str], prefix: str) -> list[str]:
    """Values of ``prefix.1``, ``prefix.2``... in index order (e.g. ``MarketplaceId.Id``)."""
    found: list[tuple[int, str]] = []
    lead = prefix + "."
    for name, value in params.items():
        if name.startswith(lead):
            match = _INDEXED.match(name[len(lead) :])
            if match and match.group("rest") is None:
                found.append((int(match.group("index")), value))
    found.sort()
    return [value for _, value in found]


def item_count(params: Mapping[str, str], prefix: str) -> int:
    """How many members ``prefix.N`` or ``prefix.N.Field`` name (distinct indices)."""
    indices: set[int] = set()
    lead = prefix + "."
    for name in params:
        if name.startswith(lead):
            match = _INDEXED.match(name[len(lead) :])
            if match:
                indices.add(int(match.group("index")))
    return len(indices)


def struct_list(params: Mapping[str, str], prefix: str) -> list[dict[str, str]]:
    """Structures of ``prefix.N.Field[.Sub]``, as ``{"Field.Sub": value}`` in index order."""
    found: dict[int, dict[str, str]] = {}
    lead = prefix + "."
    for name, value in params.items():
        if name.startswith(lead):
            match = _INDEXED.match(name[len(lead) :])
            if match and match.group("rest"):
                found.setdefault(int(match.group("index")), {})[match.group("rest")] = value
    return [found[i] for i in sorted(found)]


def first_of(params: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = params.get(name)
        if value:
            return value
    return None
