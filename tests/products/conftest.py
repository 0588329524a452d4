"""Fixtures of the Products tests: the demo gateway with MWS quotas on (``mws``) or off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.gateway import MwsClient, demo_settings, running_gateway


@pytest.fixture
async def mws_free(tmp_path: Path) -> AsyncIterator[MwsClient]:
    """The demo gateway with MWS quotas off, for tests that make many calls."""
    async with running_gateway(demo_settings(tmp_path, quotas="off")) as client:
        yield client
