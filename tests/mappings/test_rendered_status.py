"""What the gateway renders for these tables validates against the common XSDs.

Runs the real ``local:service_status`` handler and the real renderer for every section that has
GetServiceStatus (in the namespace the table gives, Finances' override included), and the
UnsupportedOperation ErrorResponse every ``unsupported`` operation of these tables answers with.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from gateway.catalog import Catalog, load_catalog, resolve_handler
from gateway.health import HealthBoard
from gateway.mws.credentials import Identity
from gateway.mws.errors import MwsError
from gateway.mws.render import render_error, render_success
from gateway.schemas import schema_for
from gateway.translate.engine.call import Call, Services, XmlResult

STATUS_SECTIONS = [
    "EasyShip", "Finances", "FulfillmentInboundShipment", "FulfillmentInventory",
    "FulfillmentOutboundShipment", "MerchantFulfillment", "Orders", "Products",
    "Recommendations", "Sellers", "ShipmentInvoicing", "Subscriptions",
]  # fmt: skip
REQUEST_ID = "0f6c7d4e-3a55-4c3e-9a7b-2d7f0c1e5b11"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(check_handlers=False)


def _call(catalog: Catalog, section: str, board: HealthBoard) -> Call:
    sec = catalog.sections[section]
    op = sec.operations["GetServiceStatus"]
    version = sec.versions[0].version
    services = Services(
        settings=cast(Any, None),
        catalog=catalog,
        health=board,
        quotas=cast(Any, None),
        store=cast(Any, None),
        spapi=None,
    )
    return Call(
        request_id=REQUEST_ID,
        section=sec,
        operation=op,
        version=version,
        namespace=sec.namespace_for(version, op),
        params={},
        identity=Identity("AKIDEXAMPLE", "A1SELLER", None, ("ATVPDKIKX0DER",)),
        services=services,
    )


def _render_status(catalog: Catalog, section: str, board: HealthBoard) -> tuple[str, bytes]:
    call = _call(catalog, section, board)
    handler = resolve_handler(call.operation.target.handler or "")
    result = asyncio.run(handler(call))
    assert isinstance(result, XmlResult)
    body = render_success("GetServiceStatus", call.namespace, REQUEST_ID, result.children)
    return call.namespace, body


@pytest.mark.parametrize("section", STATUS_SECTIONS)
def test_green_status_validates_in_the_section_namespace(catalog: Catalog, section: str) -> None:
    namespace, body = _render_status(catalog, section, HealthBoard())
    schema_for(namespace, ()).validate(body.decode("utf-8"))
    assert b"<Status>GREEN</Status>" in body
    if section == "Finances":
        assert namespace == "http://mws.amazonservices.com/schema/Finances/2015-05-01"


def test_red_status_with_message_validates(catalog: Catalog) -> None:
    board = HealthBoard()
    for _ in range(50):
        board.failure("Products", unreachable=True)
    namespace, body = _render_status(catalog, "Products", board)
    text = body.decode("utf-8")
    assert "<Status>GREEN</Status>" not in text
    assert "<Messages>" in text
    schema_for(namespace, ()).validate(text)


def test_unsupported_operation_error_validates(catalog: Catalog) -> None:
    checked: list[str] = []
    for sec in catalog.sections.values():
        version = sec.versions[0].version
        for op in sec.operations.values():
            if op.target.kind != "unsupported":
                continue
            checked.append(f"{sec.name}.{op.name}")
            namespace = sec.namespace_for(version, op)
            status, body = render_error(
                MwsError("UnsupportedOperation", op.target.note),
                namespace,
                REQUEST_ID,
                catalog.errors,
            )
            assert status == 400
            schema_for(namespace, ()).validate(body.decode("utf-8"))
    # Recommendations stays an explicit error for good (no SP-API successor); the other
    # sections' untranslated operations come and go
    assert {
        "Recommendations.GetLastUpdatedTimeForRecommendations",
        "Recommendations.ListRecommendations",
        "Recommendations.ListRecommendationsByNextToken",
    } <= set(checked)
