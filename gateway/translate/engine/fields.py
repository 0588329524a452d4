"""SP-API JSON -> MWS element trees, driven by the field maps of a section table.

A field map is a list of entries in MWS element order (see ``mappings/sections/orders.yaml``,
``tables.fields``). :class:`FieldMaps` compiles each map once into plain closures, so
translating an order is a walk over precompiled steps with no table look-ups left. Enum
tables are written MWS -> SP-API; ``tables.enum_aliases`` adds the SP-API values a newer API
invented, each answered as an existing MWS value.

A list entry (``each``: the member element) is left out when empty unless it says
``always: true`` (MWS rendered some lists as an empty element).

Paths: ``a.b`` (keys), ``list[key=VALUE]`` (first element whose ``key`` equals VALUE),
``list[0]`` (index), ``list[]`` (every element; later steps apply to each and the result is
a flat list) and ``.`` (the value itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.mws.xml import Element

Getter = Callable[[Any], Any]
Builder = Callable[[Any], Element | None]
ChildrenBuilder = Callable[[Any], list[Element]]

_STEP = re.compile(r"([^.\[\]]*)((?:\[[^\]]*\])*)")
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class FieldMapError(ValueError):
    """A field map entry is malformed (raised at compile time, i.e. at start-up)."""


# --------------------------------------------------------------------------- paths


def _key(name: str) -> Getter:
    def get(value: Any) -> Any:
        return value.get(name) if isinstance(value, dict) else None

    get.key_name = name  # type: ignore[attr-defined]
    return get


def _select(key: str, wanted: str) -> Getter:
    def get(value: Any) -> Any:
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and item.get(key) == wanted:
                    return item
        return None

    return get


def _index(i: int) -> Getter:
    def get(value: Any) -> Any:
        if isinstance(value, list) and -len(value) <= i < len(value):
            return value[i]
        return None

    return get


_ALL = object()  # marker step: fan out over a list


def _parse_path(path: str) -> list[Getter | object]:
    steps: list[Getter | object] = []
    if path in (".", ""):
        return steps
    for part in path.split("."):
        match = _STEP.fullmatch(part)
        if match is None:
            raise FieldMapError(f"bad path {path!r}")
        name, brackets = match.group(1), match.group(2)
        if name:
            steps.append(_key(name))
        for inner in _BRACKETS.findall(brackets):
            if inner == "":
                steps.append(_ALL)
            elif "=" in inner:
                k, _, v = inner.partition("=")
                steps.append(_select(k.strip(), v.strip()))
            elif inner.lstrip("-").isdigit():
                steps.append(_index(int(inner)))
            else:
                raise FieldMapError(f"bad selector [{inner}] in path {path!r}")
    return steps


def _key_chain(keys: list[str]) -> Getter:
    """A fast getter for a path of plain keys (the common case)."""
    if len(keys) == 1:
        (k0,) = keys

        def get1(value: Any) -> Any:
            try:
                return value.get(k0)
            except AttributeError:
                return None

        return get1
    if len(keys) == 2:
        k0, k1 = keys

        def get2(value: Any) -> Any:
            try:
                return value.get(k0).get(k1)
            except AttributeError:
                return None

        return get2
    if len(keys) == 3:
        k0, k1, k2 = keys

        def get3(value: Any) -> Any:
            try:
                return value.get(k0).get(k1).get(k2)
            except AttributeError:
                return None

        return get3

    def get_n(value: Any) -> Any:
        try:
            for k in keys:
                value = value.get(k)
            return value
        except AttributeError:
            return None

    return get_n


def _fuse(steps: list[Getter]) -> Getter:
    """One getter for a run of steps; consecutive plain keys become one fast key chain."""
    groups: list[Getter] = []
    keys: list[str] = []
    for step in steps:
        name = getattr(step, "key_name", None)
        if isinstance(name, str):
            keys.append(name)
            continue
        if keys:
            groups.append(_key_chain(keys))
            keys = []
        groups.append(step)
    if keys:
        groups.append(_key_chain(keys))
    if not groups:
        return lambda v: v
    if len(groups) == 1:
        return groups[0]

    def get_one(value: Any) -> Any:
        for g in groups:
            value = g(value)
            if value is None:
                return None
        return value

    return get_one


def compile_path(path: str) -> tuple[Getter, bool]:
    """A getter for ``path`` and whether it yields a list (it contains ``[]``)."""
    steps = _parse_path(path)
    segments: list[list[Getter]] = [[]]
    for step in steps:
        if step is _ALL:
            segments.append([])
        else:
            segments[-1].append(step)  # type: ignore[arg-type]
    if len(segments) == 1:
        return _fuse(segments[0]), False
    head = _fuse(segments[0])
    tails = [_fuse(seg) for seg in segments[1:]]

    def get_many(value: Any) -> list[Any]:
        current: list[Any] = [head(value)]
        for tail in tails:
            flat: list[Any] = []
            for v in current:
                if type(v) is list:
                    flat.extend(v)
            current = [r for r in map(tail, flat) if r is not None]
        return current

    return get_many, True


def compile_from(raw: Any) -> tuple[Getter, bool]:
    """A path, or a list of paths tried in order (the first present value wins)."""
    if not isinstance(raw, list):
        return compile_path(str(raw))
    compiled = [compile_path(str(p)) for p in raw]
    if not compiled or any(many for _, many in compiled):
        raise FieldMapError(f"alternative paths {raw!r} must be single-valued")
    getters = [g for g, _ in compiled]

    def first(value: Any) -> Any:
        for g in getters:
            found = g(value)
            if found is not None:
                return found
        return None

    return first, False


# --------------------------------------------------------------------------- leaves


def format_datetime(value: Any) -> str | None:
    """An SP-API date-time as MWS printed it: UTC with a ``Z``.

    A few SP-API answers print a Java ``Date.toString()`` instead of ISO 8601 (Product Fees
    ``TimeOfFeesEstimation`` in Amazon's own examples: ``Mon Oct 28 18:49:32 UTC 2019``);
    those are read as UTC too. Anything else unreadable is passed on as it came."""
    text = str(value)
    if text.endswith("Z"):
        return text
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%a %b %d %H:%M:%S UTC %Y")
        except ValueError:
            return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _as_int(value: Any) -> str | None:
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return None


def _as_decimal_abs(value: Any) -> str | None:
    text = str(value).strip()
    return text[1:] if text.startswith("-") else text


_FORMATS: dict[str, Callable[[Any], str | None]] = {
    "string": lambda v: v if isinstance(v, str) else str(v),
    "datetime": format_datetime,
    "int": _as_int,
    "decimal_abs": _as_decimal_abs,
}


def _bool_text(flag: bool, then: str | None, other: str | None) -> str | None:
    if flag:
        return then if then is not None else "true"
    return other if other is not None else "false"


# --------------------------------------------------------------------------- compiler


class FieldMaps:
    """Compiled field maps of one section (``tables.fields`` and ``tables.enums``)."""

    def __init__(self, tables: Mapping[str, Any], *, fuse: bool = True) -> None:
        self._fuse = fuse  # False: closures only (the reference the fused code is tested against)
        self._raw: Mapping[str, Any] = tables.get("fields") or {}
        enums: Mapping[str, Mapping[str, str]] = tables.get("enums") or {}
        # enum tables are written MWS -> SP-API; responses need SP-API -> MWS
        self.to_mws: dict[str, dict[str, str]] = {
            name: {str(sp): str(mws) for mws, sp in table.items()} for name, table in enums.items()
        }
        self.to_spapi: dict[str, dict[str, str]] = {
            name: {str(mws): str(sp) for mws, sp in table.items()} for name, table in enums.items()
        }
        # SP-API values MWS never had, each read as the MWS value it comes closest to
        # (``tables.enum_aliases``: enum name -> {SP-API value: MWS value}); responses only.
        aliases: Mapping[str, Mapping[str, str]] = tables.get("enum_aliases") or {}
        for name, extra in aliases.items():
            if name not in self.to_mws:
                raise FieldMapError(f"enum_aliases.{name}: no enum table of that name")
            known = set(self.to_spapi[name])
            for sp, mws in extra.items():
                if str(mws) not in known:
                    raise FieldMapError(f"enum_aliases.{name}.{sp}: {mws!r} is not an MWS value")
                self.to_mws[name].setdefault(str(sp), str(mws))
        self._compiled: dict[str, ChildrenBuilder] = {}
        self._entries: dict[str, dict[str, Builder]] = {}
        self._building: set[str] = set()
        for name in self._raw:
            self.children(name)

    # public -------------------------------------------------------------------------

    def children(self, table: str) -> ChildrenBuilder:
        """A function building the child elements of ``table`` from an SP-API object."""
        built = self._compiled.get(table)
        if built is not None:
            return built
        entries = self._raw.get(table)
        if not isinstance(entries, list) or not entries:
            raise FieldMapError(f"field map {table!r} is missing or empty")
        if table in self._building:
            raise FieldMapError(f"field map {table!r} refers to itself")
        self._building.add(table)
        builders: list[Builder] = []
        by_name: dict[str, Builder] = {}
        for i, entry in enumerate(entries):
            try:
                builder = self._entry(entry)
            except FieldMapError as exc:
                raise FieldMapError(f"fields.{table}[{i}]: {exc}") from None
            builders.append(builder)
            by_name[str(entry["el"])] = builder

        def build(source: Any) -> list[Element]:
            return [el for b in builders if (el := b(source)) is not None]

        fused = self._fused(table, entries, builders, build) if self._fuse else build
        self._building.discard(table)
        self._compiled[table] = fused
        self._entries[table] = by_name
        return fused

    def _fused(
        self,
        table: str,
        entries: list[dict[str, Any]],
        builders: list[Builder],
        slow: ChildrenBuilder,
    ) -> ChildrenBuilder:
        """One generated function for the whole table (same results as ``slow``, faster).

        The common entry shapes -- plain text leaves, ``contains`` flags and nested tables on
        paths of plain keys -- are written out inline; every other entry calls its compiled
        builder. Only names from the table reach the source, as ``repr`` literals.
        """
        env: dict[str, Any] = {"slow": slow}
        lines = ["def build(s):", "    if s.__class__ is not dict:", "        return slow(s)"]
        lines.append("    out = []")
        for i, entry in enumerate(entries):
            env[f"T{i}"] = str(entry["el"])
            keys = _plain_keys(entry.get("from"))
            simple = keys is not None and not (set(entry) & {"when", "sum", "each", "otherwise"})
            if simple and keys is not None and set(entry) <= {"el", "from"}:
                lines += _inline_get(keys)
                lines.append('    if v is not None and v != "":')
                lines.append(f"        out.append((T{i}, v if v.__class__ is str else str(v)))")
            elif simple and keys is not None and set(entry) <= {"el", "from", "as"}:
                fmt_name = str(entry.get("as", "string"))
                if fmt_name not in _FORMATS:
                    raise FieldMapError(f"unknown format {fmt_name!r}")
                env[f"F{i}"] = _FORMATS[fmt_name]
                lines += _inline_get(keys)
                lines.append('    if v is not None and v != "":')
                if fmt_name == "datetime":
                    lines.append(
                        f'        t = v if v.__class__ is str and v[-1:] == "Z" else F{i}(v)'
                    )
                else:
                    lines.append(f"        t = F{i}(v)")
                lines.append("        if t is not None:")
                lines.append(f"            out.append((T{i}, t))")
            elif (
                simple
                and keys is not None
                and set(entry) <= {"el", "from", "enum", "default", "keep"}
            ):
                env[f"E{i}"] = self._enum(str(entry["enum"]))
                default = entry.get("default")
                env[f"D{i}"] = None if default is None else str(default)
                keep = bool(entry.get("keep", False))
                lines += _inline_get(keys)
                lines.append('    if v is None or v == "":')
                lines.append(f"        t = D{i}")
                lines.append("    else:")
                lines.append(f"        t = E{i}.get(v if v.__class__ is str else str(v))")
                lines.append("        if t is None:")
                lines.append(f"            t = {'str(v)' if keep else f'D{i}'}")
                lines.append("    if t is not None:")
                lines.append(f"        out.append((T{i}, t))")
            elif (
                simple
                and keys is not None
                and "contains" in entry
                and set(entry) <= {"el", "from", "contains"}
            ):
                env[f"W{i}"] = entry["contains"]
                env[f"Y{i}"] = (str(entry["el"]), "true")
                env[f"N{i}"] = (str(entry["el"]), "false")
                lines += _inline_get(keys)
                lines.append(f"    out.append(Y{i} if v.__class__ is list and W{i} in v else N{i})")
            elif simple and keys is not None and set(entry) <= {"el", "from", "fields"}:
                env[f"C{i}"] = self.children(str(entry["fields"]))
                lines += _inline_get(keys)
                lines.append("    if v.__class__ is dict:")
                lines.append(f"        k = C{i}(v)")
                lines.append("        if k:")
                lines.append(f"            out.append((T{i}, k))")
            else:
                env[f"B{i}"] = builders[i]
                lines.append(f"    e = B{i}(s)")
                lines.append("    if e is not None:")
                lines.append("        out.append(e)")
        lines.append("    return out")
        code = compile("\n".join(lines), f"<field map {table}>", "exec")
        exec(code, env)  # noqa: S102 - source built above from repr() literals only
        fused: ChildrenBuilder = env["build"]
        return fused

    def element(self, table: str, name: str) -> Builder:
        """The builder of one element of ``table`` (used for gateway-side filters)."""
        self.children(table)
        try:
            return self._entries[table][name]
        except KeyError:
            raise FieldMapError(f"field map {table!r} has no element {name!r}") from None

    def text(self, table: str, name: str, source: Any) -> str | None:
        """The text of a leaf element of ``table`` built from ``source`` (None when absent)."""
        el = self.element(table, name)(source)
        if el is None or not isinstance(el[1], str):
            return None
        return el[1]

    # compile ------------------------------------------------------------------------

    def _enum(self, name: str) -> dict[str, str]:
        try:
            return self.to_mws[name]
        except KeyError:
            raise FieldMapError(f"unknown enum table {name!r}") from None

    def _entry(self, entry: Any) -> Builder:
        if not isinstance(entry, dict) or "el" not in entry:
            raise FieldMapError("each entry needs 'el'")
        tag = str(entry["el"])
        when = self._condition(entry["when"]) if "when" in entry else None
        builder = self._entry_body(tag, entry)
        if when is None:
            return builder

        def guarded(source: Any) -> Element | None:
            return builder(source) if when(source) else None

        return guarded

    def _condition(self, raw: Any) -> Callable[[Any], bool]:
        if not isinstance(raw, dict) or "from" not in raw:
            raise FieldMapError("'when' needs 'from' and 'contains' or 'equals'")
        get, _many = compile_path(str(raw["from"]))
        if "contains" in raw:
            wanted = raw["contains"]
            return lambda s: _contains(get(s), wanted)
        if "equals" in raw:
            wanted = raw["equals"]
            return lambda s: get(s) == wanted
        raise FieldMapError("'when' needs 'contains' or 'equals'")

    def _entry_body(self, tag: str, entry: dict[str, Any]) -> Builder:
        if "sum" in entry:
            get, _ = compile_path(str(entry["sum"]))
            return _sum_builder(tag, get)
        if "from" not in entry:
            raise FieldMapError(f"{tag}: needs 'from' or 'sum'")
        get, many = compile_from(entry["from"])
        for test in ("contains", "equals", "exists"):
            if test in entry:
                return _test_builder(
                    tag, get, test, entry[test], entry.get("then"), entry.get("else")
                )
        if "each" in entry:
            item = self._item(entry)
            item_tag = str(entry["each"])
            return _each_builder(tag, item_tag, get, item, bool(entry.get("always", False)))
        if "fields" in entry:
            nested = self.children(str(entry["fields"]))
            return _nested_builder(tag, get, nested)
        leaf = self._leaf(entry)
        if many:
            raise FieldMapError(f"{tag}: a list path needs 'each', 'sum' or a test")
        if "otherwise" not in entry and "enum" not in entry:
            return _plain_builder(tag, get, str(entry.get("as", "string")))
        otherwise = compile_path(str(entry["otherwise"]))[0] if "otherwise" in entry else None
        return _leaf_builder(tag, get, leaf, otherwise)

    def _item(self, entry: dict[str, Any]) -> Callable[[Any], Element | list[Element] | None]:
        if "fields" in entry:
            nested = self.children(str(entry["fields"]))
            return lambda v: nested(v) or None
        leaf = self._leaf(entry)
        return leaf  # type: ignore[return-value]

    def _leaf(self, entry: dict[str, Any]) -> Callable[[Any], str | None]:
        fmt_name = str(entry.get("as", "string"))
        try:
            fmt = _FORMATS[fmt_name]
        except KeyError:
            raise FieldMapError(f"unknown format {fmt_name!r}") from None
        if "enum" not in entry:

            def plain(value: Any) -> str | None:
                if value is None or value == "":
                    return None
                return fmt(value)

            return plain
        table = self._enum(str(entry["enum"]))
        keep = bool(entry.get("keep", False))
        default = entry.get("default")
        default_text = None if default is None else str(default)

        def mapped(value: Any) -> str | None:
            if value is None or value == "":
                return default_text
            text = table.get(str(value))
            if text is not None:
                return text
            return str(value) if keep else default_text

        return mapped


def _plain_keys(raw: Any) -> list[str] | None:
    """The keys of a path made only of plain keys (``a.b.c``), else None."""
    if not isinstance(raw, str) or raw in ("", "."):
        return None
    keys = raw.split(".")
    if all(_IDENT.fullmatch(k) for k in keys):
        return keys
    return None


def _inline_get(keys: list[str]) -> list[str]:
    lines = [f"    v = s.get({keys[0]!r})"]
    for key in keys[1:]:
        lines.append(f"    v = v.get({key!r}) if v.__class__ is dict else None")
    return lines


def _contains(value: Any, wanted: Any) -> bool:
    return isinstance(value, list) and wanted in value


def _sum_builder(tag: str, get: Getter) -> Builder:
    def build(source: Any) -> Element | None:
        values = get(source)
        if not values:
            return None
        total = 0
        for v in values:
            if isinstance(v, int | float) and not isinstance(v, bool):
                total += int(v)
        return (tag, str(total))

    return build


def _test_builder(tag: str, get: Getter, test: str, wanted: Any, then: Any, other: Any) -> Builder:
    then_s = None if then is None else str(then)
    else_s = None if other is None else str(other)
    if test == "contains" and then_s is None and else_s is None:
        yes, no = (tag, "true"), (tag, "false")

        def build_contains(source: Any) -> Element | None:
            value = get(source)
            return yes if type(value) is list and wanted in value else no

        return build_contains

    def build(source: Any) -> Element | None:
        value = get(source)
        if test == "contains":
            flag = _contains(value, wanted)
        elif test == "equals":
            flag = value == wanted
        else:
            flag = (value is not None) == bool(wanted)
        text = _bool_text(flag, then_s, else_s)
        return (tag, text) if text is not None else None

    return build


def _each_builder(
    tag: str,
    item_tag: str,
    get: Getter,
    item: Callable[[Any], Element | list[Element] | None],
    always: bool = False,
) -> Builder:
    """A list element; ``always``: rendered (empty) when SP-API gave nothing, as MWS did."""

    def build(source: Any) -> Element | None:
        values = get(source)
        if values is None:
            return (tag, []) if always else None
        if not isinstance(values, list):
            values = [values]
        out: list[Element] = []
        for v in values:
            content = item(v)
            if content is not None:
                out.append((item_tag, content))  # type: ignore[arg-type]
        return (tag, out) if out or always else None

    return build


def _nested_builder(tag: str, get: Getter, nested: ChildrenBuilder) -> Builder:
    def build(source: Any) -> Element | None:
        value = get(source)
        if not isinstance(value, dict):
            return None
        kids = nested(value)
        return (tag, kids) if kids else None

    return build


def _plain_builder(tag: str, get: Getter, fmt_name: str) -> Builder:
    """A leaf without enum or fallback: the hot path of every field map."""
    if fmt_name == "string":

        def build_text(source: Any) -> Element | None:
            value = get(source)
            if value is None or value == "":
                return None
            return (tag, value if type(value) is str else str(value))

        return build_text
    fmt = _FORMATS[fmt_name]

    def build(source: Any) -> Element | None:
        value = get(source)
        if value is None or value == "":
            return None
        text = fmt(value)
        return None if text is None else (tag, text)

    return build


def _leaf_builder(
    tag: str,
    get: Getter,
    leaf: Callable[[Any], str | None],
    otherwise: Getter | None,
) -> Builder:
    def build(source: Any) -> Element | None:
        text = leaf(get(source))
        if text is None and otherwise is not None:
            alt = otherwise(source)
            text = None if alt is None or alt == "" else str(alt)
        return (tag, text) if text is not None else None

    return build


def element_text(elements: Sequence[Element], tag: str) -> str | None:
    """The text of the first child ``tag`` in ``elements`` (for tests and filters)."""
    for el in elements:
        if el[0] == tag and isinstance(el[1], str):
            return el[1]
    return None
