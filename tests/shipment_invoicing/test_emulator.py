"""The emulated Shipment Invoicing API v0: bodies checked against Amazon's model."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from tests.emulator.helpers import get_lwa_token, get_rdt
from tests.emulator.modelcheck import validate_against_model

pytestmark = pytest.mark.anyio
MODEL = "shipmentInvoicingV0.json"
BASE = "/fba/outbound/brazil/v0/shipments"


@pytest.fixture
def emulator_app() -> Starlette:
    return create_emulator_app(EmulatorConfig())


@pytest.fixture
async def sp(emulator_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An SP-API client carrying an LWA token; ``x-test-rdt``: an RDT for the details."""
    transport = httpx.ASGITransport(app=emulator_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as c:
        token = await get_lwa_token(c)
        c.headers["x-amz-access-token"] = token
        c.headers["x-test-rdt"] = await get_rdt(
            c, token, [{"method": "GET", "path": f"{BASE}/{{shipmentId}}"}]
        )
        yield c


def shipment_id(app: Starlette, n: int) -> str:
    found: str = app.state.emulator.data.brazil_shipments[n]["AmazonShipmentId"]
    return found


async def test_details_need_an_rdt_and_fit_the_model(
    sp: httpx.AsyncClient, emulator_app: Starlette
) -> None:
    path = f"{BASE}/{shipment_id(emulator_app, 1)}"
    plain = await sp.get(path)
    assert plain.status_code == 403
    validate_against_model(MODEL, "getShipmentDetails", 403, plain.json())
    rdt = {"x-amz-access-token": sp.headers["x-test-rdt"]}
    got = await sp.get(path, headers=rdt)
    assert got.status_code == 200
    validate_against_model(MODEL, "getShipmentDetails", 200, got.json())
    assert got.json()["payload"]["AmazonShipmentId"] == shipment_id(emulator_app, 1)
    missing = await sp.get(f"{BASE}/NOSUCH", headers=rdt)
    assert missing.status_code == 404
    validate_against_model(MODEL, "getShipmentDetails", 404, missing.json())


async def test_invoices_and_statuses_fit_the_model(
    sp: httpx.AsyncClient, emulator_app: Starlette
) -> None:
    shipment = shipment_id(emulator_app, 0)
    status = await sp.get(f"{BASE}/{shipment}/invoice/status")
    assert status.status_code == 200
    validate_against_model(MODEL, "getInvoiceStatus", 200, status.json())
    assert status.json()["payload"]["Shipments"]["InvoiceStatus"] == "NotFound"
    content = b"<NFe><infNFe/></NFe>"
    digest = hashlib.md5(content).digest()
    for md5 in (base64.b64encode(digest).decode(), digest.hex()):  # MWS's form, the example's
        sent = await sp.post(
            f"{BASE}/{shipment}/invoice",
            json={
                "InvoiceContent": base64.b64encode(content).decode(),
                "MarketplaceId": "A2Q3Y263D00KWC",
                "ContentMD5Value": md5,
            },
        )
        assert sent.status_code == 200, sent.text
        validate_against_model(MODEL, "submitInvoice", 200, sent.json())
    wrong = await sp.post(
        f"{BASE}/{shipment}/invoice",
        json={"InvoiceContent": base64.b64encode(content).decode(), "ContentMD5Value": "x"},
    )
    assert wrong.status_code == 400
    validate_against_model(MODEL, "submitInvoice", 400, wrong.json())
    garbage = await sp.post(
        f"{BASE}/{shipment}/invoice", json={"InvoiceContent": "%%%", "ContentMD5Value": "x"}
    )
    assert garbage.status_code == 400
    status = await sp.get(f"{BASE}/{shipment}/invoice/status")
    assert status.json()["payload"]["Shipments"]["InvoiceStatus"] == "Processing"
    emulator_app.state.emulator.clock.advance(61)
    status = await sp.get(f"{BASE}/{shipment}/invoice/status")
    assert status.json()["payload"]["Shipments"]["InvoiceStatus"] == "Accepted"
    unknown = await sp.get(f"{BASE}/NOSUCH/invoice/status")
    assert unknown.status_code == 404
    validate_against_model(MODEL, "getInvoiceStatus", 404, unknown.json())
