"""The operation catalog: ``mappings/`` loaded, validated and indexed once at start-up.

The mapping tables are the single source of truth for sections, versions, paths,
namespaces, operations, throttles and translation targets. Everything here is plain data;
a broken table raises :class:`CatalogError` with the file and key at fault, which stops
start-up with a clear message.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gateway.mws.errors import ErrorSpec
from gateway.mws.quotas import Throttle


class CatalogError(Exception):
    """A mapping table is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Target:
    kind: str  # "local" | "spapi" | "unsupported"
    handler: str | None  # "module:function" under gateway.translate
    spapi: tuple[str, ...] = ()  # SP-API operations used, for coverage and pacing
    note: str | None = None  # why unsupported / what replaces it


@dataclass(frozen=True)
class Operation:
    section: str
    name: str
    throttle: Throttle
    target: Target
    namespace: str | None  # overrides the version's namespace (Finances GetServiceStatus)
    spec: Mapping[str, Any]  # the whole table entry, for handlers (params, fields, enums)


@dataclass(frozen=True)
class VersionInfo:
    version: str
    paths: tuple[str, ...]
    namespace: str


@dataclass(frozen=True)
class Section:
    name: str
    versions: tuple[VersionInfo, ...]
    seller_params: tuple[str, ...]
    quota_headers: bool
    unknown_action: str
    operations: Mapping[str, Operation]
    tables: Mapping[str, Any]  # section-wide shared tables (enum maps, field maps)
    # "module:function" hooks run at start-up with the Services (resume background work)
    on_start: tuple[str, ...] = ()

    def namespace_for(self, version: str, operation: Operation | None = None) -> str:
        if operation is not None and operation.namespace:
            return operation.namespace
        for info in self.versions:
            if info.version == version:
                return info.namespace
        return self.versions[0].namespace


@dataclass(frozen=True)
class Route:
    section: Section
    version: VersionInfo


@dataclass
class Catalog:
    sections: dict[str, Section]
    errors: dict[str, ErrorSpec]
    marketplaces: dict[str, dict[str, Any]]
    extra: dict[str, Any]  # other tables (spapi rate limits, error maps, report types, ...)
    # (path, version) -> routes; a path may serve several sections (Reports and Feeds at "/")
    routes: dict[tuple[str, str], list[Route]] = field(default_factory=dict)
    paths: set[str] = field(default_factory=set)
    by_path: dict[str, list[Section]] = field(default_factory=dict)  # path -> sections

    def resolve(
        self, path: str, version: str, action: str
    ) -> tuple[Section, str, Operation] | None:
        """The (section, version, operation) serving ``action`` at ``path``/``version``."""
        for route in self.routes.get((path, version), ()):
            op = route.section.operations.get(action)
            if op is not None:
                return route.section, route.version.version, op
        return None

    def sections_at(self, path: str) -> list[Section]:
        return self.by_path.get(path, [])

    def table(self, name: str) -> Any:
        try:
            return self.extra[name]
        except KeyError:
            raise CatalogError(f"mapping table {name!r} is missing") from None


def default_mappings_dir() -> Path:
    override = os.environ.get("MWS_GATEWAY_MAPPINGS_DIR")
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parent.parent / "mappings"
    if repo.is_dir():
        return repo
    return Path(__file__).resolve().parent / "_mappings"


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (an operation listed twice, say)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise CatalogError(f"line {key_node.start_mark.line + 1}: key {key!r} is given twice")
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def _load_yaml(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            return yaml.load(fh, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except CatalogError as exc:
        raise CatalogError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None


def _require(mapping: Any, key: str, where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise CatalogError(f"{where}: missing key {key!r}")
    return mapping[key]


def _throttle(raw: Any, groups: dict[str, Any], op_name: str, where: str) -> Throttle:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: throttle must be a mapping")
    bucket = op_name
    if "group" in raw:
        bucket = str(raw["group"])
        if bucket not in groups:
            raise CatalogError(f"{where}: unknown throttle group {bucket!r}")
        raw = groups[bucket]
    try:
        throttle = Throttle(
            bucket=bucket,
            max=int(raw["max"]),
            restore=float(raw["restore"]),
            period=float(raw["period"]),
            hourly=int(raw["hourly"]) if raw.get("hourly") is not None else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{where}: throttle needs max, restore, period ({exc})") from None
    if throttle.max < 1 or throttle.restore <= 0 or throttle.period <= 0:
        raise CatalogError(f"{where}: throttle values must be positive")
    return throttle


HandlerFn = Callable[..., Any]


def resolve_handler(ref: str) -> HandlerFn:
    """Import ``module:function`` relative to :mod:`gateway.translate`."""
    module_name, _, func_name = ref.partition(":")
    if not module_name or not func_name:
        raise CatalogError(f"handler {ref!r} must look like 'module:function'")
    try:
        module = importlib.import_module(f"gateway.translate.{module_name}")
    except ImportError as exc:
        raise CatalogError(f"handler {ref!r}: cannot import module: {exc}") from None
    fn = getattr(module, func_name, None)
    if not callable(fn):
        raise CatalogError(f"handler {ref!r}: no such function")
    return fn  # type: ignore[no-any-return]


def _target(raw: Any, where: str) -> Target:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: target must be a mapping")
    kind = raw.get("kind")
    if kind not in ("local", "spapi", "unsupported"):
        raise CatalogError(f"{where}: target.kind must be local, spapi or unsupported")
    handler = raw.get("handler")
    if kind != "unsupported" and not handler:
        raise CatalogError(f"{where}: a {kind} target needs a handler")
    if kind == "unsupported" and not raw.get("note"):
        raise CatalogError(f"{where}: an unsupported target needs a note saying why")
    spapi = raw.get("spapi") or []
    if isinstance(spapi, str):
        spapi = [spapi]
    return Target(kind=kind, handler=handler, spapi=tuple(spapi), note=raw.get("note"))


def load_section(path: Path) -> Section:
    raw = _load_yaml(path)
    where = str(path)
    name = str(_require(raw, "section", where))
    versions = []
    for i, v in enumerate(_require(raw, "versions", where)):
        vw = f"{where}: versions[{i}]"
        versions.append(
            VersionInfo(
                version=str(_require(v, "version", vw)),
                paths=tuple(str(p) for p in _require(v, "paths", vw)),
                namespace=str(_require(v, "namespace", vw)),
            )
        )
    if not versions:
        raise CatalogError(f"{where}: at least one version is needed")
    groups = raw.get("throttle_groups") or {}
    operations: dict[str, Operation] = {}
    for op_name, entry in (_require(raw, "operations", where) or {}).items():
        ow = f"{where}: operations.{op_name}"
        operations[op_name] = Operation(
            section=name,
            name=op_name,
            throttle=_throttle(_require(entry, "throttle", ow), groups, op_name, ow),
            target=_target(_require(entry, "target", ow), ow),
            namespace=entry.get("namespace"),
            spec=entry,
        )
    return Section(
        name=name,
        versions=tuple(versions),
        seller_params=tuple(raw.get("seller_params") or ["SellerId"]),
        quota_headers=bool(raw.get("quota_headers", False)),
        unknown_action=str(raw.get("unknown_action", "InvalidAddress")),
        operations=operations,
        tables=raw.get("tables") or {},
        on_start=tuple(str(h) for h in raw.get("on_start") or ()),
    )


def load_catalog(directory: Path | None = None, *, check_handlers: bool = True) -> Catalog:
    directory = directory or default_mappings_dir()
    if not directory.is_dir():
        raise CatalogError(f"mappings directory {directory} does not exist")
    sections: dict[str, Section] = {}
    for path in sorted((directory / "sections").glob("*.yaml")):
        section = load_section(path)
        if section.name in sections:
            raise CatalogError(f"{path}: section {section.name} is defined twice")
        sections[section.name] = section
    if not sections:
        raise CatalogError(f"{directory}/sections holds no section tables")

    errors_raw = _load_yaml(directory / "errors.yaml") or {}
    errors: dict[str, ErrorSpec] = {}
    for code, row in errors_raw.items():
        try:
            errors[code] = ErrorSpec(
                code=code,
                status=int(row["status"]),
                type=str(row["type"]),
                message=str(row["message"]),
                request_id_tag=str(row.get("request_id_tag", "RequestId")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogError(f"errors.yaml: {code}: {exc}") from None

    marketplaces = _load_yaml(directory / "marketplaces.yaml") or {}
    extra: dict[str, Any] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name in ("errors.yaml", "marketplaces.yaml"):
            continue
        extra[path.stem] = _load_yaml(path)
    for sub in sorted(p for p in directory.iterdir() if p.is_dir() and p.name != "sections"):
        for path in sorted(sub.glob("*.yaml")):
            extra[f"{sub.name}/{path.stem}"] = _load_yaml(path)

    catalog = Catalog(sections=sections, errors=errors, marketplaces=marketplaces, extra=extra)
    for section in sections.values():
        for info in section.versions:
            for p in info.paths:
                catalog.routes.setdefault((p, info.version), []).append(Route(section, info))
                catalog.paths.add(p)
                at_path = catalog.by_path.setdefault(p, [])
                if section not in at_path:
                    at_path.append(section)
        for hook in section.on_start:
            if check_handlers:
                resolve_handler(hook)
        for op in section.operations.values():
            if op.target.kind == "unsupported":
                continue
            if op.target.handler and check_handlers:
                resolve_handler(op.target.handler)
    # One action must not be claimed by two sections on the same (path, version).
    for key, routes in catalog.routes.items():
        seen: dict[str, str] = {}
        for route in routes:
            for action in route.section.operations:
                if action in seen and seen[action] != route.section.name:
                    raise CatalogError(
                        f"{key}: action {action} is claimed by {seen[action]} and "
                        f"{route.section.name}"
                    )
                seen[action] = route.section.name
    return catalog
