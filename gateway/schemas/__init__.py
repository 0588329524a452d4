"""The project's own XSDs of MWS responses and legacy feeds.

Each folder holds *chameleon* schema documents (no ``targetNamespace``): ``common/`` has the
envelope pieces every section shares (ErrorResponse, ResponseMetadata, GetServiceStatus),
``<Section>/`` the section's own responses. :func:`schema_for` wraps them in a schema whose
target namespace is the one a response is rendered in, so the 2011-01-01 Orders alias or the
namespace Reports and Feeds share need no copies.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import xmlschema

SCHEMA_DIR = Path(__file__).resolve().parent


def _files(folders: list[str]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        files.extend(sorted((SCHEMA_DIR / folder).glob("*.xsd")))
    return files


@lru_cache(maxsize=64)
def schema_for(namespace: str, sections: tuple[str, ...]) -> xmlschema.XMLSchema:
    """A schema for documents in ``namespace`` built from ``common`` plus ``sections``."""
    includes = "\n".join(
        f'  <xs:include schemaLocation="{path.relative_to(SCHEMA_DIR).as_posix()}"/>'
        for path in _files(["common", *sections])
    )
    wrapper = (
        '<?xml version="1.0"?>\n'
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="{namespace}" xmlns="{namespace}" '
        'elementFormDefault="qualified">\n'
        f"{includes}\n</xs:schema>\n"
    )
    return xmlschema.XMLSchema(wrapper, base_url=str(SCHEMA_DIR) + "/")


def feed_schema(name: str) -> xmlschema.XMLSchema:
    """A legacy feed schema (``feeds/<name>.xsd``), which has no target namespace."""
    return _feed_schema(name)


@lru_cache(maxsize=16)
def _feed_schema(name: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA_DIR / "feeds" / f"{name}.xsd"))


def notification_schema() -> xmlschema.XMLSchema:
    """The MWS push notification schema (``notifications/MWSPushNotification.xsd``)."""
    return _notification_schema()


@lru_cache(maxsize=1)
def _notification_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA_DIR / "notifications" / "MWSPushNotification.xsd"))
