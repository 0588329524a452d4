"""The common chameleon XSDs against real MWS GetServiceStatus and ErrorResponse bodies."""

from __future__ import annotations

import re

import pytest
import xmlschema
from defusedxml import ElementTree

from gateway.schemas import SCHEMA_DIR, schema_for
from tests.support.recordings import Exchange, load_exchanges

XS = "http://www.w3.org/2001/XMLSchema"
STATUS_SECTIONS = {
    "Orders", "Products", "Sellers", "Finances", "FulfillmentInventory",
    "FulfillmentOutboundShipment", "FulfillmentInboundShipment", "MerchantFulfillment",
    "Subscriptions", "Recommendations", "ShipmentInvoicing", "EasyShip",
}  # fmt: skip


def _recorded(tag: str) -> list[Exchange]:
    return [ex for ex in load_exchanges() if ex.root_tag == tag]


def _schema(ex: Exchange) -> xmlschema.XMLSchema:
    assert ex.root_namespace is not None
    folder = ex.path_section
    sections = (folder,) if folder else ()
    return schema_for(ex.root_namespace, sections)


def test_common_documents_are_chameleon() -> None:
    files = sorted((SCHEMA_DIR / "common").glob("*.xsd"))
    assert len(files) >= 3
    for path in files:
        root = ElementTree.parse(path).getroot()
        assert root is not None, path.name
        assert root.tag == f"{{{XS}}}schema", path.name
        assert "targetNamespace" not in root.attrib, path.name
        assert root.attrib.get("elementFormDefault") == "qualified", path.name
        for kind in ("complexType", "simpleType"):
            for node in root.findall(f"{{{XS}}}{kind}"):
                name = node.attrib["name"]
                assert name.startswith("Common"), f"{path.name}: type {name} lacks the prefix"


def test_every_recorded_service_status_validates() -> None:
    recorded = _recorded("GetServiceStatusResponse")
    assert {ex.path_section for ex in recorded} == STATUS_SECTIONS
    for ex in recorded:
        _schema(ex).validate(ex.body)


def test_every_recorded_error_response_validates() -> None:
    recorded = _recorded("ErrorResponse")
    # Feeds ValidationError, Reports InvalidReportRequestId (RequestId), front-door InvalidAddress
    # (RequestID); more may be recorded later.
    assert len(recorded) >= 3
    spellings = set()
    for ex in recorded:
        _schema(ex).validate(ex.body)
        spellings |= set(re.findall(r"<(RequestI[dD])>", ex.body))
    assert spellings == {"RequestId", "RequestID"}


@pytest.fixture(scope="module")
def status_body() -> tuple[str, str]:
    ex = next(e for e in _recorded("GetServiceStatusResponse") if e.path_section == "Products")
    assert ex.root_namespace is not None
    return ex.root_namespace, ex.body


def _common(namespace: str) -> xmlschema.XMLSchema:
    return schema_for(namespace, ())


def test_status_blue_is_rejected(status_body: tuple[str, str]) -> None:
    ns, body = status_body
    assert _common(ns).is_valid(body)
    bad = body.replace("<Status>GREEN</Status>", "<Status>BLUE</Status>")
    assert bad != body
    assert not _common(ns).is_valid(bad)


@pytest.mark.parametrize("status", ["GREEN", "GREEN_I", "YELLOW", "RED"])
def test_every_documented_status_is_accepted(status_body: tuple[str, str], status: str) -> None:
    ns, body = status_body
    assert _common(ns).is_valid(body.replace(">GREEN<", f">{status}<"))


def test_missing_timestamp_is_rejected(status_body: tuple[str, str]) -> None:
    ns, body = status_body
    bad = re.sub(r"\s*<Timestamp>[^<]*</Timestamp>", "", body)
    assert "Timestamp" not in bad
    assert not _common(ns).is_valid(bad)


def test_timestamp_must_be_a_date_time(status_body: tuple[str, str]) -> None:
    ns, body = status_body
    bad = re.sub(r"<Timestamp>[^<]*</Timestamp>", "<Timestamp>yesterday</Timestamp>", body)
    assert not _common(ns).is_valid(bad)


def test_messages_are_accepted_after_timestamp(status_body: tuple[str, str]) -> None:
    ns, body = status_body
    extra = (
        "<MessageId>m-1</MessageId><Messages><Message><Locale>en_US</Locale>"
        "<Text>Degraded</Text></Message></Messages>"
    )
    good = body.replace("</Timestamp>", "</Timestamp>" + extra)
    assert _common(ns).is_valid(good)
    # out of order: MessageId before Timestamp
    swapped = re.sub(
        r"(<Timestamp>[^<]*</Timestamp>)", "<MessageId>m-1</MessageId>\\1", body, count=1
    )
    assert not _common(ns).is_valid(swapped)


def test_missing_response_metadata_is_rejected(status_body: tuple[str, str]) -> None:
    ns, body = status_body
    bad = re.sub(r"\s*<ResponseMetadata>.*</ResponseMetadata>", "", body, flags=re.S)
    assert "ResponseMetadata" not in bad
    assert not _common(ns).is_valid(bad)


def test_wrong_namespace_is_rejected(status_body: tuple[str, str]) -> None:
    ns, body = status_body
    assert not _common("https://mws.amazonservices.com/Sellers/2011-07-01").is_valid(body)
    assert _common(ns).is_valid(body)


@pytest.fixture(scope="module")
def error_body() -> tuple[str, str]:
    ex = _recorded("ErrorResponse")[0]
    assert ex.root_namespace is not None
    return ex.root_namespace, ex.body


def test_error_detail_may_hold_any_content(error_body: tuple[str, str]) -> None:
    ns, body = error_body
    detail = '<Detail>see <Item xmlns="urn:x" a="1"><Sub/></Item></Detail>'
    assert _common(ns).is_valid(body.replace("</Message>", "</Message>" + detail))


def test_error_without_request_id_is_rejected(error_body: tuple[str, str]) -> None:
    ns, body = error_body
    bad = re.sub(r"\s*<RequestI[dD]>[^<]*</RequestI[dD]>", "", body)
    assert not _common(ns).is_valid(bad)


def test_error_without_error_element_is_rejected(error_body: tuple[str, str]) -> None:
    ns, body = error_body
    bad = re.sub(r"\s*<Error>.*</Error>", "", body, flags=re.S)
    assert "<Error>" not in bad
    assert not _common(ns).is_valid(bad)


def test_error_children_order_is_enforced(error_body: tuple[str, str]) -> None:
    ns, body = error_body
    type_el = re.search(r"<Type>[^<]*</Type>", body)
    assert type_el is not None
    moved = body.replace(type_el.group(0), "").replace(
        "</Message>", "</Message>" + type_el.group(0)
    )
    assert not _common(ns).is_valid(moved)
