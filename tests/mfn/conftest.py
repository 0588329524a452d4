"""Fixtures of the MerchantFulfillment tests: an in-process emulator with LWA token and RDT."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from tests.emulator.helpers import get_lwa_token, get_rdt

RESTRICTED = [
    {"method": "POST", "path": "/mfn/v0/shipments"},
    {"method": "GET", "path": "/mfn/v0/shipments/{shipmentId}"},
    {"method": "DELETE", "path": "/mfn/v0/shipments/{shipmentId}"},
]


@pytest.fixture
def emulator_app() -> Starlette:
    return create_emulator_app(EmulatorConfig())


@pytest.fixture
async def sp(emulator_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An SP-API client on the emulator carrying an LWA token (``sp.rdt``: an RDT header)."""
    transport = httpx.ASGITransport(app=emulator_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as c:
        token = await get_lwa_token(c)
        c.headers["x-amz-access-token"] = token
        c.headers["x-test-rdt"] = await get_rdt(c, token, RESTRICTED)
        yield c
