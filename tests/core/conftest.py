"""Core tests need no SP-API: the gateway points at an address nothing listens on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.gateway import MwsClient, demo_settings, local_only_mappings, running_gateway


@pytest.fixture
async def mws(tmp_path: Path) -> AsyncIterator[MwsClient]:
    settings = demo_settings(
        tmp_path / "data",
        upstream={"mode": "emulator", "emulator_url": "http://127.0.0.1:9"},
        mappings_dir=str(local_only_mappings(tmp_path / "mappings")),
    )
    async with running_gateway(settings) as client:
        yield client
