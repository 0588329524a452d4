"""A real uvicorn server on 127.0.0.1 in a background thread, for legacy-client tests.

Given the gateway's ``settings``, the server is configured exactly as ``mws-gateway serve``
configures it (gateway/server.py: the gateway's HTTP protocol, JSON logging); without, it is
a plain uvicorn (the emulator's tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from gateway.config import Settings


@dataclass
class LiveServer:
    app: Any
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve_in_thread(
    app: Any, host: str = "127.0.0.1", *, settings: Settings | None = None
) -> Iterator[LiveServer]:
    server: uvicorn.Server
    if settings is not None:
        from gateway.server import build_server

        server = build_server(app, settings, port=0)
    else:
        config = uvicorn.Config(
            app, host=host, port=0, log_level="warning", access_log=False, lifespan="on"
        )
        server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(app, host, port)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
