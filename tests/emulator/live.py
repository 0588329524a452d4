"""The emulator under a real uvicorn on 127.0.0.1 (random free port, background thread).

    with running_emulator(EmulatorConfig(rate_mode="off")) as base_url:
        httpx.get(f"{base_url}/sellers/v1/marketplaceParticipations", ...)

Pass `app=` instead of a config to keep a handle on `app.state.emulator`. The server is
stopped when the block exits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from tests.support.live import serve_in_thread


@contextmanager
def running_emulator(
    config: EmulatorConfig | None = None, *, app: Starlette | None = None
) -> Iterator[str]:
    """Serve an emulator (a new one for `config`, or the given `app`); yields its base URL."""
    if app is None:
        app = create_emulator_app(config)
    with serve_in_thread(app) as server:
        state = app.state.emulator
        if state.config.public_base_url is None:
            # Presigned URLs made before the first request must point here too.
            state.documents.base_url = server.url
        yield server.url
