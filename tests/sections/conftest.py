"""Fixtures of the Sellers, FulfillmentInventory and Finances tests.

The emulator's route list (gateway/emulator/app.py) is owned by the emulator engineer; until
it registers ``gateway.emulator.inventory`` and ``gateway.emulator.finances`` the fixtures add
those routes to the embedded emulator themselves (a no-op once they are registered).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route

from gateway.app import create_app
from gateway.emulator import finances as emulated_finances
from gateway.emulator import inventory as emulated_inventory
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.live import LiveServer, serve_in_thread


def install_routes(emulator_app: Any) -> None:
    present = {r.path for r in emulator_app.router.routes if isinstance(r, Route)}
    for route in [*emulated_inventory.routes, *emulated_finances.routes]:
        if isinstance(route, Route) and route.path not in present:
            emulator_app.router.routes.insert(0, route)


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[MwsClient]:
    """The demo gateway (``mws`` fixture) with the Inventory and Finances emulator routes."""
    async with running_gateway(demo_settings(tmp_path)) as client:
        install_routes(client.app.state.emulator_app)
        yield client


@pytest.fixture
def live_gw(tmp_path: Path) -> Iterator[LiveServer]:
    """The demo gateway served by uvicorn (``live_gateway`` fixture), routes installed."""
    app = create_app(demo_settings(tmp_path))
    install_routes(app.state.emulator_app)
    with serve_in_thread(app) as server:
        yield server
