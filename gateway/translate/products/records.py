"""The records walk of :mod:`gateway.translate.engine.records`, plus attributes and text.

Product Pricing v0 answers with the MWS element names, so Products uses the same ``records``
table format as Finances (``mappings/sections/products.yaml``, ``tables.records``). Pricing
also carries the values MWS wrote as XML attributes (``CompetitivePrice condition=...``,
``OfferListingCount condition=...``, ``ShippingTime minimumHours=...``) as JSON keys beside the
children. A record written in the mapping form may therefore add:

``attributes: {mwsName: jsonKey}``   attributes of the element, in MWS order (absent ones skipped)
``text: {from: jsonKey, type: KIND}`` the element's text instead of children (``KIND`` a leaf
                                      kind; ``fields`` may then be left out)

A record with ``attributes`` only (no ``fields``) is an empty element with attributes.
This lives here rather than in ``records.py`` (owned by the Finances translation); it only
extends :class:`RecordMaps` and changes nothing for other tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.mws.xml import Element
from gateway.translate.engine.records import _LEAVES, RecordMapError, RecordMaps, _Spec


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


_CACHE: dict[int, tuple[Mapping[str, Any], AttributedRecordMaps]] = {}


def product_maps(records: Mapping[str, Any]) -> AttributedRecordMaps:
    """Compiled maps, cached per loaded table object."""
    hit = _CACHE.get(id(records))
    if hit is not None and hit[0] is records:
        return hit[1]
    compiled = AttributedRecordMaps(records)
    _CACHE[id(records)] = (records, compiled)
    return compiled
