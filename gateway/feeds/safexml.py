"""Parsing untrusted XML: no DTD at all, hence no entity expansion and no external fetches.

:func:`parse` reads a whole (small) document; :class:`TopLevelReader` reads a large one from a
file one child of the root at a time, in bounded memory: the same defused parser, fed in
chunks, builds only the child being read, and limits what any one child (or one piece of
markup) may hold, so that no document can make the reader hold much more than a message.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO, Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

CHUNK_SIZE = 64 * 1024
MAX_PENDING_BYTES = 1024 * 1024  # input read past the last parse event (one tag, comment...)
MAX_CHILD_ELEMENTS = 4096  # elements in one child of the root (a Message has about 10)
MAX_CHILD_CHARS = 1024 * 1024  # text and attribute characters in one child of the root
MAX_NAMES = 1024  # distinct element and attribute names (the parser caches every one)


class UnreadableDocument(Exception):
    """The document is not well-formed XML, or uses features refused for safety."""


def _refused(exc: DefusedXmlException) -> UnreadableDocument:
    kind = type(exc).__name__
    return UnreadableDocument(
        f"The document was rejected without being processed: it contains a document type "
        f"declaration or entity ({kind}), which feeds must not use."
    )


def _parser(target: Any = None) -> SafeET.DefusedXMLParser:
    return SafeET.DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )


def parse(body: bytes) -> ET.Element:
    """The root element of ``body``; :class:`UnreadableDocument` for anything else.

    A DOCTYPE is refused before any of it is processed, which rules out entity expansion
    ("billion laughs") and external entities or DTDs alike; feeds never need one.
    """
    try:
        root: ET.Element = SafeET.fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise _refused(exc) from None
    except ET.ParseError as exc:
        raise UnreadableDocument(f"XML Parsing Fatal Error: {exc}") from None
    return root


def _too_large(what: str) -> UnreadableDocument:
    return UnreadableDocument(
        f"The document was rejected: {what}, more than any feed needs; nothing was processed."
    )


class _Target:
    """Parser events -> the root's name, attributes and text, and its children one by one."""

    def __init__(self) -> None:
        self.depth = 0  # elements open
        self.root_tag: str | None = None
        self.root_attrib: dict[str, str] = {}
        self.root_text = False  # non-whitespace character data directly in the root
        self.done: list[ET.Element] = []  # children completed and not yet handed out
        self._builder: ET.TreeBuilder | None = None
        self._elements = 0
        self._chars = 0
        self._names: set[str] = set()

    def _count(self, elements: int, chars: int) -> None:
        self._elements += elements
        self._chars += chars
        if self._elements > MAX_CHILD_ELEMENTS:
            raise _too_large(f"an element holds more than {MAX_CHILD_ELEMENTS} elements")
        if self._chars > MAX_CHILD_CHARS:
            raise _too_large(f"an element holds more than {MAX_CHILD_CHARS} characters")

    def _name(self, name: str) -> None:
        if name not in self._names:
            if len(self._names) >= MAX_NAMES:
                raise _too_large(f"it uses more than {MAX_NAMES} element and attribute names")
            self._names.add(name)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._name(tag)
        for key in attrib:
            self._name(key)
        if self.depth == 0:
            self.root_tag, self.root_attrib = tag, dict(attrib)
        else:
            if self.depth == 1:
                self._builder, self._elements, self._chars = ET.TreeBuilder(), 0, 0
            assert self._builder is not None
            self._count(1, sum(len(k) + len(v) for k, v in attrib.items()))
            self._builder.start(tag, attrib)
        self.depth += 1

    def end(self, tag: str) -> None:
        self.depth -= 1
        if self.depth == 0:
            return
        assert self._builder is not None
        self._builder.end(tag)
        if self.depth == 1:
            self.done.append(self._builder.close())
            self._builder = None

    def data(self, text: str) -> None:
        if self.depth == 1:
            self.root_text = self.root_text or bool(text.strip())
        elif self.depth > 1:
            assert self._builder is not None
            self._count(0, len(text))
            self._builder.data(text)

    def close(self) -> None:
        return None


class TopLevelReader:
    """The children of a document's root, read from ``source`` one at a time.

    Iterating yields each child element of the root once it is complete, in document order,
    and ends at the end of a well-formed document; it raises :class:`UnreadableDocument` for
    a malformed one (wherever the fault is: children already yielded stay yielded, so a
    caller must not act on them before the iteration ended), a DOCTYPE or entity, or one
    exceeding the limits above. Once iteration started, :attr:`root_tag`,
    :attr:`root_attrib` and :attr:`root_text` describe the root itself.
    """

    def __init__(self, source: IO[bytes], chunk_size: int | None = None) -> None:
        self._source = source
        self._chunk_size = chunk_size or CHUNK_SIZE
        self._target = _Target()

    @property
    def root_tag(self) -> str | None:
        return self._target.root_tag

    @property
    def root_attrib(self) -> dict[str, str]:
        return self._target.root_attrib

    @property
    def root_text(self) -> bool:
        """Whether the root holds character data other than whitespace between children."""
        return self._target.root_text

    def __iter__(self) -> Iterator[ET.Element]:
        target = self._target
        parser = _parser(target)
        expat = parser.parser
        fed = 0
        try:
            while True:
                chunk = self._source.read(self._chunk_size)
                if not chunk:
                    parser.close()
                    break
                parser.feed(chunk)
                fed += len(chunk)
                if fed - expat.CurrentByteIndex > MAX_PENDING_BYTES:
                    raise _too_large(f"one tag or comment is longer than {MAX_PENDING_BYTES} bytes")
                ready, target.done = target.done, []
                yield from ready
        except DefusedXmlException as exc:
            raise _refused(exc) from None
        except ET.ParseError as exc:
            raise UnreadableDocument(f"XML Parsing Fatal Error: {exc}") from None
        yield from target.done
