"""Fixtures of the FulfillmentInboundShipment tests: an in-process emulator with a token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.inbound.store import InboundStore
from tests.emulator.helpers import get_lwa_token


@pytest.fixture
def emulator_app() -> Starlette:
    return create_emulator_app(EmulatorConfig())


@pytest.fixture
def inbound(emulator_app: Starlette) -> InboundStore:
    """The emulator's inbound store, operations finishing at once unless a test slows them."""
    store = emulator_app.state.emulator.section("fbaInbound", InboundStore)
    assert isinstance(store, InboundStore)
    store.operation_seconds = 0.0
    return store


@pytest.fixture
async def sp(emulator_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An SP-API client on the emulator, already carrying an LWA access token."""
    transport = httpx.ASGITransport(app=emulator_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as c:
        c.headers["x-amz-access-token"] = await get_lwa_token(c)
        yield c
