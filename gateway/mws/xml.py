"""A tiny, fast XML writer for MWS responses.

An element is a tuple ``(tag, content)`` or ``(tag, content, attrs)`` where content is
``None`` (an empty, self-closing element), a ``str`` (text) or a list of elements.
Rendering is a pure function from that tree to text; MWS used a default namespace on the
root only, so only the root carries ``xmlns``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

Content: TypeAlias = str | Sequence["Element"] | None
Element: TypeAlias = tuple[str, Content] | tuple[str, Content, Mapping[str, str]]

# Characters outside XML 1.0 are replaced with U+FFFD, as MWS did.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})

XML_DECLARATION = '<?xml version="1.0"?>\n'


def escape_text(text: str) -> str:
    if not (text.isascii() and text.isprintable()) and _INVALID_XML.search(text):
        text = _INVALID_XML.sub("\ufffd", text)
    if "&" in text or "<" in text or ">" in text:
        return text.translate(_ESCAPES)
    return text


def escape_attr(text: str) -> str:
    if _INVALID_XML.search(text):
        text = _INVALID_XML.sub("\ufffd", text)
    return text.translate(_ATTR_ESCAPES)


def _attrs(attrs: Mapping[str, str]) -> str:
    return "".join(f' {k}="{escape_attr(v)}"' for k, v in attrs.items())


def _write(out: list[str], element: Element) -> None:
    tag = element[0]
    content = element[1]
    open_tag = f"<{tag}{_attrs(element[2])}" if len(element) == 3 else "<" + tag
    if content.__class__ is str:
        out.append(f"{open_tag}>{escape_text(content)}</{tag}>")
    elif not content:
        out.append(open_tag + "/>")
    else:
        out.append(open_tag + ">")
        for child in content:
            _write(out, child)  # type: ignore[arg-type]
        out.append(f"</{tag}>")


def render_document(
    root: Element, namespace: str | None = None, *, declaration: bool = True
) -> bytes:
    """Render ``root`` as a UTF-8 document with a default namespace and (unless
    ``declaration`` is False, as MWS's Subscriptions section answered) an XML declaration."""
    attrs: dict[str, str] = {}
    if namespace:
        attrs["xmlns"] = namespace
    if len(root) == 3:
        attrs.update(root[2])
    out: list[str] = [XML_DECLARATION] if declaration else []
    _write(out, (root[0], root[1], attrs))
    out.append("\n")
    return "".join(out).encode("utf-8")


def leaf(tag: str, value: object | None) -> Element | None:
    """An element for ``value`` or ``None`` when the value is absent (for optional fields)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return (tag, "true" if value else "false")
    return (tag, str(value))


def children(items: Iterable[Element | None]) -> list[Element]:
    """Drop the ``None`` entries produced by :func:`leaf` for absent optional fields."""
    return [item for item in items if item is not None]
