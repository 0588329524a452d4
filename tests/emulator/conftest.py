"""Fixtures for emulator tests: a fresh in-process emulator and an httpx client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.state import EmulatorState
from tests.emulator.helpers import get_lwa_token

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    """Override in a test module to change the emulator's configuration."""
    return EmulatorConfig(data_anchor=ANCHOR)


@pytest.fixture
def emulator_app(emulator_config: EmulatorConfig) -> Starlette:
    return create_emulator_app(emulator_config)


@pytest.fixture
def emulator(emulator_app: Starlette) -> EmulatorState:
    state: EmulatorState = emulator_app.state.emulator
    return state


@pytest.fixture
async def client(emulator_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=emulator_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as c:
        yield c


@pytest.fixture
async def token(client: httpx.AsyncClient) -> str:
    return await get_lwa_token(client)
