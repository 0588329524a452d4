"""SP-API JSON objects -> MWS element trees, for APIs whose JSON keeps the MWS names.

Finances v0 answers with the MWS element names (``ShipmentEventList``, ``FeeAmount``...), so
its translation is a typed walk driven by a ``records`` table (``mappings/sections/
finances.yaml``, ``tables.records``): each record is an ordered list of MWS children, and the
table says their types, the rare SP-API key that differs, and the name of list items.

Entry forms (each entry is one MWS child element, in MWS order)::

    Name                       leaf string read from JSON key "Name"
    {Name: KIND}               KIND: string | int | decimal | datetime | millis, or a record
    {Name: [RECORD]}           list of RECORD objects, each item element named RECORD
    {Name: {type: KIND | [RECORD], from: jsonKey, each: ItemName, always: true}}

``always`` emits the element even when the JSON has no such key (an empty list element);
otherwise absent or null values are left out. A record may also be written as
``{fields: [...], always_lists: true}`` to make every list child ``always``.

:class:`AttributedRecordMaps` reads the same tables plus what MWS wrote as XML attributes and
element text, for JSON that keeps them as keys beside the children (Product Pricing's
``CompetitivePrice condition=...``, the AnyOfferChanged notification's ``OfferCount``). A record
in the mapping form may then add:

``attributes: {mwsName: jsonKey}``   attributes of the element, in MWS order (absent ones skipped)
``text: {from: jsonKey, type: KIND}`` the element's text instead of children (``KIND`` a leaf
                                      kind; ``fields`` may then be left out)

A record with ``attributes`` only (no ``fields``) is an empty element with attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.mws.xml import Element
from gateway.translate.engine.fields import format_datetime

LEAF_KINDS = ("string", "int", "decimal", "datetime", "millis")


class RecordMapError(ValueError):
    """A records table is malformed (raised when it is compiled, i.e. at start-up)."""


def format_decimal(value: Any) -> str | None:
    """A JSON number as MWS printed amounts: at least two decimals (``-29.99``, ``0.00``)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        number = number.quantize(Decimal("0.01"))
    return format(number, "f")


def format_int(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return None


def format_millis(value: Any) -> str | None:
    """An ISO date-time as epoch milliseconds (MWS TaxWithholdingPeriod)."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return str(int(parsed.timestamp() * 1000))


def _string(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if text != "" else None


_LEAVES: dict[str, Callable[[Any], str | None]] = {
    "string": _string,
    "int": format_int,
    "decimal": format_decimal,
    "datetime": lambda v: None if v in (None, "") else format_datetime(v),
    "millis": format_millis,
}

Build = Callable[[Mapping[str, Any]], Element | None]


@dataclass(frozen=True)
class _Spec:
    tag: str
    key: str
    kind: str  # a leaf kind or a record name
    many: bool
    each: str
    always: bool


class RecordMaps:
    """Compiled records table: ``build(record, json_object) -> children``."""

    def __init__(self, records: Mapping[str, Any]) -> None:
        if not isinstance(records, Mapping) or not records:
            raise RecordMapError("the records table is missing or empty")
        self._raw = records
        self._specs: dict[str, list[_Spec]] = {}
        for name in records:
            self._specs[name] = self._compile(name)
        for name, specs in self._specs.items():
            for spec in specs:
                if spec.kind not in LEAF_KINDS and spec.kind not in self._specs:
                    raise RecordMapError(f"records.{name}.{spec.tag}: unknown type {spec.kind!r}")

    def names(self) -> list[str]:
        return list(self._specs)

    def element_names(self, record: str) -> list[str]:
        return [s.tag for s in self._specs[record]]

    def json_keys(self, record: str) -> list[str]:
        return [s.key for s in self._specs[record]]

    def children(self, record: str, source: Mapping[str, Any]) -> list[Element]:
        """The MWS children of ``record`` built from the SP-API object ``source``."""
        out: list[Element] = []
        for spec in self._specs[record]:
            el = self._build(spec, source.get(spec.key))
            if el is not None:
                out.append(el)
        return out

    # compile ---------------------------------------------------------------------------

    def _compile(self, name: str) -> list[_Spec]:
        raw = self._raw[name]
        always_lists = False
        if isinstance(raw, Mapping):
            always_lists = bool(raw.get("always_lists", False))
            raw = raw.get("fields")
        if not isinstance(raw, list) or not raw:
            raise RecordMapError(f"records.{name}: needs a non-empty list of fields")
        specs: list[_Spec] = []
        seen: set[str] = set()
        for entry in raw:
            spec = self._entry(name, entry, always_lists)
            if spec.tag in seen:
                raise RecordMapError(f"records.{name}: {spec.tag} is listed twice")
            seen.add(spec.tag)
            specs.append(spec)
        return specs

    @staticmethod
    def _entry(record: str, entry: Any, always_lists: bool) -> _Spec:
        if isinstance(entry, str):
            return _Spec(entry, entry, "string", False, "", False)
        if not isinstance(entry, Mapping) or len(entry) != 1:
            raise RecordMapError(f"records.{record}: bad entry {entry!r}")
        ((tag, value),) = entry.items()
        tag = str(tag)
        options: Mapping[str, Any] = value if isinstance(value, Mapping) else {"type": value}
        kind_raw = options.get("type", "string")
        many = isinstance(kind_raw, list)
        if many:
            if len(kind_raw) != 1:
                raise RecordMapError(f"records.{record}.{tag}: a list type names one record")
            kind = str(kind_raw[0])
        else:
            kind = str(kind_raw)
        each = str(options.get("each", kind))
        if many and kind in LEAF_KINDS and "each" not in options:
            raise RecordMapError(f"records.{record}.{tag}: a list of {kind} needs 'each'")
        always = bool(options.get("always", many and always_lists))
        return _Spec(tag, str(options.get("from", tag)), kind, many, each, always)

    # build -----------------------------------------------------------------------------

    def _build(self, spec: _Spec, value: Any) -> Element | None:
        if spec.many:
            if value is None:
                return (spec.tag, []) if spec.always else None
            items = value if isinstance(value, list) else [value]
            built: list[Element] = []
            for item in items:
                child = self._one(spec.kind, spec.each, item)
                if child is not None:
                    built.append(child)
            return (spec.tag, built)
        return self._one(spec.kind, spec.tag, value)

    def _one(self, kind: str, tag: str, value: Any) -> Element | None:
        leaf = _LEAVES.get(kind)
        if leaf is not None:
            text = leaf(value)
            return None if text is None else (tag, text)
        if not isinstance(value, Mapping):
            return None
        return (tag, self.children(kind, value))


@dataclass(frozen=True)
class _Extra:
    attributes: tuple[tuple[str, str], ...]
    text_key: str | None
    text_kind: str


class AttributedRecordMaps(RecordMaps):
    """:class:`RecordMaps` whose records may carry ``attributes`` and ``text``."""

    def __init__(self, records: Mapping[str, Any]) -> None:
        self._extras: dict[str, _Extra] = {}
        for name, raw in records.items() if isinstance(records, Mapping) else ():
            if isinstance(raw, Mapping) and ("attributes" in raw or "text" in raw):
                self._extras[str(name)] = self._extra(str(name), raw)
        super().__init__(records)

    @staticmethod
    def _extra(name: str, raw: Mapping[str, Any]) -> _Extra:
        attrs = raw.get("attributes") or {}
        if not isinstance(attrs, Mapping):
            raise RecordMapError(f"records.{name}.attributes: needs a mapping")
        text = raw.get("text")
        key: str | None = None
        kind = "string"
        if text is not None:
            if isinstance(text, str):
                key = text
            elif isinstance(text, Mapping) and "from" in text:
                key, kind = str(text["from"]), str(text.get("type", "string"))
            else:
                raise RecordMapError(f"records.{name}.text: needs a key or {{from, type}}")
            if kind not in _LEAVES:
                raise RecordMapError(f"records.{name}.text: unknown type {kind!r}")
        return _Extra(tuple((str(k), str(v)) for k, v in attrs.items()), key, kind)

    def _compile(self, name: str) -> list[_Spec]:
        raw = self._raw[name]
        if name in self._extras and isinstance(raw, Mapping) and not raw.get("fields"):
            return []  # attributes and/or text only
        return super()._compile(name)

    def attributes(self, record: str, source: Mapping[str, Any]) -> dict[str, str]:
        extra = self._extras.get(record)
        out: dict[str, str] = {}
        if extra is None:
            return out
        for mws_name, key in extra.attributes:
            text = _LEAVES["string"](source.get(key))
            if text is not None:
                out[mws_name] = text
        return out

    def _one(self, kind: str, tag: str, value: Any) -> Element | None:
        extra = self._extras.get(kind)
        if extra is None or not isinstance(value, Mapping):
            return super()._one(kind, tag, value)
        attrs = self.attributes(kind, value)
        if extra.text_key is not None:
            text = _LEAVES[extra.text_kind](value.get(extra.text_key))
            if text is None:
                return None
            return (tag, text, attrs) if attrs else (tag, text)
        content = self.children(kind, value) if self._specs[kind] else None
        return (tag, content, attrs) if attrs else (tag, content)


_CACHE: dict[int, tuple[Mapping[str, Any], RecordMaps]] = {}
_ATTRIBUTED: dict[int, tuple[Mapping[str, Any], AttributedRecordMaps]] = {}


def attributed_maps(records: Mapping[str, Any]) -> AttributedRecordMaps:
    """Compiled attributed maps, cached per loaded table object."""
    hit = _ATTRIBUTED.get(id(records))
    if hit is not None and hit[0] is records:
        return hit[1]
    compiled = AttributedRecordMaps(records)
    _ATTRIBUTED[id(records)] = (records, compiled)
    return compiled


def record_maps(records: Mapping[str, Any]) -> RecordMaps:
    """Compiled maps, cached per loaded table object."""
    hit = _CACHE.get(id(records))
    if hit is not None and hit[0] is records:
        return hit[1]
    compiled = RecordMaps(records)
    _CACHE[id(records)] = (records, compiled)
    return compiled
