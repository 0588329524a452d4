"""Shared fixtures: a demo gateway in memory, and one served live by uvicorn."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app
from gateway.audit import configure_logging
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.live import LiveServer, serve_in_thread

configure_logging("info")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class AuditCapture:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def calls(self) -> list[dict[str, Any]]:
        return [e for e in self.events() if e.get("event") == "mws_call"]


@pytest.fixture
def audit_log() -> Iterator[AuditCapture]:
    """Every JSON log line the gateway writes during the test."""
    capture = AuditCapture()
    configure_logging("debug", stream=capture.stream)
    try:
        yield capture
    finally:
        configure_logging("info")


@pytest.fixture
async def mws(tmp_path: Path) -> AsyncIterator[MwsClient]:
    """A demo gateway (embedded emulator, memory quotas, SQLite) behind an ASGI client."""
    async with running_gateway(demo_settings(tmp_path)) as client:
        yield client


@pytest.fixture
def live_gateway(tmp_path: Path) -> Iterator[LiveServer]:
    """A demo gateway served by uvicorn on 127.0.0.1 (random port) for real MWS clients.

    ``live_gateway.app.state.emulator_app.state.emulator`` is the emulator's state.
    """
    settings = demo_settings(tmp_path)
    app = create_app(settings)
    with serve_in_thread(app, settings=settings) as server:
        yield server


@pytest.fixture(scope="session")
def sqs_endpoint() -> Iterator[str]:
    """A real SQS-compatible server (moto in server mode on 127.0.0.1) for the session."""
    from tests.support.sqs import moto_sqs

    with moto_sqs() as endpoint:
        yield endpoint


@pytest.fixture
def probe(sqs_endpoint: str) -> Any:
    """A plain boto3 look at moto's queues (what a legacy program reading its queue does)."""
    from tests.support.sqs import SqsProbe

    return SqsProbe(sqs_endpoint)


@pytest.fixture(scope="session")
def sqs_client(sqs_endpoint: str) -> Iterator[Any]:
    """The gateway's own SQS client (gateway.notifications.sqs.Sqs) on moto, for the session."""
    from gateway.notifications.sqs import Sqs

    client = Sqs(endpoint=sqs_endpoint, region="us-east-1")
    yield client
    client.close()


@pytest.fixture(scope="session")
def npm_clients() -> None:
    """The Node MWS clients of ``tests/npm`` installed (``npm ci`` once per lockfile)."""
    from tests.support.npm import ensure_installed

    ensure_installed()
