"""MWS ShipmentInvoicing through the demo gateway and its Shipment Invoicing emulator.

Every rendered body is validated against the project's XSDs; values are compared with the
emulator's seeded Brazilian shipments and the invoices it keeps. The buyer data of
GetFBAOutboundShipmentDetail must reach the client and no log line.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from gateway.emulator import shipment_invoicing as emulated
from gateway.emulator.config import FaultSpec
from tests.conftest import AuditCapture
from tests.support.gateway import MwsClient
from tests.support.logscan import find_leaks
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

pytestmark = pytest.mark.anyio

INVOICING = ("/ShipmentInvoicing/2018-09-01", "2018-09-01")
BRAZIL = "A2Q3Y263D00KWC"
NFE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00">'
    b"<NFe><infNFe Id='NFe3519'><ide><cUF>35</cUF><natOp>VENDA</natOp></ide></infNFe></NFe>"
    b"</nfeProc>"
)


def md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def shipment(gw: MwsClient, n: int) -> dict[str, Any]:
    found: dict[str, Any] = gw.emulator.data.brazil_shipments[n]
    return found


def ids(gw: MwsClient, n: int) -> dict[str, str]:
    return {"MarketplaceId": BRAZIL, "AmazonShipmentId": shipment(gw, n)["AmazonShipmentId"]}


async def get(gw: MwsClient, action: str, params: dict[str, str], status: int = 200) -> ET.Element:
    response = await gw.call(INVOICING[0], action, INVOICING[1], params)
    assert response.status_code == status, response.text
    return assert_valid_mws_xml(response.content)


async def submit(
    gw: MwsClient,
    params: dict[str, str],
    body: bytes,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    response = await gw.call(
        INVOICING[0],
        "SubmitFBAOutboundShipmentInvoice",
        INVOICING[1],
        params,
        method="POST",
        body=body,
        headers={"Content-Type": "text/xml", **(headers or {})},
    )
    assert response.status_code == status, response.text
    assert_valid_mws_xml(response.content)
    return response


def invoices(gw: MwsClient) -> emulated.InvoicingSettings:
    found = gw.emulator.section("shipmentInvoicing", emulated.InvoicingSettings)
    assert isinstance(found, emulated.InvoicingSettings)
    return found


async def test_shipment_detail_with_one_rdt_and_no_pii_in_the_logs(
    mws: MwsClient, audit_log: AuditCapture, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = []
    for n in range(3):
        root = await get(mws, "GetFBAOutboundShipmentDetail", ids(mws, n))
        detail = root[0][0]
        seeded = shipment(mws, n)
        assert find_text(detail, "AmazonShipmentId") == seeded["AmazonShipmentId"]
        assert find_text(detail, "AmazonOrderId") == seeded["AmazonOrderId"]
        assert find_text(detail, "WarehouseId") == seeded["WarehouseId"]
        assert find_text(detail, "BuyerName") == seeded["BuyerName"]
        address = seeded["ShippingAddress"]
        assert find_text(detail, "ShippingAddress/AddressLine1") == address["AddressLine1"]
        assert find_text(detail, "ShippingAddress/Phone") == address["Phone"]
        tax = "BuyerTaxInfo/TaxClassifications/TaxClassification/Value"
        assert find_text(detail, tax) == seeded["BuyerTaxInfo"]["TaxClassifications"][0]["Value"]
        items = next(c for c in detail if strip_ns(c.tag) == "ShipmentItems")
        assert [find_text(i, "OrderItemId") for i in items] == [
            i["OrderItemId"] for i in seeded["ShipmentItems"]
        ]
        assert [find_text(i, "QuantityOrdered") for i in items] == [
            str(i["QuantityOrdered"]) for i in seeded["ShipmentItems"]
        ]
        assert not any(strip_ns(c.tag) in ("Payments", "SellerId") for c in detail)
        seen.append(find_text(detail, "BuyerName"))
    assert len(set(seen)) == 3
    # restricted: every call used an RDT, and the one RDT of the generic path served all three
    assert mws.emulator.calls["tokens.createRestrictedDataToken"] == 1
    calls = [c for c in audit_log.calls() if c["action"] == "GetFBAOutboundShipmentDetail"]
    assert len(calls) == 3
    assert all(
        u["rdt"] for c in calls for u in c["upstream"] if u["operation"].startswith("shipment")
    )
    pii = mws.emulator.data.pii_values()
    assert {shipment(mws, n)["BuyerName"] for n in range(3)} <= pii
    logs = audit_log.text + "\n".join(r.getMessage() for r in caplog.records)
    assert find_leaks(logs, pii) == []


async def test_detail_bad_input(mws: MwsClient) -> None:
    for params, code in (
        ({"MarketplaceId": BRAZIL}, "MissingParameter"),
        ({"MarketplaceId": "ATVPDKIKX0DER", "AmazonShipmentId": "X1"}, "InvalidParameterValue"),
        ({"MarketplaceId": BRAZIL, "AmazonShipmentId": "not/an/id"}, "InvalidParameterValue"),
    ):
        root = await get(mws, "GetFBAOutboundShipmentDetail", params, status=400)
        assert find_text(root, "Error/Code") == code
    assert mws.emulator.calls["shipmentInvoicing.getShipmentDetails"] == 0
    unknown = {"MarketplaceId": BRAZIL, "AmazonShipmentId": "NOSUCHSHIP"}
    root = await get(mws, "GetFBAOutboundShipmentDetail", unknown, status=400)
    assert find_text(root, "Error/Code") == "InvalidParameterValue"


async def test_seeded_invoice_statuses(mws: MwsClient) -> None:
    statuses = []
    for n in range(3):
        root = await get(mws, "GetFBAOutboundShipmentInvoiceStatus", ids(mws, n))
        result = root[0]
        assert (
            find_text(result, "Shipments/Shipment/AmazonShipmentId")
            == (shipment(mws, n)["AmazonShipmentId"])
        )
        statuses.append(find_text(result, "Shipments/Shipment/InvoiceStatus"))
    assert statuses == ["NotFound", "Accepted", "Errored"]


async def test_submit_an_invoice_and_follow_its_status(mws: MwsClient) -> None:
    params = {**ids(mws, 0), "ContentMD5Value": md5(NFE)}
    response = await submit(mws, params, NFE)
    root = assert_valid_mws_xml(response.content)
    assert [strip_ns(c.tag) for c in root] == ["ResponseMetadata"]
    stored = invoices(mws).invoices[shipment(mws, 0)["AmazonShipmentId"]]
    assert stored.content == NFE
    assert mws.emulator.calls["shipmentInvoicing.submitInvoice"] == 1
    root = await get(mws, "GetFBAOutboundShipmentInvoiceStatus", ids(mws, 0))
    assert find_text(root[0], "Shipments/Shipment/InvoiceStatus") == "Processing"
    mws.emulator.clock.advance(emulated.PROCESSING_SECONDS + 1)
    root = await get(mws, "GetFBAOutboundShipmentInvoiceStatus", ids(mws, 0))
    assert find_text(root[0], "Shipments/Shipment/InvoiceStatus") == "Accepted"
    # the Content-MD5 header instead of the parameter (the official libraries' way for feeds)
    again = NFE.replace(b"VENDA", b"DEVOLUCAO")
    await submit(mws, ids(mws, 0), again, headers={"Content-MD5": md5(again)})
    assert invoices(mws).invoices[shipment(mws, 0)["AmazonShipmentId"]].content == again


async def test_submit_bad_documents_never_reach_sp_api(mws: MwsClient) -> None:
    base = ids(mws, 0)
    cases: list[tuple[dict[str, str], bytes, int, str]] = [
        ({**base, "ContentMD5Value": md5(b"other")}, NFE, 400, "ContentMD5DoesNotMatch"),
        (base, NFE, 400, "ContentMD5Missing"),
        ({**base, "ContentMD5Value": "not-an-md5"}, NFE, 400, "InvalidParameterValue"),
        ({**base, "ContentMD5Value": md5(b"nota")}, b"nota", 400, "InvalidParameterValue"),
        ({**base, "ContentMD5Value": md5(b"")}, b"", 400, "MissingParameter"),
        (
            {"MarketplaceId": "A1PA6795UKMFR9", "AmazonShipmentId": base["AmazonShipmentId"],
             "ContentMD5Value": md5(NFE)},
            NFE, 400, "InvalidParameterValue",
        ),
        ({"MarketplaceId": BRAZIL, "ContentMD5Value": md5(NFE)}, NFE, 400, "MissingParameter"),
    ]  # fmt: skip
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
    )
    cases.append(({**base, "ContentMD5Value": md5(laughs)}, laughs, 400, "InvalidParameterValue"))
    for params, body, status, code in cases:
        response = await submit(mws, params, body, status=status)
        assert find_text(assert_valid_mws_xml(response.content), "Error/Code") == code, params
    assert mws.emulator.calls["shipmentInvoicing.submitInvoice"] == 0
    big = b"<x>" + b"a" * (5 * 1024 * 1024) + b"</x>"
    response = await submit(mws, {**base, "ContentMD5Value": md5(big)}, big, status=413)
    assert find_text(assert_valid_mws_xml(response.content), "Error/Code") == (
        "RequestEntityTooLarge"
    )
    unknown = {"MarketplaceId": BRAZIL, "AmazonShipmentId": "NOSUCHSHIP"}
    response = await submit(mws, {**unknown, "ContentMD5Value": md5(NFE)}, NFE, status=400)
    assert find_text(assert_valid_mws_xml(response.content), "Error/Code") == (
        "InvalidParameterValue"
    )
    get_instead = await mws.call(
        INVOICING[0],
        "SubmitFBAOutboundShipmentInvoice",
        INVOICING[1],
        {**base, "ContentMD5Value": md5(NFE)},
    )
    assert get_instead.status_code == 400
    assert find_text(assert_valid_mws_xml(get_instead.content), "Error/Code") == "InvalidRequest"


async def test_submit_is_not_retried_upstream(mws: MwsClient) -> None:
    mws.emulator.faults["shipmentInvoicing.submitInvoice"] = FaultSpec(
        error_rate=1.0, error_status=500, remaining=1
    )
    response = await submit(mws, {**ids(mws, 0), "ContentMD5Value": md5(NFE)}, NFE, status=503)
    assert find_text(assert_valid_mws_xml(response.content), "Error/Code") == ("ServiceUnavailable")
    assert mws.emulator.calls["shipmentInvoicing.submitInvoice"] == 1
    assert shipment(mws, 0)["AmazonShipmentId"] not in invoices(mws).invoices
