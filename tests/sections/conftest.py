"""Fixtures of the Sellers, FulfillmentInventory and Finances tests (the shared demo gateway)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.gateway import MwsClient
from tests.support.live import LiveServer


@pytest.fixture
async def gw(mws: MwsClient) -> AsyncIterator[MwsClient]:
    yield mws


@pytest.fixture
def live_gw(live_gateway: LiveServer) -> Iterator[LiveServer]:
    yield live_gateway
