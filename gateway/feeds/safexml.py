"""Parsing untrusted XML: no DTD at all, hence no entity expansion and no external fetches."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException


class UnreadableDocument(Exception):
    """The document is not well-formed XML, or uses features refused for safety."""


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
        kind = type(exc).__name__
        raise UnreadableDocument(
            f"The document was rejected without being processed: it contains a document type "
            f"declaration or entity ({kind}), which feeds must not use."
        ) from None
    except ET.ParseError as exc:
        raise UnreadableDocument(f"XML Parsing Fatal Error: {exc}") from None
    return root
