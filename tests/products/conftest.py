"""Fixtures of the Products tests: the demo gateway with MWS quotas off, a bare emulator, the
Node MWS clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.state import EmulatorState
from tests.emulator.helpers import get_lwa_token
from tests.support.gateway import MwsClient, demo_settings, running_gateway


@pytest.fixture
async def mws_free(tmp_path: Path) -> AsyncIterator[MwsClient]:
    """The demo gateway with MWS quotas off, for tests that make many calls."""
    async with running_gateway(demo_settings(tmp_path, quotas="off")) as client:
        yield client


@dataclass
class Emulator:
    client: httpx.AsyncClient
    state: EmulatorState
    token: str


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A bare SP-API emulator (no rate limits) with an LWA access token."""
    app = create_emulator_app(EmulatorConfig(rate_mode="off"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        yield Emulator(client, app.state.emulator, await get_lwa_token(client))
