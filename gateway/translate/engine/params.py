"""MWS request parameters -> validated values, SP-API query and gateway-side filters.

Pure functions over an operation's ``params`` and ``rules`` tables (see
``mappings/sections/orders.yaml``). Each parameter spec says how to read it (``type``:
string | int | datetime | list with ``member``), how to check it (``required``, ``max``,
``min``, ``max_length``, ``values``, ``enum``, ``pattern``, ``latest``, ``clamp``,
``allow_future``, ``check``)
and what becomes of it: ``upstream`` (an SP-API query parameter), ``filter`` (applied by the
gateway to the translated element of that name) or ``refuse`` (no SP-API equivalent: the
request is refused with that message rather than answered unfiltered).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.params import list_values
from gateway.mws.timestamps import format_millis, parse_iso8601

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Filter:
    """A gateway-side filter: keep an element whose ``element`` text is one of ``values``."""

    element: str
    values: tuple[str, ...]
    casefold: bool = False

    def matches(self, text: str | None) -> bool:
        if text is None:
            return False
        if self.casefold:
            return text.casefold() in self.values
        return text in self.values

    def to_state(self) -> list[Any]:
        return [self.element, list(self.values), self.casefold]

    @classmethod
    def from_state(cls, raw: Any) -> Filter:
        element, values, casefold = raw
        return cls(str(element), tuple(str(v) for v in values), bool(casefold))


@dataclass
class ParsedParams:
    values: dict[str, Any] = field(default_factory=dict)  # MWS name -> parsed value
    upstream: dict[str, str] = field(default_factory=dict)  # SP-API query
    filters: list[Filter] = field(default_factory=list)


def invalid(message: str) -> MwsError:
    return MwsError("InvalidParameterValue", message)


def parse_datetime(name: str, text: str) -> datetime:
    text = text.strip()
    try:
        if _DATE_ONLY.match(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        return parse_iso8601(text)
    except ValueError:
        raise invalid(f"Invalid {name}: {text[:64]!r} is not an ISO 8601 date-time.") from None


def _wire_names(name: str, spec: Mapping[str, Any]) -> list[str]:
    """The list prefixes a list parameter may arrive under (official, then tolerated)."""
    prefixes = [f"{name}.{spec['member']}"] if spec.get("member") else []
    for alias in spec.get("aliases") or ():
        prefixes.append(str(alias).replace(".{n}", ""))
    return prefixes


def _read_list(name: str, spec: Mapping[str, Any], params: Mapping[str, str]) -> list[str] | None:
    values: list[str] = []
    for prefix in _wire_names(name, spec):
        values.extend(list_values(params, prefix))
    if not values and params.get(name):
        values = [params[name]]
    if not values:
        return None
    seen: dict[str, None] = {}
    for v in values:
        v = v.strip()
        if v:
            seen.setdefault(v, None)
    return list(seen) or None


def _display(name: str, spec: Mapping[str, Any]) -> str:
    return (
        f"{name}.{spec['member']}.N" if spec.get("type") == "list" and spec.get("member") else name
    )


def parse_params(
    specs: Mapping[str, Mapping[str, Any]],
    rules: Sequence[Mapping[str, Any]],
    params: Mapping[str, str],
    *,
    enums: Mapping[str, Mapping[str, str]],
    patterns: Mapping[str, str],
    seller_marketplaces: Sequence[str],
    now: datetime,
) -> ParsedParams:
    """Validate ``params`` against the tables; MWS errors for anything MWS refused."""
    out = ParsedParams()
    for name, spec in specs.items():
        value = _parse_one(name, spec, params, enums, patterns, seller_marketplaces, now)
        if value is None:
            if spec.get("required"):
                raise MwsError(
                    "MissingParameter", f"The parameter {_display(name, spec)} is required."
                )
            continue
        if spec.get("refuse"):
            raise invalid(str(spec["refuse"]))
        out.values[name] = value
    for rule in rules:
        _apply_rule(rule, out.values, specs)
    for name, value in out.values.items():
        spec = specs[name]
        if spec.get("upstream"):
            out.upstream[str(spec["upstream"])] = _upstream_text(spec, value, enums)
        elif spec.get("filter"):
            items = value if isinstance(value, list) else [value]
            casefold = spec.get("match") == "casefold"
            out.filters.append(
                Filter(
                    str(spec["filter"]),
                    tuple(v.casefold() if casefold else v for v in map(str, items)),
                    casefold,
                )
            )
    return out


def _parse_one(
    name: str,
    spec: Mapping[str, Any],
    params: Mapping[str, str],
    enums: Mapping[str, Mapping[str, str]],
    patterns: Mapping[str, str],
    seller_marketplaces: Sequence[str],
    now: datetime,
) -> Any:
    kind = spec.get("type", "string")
    if kind == "list":
        items = _read_list(name, spec, params)
        if items is None:
            return None
        limit = spec.get("max")
        if limit is not None and len(items) > int(limit):
            raise invalid(f"{_display(name, spec)} accepts at most {limit} values.")
        for item in items:
            _check_scalar(name, spec, item, enums, patterns)
        if spec.get("check") == "seller_marketplaces":
            for item in items:
                if item not in seller_marketplaces:
                    raise invalid(
                        f"Invalid {name} {item!r}: the seller is not registered in this "
                        "marketplace."
                    )
        return items
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    if kind == "datetime":
        value = parse_datetime(name, raw)
        return _check_time(name, spec, value, now)
    if kind == "int":
        try:
            number = int(raw)
        except ValueError:
            raise invalid(f"Invalid {name}: {raw[:32]!r} is not an integer.") from None
        lo, hi = spec.get("min"), spec.get("max")
        if (lo is not None and number < int(lo)) or (hi is not None and number > int(hi)):
            raise invalid(f"Invalid {name}: {number} must be between {lo} and {hi}.")
        return number
    _check_scalar(name, spec, raw, enums, patterns)
    if spec.get("check") == "seller_marketplaces" and raw not in seller_marketplaces:
        raise invalid(
            f"Invalid {name} {raw[:64]!r}: the seller is not registered in this marketplace."
        )
    return raw


def _check_scalar(
    name: str,
    spec: Mapping[str, Any],
    value: str,
    enums: Mapping[str, Mapping[str, str]],
    patterns: Mapping[str, str],
) -> None:
    allowed: Any = spec.get("values")
    if spec.get("enum"):
        allowed = enums[str(spec["enum"])].keys()
    if allowed is not None and value not in allowed:
        raise invalid(f"Invalid {name} value {value[:64]!r}: expected one of {', '.join(allowed)}.")
    max_length = spec.get("max_length")
    if max_length is not None and len(value) > int(max_length):
        raise invalid(f"Invalid {name}: longer than {max_length} characters.")
    if spec.get("pattern") and not re.fullmatch(patterns[str(spec["pattern"])], value):
        raise invalid(f"Invalid {name} {value[:64]!r}.")


def _check_time(name: str, spec: Mapping[str, Any], value: datetime, now: datetime) -> datetime:
    if value > now and not spec.get("allow_future"):
        raise invalid(f"Invalid {name}: {format_millis(value)} is in the future.")
    if spec.get("latest") is not None:
        margin = timedelta(seconds=int(spec["latest"]))
        if value > now - margin:
            raise invalid(
                f"Invalid {name}: must be no later than {int(margin.total_seconds())} seconds "
                "before the time of the request."
            )
    if spec.get("clamp") is not None:
        bound = now - timedelta(seconds=int(spec["clamp"]))
        if value > bound:
            return bound.replace(microsecond=(bound.microsecond // 1000) * 1000)
    return value


def _apply_rule(
    rule: Mapping[str, Any],
    values: Mapping[str, Any],
    specs: Mapping[str, Mapping[str, Any]],
) -> None:
    def shown(n: str) -> str:
        return _display(n, specs.get(n, {}))

    if "exactly_one" in rule:
        names = list(rule["exactly_one"])
        given = [n for n in names if n in values]
        if not given:
            raise MwsError("MissingParameter", f"One of {' or '.join(names)} is required.")
        if len(given) > 1:
            raise invalid(f"{' and '.join(given)} cannot both be specified.")
    if "at_least_one" in rule:
        names = list(rule["at_least_one"])
        if not any(n in values for n in names):
            raise MwsError(
                "MissingParameter", f"One of {' or '.join(shown(n) for n in names)} is required."
            )
    if "requires" in rule:
        for dependent, needed in rule["requires"].items():
            if dependent in values and needed not in values:
                raise invalid(f"{dependent} can only be specified together with {needed}.")
    if "exclusive" in rule:
        for name, others in rule["exclusive"].items():
            if name in values:
                clash = [o for o in others if o in values]
                if clash:
                    raise invalid(
                        f"{name} cannot be specified together with "
                        f"{', '.join(shown(c) for c in clash)}."
                    )
    if "ordered" in rule:
        first, second = rule["ordered"]
        if first in values and second in values and values[second] < values[first]:
            raise invalid(f"{second} must be later than {first}.")
    if "together" in rule:
        name = rule["together"]["param"]
        group = list(rule["together"]["values"])
        chosen = values.get(name) or []
        present = [v for v in group if v in chosen]
        if present and len(present) != len(group):
            raise invalid(f"{shown(name)}: {' and '.join(group)} must be specified together.")


def _upstream_text(
    spec: Mapping[str, Any], value: Any, enums: Mapping[str, Mapping[str, str]]
) -> str:
    if isinstance(value, datetime):
        return format_millis(value)
    if isinstance(value, list):
        table = enums.get(str(spec["enum"])) if spec.get("enum") else None
        return ",".join(table[v] if table else v for v in value)
    return str(value)
