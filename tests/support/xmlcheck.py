"""Validate every XML body the gateway renders against the project's own XSDs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import lru_cache

from gateway.catalog import load_catalog
from gateway.schemas import SCHEMA_DIR, schema_for


@lru_cache(maxsize=1)
def _folders_by_namespace() -> dict[str, tuple[str, ...]]:
    catalog = load_catalog(check_handlers=False)
    found: dict[str, set[str]] = {}
    for section in catalog.sections.values():
        namespaces = {v.namespace for v in section.versions}
        namespaces |= {op.namespace for op in section.operations.values() if op.namespace}
        for ns in namespaces:
            found.setdefault(ns, set())
            if (SCHEMA_DIR / section.name).is_dir():
                found[ns].add(section.name)
    return {ns: tuple(sorted(folders)) for ns, folders in found.items()}


def namespace_of(body: bytes) -> str:
    root = ET.fromstring(body)
    if not root.tag.startswith("{"):
        raise AssertionError(f"root element {root.tag!r} has no namespace")
    return root.tag[1:].split("}", 1)[0]


def assert_valid_mws_xml(body: bytes, *, declaration: bool = True) -> ET.Element:
    """Parse ``body``, validate it against the XSDs of its namespace, return the root.

    ``declaration=False``: the body must start with its root element, no XML declaration (the
    Subscriptions section's mutating calls, as MWS answered them)."""
    if declaration:
        assert body.startswith(b'<?xml version="1.0"?>'), body[:60]
    else:
        assert body.startswith(b"<") and not body.startswith(b"<?xml"), body[:60]
    namespace = namespace_of(body)
    folders = _folders_by_namespace().get(namespace, ())
    schema = schema_for(namespace, folders)
    schema.validate(body.decode("utf-8"))
    return ET.fromstring(body)


def strip_ns(tag: str) -> str:
    return tag.split("}", 1)[-1]


def find_text(root: ET.Element, path: str) -> str | None:
    """``find`` with a namespace-free path such as ``GetServiceStatusResult/Status``."""
    node: ET.Element | None = root
    for part in path.split("/"):
        if node is None:
            return None
        node = next((c for c in node if strip_ns(c.tag) == part), None)
    return None if node is None else node.text


def kids(node: ET.Element | None, tag: str) -> list[ET.Element]:
    """The children named ``tag`` (namespace ignored)."""
    return [] if node is None else [c for c in node if strip_ns(c.tag) == tag]


def child(node: ET.Element, path: str) -> ET.Element:
    """The element at ``a/b/c`` below ``node`` (namespaces ignored); it must exist."""
    found: ET.Element | None = node
    for part in path.split("/"):
        assert found is not None
        found = next((c for c in found if strip_ns(c.tag) == part), None)
    assert found is not None, path
    return found


def text(node: ET.Element, path: str) -> str:
    return child(node, path).text or ""
